import { describe, expect, it } from 'vitest';
import { alertWindows, firstAlert, parseRange } from '../../scripts/drills/alerts.ts';

// A query_range answer of ALERTS{alertstate="firing"}, step 1 s: NodeDown from t=106 to t=113,
// GaleraClusterSizeLow twice (a flap), HAProxyServerDown still firing at the end (t=140).
const S = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, '1'] as [number, string]);
const answer = JSON.stringify({
  status: 'success',
  data: {
    resultType: 'matrix',
    result: [
      {
        metric: {
          __name__: 'ALERTS',
          alertname: 'NodeDown',
          alertstate: 'firing',
          job: 'node',
          node: 'db1',
          instance: '10.0.115.31:9100',
          severity: 'critical',
        },
        values: S(106, 113),
      },
      {
        metric: {
          __name__: 'ALERTS',
          alertname: 'GaleraClusterSizeLow',
          alertstate: 'firing',
          severity: 'critical',
        },
        values: [...S(108, 110), ...S(115, 120)],
      },
      {
        metric: {
          __name__: 'ALERTS',
          alertname: 'HAProxyServerDown',
          alertstate: 'firing',
          node: 'router',
          proxy: 'mariadb',
          server: 'db1',
          state: 'DOWN',
        },
        values: S(104, 140),
      },
    ],
  },
});

describe('drill alerts', () => {
  // fault at t=100 s, the node's return at t=110 s, the range read up to t=140 s
  const windows = alertWindows(parseRange(answer), 100_000, 110_000, 140);

  it('gives each firing window relative to the fault and to the return, a flap as two windows', () => {
    expect(windows).toEqual([
      {
        alert: 'HAProxyServerDown (node=router, proxy=mariadb, server=db1)',
        firedMs: 4000,
        resolvedMs: null,
        afterReturnMs: null,
      },
      {
        alert: 'NodeDown (node=db1, instance=10.0.115.31:9100)',
        firedMs: 6000,
        resolvedMs: 14_000,
        afterReturnMs: 4000,
      },
      { alert: 'GaleraClusterSizeLow', firedMs: 8000, resolvedMs: 11_000, afterReturnMs: 1000 },
      { alert: 'GaleraClusterSizeLow', firedMs: 15_000, resolvedMs: 21_000, afterReturnMs: 11_000 },
    ]);
  });

  it('the first alert is the first to fire after the fault, not one that fired before it', () => {
    expect(firstAlert(windows)?.alert).toBe('HAProxyServerDown (node=router, proxy=mariadb, server=db1)');
    expect(
      firstAlert([{ alert: 'X', firedMs: -3000, resolvedMs: null, afterReturnMs: null }, ...windows])
        ?.firedMs,
    ).toBe(4000);
  });

  it('refuses an answer that is not a success', () => {
    expect(() => parseRange('{"status":"error","error":"bad query"}')).toThrow('bad query');
  });
});
