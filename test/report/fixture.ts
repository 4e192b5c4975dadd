// A drill result and its records for the report tests: web1 halted from 10 s to 20 s, back at 25 s.
import { summarize } from '../../scripts/drills/metrics.ts';
import type { DrillReport, DrillResult } from '../../scripts/drills/types.ts';
import { stream, T0 } from '../drills/records.ts';

export const records = stream(400, 100, (i) => i >= 100 && i < 103);
const s = summarize(records);

export const drill: DrillResult = {
  scenario: 'power-cut',
  node: 'web1',
  reason: 'named on the command line',
  forced: false,
  requests: { total: s.total, failed: s.failed, failedPct: s.failedPct },
  longestGapMs: s.longestGapMs,
  detectMs: 1800,
  detectedBy: 'HAProxy on the lb marked it DOWN (lb1: Server be_web/web1 is DOWN)',
  recoverMs: 5000,
  lostWrites: 0,
  lost: [],
  ackedWrites: 130,
  ackedThisDrill: 120,
  perWeb: s.perWeb,
  perDb: s.perDb,
  times: {
    trafficStart: T0,
    trafficEnd: T0 + 40_000,
    inject: T0 + 10_000,
    restart: T0 + 20_000,
    recovered: T0 + 25_000,
  },
  targets: [{ name: 'lost acknowledged writes', limit: 0, value: 0, ok: true }],
  failedChecks: [],
  notes: [],
  ok: true,
  files: { svg: '/x/reports/drill-1-web1.svg' },
};

export const report: DrillReport = {
  ok: true,
  lab: 'drill-ha',
  provider: 'nspawn',
  startedAt: '2026-11-22T01:00:00.000Z',
  drills: [drill],
  refused: [{ node: 'lb', reasons: ['lb: it is the only running load balancer'] }],
  notes: [],
  files: { markdown: '/x/reports/drill.md' },
};
