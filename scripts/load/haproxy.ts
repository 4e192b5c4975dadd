// HAProxy's own timers for a run's requests. Each lb logs every request (option httplog) to journald
// with the X-Lab-Run header the generator sends (<run>.<seq>) captured in braces, so each log line
// joins exactly one request record, and the time a user saw splits into HAProxy's and the web node's.
import { type Lab, nodesWithRole } from '../core/model.ts';
import type { RequestRecord } from '../drills/types.ts';
import type { Remote } from '../engine/remote.ts';
import { percentile } from './stats.ts';
import type { TierRow, TierTimes } from './types.ts';

/** One httplog line: the server that answered and the timers (ms, -1: that phase never happened). */
export interface HttpLogLine {
  lb: string;
  tag: string;
  server: string;
  status: number;
  /** TR: request headers received; Tw: queued; Tc: connect; Tr: server response; Ta: whole request. */
  TR: number;
  Tw: number;
  Tc: number;
  Tr: number;
  Ta: number;
  termination: string;
}

// client:port [accept date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes cookie cookie
// termination act/fe/be/srv/retries srv_queue/backend_queue {captured request headers} "request"
const HTTPLOG =
  /\S+:\d+ \[[^\]]+\] \S+ (\S+) (-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+)\/\+?(-?\d+) (-?\d+) \+?\d+ \S+ \S+ (\S+) \S+ \S+ \{([^}|]*)/;

/** Parses httplog lines (with or without journald's prefix); lines without a tag are left out. */
export function parseHttpLog(text: string, lb: string): HttpLogLine[] {
  return text.split('\n').flatMap((line) => {
    const m = HTTPLOG.exec(line);
    if (!m?.[9]) return [];
    const n = (i: number) => Number(m[i]);
    return [
      {
        lb,
        tag: m[9],
        server: m[1]!,
        TR: n(2),
        Tw: n(3),
        Tc: n(4),
        Tr: n(5),
        Ta: n(6),
        status: n(7),
        termination: m[8]!,
      },
    ];
  });
}

const pick = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : percentile(sorted, p));
const sorted = (xs: number[]) => xs.filter((x) => x >= 0).sort((a, b) => a - b);

function times(pairs: { r: RequestRecord; l: HttpLogLine }[], p: number): TierTimes {
  const of = (f: (x: { r: RequestRecord; l: HttpLogLine }) => number) => pick(sorted(pairs.map(f)), p);
  const web = sorted(pairs.flatMap(({ r }) => (r.webUs === undefined ? [] : [r.webUs / 1000])));
  return {
    client: of(({ r }) => r.ms),
    outside: of(({ r, l }) => (l.Ta < 0 ? -1 : Math.max(0, r.ms - l.Ta))),
    request: of(({ l }) => l.TR),
    queue: of(({ l }) => l.Tw),
    connect: of(({ l }) => l.Tc),
    response: of(({ l }) => l.Tr),
    web: web.length === 0 ? null : Math.round(pick(web, p) * 10) / 10,
    haproxy: of(({ l }) => l.Ta),
  };
}

/** Per operation, the medians and 95th percentiles of each tier over the requests an lb logged. */
export function tierSplit(
  records: RequestRecord[],
  lines: HttpLogLine[],
  runId: string,
): { matched: number; rows: TierRow[] } {
  const byTag = new Map(lines.map((l) => [l.tag, l]));
  const pairs = records.flatMap((r) => {
    const l = byTag.get(`${runId}.${r.seq}`);
    return l ? [{ r, l }] : [];
  });
  const ops = [...new Set(records.map((r) => r.kind))];
  const rows = ops.flatMap((op) => {
    const mine = pairs.filter((x) => x.r.kind === op);
    return mine.length === 0
      ? []
      : [{ op, matched: mine.length, p50: times(mine, 50), p95: times(mine, 95) }];
  });
  return { matched: pairs.length, rows };
}

// A constant script: the time window and the run's tag travel as arguments, never as shell text.
const JOURNAL = [
  'bash',
  '-c',
  'journalctl -u haproxy --no-pager -q -o short-unix --since "$1" --until "$2" | grep -F -e "{$3." || true',
  'lab-load-log',
];

/** The run's httplog lines from every running lb, and a note per lb that logged none. */
export async function fetchHttpLog(
  lab: Lab,
  remote: Remote,
  running: Set<string>,
  run: { runId: string; from: number; to: number },
): Promise<{ lines: HttpLogLine[]; notes: string[] }> {
  const lbs = nodesWithRole(lab, 'lb').filter((n) => running.has(n.name));
  // Lines are picked by the run's tag; the wide window only spares a VM whose clock drifted.
  const since = `@${Math.floor(run.from / 1000) - 120}`;
  const until = `@${Math.ceil(run.to / 1000) + 120}`;
  const lines: HttpLogLine[] = [];
  const notes: string[] = [];
  for (const lb of lbs) {
    const r = await remote
      .exec(lb.name, [...JOURNAL, since, until, run.runId], { timeoutMs: 120_000 })
      .catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
    const mine = parseHttpLog(r.stdout, lb.name);
    if (r.code !== 0)
      notes.push(`${lb.name}: reading HAProxy's log failed: ${r.stderr.trim().slice(0, 200)}`);
    lines.push(...mine);
  }
  if (lbs.length > 0 && lines.length === 0)
    notes.push(
      `no lb logged this run's requests (journalctl -u haproxy on ${lbs.map((n) => n.name).join(', ')}, lines with {${run.runId}.): ` +
        'is `capture request header X-Lab-Run` in haproxy.cfg? `npm run lab:up` renders it',
    );
  return { lines, notes };
}
