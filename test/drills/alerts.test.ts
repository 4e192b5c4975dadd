import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabFile, REPO_ROOT } from '../../scripts/core/model.ts';
import { alertWindows, drillAlerts, firstAlert, parseRange } from '../../scripts/drills/alerts.ts';
import type { ExecResult, Remote } from '../../scripts/engine/remote.ts';

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

describe('drillAlerts', () => {
  const lab = loadLabFile(join(REPO_ROOT, 'test/fixtures/labs/mon-e2e.yaml'), 1e9).lab;
  it('waits until nothing fires, then reads ALERTS over the drill window on the monitor node', async () => {
    const calls: string[][] = [];
    const firing =
      '{"status":"success","data":{"alerts":[{"labels":{"alertname":"NodeDown"},"state":"firing"}]}}';
    const quiet = '{"status":"success","data":{"alerts":[]}}';
    const answers = [firing, quiet, answer];
    const remote = {
      exec: async (node: string, argv: string[]): Promise<ExecResult> => {
        calls.push([node, ...argv]);
        return { node, command: argv.join(' '), code: 0, stdout: answers.shift()!, stderr: '', ms: 1 };
      },
    } as unknown as Remote;
    const now = Date.now();
    const times = {
      trafficStart: now - 40_000,
      trafficEnd: now,
      inject: now - 35_000,
      restart: now - 5000,
      recovered: now,
    };
    const r = await drillAlerts({ lab, remote }, times, 0);
    expect(calls.map((c) => c[0])).toEqual(['client', 'client', 'client']);
    expect(calls[0]!.at(-1)).toBe('http://10.0.115.100:9090/api/v1/alerts');
    expect(calls[2]!.at(-1)).toMatch(
      /^http:\/\/10\.0\.115\.100:9090\/api\/v1\/query_range\?query=ALERTS%7Balertstate%3D%22firing%22%7D&start=\d+&end=\d+&step=1$/,
    );
    // The recorded answer is from long before this fault: every window counts as before it.
    expect(r.alerts).toHaveLength(4);
    expect(r.alerts!.every((a) => a.firedMs < 0)).toBe(true);
    expect(r.firstAlertMs).toBeNull();
  }, 10_000);

  it('a lab without a monitor node: a note, no alerts', async () => {
    const plain = loadLabFile(join(REPO_ROOT, 'test/fixtures/labs/valid-minimal.yaml'), 1e9).lab;
    const r = await drillAlerts(
      { lab: plain, remote: {} as Remote },
      { trafficStart: 0, trafficEnd: 0, inject: 0, restart: 0, recovered: 0 },
    );
    expect(r).toEqual({ note: 'alerts: none measured (the lab has no monitor node)' });
  });
});
