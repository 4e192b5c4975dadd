// Starts, stops and collects the traffic generator on the client node: one engine (traffic.php) for the
// drills' open-loop mix and the load test's closed-loop users; killed by PID if it lingers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../core/errors.ts';
import { frontAddress, type Lab, nodesWithRole, REPO_ROOT } from '../core/model.ts';
import type { Secrets } from '../core/secrets.ts';
import type { Remote } from '../engine/remote.ts';
import { parseRecords } from './metrics.ts';
import type { RequestRecord } from './types.ts';

// The engine and the scenarios it loads from its own directory.
const SOURCES = ['traffic.php', 'traffic-lib.php', 'traffic-drill.php', 'traffic-users.php', 'docx.php'];
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

/** A Nextcloud account a virtual user of the load test logs in as. */
export interface Account {
  name: string;
  password: string;
}

/** Closed-loop users of a load scenario, one per account. */
export interface UsersPlan {
  scenario: 'transfer' | 'activity';
  accounts: Account[];
  /** Per user; 0: until the duration is over. */
  iterations: number;
  sizeBytes: number;
  rampS: number;
  thinkS: number;
  seed: number;
  /** Per request. */
  timeoutS: number;
}

/** What the generator runs: the drill mix, or closed-loop users of a load scenario. */
export type TrafficPlan = { scenario: 'drill'; rate: number; dav?: DavAccess } | UsersPlan;

/** Writes credentials to a root-only file on the node (never argv, which `ps` shows). */
export async function putDavFile(remote: Remote, node: string, path: string, dav: DavAccess): Promise<void> {
  await remote.put(node, path, JSON.stringify(dav), 0o600);
}

