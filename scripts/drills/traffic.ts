// Starts, stops and collects the drill traffic generator on the client node; the generator is killed by PID.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../core/errors.ts';
import { frontAddress, type Lab, nodesWithRole, REPO_ROOT } from '../core/model.ts';
import type { Secrets } from '../core/secrets.ts';
import type { Remote } from '../engine/remote.ts';
import { parseRecords } from './metrics.ts';
import type { RequestRecord } from './types.ts';

const SCRIPT = join(REPO_ROOT, 'provision/files/client/traffic.php');
export const DRILL_DIR = '/var/tmp/lab-drill';
const DIR = DRILL_DIR;

/** Nextcloud's WebDAV root of the admin user, through the front address, and its credentials. */
export interface DavAccess {
  base: string;
  user: string;
  password: string;
}

export function davAccess(lab: Lab, secrets: Secrets): DavAccess {
  const user = lab.nextcloud?.admin_user ?? 'admin';
  return {
    base: `https://${frontAddress(lab)}/remote.php/dav/files/${encodeURIComponent(user)}`,
    user,
    password: secrets.values.NEXTCLOUD_ADMIN_PASSWORD ?? '',
  };
}

/** Writes the WebDAV credentials to a root-only file on the node (never argv, which `ps` shows). */
export async function putDavFile(remote: Remote, node: string, path: string, dav: DavAccess): Promise<void> {
  await remote.put(node, path, JSON.stringify(dav), 0o600);
}

export interface TrafficRun {
  node: string;
  pid: number;
  out: string;
  stop: string;
  started: number;
  /** The WebDAV credentials file, removed when the generator stops. */
  davFile?: string;
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
  opts: { rate: number; maxS: number; dav?: DavAccess },
): Promise<TrafficRun> {
  const front = frontAddress(lab);
  if (!front)
    throw new LabError('DRILL_NO_FRONT', `Lab ${lab.name} has no front address`, {
      hint: 'Give it a front VIP or exactly one lb node.',
    });
  const script = `${DIR}/traffic.php`;
  await remote.put(node, script, readFileSync(SCRIPT), 0o644);
  const files = {
    out: `${DIR}/${runId}.jsonl`,
    pid: `${DIR}/${runId}.pid`,
    stop: `${DIR}/${runId}.stop`,
    err: `${DIR}/${runId}.err`,
    dav: opts.dav ? `${DIR}/${runId}.dav.json` : undefined,
  };
  const args = [
    `--front=https://${front}`,
    '--ca=/opt/lab/tls/ca.crt',
    `--out=${files.out}`,
    `--pid=${files.pid}`,
    `--stop=${files.stop}`,
  ];
  args.push(`--rate=${opts.rate}`, `--duration=${opts.maxS}`, '--timeout=10', `--run=${runId}`);
  if (opts.dav && files.dav) {
    await putDavFile(remote, node, files.dav, opts.dav);
    args.push(`--dav=${files.dav}`);
  }
  // A constant script: the arguments travel as argv ("$@"), never pasted into the shell text.
  const launch = [
    'bash',
    '-c',
    'err=$1; shift; nohup "$@" </dev/null >/dev/null 2>"$err" & echo $!',
    'traffic',
    files.err,
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
    const said = (await remote.exec(node, ['cat', files.err], { timeoutMs: 10_000 })).stdout.trim();
    if (files.dav) await remote.exec(node, ['rm', '-f', files.dav], { timeoutMs: 10_000 });
    throw new LabError(
      'DRILL_TRAFFIC_START',
      `The traffic generator on ${node} exited at once${said ? `: ${said}` : ''}`,
      { hint: `Run it by hand on ${node}: php ${script} ${args.join(' ')}` },
    );
  }
  return { node, pid, out: files.out, stop: files.stop, started: Date.now(), davFile: files.dav };
}

async function alive(remote: Remote, node: string, pid: number): Promise<boolean> {
  return (await remote.exec(node, ['kill', '-0', String(pid)], { timeoutMs: 10_000 })).code === 0;
}

/**
 * Asks the generator to stop (it lets requests in flight finish), kills it by PID if it lingers, and
 * removes its credentials file.
 */
export async function stopTraffic(remote: Remote, run: TrafficRun, graceMs = 15_000): Promise<void> {
  await remote.exec(run.node, ['touch', run.stop], { timeoutMs: 10_000 });
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await alive(remote, run.node, run.pid)))
    await new Promise((res) => setTimeout(res, 500));
  if (await alive(remote, run.node, run.pid))
    await remote.exec(run.node, ['kill', '-KILL', String(run.pid)], { timeoutMs: 10_000 });
  if (run.davFile) await remote.exec(run.node, ['rm', '-f', run.davFile], { timeoutMs: 10_000 });
}

/** Every request the generator recorded. */
export async function fetchRecords(
  remote: Remote,
  run: TrafficRun,
): Promise<{ text: string; records: RequestRecord[] }> {
  const text = (await remote.get(run.node, run.out)).toString('utf8');
  return { text, records: parseRecords(text) };
}
