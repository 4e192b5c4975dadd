// The per-node cgroups launch.sh creates, removed once nothing runs in them.
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const HIERARCHIES = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'];

// cgroupfs directories can only be removed with rmdir, deepest first (systemd inside made init.scope etc.).
function rmdirTree(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const child = join(dir, entry);
    if (statSync(child).isDirectory()) rmdirTree(child);
  }
  try {
    rmdirSync(dir);
  } catch {
    // Still busy (a process left in it) or already gone: leave it, never force.
  }
}

/** Removes a cgroup path (relative, e.g. `<lab>/<node>`) from every hierarchy launch.sh used. */
export function removeCgroup(relative: string): void {
  if (!relative || relative.includes('..') || relative.startsWith('/')) return;
  for (const root of HIERARCHIES) {
    const dir = join(root, relative);
    if (existsSync(dir)) rmdirTree(dir);
  }
}

function procsTree(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const own = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  const children = readdirSync(dir).filter((e) => statSync(join(dir, e)).isDirectory());
  return [...own, ...children.flatMap((c) => procsTree(join(dir, c)))];
}

/** Every process in a node's cgroup tree: finds a container whose nspawn died and left it running. */
export function cgroupProcs(relative: string): number[] {
  if (!relative || relative.includes('..') || relative.startsWith('/')) return [];
  return [...new Set(HIERARCHIES.flatMap((root) => procsTree(join(root, relative))))];
}
