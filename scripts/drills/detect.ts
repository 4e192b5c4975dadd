// Time to detect: when the load balancer, router or peer first logged the halted node as gone.
import { type Lab, nodeByName } from '../core/model.ts';
import type { Role } from '../core/roles.ts';
import type { Remote } from '../engine/remote.ts';

export interface LogLine {
  node: string;
  /** ms since the epoch */
  t: number;
  text: string;
}

/** Who notices a halted node, where it logs, and the line that says so. */
export interface Watch {
  observers: Role;
  source: 'journal' | 'gluster';
  pattern: RegExp;
  what: string;
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The watches for a node, from its roles: HAProxy marks servers DOWN, keepalived takes over, FUSE disconnects. */
export function watchesFor(lab: Lab, target: string): Watch[] {
  const node = nodeByName(lab, target);
  const down = new RegExp(`Server [^/\\s]+/\\S*${reEscape(target)}\\S* is DOWN`);
  const watches: Watch[] = [];
  const has = (r: Role) => node.roles.includes(r);
  if (has('web'))
    watches.push({
      observers: 'lb',
      source: 'journal',
      pattern: down,
      what: 'HAProxy on the lb marked it DOWN',
    });
  if (has('db') || has('redis'))
    watches.push({
      observers: 'router',
      source: 'journal',
      pattern: down,
      what: 'HAProxy on the router marked it DOWN',
    });
  for (const r of ['lb', 'router'] as const) {
    if (has(r))
      watches.push({
        observers: r,
        source: 'journal',
        pattern: /Entering MASTER STATE/,
        what: `keepalived on the other ${r} took the VIP`,
      });
  }
  if (has('storage') || has('storage-arbiter')) {
    const gone = new RegExp(
      `${reEscape(node.ip)}.*(has not responded|disconnect)|(has not responded|disconnect).*${reEscape(node.ip)}`,
    );
    watches.push({
      observers: 'web',
      source: 'gluster',
      pattern: gone,
      what: 'the GlusterFS client on a web node dropped the brick',
    });
  }
  return watches;
}

/** `journalctl -o short-unix` lines: "1732240923.123456 host ident[pid]: message". */
export function parseShortUnix(text: string, node: string): LogLine[] {
  return text.split('\n').flatMap((l) => {
    const m = /^(\d+)\.(\d+) (.*)$/.exec(l);
    return m ? [{ node, t: Number(m[1]) * 1000 + Math.floor(Number(`0.${m[2]}`) * 1000), text: m[3]! }] : [];
  });
}

/** GlusterFS client log lines: "[2026-11-22 01:02:03.123456 +0000] W [...] message" (UTC). */
export function parseGlusterLog(text: string, node: string): LogLine[] {
  return text.split('\n').flatMap((l) => {
    const m = /^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d{3})\d* \+0000\] (.*)$/.exec(l);
    return m ? [{ node, t: Date.parse(`${m[1]}T${m[2]}.${m[3]}Z`), text: m[4]! }] : [];
  });
}

/** The first line at or after `after` that matches, across every observer. */
export function firstMatch(lines: LogLine[], pattern: RegExp, after: number): LogLine | undefined {
  return lines.filter((l) => l.t >= after && pattern.test(l.text)).sort((a, b) => a.t - b.t)[0];
}

async function linesOf(
  remote: Remote,
  node: string,
  source: Watch['source'],
  since: number,
): Promise<LogLine[]> {
  if (source === 'journal') {
    const argv = [
      'journalctl',
      '--no-pager',
      '-q',
      '-o',
      'short-unix',
      '--since',
      `@${Math.floor(since / 1000) - 1}`,
    ];
    return parseShortUnix((await remote.exec(node, argv, { timeoutMs: 20_000 })).stdout, node);
  }
  const argv = ['bash', '-c', 'tail -q -n 400 /var/log/glusterfs/*.log 2>/dev/null || true'];
  return parseGlusterLog((await remote.exec(node, argv, { timeoutMs: 20_000 })).stdout, node);
}

/** ms from the halt to the first observer's log line saying it noticed; null when none did. */
export async function measureDetection(
  lab: Lab,
  remote: Remote,
  running: Set<string>,
  target: string,
  inject: number,
): Promise<{ ms: number; by: string } | null> {
  let best: { ms: number; by: string } | null = null;
  for (const w of watchesFor(lab, target)) {
    const observers = lab.nodes.filter(
      (n) => n.roles.includes(w.observers) && n.name !== target && running.has(n.name),
    );
    const lines = (
      await Promise.all(observers.map((n) => linesOf(remote, n.name, w.source, inject).catch(() => [])))
    ).flat();
    const hit = firstMatch(lines, w.pattern, inject);
    if (hit && (!best || hit.t - inject < best.ms))
      best = { ms: hit.t - inject, by: `${w.what} (${hit.node}: ${hit.text.slice(0, 120)})` };
  }
  return best;
}
