// CPU of a running nspawn lab per node, from each container's cgroup (cpu.stat usage_usec): what the
// lab costs its host, whatever else the host runs. Used by `npm run bench -- frugal`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/**
 * Cumulative CPU microseconds now of each of the nodes' systemd units whose name matches `units`, keyed
 * `node/unit`: a unit's own cgroup in the container (payload/system.slice/UNIT). A oneshot unit's cgroup
 * lives only while it runs, so only long-running units add up over a window.
 */
export function sampleUnits(lab: string, nodes: string[], units: RegExp): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of nodes) {
    const slice = join(dirname(cpuStatFile(lab, n)), 'payload', 'system.slice');
    let names: string[] = [];
    try {
      names = readdirSync(slice).filter((u) => units.test(u));
    } catch {
      continue;
    }
    for (const u of names) {
      try {
        out[`${n}/${u}`] = usageUsec(readFileSync(join(slice, u, 'cpu.stat'), 'utf8'));
      } catch {
        // Gone between the listing and the read: a unit that stopped.
      }
    }
  }
  return out;
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

export interface IdleWindow {
  total: number;
  perNode: Record<string, number>;
  /** Cores of each unit matched by `units` (`node/unit`) that ran the whole window; with `units` only. */
  perUnit: Record<string, number>;
}

/** Per-node and whole-lab cores for each of `windows` windows of `seconds`, and per unit for `units`. */
export async function idleWindows(
  lab: string,
  nodes: string[],
  windows: number,
  seconds: number,
  units?: RegExp,
): Promise<IdleWindow[]> {
  const out: IdleWindow[] = [];
  for (let i = 0; i < windows; i++) {
    const before = sampleCpu(lab, nodes);
    const unitsBefore = units ? sampleUnits(lab, nodes, units) : {};
    await new Promise((res) => setTimeout(res, seconds * 1000));
    const perNode = coresBetween(before, sampleCpu(lab, nodes), seconds);
    const unitsAfter = units ? sampleUnits(lab, nodes, units) : {};
    const both = Object.fromEntries(Object.entries(unitsBefore).filter(([k]) => k in unitsAfter));
    out.push({
      total: Object.values(perNode).reduce((a, b) => a + b, 0),
      perNode,
      perUnit: coresBetween(both, unitsAfter, seconds),
    });
  }
  return out;
}
