import { describe, expect, it } from 'vitest';
import { drillFileName, jsonSummary, renderMarkdown, terminalLines } from '../../scripts/report/drills.ts';
import { drill, report } from './fixture.ts';

describe('drill reports', () => {
  it('--json has the documented shape', () => {
    const j = jsonSummary(report);
    expect(j.ok).toBe(true);
    expect(j.drills).toEqual([
      {
        scenario: 'power-cut',
        node: 'web1',
        requests: { total: 400, failed: 3 },
        longestGapMs: 400,
        detectMs: 1800,
        recoverMs: 5000,
        lostWrites: 0,
        ok: true,
      },
    ]);
  });

  it('a failed drill names the logs bundle it wrote, in the terminal and in Markdown', () => {
    const failed = { ...drill, ok: false, files: { ...drill.files, logs: '.lab/x/logs-S.tar.gz' } };
    const r = {
      ...report,
      ok: false,
      drills: [failed],
      files: { ...report.files, logs: '.lab/x/logs-T.tar.gz' },
    };
    expect(terminalLines(r).join('\n')).toContain('\n  logs: .lab/x/logs-S.tar.gz');
    expect(terminalLines(r)).toContain('logs: .lab/x/logs-T.tar.gz');
    expect(renderMarkdown(r)).toContain('Logs of the lab after this drill: `.lab/x/logs-S.tar.gz`');
    expect(renderMarkdown(r)).toContain('Logs of the lab when the series stopped: `.lab/x/logs-T.tar.gz`');
  });

  it('drill file names sort in the order the drills ran', () => {
    const names = Array.from({ length: 12 }, (_, i) => drillFileName('S', i, 12, `n${i}`));
    expect(names[0]).toBe('drill-S-01-n0');
    expect([...names].sort()).toEqual(names);
    expect(drillFileName('S', 0, 1, 'web1')).toBe('drill-S-1-web1');
  });

  it('Markdown has the summary row, the targets and the timeline link', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('| power-cut | web1 | 400 | 3 (0.75%) | 0.4 s | 1.8 s | n/a | 5.0 s | 0 | pass |');
    expect(md).toContain('| lost acknowledged writes | 0 | 0 | yes |');
    expect(md).toContain('![timeline](drill-1-web1.svg)');
    expect(md).toContain('lb was not drilled: lb: it is the only running load balancer');
  });

  it('with monitoring: "first alert" beside the detection, and each alert fired and resolved', () => {
    const alerts = [
      {
        alert: 'NodeDown (node=web1, instance=10.0.2.21:9100)',
        firedMs: 6200,
        resolvedMs: 13_100,
        afterReturnMs: 3100,
      },
      {
        alert: 'HAProxyServerDown (node=lb1, proxy=web, server=web1)',
        firedMs: 7100,
        resolvedMs: null,
        afterReturnMs: null,
      },
    ];
    const d = { ...drill, alerts, firstAlertMs: 6200, firstAlert: alerts[0]!.alert };
    const md = renderMarkdown({ ...report, drills: [d] });
    expect(md).toContain('| power-cut | web1 | 400 | 3 (0.75%) | 0.4 s | 1.8 s | 6.2 s | 5.0 s | 0 | pass |');
    expect(md).toContain('| time to detect | 1.8 s |');
    expect(md).toContain('| first alert | 6.2 s (NodeDown (node=web1, instance=10.0.2.21:9100)) |');
    expect(md).toContain('| NodeDown (node=web1, instance=10.0.2.21:9100) | +6.2 s | +13.1 s | +3.1 s |');
    expect(md).toContain(
      '| HAProxyServerDown (node=lb1, proxy=web, server=web1) | +7.1 s | still firing | still firing |',
    );
    expect(terminalLines({ ...report, drills: [d] })[0]).toContain(
      'detected 1.8 s, first alert 6.2 s, back 5.0 s',
    );
    expect(jsonSummary({ ...report, drills: [d] }).drills[0]).toMatchObject({ firstAlertMs: 6200, alerts });
    expect(
      renderMarkdown({
        ...report,
        drills: [{ ...d, alerts: [], firstAlertMs: null, firstAlert: undefined }],
      }),
    ).toContain('Alerts: none fired during the drill.');
  });

  it('Markdown lists lost writes and notes a failed drill', () => {
    const bad = {
      ...drill,
      ok: false,
      lostWrites: 1,
      lost: [{ id: 'r-5', reason: 'file missing on the shared storage' }],
      error: 'recovery failed: x',
    };
    const md = renderMarkdown({ ...report, ok: false, drills: [bad] });
    expect(md).toContain('Result: FAIL');
    expect(md).toContain('- r-5: file missing on the shared storage');
    expect(md).toContain('- recovery failed: x');
  });

  it('the terminal gets one line per drill with the numbers', () => {
    expect(terminalLines(report)[0]).toBe(
      '✓ power-cut web1: 400 requests, 3 failed (0.75%), longest gap 0.4 s, detected 1.8 s, back 5.0 s, 0 lost writes',
    );
  });
});

describe('drill reports with a load beside the drill', () => {
  const load = {
    scenario: 'activity' as const,
    users: 10,
    whole: {
      requests: 300,
      failed: 4,
      failedByStatus: { '502': 1, '0': 3 },
      ms: { p50: 40, p95: 300, p99: 900, max: 2100 },
    },
    fault: {
      requests: 80,
      failed: 4,
      failedByStatus: { '502': 1, '0': 3 },
      ms: { p50: 60, p95: 900, p99: 2000, max: 2100 },
    },
  };
  const withLoad = {
    ...report,
    notes: ['accounts kept (--keep): load-x-01 ... load-x-10'],
    drills: [{ ...drill, load, files: { ...drill.files, loadSvg: '/x/reports/drill-1-web1-load.svg' } }],
  };

  it('says what the load saw during the fault, by status', () => {
    const md = renderMarkdown(withLoad);
    expect(md).toContain('Load beside the drill: activity, 10 users.');
    expect(md).toContain(
      '| during the fault (halt to back in service) | 80 | 4 | no answer 3, 502 1 | 60 / 900 / 2000 / 2100 ms |',
    );
    expect(md).toContain('![load](drill-1-web1-load.svg)');
    expect(md).toContain('- accounts kept (--keep)');
  });

  it('--json and the terminal carry it; without a load they are unchanged', () => {
    expect(jsonSummary(withLoad).drills[0]!.load).toEqual(load);
    expect('load' in jsonSummary(report).drills[0]!).toBe(false);
    expect(terminalLines(withLoad)[0]).toMatch(/; activity load: 4 of 80 failed during the fault$/);
  });
});
