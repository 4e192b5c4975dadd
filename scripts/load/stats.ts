// Pure measurements over a load run's request records: percentiles, operations, statuses, time series.
import type { RequestRecord } from '../drills/types.ts';
import type { Latency, LoadWindow, OpStats, SeriesPoint } from './types.ts';

const MIB = 1024 * 1024;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// The run's first start and last end; a loop, not Math.min(...): a long run has too many records to spread.
export function bounds(records: RequestRecord[]): { t0: number; t1: number } {
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.t < t0) t0 = r.t;
    if (r.end > t1) t1 = r.end;
  }
  return { t0, t1 };
}

/**
 * The nearest-rank percentile of sorted values: the smallest value with at least p % of the values at
 * or below it (so p100 is the maximum and every result is a value that was measured).
 */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50, p95, p99 and max of the values; null when there are none. */
export function latency(values: number[]): Latency | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1]! };
}

/** Answers counted by HTTP status ('0': no HTTP answer). */
export function countByStatus(records: RequestRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[String(r.status)] = (out[String(r.status)] ?? 0) + 1;
  return out;
}

/** Per operation, in the order the operations first appear: requests, failures, latency, MiB moved. */
export function operations(records: RequestRecord[]): OpStats[] {
  const ops = [...new Set(records.map((r) => r.kind))];
  return ops.map((op) => {
    const mine = records.filter((r) => r.kind === op);
    return {
      op,
      requests: mine.length,
      failed: mine.filter((r) => !r.ok).length,
      ms: latency(mine.map((r) => r.ms)),
      mib: round(mine.reduce((n, r) => n + (r.bytes ?? 0), 0) / MIB, 2),
    };
  });
}

/** Seconds from the first request sent to the last answer. */
export function spanS(records: RequestRecord[]): number {
  if (records.length === 0) return 0;
  const { t0, t1 } = bounds(records);
  return (t1 - t0) / 1000;
}

/** Requests and MiB (bodies, both ways) per second over the run's span. */
export function throughput(records: RequestRecord[]): { requestsPerS: number; mibPerS: number } {
  const s = spanS(records);
  if (s <= 0) return { requestsPerS: 0, mibPerS: 0 };
  const mib = records.reduce((n, r) => n + (r.bytes ?? 0), 0) / MIB;
  return { requestsPerS: round(records.length / s), mibPerS: round(mib / s, 2) };
}

/** The bucket width for a span: 1 s up to 2 minutes, then wider so a chart keeps about 120 points. */
export function bucketMs(spanMs: number): number {
  return Math.max(1000, Math.ceil(spanMs / 120 / 1000) * 1000);
}

/** Requests by the bucket their answer came in: counts, MiB and latency percentiles per bucket. */
export function series(records: RequestRecord[], t0?: number, width?: number): SeriesPoint[] {
  if (records.length === 0) return [];
  const b = bounds(records);
  const start = t0 ?? b.t0;
  const end = b.t1;
  const w = width ?? bucketMs(end - start);
  const n = Math.floor((end - start) / w) + 1;
  const buckets: RequestRecord[][] = Array.from({ length: n }, () => []);
  for (const r of records) buckets[Math.max(0, Math.floor((r.end - start) / w))]!.push(r);
  return buckets.map((rs, i) => {
    const l = latency(rs.map((r) => r.ms));
    return {
      t: (i * w) / 1000,
      requests: rs.length,
      failed: rs.filter((r) => !r.ok).length,
      mib: round(rs.reduce((x, r) => x + (r.bytes ?? 0), 0) / MIB, 3),
      p50: l?.p50 ?? null,
      p95: l?.p95 ?? null,
    };
  });
}

/** The requests in flight at any time within [from, to], and what they got. */
export function inWindow(records: RequestRecord[], from: number, to: number): LoadWindow {
  const mine = records.filter((r) => r.t <= to && r.end >= from);
  const failedByStatus: Record<string, number> = {};
  for (const r of mine.filter((x) => !x.ok))
    failedByStatus[String(r.status)] = (failedByStatus[String(r.status)] ?? 0) + 1;
  return {
    requests: mine.length,
    failed: mine.filter((r) => !r.ok).length,
    failedByStatus,
    ms: latency(mine.map((r) => r.ms)),
  };
}

/** The most frequent distinct failures (operation, status, error text with numbers folded). */
export function topFailures(records: RequestRecord[], limit = 10) {
  const counts = new Map<string, { op: string; status: number; err: string; count: number }>();
  for (const r of records.filter((x) => !x.ok)) {
    const err = (r.err ?? '').replace(/\d+ ms/g, 'N ms').slice(0, 200);
    const key = `${r.kind}\u0000${r.status}\u0000${err}`;
    const c = counts.get(key) ?? { op: r.kind, status: r.status, err, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count).slice(0, limit);
}
