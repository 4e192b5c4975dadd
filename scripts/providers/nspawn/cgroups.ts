// The per-node cgroups launch.sh creates: who runs in them, freezing a lab, its memory, and removing them.
import {
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './exec.ts';

const ROOT = '/sys/fs/cgroup';

/** The hierarchies launch.sh puts a node in (those that exist on this host), v2 first. */
export function hierarchies(root = ROOT): string[] {
  const v2Root = existsSync(join(root, 'cgroup.controllers')) ? [root] : [];
  const mounted = ['unified', 'systemd', 'memory'].map((h) => join(root, h));
  return [...v2Root, ...mounted.filter((d) => existsSync(join(d, 'cgroup.procs')))];
}

/** The cgroup v2 directory of a path: the unified hierarchy of a hybrid host, or the root of a pure v2 one. */
export function v2Dir(relative: string, root = ROOT): string | undefined {
  for (const base of [join(root, 'unified'), root]) {
    if (existsSync(join(base, 'cgroup.controllers'))) return join(base, relative);
  }
  return undefined;
}

const safe = (relative: string) => relative !== '' && !relative.includes('..') && !relative.startsWith('/');

// cgroupfs directories can only be removed with rmdir, deepest first (systemd inside made init.scope etc.).
function rmdirTree(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const child = join(dir, entry);
    if (statSync(child).isDirectory()) rmdirTree(child);
  }
  rmdirQuiet(dir);
}

function rmdirQuiet(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Still busy (a process or a child left in it) or already gone: leave it, never force.
  }
}

/** Removes a cgroup path (relative, e.g. `<lab>/<node>`) and what is under it from every hierarchy. */
export function removeCgroup(relative: string): void {
  if (!safe(relative)) return;
  for (const root of hierarchies()) {
    const dir = join(root, relative);
    if (existsSync(dir)) rmdirTree(dir);
  }
}

/** Removes a lab's own cgroup only when it is empty: a node cgroup left in it is not this call's to remove. */
export function removeEmptyCgroup(relative: string): void {
  if (!safe(relative)) return;
  for (const root of hierarchies()) if (existsSync(join(root, relative))) rmdirQuiet(join(root, relative));
}

function procsTree(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const own = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  const children = readdirSync(dir).filter((e) => statSync(join(dir, e)).isDirectory());
  return [...own, ...children.flatMap((c) => procsTree(join(dir, c)))];
}

/** Every process in a node's cgroup tree: finds a container whose nspawn died and left it running. */
export function cgroupProcs(relative: string): number[] {
  if (!safe(relative)) return [];
  return [...new Set(hierarchies().flatMap((root) => procsTree(join(root, relative))))];
}

/** The child cgroups of a path in the first hierarchy that has it (a lab's node cgroups). */
export function cgroupChildren(relative: string): string[] {
  for (const root of hierarchies()) {
    const dir = join(root, relative);
    if (existsSync(dir)) return readdirSync(dir).filter((e) => statSync(join(dir, e)).isDirectory());
  }
  return [];
}

/** The top-level cgroups of every hierarchy (candidate lab names). */
export function topCgroups(): string[] {
  const names = hierarchies().flatMap((root) =>
    readdirSync(root).filter((e) => statSync(join(root, e)).isDirectory()),
  );
  return [...new Set(names)];
}

/**
 * Freezes (or thaws) a cgroup tree with cgroup v2's cgroup.freeze, which stops every process in it at
 * once, and waits until the kernel reports the whole tree frozen. Throws when the host has no v2 freezer.
 * A thaw clears every cgroup.freeze of the tree: freezeInSteps freezes some of its cgroups one by one.
 */
export async function setFrozen(relative: string, frozen: boolean, timeoutMs = 10_000): Promise<void> {
  const dir = safe(relative) ? v2Dir(relative) : undefined;
  if (!dir || !existsSync(join(dir, 'cgroup.freeze')))
    throw new Error(`no cgroup v2 freezer for ${relative} (cgroup.freeze)`);
  if (!frozen) {
    for (const d of [dir, ...subdirs(dir)]) writeIfFrozen(d);
    return;
  }
  await freezeDirs([dir], timeoutMs, relative);
}

function subdirs(dir: string): string[] {
  return childDirs(dir).flatMap((c) => [c, ...subdirs(c)]);
}

// systemd inside a node may remove a unit's cgroup while we walk: a vanished one has no children.
function childDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

// A thaw must reach every cgroup it can: one that vanished meanwhile is not an error.
function writeIfFrozen(dir: string): void {
  const file = join(dir, 'cgroup.freeze');
  try {
    if (readFileSync(file, 'utf8').trim() === '1') writeFileSync(file, '0');
  } catch {
    // Gone with its unit.
  }
}

