// The per-node cgroups launch.sh creates: who runs in them, freezing a lab, its memory, and removing them.
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
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
 */
export async function setFrozen(relative: string, frozen: boolean, timeoutMs = 10_000): Promise<void> {
  const dir = safe(relative) ? v2Dir(relative) : undefined;
  if (!dir || !existsSync(join(dir, 'cgroup.freeze')))
    throw new Error(`no cgroup v2 freezer for ${relative} (cgroup.freeze)`);
  writeFileSync(join(dir, 'cgroup.freeze'), frozen ? '1' : '0');
  if (!frozen) return;
  const done = await waitFor(
    () => /^frozen 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8')),
    timeoutMs,
    20,
  );
  if (!done) throw new Error(`${relative} did not freeze within ${timeoutMs / 1000} s`);
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
