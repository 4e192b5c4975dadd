// Starts, stops and collects the drill traffic generator on the client node; the generator is killed by PID.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../core/errors.ts';
import { frontAddress, type Lab, nodesWithRole, REPO_ROOT } from '../core/model.ts';
import type { Remote } from '../engine/remote.ts';
import { parseRecords } from './metrics.ts';
import type { RequestRecord } from './types.ts';

const SCRIPT = join(REPO_ROOT, 'provision/files/client/traffic.php');
const DIR = '/var/tmp/lab-drill';

export interface TrafficRun {
  node: string;
  pid: number;
  out: string;
  stop: string;
  started: number;
}

/** The client node the traffic comes from; a drill without one measures nothing. */
export function trafficNode(lab: Lab, running: Set<string>): string {
  const client = nodesWithRole(lab, 'client').find((n) => running.has(n.name));
  if (!client)
    throw new LabError('DRILL_NO_CLIENT', 'No running client node to send drill traffic from', {
      hint: 'Bring the client up: `npm run lab:up -- --only client`.',
    });
  return client.name;
}

/** Starts the generator in the background for at most `maxS` seconds; resolves once its PID is known. */
export async function startTraffic(
  lab: Lab,
  remote: Remote,
  node: string,
  runId: string,
  opts: { rate: number; maxS: number },
): Promise<TrafficRun> {
  const front = frontAddress(lab);
  if (!front)
    throw new LabError('DRILL_NO_FRONT', `Lab ${lab.name} has no front address`, {
      hint: 'Give it a front VIP or exactly one lb node.',
    });
  const script = `${DIR}/traffic.php`;
  await remote.put(node, script, readFileSync(SCRIPT), 0o644);
  const files = { out: `${DIR}/${runId}.jsonl`, pid: `${DIR}/${runId}.pid`, stop: `${DIR}/${runId}.stop` };
  const args = [
    `--front=https://${front}`,
    '--ca=/opt/lab/tls/ca.crt',
    `--out=${files.out}`,
    `--pid=${files.pid}`,
    `--stop=${files.stop}`,
  ];
  args.push(`--rate=${opts.rate}`, `--duration=${opts.maxS}`, '--timeout=10', `--run=${runId}`);
  // A constant script: the arguments travel as argv ("$@"), never pasted into the shell text.
  const launch = [
    'bash',
    '-c',
    'nohup "$@" </dev/null >/dev/null 2>&1 & echo $!',
    'traffic',
    'php',
    script,
    ...args,
  ];
  const r = await remote.exec(node, launch, { timeoutMs: 15_000 });
  const pid = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isInteger(pid) || pid <= 1) {
    throw new LabError(
      'DRILL_TRAFFIC_START',
      `Could not start the traffic generator on ${node}: ${r.stderr.trim()}`,
      { hint: 'Is php8.2-cli with curl installed on the client? `npm run lab:up -- --only client`.' },
    );
  }
  await new Promise((res) => setTimeout(res, 1500));
  if (!(await alive(remote, node, pid))) {
    throw new LabError('DRILL_TRAFFIC_START', `The traffic generator on ${node} exited at once`, {
      hint: `Run it by hand on ${node}: php ${script} ${args.join(' ')}`,
    });
  }
  return { node, pid, out: files.out, stop: files.stop, started: Date.now() };
}

async function alive(remote: Remote, node: string, pid: number): Promise<boolean> {
  return (await remote.exec(node, ['kill', '-0', String(pid)], { timeoutMs: 10_000 })).code === 0;
}

/** Asks the generator to stop (it lets requests in flight finish), then kills it by PID if it lingers. */
export async function stopTraffic(remote: Remote, run: TrafficRun, graceMs = 15_000): Promise<void> {
  await remote.exec(run.node, ['touch', run.stop], { timeoutMs: 10_000 });
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await alive(remote, run.node, run.pid))) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  await remote.exec(run.node, ['kill', '-KILL', String(run.pid)], { timeoutMs: 10_000 });
}

/** Every request the generator recorded. */
export async function fetchRecords(
  remote: Remote,
  run: TrafficRun,
): Promise<{ text: string; records: RequestRecord[] }> {
  const text = (await remote.get(run.node, run.out)).toString('utf8');
  return { text, records: parseRecords(text) };
}
