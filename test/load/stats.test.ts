import { describe, expect, it } from 'vitest';
import {
  bucketMs,
  countByStatus,
  inWindow,
  latency,
  operations,
  percentile,
  series,
  throughput,
  topFailures,
} from '../../scripts/load/stats.ts';
import { T0, transfer } from './records.ts';

describe('percentiles (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('p50 of 1..100 is 50, p95 is 95, p99 is 99, p100 is the maximum', () => {
    expect([50, 95, 99, 100].map((p) => percentile(hundred, p))).toEqual([50, 95, 99, 100]);
  });

  it('always answers a measured value, rounding the rank up', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([10, 20], 0)).toBe(10);
  });

  it('latency() sorts first and says null for no values', () => {
    expect(latency([30, 10, 20, 1000])).toEqual({ p50: 20, p95: 1000, p99: 1000, max: 1000 });
    expect(latency([])).toBeNull();
  });
});

describe('load measures', () => {
  const records = transfer(
    30,
    (i) => (i === 29 ? 900 : 50),
    (i) => i === 4,
  );

  it('counts answers by status and operations in the order they first ran', () => {
    expect(countByStatus(records)).toEqual({ '201': 10, '200': 9, '204': 10, '503': 1 });
    const ops = operations(records);
    expect(ops.map((o) => o.op)).toEqual(['upload', 'download', 'delete']);
    expect(ops[1]).toMatchObject({ requests: 10, failed: 1, mib: 10 });
    expect(ops[2]!.ms).toEqual({ p50: 50, p95: 900, p99: 900, max: 900 });
  });

  it('throughput over the span from the first request to the last answer', () => {
    // 30 requests from T0 to T0 + 2.9 s + 900 ms = 3.8 s; 20 MiB moved.
    expect(throughput(records)).toEqual({ requestsPerS: 7.9, mibPerS: 5.26 });
    expect(throughput([])).toEqual({ requestsPerS: 0, mibPerS: 0 });
  });

  it('series: one bucket per second by answer time, with its percentiles', () => {
    const s = series(records);
    expect(s.map((p) => p.requests)).toEqual([10, 10, 9, 1]);
    expect(s[0]).toMatchObject({ t: 0, failed: 1, p50: 50, p95: 50 });
    expect(s[3]).toMatchObject({ t: 3, p50: 900 });
    expect(bucketMs(60_000)).toBe(1000);
    expect(bucketMs(600_000)).toBe(5000);
  });

  it('a window holds every request in flight during it', () => {
    const w = inWindow(records, T0 + 420, T0 + 460);
    // Request 4 (T0+400..450, failed) overlaps; request 3 (..350) and 5 (500..) do not.
    expect(w).toMatchObject({ requests: 1, failed: 1, failedByStatus: { '503': 1 } });
  });

  it('groups failures by operation, status and error', () => {
    const more = transfer(
      9,
      () => 50,
      (i) => i % 3 === 1,
    );
    expect(topFailures(more)).toEqual([
      { op: 'download', status: 503, err: 'HTTP 503: Service Unavailable', count: 3 },
    ]);
  });
});
