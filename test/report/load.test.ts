import { describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../scripts/checks/run.ts';
import { assembleLoad, drillLoad, requireNextcloud } from '../../scripts/load/assemble.ts';
import type { HttpLogLine } from '../../scripts/load/haproxy.ts';
import {
  drillLoadSection,
  loadSummary,
  loadTerminal,
  progressLine,
  renderLoadMarkdown,
} from '../../scripts/report/load.ts';
import { niceMax, renderLoadChart } from '../../scripts/report/load-svg.ts';
import { MIB, spec, T0, transfer } from '../load/records.ts';

const records = transfer(
  30,
  () => 50,
  (i) => i === 4,
);
const lines: HttpLogLine[] = records.map((r) => ({
  lb: 'lb1',
  tag: `load-t.${r.seq}`,
  server: 'web/web1',
  TR: 0,
  Tw: 0,
  Tc: 1,
  Tr: 30,
  Ta: 40,
  status: r.status,
  termination: '----',
}));
const meta = {
  lab: 'full-ha',
  provider: 'nspawn',
  startedAt: '2026-11-22T01:00:00.000Z',
  runId: 'load-t',
  spec,
  interrupted: false,
};
const progress = {
  t0: T0,
  t: T0 + 10_000,
  done: 30,
  failed: 1,
  bytes: 20 * MIB,
  finished: true,
  cpuS: 0.5,
  peakMiB: 14,
};
const report = {
  ...assembleLoad(meta, records, progress, { lines, notes: [] }, []),
  files: { svg: '/x/reports/load-S.svg', markdown: '/x/reports/load-S.md' },
};

describe('load report', () => {
  it('fails a run with a failed request and says so', () => {
    expect(report.ok).toBe(false);
    expect(assembleLoad(meta, transfer(3), progress, { lines: [], notes: [] }, []).ok).toBe(true);
    expect(assembleLoad(meta, [], progress, { lines: [], notes: [] }, []).ok).toBe(false);
    expect(
      assembleLoad({ ...meta, interrupted: true }, transfer(3), progress, { lines: [], notes: [] }, []).ok,
    ).toBe(false);
  });

  it('--json has the documented shape', () => {
    const j = loadSummary(report);
    expect(Object.keys(j)).toEqual([
      'ok',
      'lab',
      'scenario',
      'users',
      'durationS',
      'requests',
      'byStatus',
      'failedByStatus',
      'operations',
      'throughput',
      'tiers',
      'generator',
      'files',
    ]);
    expect(j.requests).toEqual({ total: 30, failed: 1 });
    expect(j.operations[0]).toEqual({
      op: 'upload',
      requests: 10,
      failed: 0,
      ms: { p50: 50, p95: 50, p99: 50, max: 50 },
      mib: 10,
    });
    expect(j.tiers![0]).toMatchObject({
      op: 'upload',
      matched: 10,
      p50: { client: 50, outside: 10, queue: 0, web: 20, haproxy: 40 },
    });
    expect(j.generator).toEqual({ cpuPct: 5, peakMiB: 14 });
  });

  it('Markdown has the totals, the per-operation latency, the tier split, failures and the chart', () => {
    const md = renderLoadMarkdown(report);
    expect(md).toContain('Result: FAIL (1 of 30 requests failed)');
    expect(md).toContain('| answers by status | 200 9, 201 10, 204 10, 503 1 |');
    expect(md).toContain('| failed by status | 503 1 |');
    expect(loadSummary(report).failedByStatus).toEqual({ '503': 1 });
    expect(md).toContain('| download | 10 | 1 | 50 | 50 | 50 | 50 | 10 |');
    expect(md).toContain(
      '| upload | 10 | 50 / 50 | 10 / 10 | 0 / 0 | 0 / 0 | 1 / 1 | 30 / 30 | 20 / 20 | 40 / 40 |',
    );
    expect(md).toContain('| download | 503 | HTTP 503: Service Unavailable | 1 |');
    expect(md).toContain('![latency and throughput over time](load-S.svg)');
    expect(md).toContain('| generator on the client | 5 % of one core, 14 MiB peak |');
  });

  it('says when HAProxy logged nothing', () => {
    const bare = assembleLoad(meta, records, progress, { lines: [], notes: ['no lb logged this run'] }, []);
    expect(bare.tiers).toBeNull();
    expect(renderLoadMarkdown(bare)).toContain("HAProxy logged none of this run's requests");
    expect(loadSummary(bare).tiers).toBeNull();
  });

  it('the terminal gets a verdict line, one line per operation and the report path', () => {
    const t = loadTerminal(report);
    expect(t[0]).toBe('✗ load transfer, 2 users, 3 s: 30 requests, 1 failed (3.33%), 10.2 req/s, 6.78 MiB/s');
    expect(t[1]).toMatch(/^ {2}upload +10 requests, 0 failed, p50\/p95\/p99\/max 50 \/ 50 \/ 50 \/ 50 ms$/);
    expect(t.at(-1)).toBe('report: /x/reports/load-S.md');
  });

  it('the progress line gives totals and the rate since the last sample', () => {
    const prev = { ...progress, t: T0 + 8000, done: 20, bytes: 10 * MIB, cpuS: 0.3, finished: false };
    expect(progressLine(progress, prev)).toBe(
      'load: 30 requests, 1 failed, 5.0 req/s, 5.00 MiB/s (generator 10 % CPU), finished',
    );
  });
});

describe('load under a drill', () => {
  it('reports the fault window apart from the whole drill', () => {
    const d = drillLoad(spec, records, T0 + 300, T0 + 700);
    expect(d.whole).toMatchObject({ requests: 30, failed: 1 });
    expect(d.fault).toMatchObject({ requests: 5, failed: 1, failedByStatus: { '503': 1 } });
    expect(drillLoadSection(d)).toContain(
      '| during the fault (halt to back in service) | 5 | 1 | 503 1 | 50 / 50 / 50 / 50 ms |',
    );
  });
});

describe('Nextcloud before a load', () => {
  const check = (id: string, status: 'pass' | 'fail' | 'skip', summary = 'x') => ({
    id,
    tier: 'nextcloud' as const,
    title: id,
    status,
    summary,
    evidence: [],
    ms: 0,
    hint: status === 'skip' ? 'Give lab:up a Nextcloud archive' : undefined,
  });
  const ready = (checks: VerifyReport['checks']) => () => requireNextcloud({ ok: true, checks });

  it('refuses without Nextcloud, with the checks’ reason and hint', () => {
    expect(
      ready([
        check('nextcloud.status', 'skip', 'no Nextcloud archive: LAB_OFFLINE is set'),
        check('nextcloud.webdav', 'skip'),
      ]),
    ).toThrow(
      expect.objectContaining({
        code: 'LOAD_NO_NEXTCLOUD',
        hint: 'Give lab:up a Nextcloud archive',
        details: expect.arrayContaining([
          'nextcloud.status skipped: no Nextcloud archive: LAB_OFFLINE is set',
        ]),
      }),
    );
    expect(ready([])).toThrow(expect.objectContaining({ details: ['the lab has no Nextcloud checks'] }));
  });

  it('accepts passing checks, and a config check skipped with one web node', () => {
    expect(
      ready([
        check('nextcloud.status', 'pass'),
        check('nextcloud.webdav', 'pass'),
        check('nextcloud.config', 'skip'),
      ]),
    ).not.toThrow();
    expect(ready([check('nextcloud.status', 'pass'), check('nextcloud.webdav', 'fail')])).toThrow();
  });
});

describe('load chart', () => {
  const svg = renderLoadChart(report.series, {
    title: 'transfer <2 users>',
    shade: { from: 1, to: 2, label: 'web1 halted' },
  });

  it('is one SVG document with both panels’ lines', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    for (const cls of ['p50', 'p95', 'requests', 'mib']) expect(svg).toContain(`<path class="${cls}"`);
    expect(svg).toContain('transfer &lt;2 users&gt;');
  });

  it('marks the buckets with failures and shades the window in both panels', () => {
    expect(svg.match(/class="failed"/g)).toHaveLength(1);
    expect(svg.match(/class="shade"/g)).toHaveLength(2);
  });

  it('scales each axis to a round maximum', () => {
    expect([0, 0.3, 7, 10, 11, 420].map(niceMax)).toEqual([1, 0.5, 10, 10, 20, 500]);
    expect(svg).toContain('>50 ms</text>');
    expect(svg).toContain('>10 req/s</text>');
  });
});
