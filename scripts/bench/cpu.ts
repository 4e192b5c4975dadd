// CPU of a running nspawn lab per node, from each container's cgroup (cpu.stat usage_usec): what the
// lab costs its host, whatever else the host runs. Used by `npm run bench -- frugal`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPath } from '../providers/nspawn/naming.ts';

const ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

/** usage_usec from a cgroup v2 cpu.stat text. */
export function usageUsec(cpuStat: string): number {
  const m = cpuStat.match(/^usage_usec (\d+)$/m);
  if (!m) throw new Error('cpu.stat has no usage_usec line');
  return Number(m[1]);
}

function cpuStatFile(lab: string, node: string): string {
  for (const root of ROOTS) {
    const f = join(root, cgroupPath(lab, node), 'cpu.stat');
    if (existsSync(f)) return f;
  }
  throw new Error(`no cgroup v2 cpu.stat for ${lab}/${node} (is the lab running on nspawn?)`);
}

/** Cumulative CPU microseconds per node now. */
export function sampleCpu(lab: string, nodes: string[]): Record<string, number> {
  return Object.fromEntries(nodes.map((n) => [n, usageUsec(readFileSync(cpuStatFile(lab, n), 'utf8'))]));
}

/** Cores used per node between two samples taken `seconds` apart. */
export function coresBetween(
  before: Record<string, number>,
  after: Record<string, number>,
  seconds: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.keys(before).map((n) => [n, ((after[n] ?? 0) - (before[n] ?? 0)) / 1e6 / seconds]),
  );
}

/** The median of numbers (the mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Per-node and whole-lab cores for each of `windows` windows of `seconds`. */
export async function idleWindows(
  lab: string,
  nodes: string[],
  windows: number,
  seconds: number,
): Promise<{ total: number; perNode: Record<string, number> }[]> {
  const out: { total: number; perNode: Record<string, number> }[] = [];
  for (let i = 0; i < windows; i++) {
    const before = sampleCpu(lab, nodes);
    await new Promise((res) => setTimeout(res, seconds * 1000));
    const perNode = coresBetween(before, sampleCpu(lab, nodes), seconds);
    out.push({ total: Object.values(perNode).reduce((a, b) => a + b, 0), perNode });
  }
  return out;
}
