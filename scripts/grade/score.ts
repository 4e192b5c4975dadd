// The grade of one verify run: points per check, tier and in all, from the results and the weights.
// Pure: the hints (what to do for each lost point) come in from hints.ts.
import type { CheckResult, CheckStatus, Tier } from '../checks/types.ts';
import { DEFAULT_SHARE, TIER_ORDER, type Weights } from './weights.ts';

/** won: passed; lost: failed, or skipped because something it needs is missing; not-graded: left out. */
export type Verdict = 'won' | 'lost' | 'not-graded';

/** One check in the grade. */
export interface GradedCheck {
  id: string;
  tier: Tier;
  title: string;
  status: CheckStatus;
  verdict: Verdict;
  /** Points won (0 when lost or not graded). */
  points: number;
  /** Points the check is worth (0 when not graded). */
  max: number;
  /** The check's own result line (for a skip: why it skipped). */
  summary: string;
  /** Lost: what to do first. */
  todo?: string;
  /** Lost: what the check itself says to look at. */
  lookAt?: string;
  /** Not graded: why. */
  reason?: string;
}

/** One tier in the grade; a tier with no graded check is not graded at all. */
export interface TierGrade {
  tier: Tier;
  points: number;
  max: number;
  graded: boolean;
  passed: number;
  /** Checks graded (won or lost). */
  checks: number;
}

/** The grade: the `--json` document of `lab verify --grade` (version 1). */
export interface Grade {
  version: 1;
  lab: string;
  at: string;
  points: number;
  max: number;
  /** points / max in per cent, one decimal; null when nothing is worth points. */
  percent: number | null;
  tiers: TierGrade[];
  /** The first tier (in build order) with a lost check, and what to do there. */
  firstToFix: { tier: Tier; id: string; todo: string } | null;
  checks: GradedCheck[];
}

/** What to do for a lost check, keyed by check id (hints.ts builds it). */
export type Todos = Map<string, string>;

const round2 = (x: number) => Math.round(x * 100) / 100;

function verdictOf(r: CheckResult, share: number): { verdict: Verdict; reason?: string } {
  if (share === 0) return { verdict: 'not-graded', reason: 'weight 0 in the weights file' };
  if (r.status === 'pass') return { verdict: 'won' };
  if (r.status === 'skip' && r.skipCause === 'not-in-lab')
    return { verdict: 'not-graded', reason: `not in this lab: ${r.summary}` };
  return { verdict: 'lost' };
}

/** Grades check results: each tier's points are shared by its graded checks in proportion to their shares. */
export function grade(
  lab: string,
  results: CheckResult[],
  weights: Weights,
  todos: Todos = new Map(),
  at = new Date().toISOString(),
): Grade {
  const judged = results.map((r) => ({ r, share: weights.checks[r.id] ?? DEFAULT_SHARE }));
  const withVerdict = judged.map(({ r, share }) => ({ r, share, ...verdictOf(r, share) }));
  const checks: GradedCheck[] = [];
  const tiers: TierGrade[] = [];
  for (const tier of TIER_ORDER) {
    const inTier = withVerdict.filter((c) => c.r.tier === tier);
    const graded = inTier.filter((c) => c.verdict !== 'not-graded');
    const shares = graded.reduce((sum, c) => sum + c.share, 0);
    const tierPoints = weights.tiers[tier];
    for (const c of inTier) {
      const max = c.verdict === 'not-graded' ? 0 : (tierPoints * c.share) / shares;
      checks.push({
        id: c.r.id,
        tier,
        title: c.r.title,
        status: c.r.status,
        verdict: c.verdict,
        points: c.verdict === 'won' ? max : 0,
        max,
        summary: c.r.summary,
        ...(c.verdict === 'lost'
          ? { todo: todos.get(c.r.id) ?? c.r.hint ?? 'see the check', lookAt: c.r.hint }
          : {}),
        ...(c.reason ? { reason: c.reason } : {}),
      });
    }
    if (inTier.length === 0) continue;
    const mine = checks.filter((c) => c.tier === tier);
    tiers.push({
      tier,
      points: mine.reduce((s, c) => s + c.points, 0),
      max: graded.length > 0 ? tierPoints : 0,
      graded: graded.length > 0,
      passed: mine.filter((c) => c.verdict === 'won').length,
      checks: graded.length,
    });
  }
  const points = tiers.reduce((s, t) => s + t.points, 0);
  const max = tiers.reduce((s, t) => s + t.max, 0);
  const first = checks.find((c) => c.verdict === 'lost');
  return {
    version: 1,
    lab,
    at,
    points: round2(points),
    max: round2(max),
    percent: max > 0 ? Math.round((points / max) * 1000) / 10 : null,
    tiers: tiers.map((t) => ({ ...t, points: round2(t.points), max: round2(t.max) })),
    firstToFix: first ? { tier: first.tier, id: first.id, todo: first.todo! } : null,
    checks: checks.map((c) => ({ ...c, points: round2(c.points), max: round2(c.max) })),
  };
}
