// Pure judgement of one drill: the targets, and pass/fail.
import type { Lab } from '../core/model.ts';
import type { Role } from '../core/roles.ts';
import type { TrafficSummary } from './metrics.ts';
import type { Scenario, TargetResult } from './types.ts';

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
