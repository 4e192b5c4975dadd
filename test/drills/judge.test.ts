import { describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import { alertTargets, assemble, drillOk, targetsFor } from '../../scripts/drills/judge.ts';
import { summarize } from '../../scripts/drills/metrics.ts';
import { stream, T0 } from './records.ts';

const fullHa = loadLabFile('full-ha', 1e9).lab;
const tp = loadLabFile('tp', 1e9).lab;

describe('drill judgement', () => {
  it('a web power cut in full-ha is held to 1% failed and 5 s', () => {
    const s = summarize(stream(200, 100, (i) => i >= 50 && i < 54));
    const t = targetsFor(fullHa, 'power-cut', ['web'], s, 0);
    expect(t.map((x) => [x.name, x.ok])).toEqual([
      ['lost acknowledged writes', true],
      ['failed requests (%)', false],
      ['longest gap without a success (ms)', true],
    ]);
  });

  it('the lb holding the VIP must fail over in under 1 s; tp has no VIP to fail over', () => {
    const s = summarize(stream(100, 100, (i) => i >= 50 && i < 60));
    expect(targetsFor(fullHa, 'power-cut', ['lb'], s, 0).find((x) => x.name.startsWith('VIP'))).toMatchObject(
      { value: 1100, ok: false },
    );
    expect(targetsFor(tp, 'power-cut', ['lb'], s, 0).some((x) => x.name.startsWith('VIP'))).toBe(false);
  });

  it('alerts: the first after the fault within 15 s, every one of them resolved 60 s after the return', () => {
    const w = (firedMs: number, afterReturnMs: number | null) => ({
      alert: `A${firedMs}`,
      firedMs,
      resolvedMs: afterReturnMs === null ? null : afterReturnMs + 30_000,
      afterReturnMs,
    });
    const met = (alerts: ReturnType<typeof w>[]) =>
      alertTargets('power-cut', alerts).map((t) => [t.name, t.value, t.ok]);
    // One that fired before the fault (a leftover) counts for neither.
    expect(met([w(-20_000, null), w(6_000, 12_000), w(9_000, 40_000)])).toEqual([
      ['first alert after the fault (ms)', 6_000, true],
      ['last alert resolved after the return (ms)', 40_000, true],
    ]);
    expect(met([w(16_000, 5_000)]).map(([, , ok]) => ok)).toEqual([false, true]);
    expect(met([w(6_000, 5_000), w(7_000, null)])[1]).toEqual([
      'last alert resolved after the return (ms)',
      null,
      false,
    ]);
    expect(met([])).toEqual([['first alert after the fault (ms)', null, false]]);
    expect(alertTargets('power-cycle', [w(6_000, 5_000)])).toEqual([]);
    expect(alertTargets('power-cut', undefined)).toEqual([]);
  });

  it('a power cycle is judged on lost writes only: the outage is the point', () => {
    expect(targetsFor(fullHa, 'power-cycle', [], summarize(stream(10, 100)), 0)).toHaveLength(1);
  });

  it('a lost write fails the drill whatever the timing; so do no recovery and failing checks', () => {
    const good = { lostWrites: 0, recovered: 1, failedChecks: [], requests: { total: 10 } };
    expect(drillOk(good)).toBe(true);
    expect(drillOk({ ...good, lostWrites: 1 })).toBe(false);
    expect(drillOk({ ...good, recovered: null })).toBe(false);
    expect(drillOk({ ...good, failedChecks: ['data.galera: 2 of 3 Synced'] })).toBe(false);
    expect(drillOk({ ...good, requests: { total: 0 } })).toBe(false);
  });
});

describe('assembling a drill result', () => {
  const plan = {
    scenario: 'power-cut' as const,
    nodes: ['web1'],
    label: 'web1',
    reason: 'named',
    forcedPast: [],
  };
  const times = {
    trafficStart: T0,
    trafficEnd: T0 + 30_000,
    inject: T0 + 5000,
    restart: T0 + 15_000,
    recovered: T0 + 21_500,
  };
  const records = stream(250, 100, (i) => i === 60);

  it('measures the drill from the records and the times', () => {
    const r = assemble(
      fullHa,
      plan,
      { times, failedChecks: [], notes: [] },
      records,
      [],
      { ms: 1700, by: 'lb1' },
      { checked: 83, thisDrill: 40 },
    );
    expect(r).toMatchObject({
      node: 'web1',
      requests: { total: 250, failed: 1, failedPct: 0.4 },
      longestGapMs: 200,
      detectMs: 1700,
      recoverMs: 6500,
      lostWrites: 0,
      ackedWrites: 83,
      ackedThisDrill: 40,
      ok: true,
    });
    expect(r.targets.every((t) => t.ok)).toBe(true);
  });

  it('one lost write fails it, and the lost write is named', () => {
    const r = assemble(
      fullHa,
      plan,
      { times, failedChecks: [], notes: [] },
      records,
      [{ id: 'x-1', reason: 'file differs' }],
      null,
      { checked: 83, thisDrill: 40 },
    );
    expect(r.ok).toBe(false);
    expect(r.lost).toEqual([{ id: 'x-1', reason: 'file differs' }]);
    expect(r.detectMs).toBeNull();
  });

  it('no recovery: recoverMs is null and the drill fails', () => {
    const r = assemble(
      fullHa,
      plan,
      { times: { ...times, recovered: null }, failedChecks: ['x: y'], notes: [] },
      records,
      [],
      null,
      { checked: 0, thisDrill: 0 },
    );
    expect(r).toMatchObject({ recoverMs: null, ok: false, failedChecks: ['x: y'] });
  });
});
