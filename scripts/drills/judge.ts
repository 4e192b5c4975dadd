// Pure judgement of one drill: the targets, and pass/fail.
import { type Lab, nodeByName } from '../core/model.ts';
import type { Role } from '../core/roles.ts';
import { summarize, type TrafficSummary } from './metrics.ts';
import type { DrillPlan } from './plan.ts';
import type { AlertWindow, DrillResult, LostWrite, RequestRecord, Scenario, TargetResult } from './types.ts';

/** What happened while the fault was on: the times, the checks still failing, notes and any error. */
export interface Exercise {
  times: DrillResult['times'];
  failedChecks: string[];
  notes: string[];
  error?: string;
}

// Roles whose single-node loss full-ha must absorb: at most 1% failed requests, no gap over 5 s.
const REDUNDANT: Role[] = ['web', 'db', 'router', 'storage', 'storage-arbiter', 'lb'];

const target = (
  name: string,
  limit: number,
  value: number | null,
  ok: (v: number) => boolean,
): TargetResult => ({
  name,
  limit,
  value,
  ok: value !== null && ok(value),
});

/** The targets that apply to this drill, each measured. */
export function targetsFor(
  lab: Lab,
  scenario: Scenario,
  roles: Role[],
  s: TrafficSummary,
  lostWrites: number,
): TargetResult[] {
  const out = [target('lost acknowledged writes', 0, lostWrites, (v) => v === 0)];
  if (scenario === 'power-cycle') return out;
  if (roles.some((r) => REDUNDANT.includes(r))) {
    out.push(target('failed requests (%)', 1, s.failedPct, (v) => v <= 1));
    out.push(target('longest gap without a success (ms)', 5000, s.longestGapMs, (v) => v <= 5000));
  }
  if ((roles.includes('lb') && lab.vips.front) || (roles.includes('router') && lab.vips.router)) {
    out.push(target('VIP failover gap (ms)', 1000, s.longestGapMs, (v) => v < 1000));
  }
  return out;
}

/** The monitoring's targets for one node's loss: an alert within 15 s of the fault, all resolved 60 s after the return. */
export const ALERT_FIRE_MS = 15_000;
export const ALERT_RESOLVE_MS = 60_000;

/**
 * What the monitoring's alerts are held to in a single-node drill: the first alert after the fault
 * within ALERT_FIRE_MS, and every alert that fired after the fault resolved within ALERT_RESOLVE_MS of
 * the node's return (one still firing: not met). A power cycle takes the monitoring down with the lab,
 * and a lab without a monitor node measured no alerts: neither gets these targets.
 */
export function alertTargets(scenario: Scenario, alerts: AlertWindow[] | undefined): TargetResult[] {
  if (scenario === 'power-cycle' || alerts === undefined) return [];
  const after = alerts.filter((a) => a.firedMs >= 0);
  const first = after.length > 0 ? Math.min(...after.map((a) => a.firedMs)) : null;
  const out = [target('first alert after the fault (ms)', ALERT_FIRE_MS, first, (v) => v <= ALERT_FIRE_MS)];
  if (after.length === 0) return out;
  const resolved = after.map((a) => a.afterReturnMs);
  const last = resolved.includes(null) ? null : Math.max(...(resolved as number[]));
  out.push(
    target('last alert resolved after the return (ms)', ALERT_RESOLVE_MS, last, (v) => v <= ALERT_RESOLVE_MS),
  );
  return out;
}

/**
 * A drill passes when no acknowledged write was lost, the lab came back and every check passes again.
 * Timing targets are reported beside the verdict, not folded into it: a slow failover is a finding to
 * measure, a lost write is a failure whatever the timing.
 */
export function drillOk(d: {
  lostWrites: number;
  recovered: number | null;
  failedChecks: string[];
  error?: string;
  requests: { total: number };
}): boolean {
  return (
    d.lostWrites === 0 &&
    d.recovered !== null &&
    d.failedChecks.length === 0 &&
    !d.error &&
    d.requests.total > 0
  );
}

/** The drill's result from what was measured: pure, so the numbers can be tested with synthetic records. */
export function assemble(
  lab: Lab,
  plan: DrillPlan,
  ex: Exercise,
  records: RequestRecord[],
  lost: LostWrite[],
  detect: { ms: number; by: string } | null,
  acked: { checked: number; thisDrill: number },
): DrillResult {
  const s = summarize(records);
  const roles = plan.scenario === 'power-cycle' ? [] : nodeByName(lab, plan.nodes[0]!).roles;
  const result: DrillResult = {
    scenario: plan.scenario,
    node: plan.label,
    reason: plan.reason,
    forced: plan.forcedPast.length > 0,
    requests: { total: s.total, failed: s.failed, failedPct: s.failedPct },
    longestGapMs: s.longestGapMs,
    detectMs: detect?.ms ?? null,
    detectedBy: detect?.by,
    recoverMs: ex.times.recovered === null ? null : ex.times.recovered - ex.times.restart,
    lostWrites: lost.length,
    lost: lost.slice(0, 50),
    ackedWrites: acked.checked,
    ackedThisDrill: acked.thisDrill,
    perWeb: s.perWeb,
    perDb: s.perDb,
    times: ex.times,
    targets: targetsFor(lab, plan.scenario, roles, s, lost.length),
    failedChecks: ex.failedChecks,
    notes: ex.notes,
    error: ex.error,
    ok: false,
    files: {},
  };
  result.ok = drillOk({ ...result, recovered: ex.times.recovered });
  return result;
}
