import { describe, expect, it } from 'vitest';
import { ackedWrites, longestGap, parseRecords, summarize } from '../../scripts/drills/metrics.ts';
import { stream, T0 } from './records.ts';

describe('drill metrics', () => {
  it('counts failures and their share, rounded to 0.01 %', () => {
    const s = summarize(stream(300, 100, (i) => i % 100 === 7));
    expect(s.total).toBe(300);
    expect(s.failed).toBe(3);
    expect(s.failedPct).toBe(1);
  });

  it('finds the longest time without a success from completion times', () => {
    // Requests 50..79 fail: the last success ends at 49*100+50, the next at 80*100+50.
    const s = summarize(stream(200, 100, (i) => i >= 50 && i < 80));
    expect(s.longestGapMs).toBe(3100);
    expect(s.gapStart).toBe(T0 + 4950);
  });

  it('counts a silent end of traffic up to the window end as a gap', () => {
    const records = stream(10, 100);
    expect(longestGap(records, T0, T0 + 10_000).ms).toBe(10_000 - 950);
  });

  it('a healthy stream has no gap longer than its request interval', () => {
    expect(summarize(stream(100, 100)).longestGapMs).toBe(100);
  });

  it('distributes successes over web and db nodes, failures nowhere', () => {
    const s = summarize(stream(10, 100, (i) => i === 0));
    expect(s.perWeb).toEqual({ web1: 4, web2: 5 });
    expect(s.perDb).toEqual({ db1: 9 });
  });

  it('acknowledges only successful writes', () => {
    const acked = ackedWrites(stream(9, 100, (i) => i === 2));
    expect(acked.map((a) => a.id)).toEqual(['r-5', 'r-8']);
  });

  it('acknowledges a WebDAV PUT that succeeded, marked as WebDAV; GETs are not writes', () => {
    const base = { t: T0, end: T0 + 50, ms: 50, status: 201 };
    const acked = ackedWrites([
      { ...base, seq: 0, kind: 'dav-put', ok: true, id: 'lab-drill/r-0.txt', sha256: 'a' },
      { ...base, seq: 1, kind: 'dav-put', ok: false, status: 503, id: 'lab-drill/r-1.txt', sha256: 'b' },
      { ...base, seq: 2, kind: 'dav-get', ok: true, status: 200, id: 'lab-drill/r-0.txt', sha256: 'a' },
    ]);
    expect(acked).toEqual([{ id: 'lab-drill/r-0.txt', sha256: 'a', at: T0 + 50, via: 'dav' }]);
  });

  it('parses JSON lines and drops a torn last line', () => {
    const lines = stream(3, 100).map((r) => JSON.stringify(r));
    const text = `${lines[1]}\n${lines[0]}\n${lines[2]!.slice(0, 20)}`;
    expect(parseRecords(text).map((r) => r.seq)).toEqual([0, 1]);
  });

  it('summarizes no traffic as zero, not NaN', () => {
    expect(summarize([])).toMatchObject({ total: 0, failed: 0, failedPct: 0, longestGapMs: 0 });
  });
});
