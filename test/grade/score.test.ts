import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../scripts/checks/types.ts';
import { grade } from '../../scripts/grade/score.ts';
import { defaultWeights } from '../../scripts/grade/weights.ts';
import { machinesOnly, provisioned } from './fixture.ts';

const AT = '2026-12-02T02:10:00.000Z';
const result = (
  id: string,
  tier: CheckResult['tier'],
  status: CheckResult['status'],
  extra = {},
): CheckResult => ({
  id,
  tier,
  title: id,
  status,
  summary: `${id} ${status}`,
  evidence: [],
  ms: 1,
  ...extra,
});

describe('grade: the scoring maths', () => {
  it('a machines-only lab scores 0 of its graded tiers, and says to fix the data tier first', () => {
    const todos = new Map([['data.galera-cluster', 'start MariaDB on db1, db2']]);
    const g = grade('grade-e2e', machinesOnly, defaultWeights(), todos, AT);
    expect(g).toMatchObject({ points: 0, max: 30, percent: 0 });
    expect(g.firstToFix).toEqual({
      tier: 'data',
      id: 'data.galera-cluster',
      todo: 'start MariaDB on db1, db2',
    });
    expect(g.tiers.map((t) => [t.tier, t.points, t.max, t.graded])).toEqual([
      ['machines', 0, 0, true],
      ['data', 0, 10, true],
      ['redis', 0, 10, true],
      ['router', 0, 10, true],
      ['storage', 0, 0, false],
      ['web', 0, 0, false],
      ['lb', 0, 0, false],
      ['nextcloud', 0, 0, false],
    ]);
  });

  it('the same lab provisioned scores full marks; what it has no part for is not graded', () => {
    const g = grade('grade-e2e', provisioned, defaultWeights(), new Map(), AT);
    expect(g).toMatchObject({ points: 30, max: 30, percent: 100, firstToFix: null });
    const router = g.checks.filter((c) => c.tier === 'router');
    expect(router.map((c) => [c.id, c.verdict, c.max])).toEqual([
      ['router.vip', 'not-graded', 0],
      ['router.single-writer', 'won', 5],
      ['router.redis-primary', 'won', 5],
    ]);
    expect(g.checks.find((c) => c.id === 'router.vip')?.reason).toBe(
      'not in this lab: the lab has no router VIP (a single router uses its own address)',
    );
  });

  it('a skip because a prerequisite is missing is lost, a skip because the lab has no such part is not graded', () => {
    const g = grade(
      'x',
      [
        result('web.reach', 'web', 'pass'),
        result('web.spread', 'web', 'skip', { skipCause: 'prerequisite' }),
        result('web.session', 'web', 'skip'), // a skip that does not say is a prerequisite
        result('web.shared-write', 'web', 'skip', { skipCause: 'not-in-lab' }),
      ],
      defaultWeights(),
    );
    expect(g.checks.map((c) => [c.id, c.verdict, c.points, c.max])).toEqual([
      ['web.reach', 'won', 3.33, 3.33],
      ['web.spread', 'lost', 0, 3.33],
      ['web.session', 'lost', 0, 3.33],
      ['web.shared-write', 'not-graded', 0, 0],
    ]);
    // Points are rounded for display; the tier and total are summed before rounding.
    expect(g.tiers[0]).toMatchObject({ tier: 'web', points: 3.33, max: 10, passed: 1, checks: 3 });
    expect(g.percent).toBe(33.3);
  });

  it('tier points are shared by check weights; a weight of 0 leaves a check out', () => {
    const weights = defaultWeights();
    weights.tiers.lb = 30;
    weights.checks['lb.https'] = 2;
    weights.checks['lb.vip'] = 0;
    const g = grade(
      'x',
      [result('lb.vip', 'lb', 'fail'), result('lb.https', 'lb', 'fail'), result('lb.backends', 'lb', 'pass')],
      weights,
    );
    expect(g.checks.map((c) => [c.id, c.verdict, c.points, c.max])).toEqual([
      ['lb.vip', 'not-graded', 0, 0],
      ['lb.https', 'lost', 0, 20],
      ['lb.backends', 'won', 10, 10],
    ]);
    expect(g.checks[0]!.reason).toBe('weight 0 in the weights file');
    expect(g).toMatchObject({ points: 10, max: 30, percent: 33.3 });
  });

  it('the first thing to fix follows the build order, not the order the checks ran', () => {
    const g = grade(
      'x',
      [
        result('lb.https', 'lb', 'fail', { hint: 'curl exit 7' }),
        result('data.galera-cluster', 'data', 'fail'),
      ],
      defaultWeights(),
      new Map([['data.galera-cluster', 'bootstrap Galera']]),
    );
    expect(g.firstToFix).toEqual({ tier: 'data', id: 'data.galera-cluster', todo: 'bootstrap Galera' });
    // Without a todo of its own, a lost check says what the check itself says.
    expect(g.checks.find((c) => c.id === 'lb.https')?.todo).toBe('curl exit 7');
  });

  it('a lost machines tier is the first thing to fix even at 0 points; nothing worth points has no percentage', () => {
    const g = grade(
      'x',
      [result('machines.running', 'machines', 'skip', { skipCause: 'prerequisite' })],
      defaultWeights(),
    );
    expect(g.firstToFix?.tier).toBe('machines');
    expect(g).toMatchObject({ points: 0, max: 0, percent: null });
  });
});