export interface TrafficRun {
  node: string;
  pid: number;
  /** The run id: the generator sends X-Lab-Run: <runId>.<seq> with each request. */
  runId: string;
  out: string;
  stop: string;
  err: string;
  progress: string;
  started: number;
  /** The credentials file (WebDAV or accounts), removed when the generator stops. */
  secretFile?: string;
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

/** The generator's files on the client for one run. */
export function runFiles(runId: string, secret: boolean) {
  return {
    out: `${DIR}/${runId}.jsonl`,
    pid: `${DIR}/${runId}.pid`,
    stop: `${DIR}/${runId}.stop`,
    err: `${DIR}/${runId}.err`,
    progress: `${DIR}/${runId}.progress.json`,
    secret: secret ? `${DIR}/${runId}.secret.json` : undefined,
  };
}

/** The arguments after `php traffic.php`: pure, so a test can read what each plan asks for. */
export function generatorArgs(
  front: string,
  runId: string,
  files: ReturnType<typeof runFiles>,
  plan: TrafficPlan,
  maxS: number,
): string[] {
  const args = [
    `--front=https://${front}`,
    '--ca=/opt/lab/tls/ca.crt',
    `--out=${files.out}`,
    `--pid=${files.pid}`,
    `--stop=${files.stop}`,
    `--progress=${files.progress}`,
    `--scenario=${plan.scenario}`,
    `--duration=${maxS}`,
    `--run=${runId}`,
  ];
  if (plan.scenario === 'drill') {
    args.push(`--rate=${plan.rate}`, '--timeout=10');
    if (plan.dav && files.secret) args.push(`--dav=${files.secret}`);
    return args;
  }
  args.push(
    `--timeout=${plan.timeoutS}`,
    `--users=${files.secret}`,
    `--iterations=${plan.iterations}`,
    `--size=${plan.sizeBytes}`,
    `--ramp=${plan.rampS}`,
    `--think=${plan.thinkS}`,
    `--seed=${plan.seed}`,
  );
  return args;
}

/** Starts the generator in the background for at most `maxS` seconds; resolves once its PID is known. */
export async function startTraffic(
  lab: Lab,
  remote: Remote,
  node: string,
  runId: string,
  opts: TrafficPlan & { maxS: number },
): Promise<TrafficRun> {
  const front = frontAddress(lab);
  if (!front)
    throw new LabError('DRILL_NO_FRONT', `Lab ${lab.name} has no front address`, {
      hint: 'Give it a front VIP or exactly one lb node.',
    });
  for (const f of SOURCES)
    await remote.put(node, `${DIR}/${f}`, readFileSync(join(REPO_ROOT, 'provision/files/client', f)), 0o644);
  const secret = opts.scenario === 'drill' ? opts.dav : opts.accounts;
  const files = runFiles(runId, secret !== undefined);
  if (secret !== undefined && files.secret)
    await remote.put(node, files.secret, JSON.stringify(secret), 0o600);
  const script = `${DIR}/traffic.php`;
  const args = generatorArgs(front, runId, files, opts, opts.maxS);
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
  const removeSecret = () =>
    files.secret ? remote.exec(node, ['rm', '-f', files.secret], { timeoutMs: 10_000 }) : undefined;
  if (r.code !== 0 || !Number.isInteger(pid) || pid <= 1) {
    await removeSecret();
    throw new LabError(
      'DRILL_TRAFFIC_START',
      `Could not start the traffic generator on ${node}: ${r.stderr.trim()}`,
      { hint: 'Is php8.2-cli with curl installed on the client? `npm run lab:up -- --only client`.' },
    );
  }
  await new Promise((res) => setTimeout(res, 1500));
  if (
    !(await generatorAlive(remote, node, pid)) &&
    !(await readProgress(remote, node, files.progress))?.finished
  ) {
    const said = (await remote.exec(node, ['cat', files.err], { timeoutMs: 10_000 })).stdout.trim();
    await removeSecret();
    throw new LabError(
      'DRILL_TRAFFIC_START',
      `The traffic generator on ${node} exited at once${said ? `: ${said}` : ''}`,
      { hint: `Run it by hand on ${node}: php ${script} ${args.join(' ')}` },
    );
  }
  const { out, stop, err, progress } = files;
  return { node, pid, runId, out, stop, err, progress, started: Date.now(), secretFile: files.secret };
}

/** Whether the generator's process still runs. */
export async function generatorAlive(remote: Remote, node: string, pid: number): Promise<boolean> {
  return (await remote.exec(node, ['kill', '-0', String(pid)], { timeoutMs: 10_000 })).code === 0;
}

/** The totals the generator writes about once a second (the last with finished: true). */
export interface GeneratorProgress {
  t0: number;
  t: number;
  done: number;
  failed: number;
  bytes: number;
  finished: boolean;
  /** CPU seconds (user + system) the generator used so far, and its peak memory. */
  cpuS: number;
  peakMiB: number;
}

/** The generator's progress file, or null before it wrote one. */
export async function readProgress(
  remote: Remote,
  node: string,
  path: string,
): Promise<GeneratorProgress | null> {
  const r = await remote.exec(node, ['cat', path], { timeoutMs: 10_000 });
  try {
    return r.code === 0 ? (JSON.parse(r.stdout) as GeneratorProgress) : null;
  } catch {
    return null;
  }
}

/**
 * Asks the generator to stop (it lets requests in flight finish), kills it by PID if it lingers, and
 * removes its credentials file.
 */
export async function stopTraffic(remote: Remote, run: TrafficRun, graceMs = 15_000): Promise<void> {
  await remote.exec(run.node, ['touch', run.stop], { timeoutMs: 10_000 });
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await generatorAlive(remote, run.node, run.pid)))
    await new Promise((res) => setTimeout(res, 500));
  if (await generatorAlive(remote, run.node, run.pid))
    await remote.exec(run.node, ['kill', '-KILL', String(run.pid)], { timeoutMs: 10_000 });
  if (run.secretFile) await remote.exec(run.node, ['rm', '-f', run.secretFile], { timeoutMs: 10_000 });
}

/** Every request the generator recorded. */
export async function fetchRecords(
  remote: Remote,
  run: TrafficRun,
): Promise<{ text: string; records: RequestRecord[] }> {
  const text = (await remote.get(run.node, run.out)).toString('utf8');
  return { text, records: parseRecords(text) };
}
