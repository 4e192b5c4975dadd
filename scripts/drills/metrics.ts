// Pure measurements over the generator's request records: failures, the longest gap, who served.
import type { AckedWrite, RequestRecord } from './types.ts';

export interface TrafficSummary {
  total: number;
  failed: number;
  failedPct: number;
  longestGapMs: number;
  /** Where the longest gap starts (ms since the epoch). */
  gapStart: number | null;
  perWeb: Record<string, number>;
  perDb: Record<string, number>;
}

/** Parses JSON lines, ignoring a torn last line (the generator may be killed mid-write). */
export function parseRecords(text: string): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as RequestRecord;
      if (typeof r.t === 'number' && typeof r.end === 'number') out.push(r);
    } catch {
      // A partial line at the end of the file: the request it describes never completed.
    }
  }
  return out.sort((a, b) => a.t - b.t || a.seq - b.seq);
}

/**
 * The longest time without a successful response within [from, to], counted from completion times:
 * the user sees nothing between two answers, however many requests are in flight.
 */
export function longestGap(
  records: RequestRecord[],
  from: number,
  to: number,
): { ms: number; start: number } {
  const ends = records.filter((r) => r.ok && r.end >= from && r.end <= to).map((r) => r.end);
  ends.sort((a, b) => a - b);
  let best = { ms: 0, start: from };
  let prev = from;
  for (const e of [...ends, to]) {
    if (e - prev > best.ms) best = { ms: e - prev, start: prev };
    prev = e;
  }
  return best;
}

function countBy(records: RequestRecord[], key: 'web' | 'db'): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) {
    const v = r.ok ? r[key] : undefined;
    if (v) counts[v] = (counts[v] ?? 0) + 1;
  }
  return counts;
}

/** Failed count and share, longest gap, and the per-web and per-DB distribution of successes. */
export function summarize(records: RequestRecord[], from?: number, to?: number): TrafficSummary {
  const start = from ?? Math.min(...records.map((r) => r.t));
  const stop = to ?? Math.max(...records.map((r) => r.end));
  const failed = records.filter((r) => !r.ok).length;
  const total = records.length;
  const gap = total === 0 ? { ms: 0, start: null } : longestGap(records, start, stop);
  return {
    total,
    failed,
    failedPct: total === 0 ? 0 : Math.round((failed / total) * 10000) / 100,
    longestGapMs: Math.round(gap.ms),
    gapStart: gap.start,
    perWeb: countBy(records, 'web'),
    perDb: countBy(records, 'db'),
  };
}

/** The writes the server acknowledged: probe writes (2xx with the body's checksum) and WebDAV PUTs. */
export function ackedWrites(records: RequestRecord[]): AckedWrite[] {
  return records
    .filter((r) => r.ok && (r.kind === 'write' || r.kind === 'dav-put') && r.id && r.sha256)
    .map((r) => ({
      id: r.id!,
      sha256: r.sha256!,
      at: r.end,
      ...(r.kind === 'dav-put' ? { via: 'dav' as const } : {}),
    }));
}
