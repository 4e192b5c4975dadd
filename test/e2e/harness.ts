// Runs the real `lab` command for end-to-end tests and checks that a lab left nothing behind.
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadLabFile, REPO_ROOT } from '../../scripts/core/model.ts';
import { bridgeName, machineName, netnsName } from '../../scripts/providers/nspawn/naming.ts';

export interface LabRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Why the nspawn end-to-end tests cannot run here, or undefined when they can. */
export function nspawnSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'nspawn end-to-end tests need Linux';
  if (process.getuid?.() !== 0) return 'nspawn end-to-end tests need root';
  for (const tool of ['/usr/bin/systemd-nspawn', '/usr/sbin/debootstrap']) {
    if (!existsSync(tool)) return `${tool} is missing (apt-get install systemd-container debootstrap)`;
  }
  return undefined;
}

/** The real Nextcloud release beside the project (../shared/nextcloud/, as CI has it), used as a user would. */
export const SHARED_NEXTCLOUD_DIR = join(REPO_ROOT, '..', 'shared', 'nextcloud');

/**
 * The environment that gives `lab up` a real Nextcloud: NEXTCLOUD_ARCHIVE as set, else the release in
 * ../shared/nextcloud/. Without one, `reason` says why the Nextcloud checks will skip.
 */
export function nextcloudArchive(): { env: Record<string, string>; archive?: string; reason?: string } {
  const given = process.env.NEXTCLOUD_ARCHIVE;
  if (given) return { env: { NEXTCLOUD_ARCHIVE: given }, archive: given };
  const found = existsSync(SHARED_NEXTCLOUD_DIR)
    ? readdirSync(SHARED_NEXTCLOUD_DIR).find((f) => /^nextcloud-.*\.tar\.bz2$/.test(f))
    : undefined;
  if (!found)
    return {
      env: {},
      reason: `no Nextcloud archive: neither NEXTCLOUD_ARCHIVE nor ${SHARED_NEXTCLOUD_DIR}/nextcloud-*.tar.bz2`,
    };
  const archive = join(SHARED_NEXTCLOUD_DIR, found);
  return { env: { NEXTCLOUD_ARCHIVE: archive }, archive };
}

/** `lab` processes still running: a test that timed out must not leave one provisioning behind it. */
const running = new Set<ReturnType<typeof execa>>();

function spawnLab(args: string[], env: Record<string, string>) {
  const child = execa('node', ['--import', 'tsx', join(REPO_ROOT, 'scripts/lab.ts'), ...args], {
    cwd: REPO_ROOT,
    reject: false,
    env: { LAB_OFFLINE: '1', ...env, NO_COLOR: '1' },
    timeout: 30 * 60_000,
    forceKillAfterDelay: 15_000,
  });
  running.add(child);
  child.finally(() => running.delete(child)).catch(() => {});
  return child;
}

/** Stops every `lab` process a test started and did not wait for (Ctrl-C first, so it closes cleanly). */
export async function stopRunningLabs(): Promise<void> {
  const children = [...running];
  for (const child of children) child.kill('SIGINT');
  await Promise.allSettled(children);
}

/**
 * Copies a lab's per-node logs into its reports folder (which destroy keeps), so a failed e2e run
 * can still be read after its teardown destroyed the lab.
 */
export function keepLogs(labName: string): void {
  const root = join(REPO_ROOT, '.lab', labName);
  if (!existsSync(join(root, 'logs'))) return;
  const to = join(root, 'reports', `logs-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  cpSync(join(root, 'logs'), to, { recursive: true });
}

export async function lab(args: string[], env: Record<string, string> = {}): Promise<LabRun> {
  const t0 = Date.now();
  const r = await spawnLab(args, env);
  const run = {
    code: r.exitCode ?? -1,
    stdout: String(r.stdout),
    stderr: String(r.stderr),
    ms: Date.now() - t0,
  };
  if (process.env.LAB_TEST_VERBOSE)
    process.stderr.write(`$ lab ${args.join(' ')} -> ${run.code} (${run.ms} ms)\n${run.stderr}\n`);
  return run;
}

/** Like lab(), but a non-zero exit fails with the command's own output, which says what went wrong. */
export async function labOk(args: string[], env: Record<string, string> = {}): Promise<LabRun> {
  const r = await lab(args, env);
  if (r.code !== 0)
    throw new Error(
      `lab ${args.join(' ')} exited ${r.code}\n--- stderr ---\n${r.stderr.slice(-6000)}\n--- stdout ---\n${r.stdout.slice(-3000)}`,
    );
  return r;
}

export function json<T>(run: LabRun): T {
  return JSON.parse(run.stdout) as T;
}

/** What a lab may leave behind on the host: nspawn processes, its bridge, netns and mounts under its state dir. */
export function leftovers(labName: string, nodes: string[] = []): string[] {
  const found: string[] = [];
  if (existsSync(`/sys/class/net/${bridgeName(labName)}`)) found.push(`bridge ${bridgeName(labName)}`);
  for (const node of nodes) {
    if (existsSync(`/run/netns/${netnsName(labName, node)}`)) found.push(`netns ${netnsName(labName, node)}`);
  }
  const machines = new Set(nodes.map((n) => `--machine=${machineName(labName, n)}`));
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => machines.has(a))) found.push(`process ${pid} ${argv.slice(0, 3).join(' ')}`);
    } catch {
      // The process ended while we looked.
    }
  }
  const root = join(REPO_ROOT, '.lab', labName);
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[1]?.startsWith(root));
  found.push(...mounts.map((m) => `mount ${m.split(' ')[1]}`));
  if (existsSync(join(root, 'machines'))) found.push(`directory ${join(root, 'machines')}`);
  return found;
}

type Check = { id: string; tier: string; status: 'pass' | 'fail' | 'skip'; summary: string };

/** The checks of a `verify --json` run that did not pass, as readable lines for an assertion message. */
/** data.standalone checks the one MariaDB of a lab without Galera: on a Galera lab it skips, by design. */
const galeraLab = (c: Check) => c.id === 'data.standalone' && /runs Galera/.test(c.summary);

export function notPassing(
  report: { checks: Check[] },
  allowSkip: (c: Check) => boolean = () => false,
): string[] {
  return report.checks
    .filter((c) => c.status === 'fail' || (c.status === 'skip' && !allowSkip(c) && !galeraLab(c)))
    .map((c) => `${c.status} ${c.id}: ${c.summary}`);
}

/** The node names of a lab from labs/, for leftovers(). */
export function nodesOf(lab: string): string[] {
  return loadLabFile(lab, 1e9).lab.nodes.map((n) => n.name);
}

/** Starts `lab` and sends SIGINT (Ctrl-C) once its progress shows `when`; resolves with how it ended. */
export async function labInterrupted(
  args: string[],
  when: RegExp,
  env: Record<string, string> = {},
): Promise<LabRun & { interrupted: boolean }> {
  const t0 = Date.now();
  const child = spawnLab(args, env);
  let interrupted = false;
  let seen = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    if (!interrupted && when.test(seen)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  const r = await child;
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: seen, ms: Date.now() - t0, interrupted };
}