async function freezeDirs(dirs: string[], timeoutMs: number, what: string): Promise<void> {
  for (const d of dirs) writeFileSync(join(d, 'cgroup.freeze'), '1');
  const frozen = (d: string) => /^frozen 1$/m.test(readFileSync(join(d, 'cgroup.events'), 'utf8'));
  const done = await waitFor(() => dirs.every(frozen), timeoutMs, 20);
  if (!done) {
    const stuck = dirs.filter((d) => !frozen(d)).map((d) => d.slice(d.indexOf(what)));
    throw new Error(
      `${what} did not freeze within ${timeoutMs / 1000} s (still running: ${stuck.join(', ')})`,
    );
  }
}

/**
 * The smallest set of cgroups that covers the tree at `dir` but none of `spared` (absolute paths): a
 * cgroup with a spared one under it is split into its children. Processes of a split cgroup itself are
 * left to the last step of freezeInSteps.
 */
export function coverExcept(dir: string, spared: string[]): string[] {
  if (spared.includes(dir)) return [];
  if (!spared.some((s) => s.startsWith(`${dir}/`))) return [dir];
  return childDirs(dir).flatMap((c) => coverExcept(c, spared));
}

/**
 * The cgroups (relative to the v2 root) of the processes under `relative` that serve a FUSE mount: they
 * hold /dev/fuse open (a web node's GlusterFS client). Frozen before its users, such a server leaves
 * each of them waiting in the kernel for an answer (request_wait_answer), where no freezer reaches them.
 */
export function fuseServerCgroups(relative: string): string[] {
  const out = new Set<string>();
  for (const pid of cgroupProcs(relative)) {
    if (!holdsFuse(pid)) continue;
    const line = /^0::\/(.*)$/m.exec(readQuiet(`/proc/${pid}/cgroup`))?.[1];
    if (line) out.add(line);
  }
  return [...out];
}

function holdsFuse(pid: number): boolean {
  const fds = `/proc/${pid}/fd`;
  try {
    return readdirSync(fds).some((fd) => {
      try {
        return readlinkSync(join(fds, fd)) === '/dev/fuse';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function readQuiet(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Freezes a lab's tree in steps, each waited for: every cgroup but the FUSE servers' and their backends'
 * (relative paths: a web node's GlusterFS client; the storage nodes its requests wait on) and their
 * ancestors, then the FUSE servers (their users are stopped, so no request is in flight), then the
 * whole tree. A lab frozen at once could catch a web
 * node's PHP inside a read of the GlusterFS mount with the mount's client already stopped, and never
 * finish freezing (seen on full-ha right after `up`). On any failure the tree is thawed again.
 */
export async function freezeInSteps(
  relative: string,
  fuseServers: string[],
  fuseBackends: string[],
  timeoutMs = 10_000,
): Promise<void> {
  const dir = safe(relative) ? v2Dir(relative) : undefined;
  if (!dir || !existsSync(join(dir, 'cgroup.freeze')))
    throw new Error(`no cgroup v2 freezer for ${relative} (cgroup.freeze)`);
  const abs = (rels: string[]) =>
    rels
      .filter(safe)
      .map((r) => v2Dir(r)!)
      .filter((d) => existsSync(join(d, 'cgroup.freeze')));
  const [servers, backends] = [abs(fuseServers), abs(fuseBackends)];
  try {
    const first = coverExcept(dir, [...servers, ...backends]);
    if (first.length > 0) await freezeDirs(first, timeoutMs, relative);
    if (servers.length > 0) await freezeDirs(servers, timeoutMs, relative);
    await freezeDirs([dir], timeoutMs, relative);
  } catch (e) {
    await setFrozen(relative, false);
    throw e;
  }
}

/** Whether the freezer can be used for this cgroup path. */
export function canFreeze(relative: string): boolean {
  const dir = safe(relative) ? v2Dir(relative) : undefined;
  return dir !== undefined && existsSync(join(dir, 'cgroup.freeze'));
}

/** What a cgroup tree uses, in bytes, and where the figure comes from. */
export interface Memory {
  bytes: number;
  source: 'memory.current' | 'memory.usage_in_bytes' | 'rss';
}

/**
 * A cgroup's memory: cgroup v2 memory.current where the memory controller is on v2, else v1's
 * memory.usage_in_bytes (both count the page cache the lab's files use), else the resident set of its
 * processes summed (shared pages counted once per process).
 */
export function cgroupMemory(relative: string, root = ROOT): Memory | undefined {
  if (!safe(relative)) return undefined;
  const v2 = v2Dir(relative, root);
  if (v2 && existsSync(join(v2, 'memory.current')))
    return { bytes: Number(readFileSync(join(v2, 'memory.current'), 'utf8')), source: 'memory.current' };
  const v1 = join(root, 'memory', relative, 'memory.usage_in_bytes');
  if (existsSync(v1)) return { bytes: Number(readFileSync(v1, 'utf8')), source: 'memory.usage_in_bytes' };
  const pids = cgroupProcs(relative);
  if (pids.length === 0) return undefined;
  return { bytes: pids.reduce((sum, pid) => sum + rssBytes(pid), 0), source: 'rss' };
}

function rssBytes(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
