import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabFile, REPO_ROOT } from '../../scripts/core/model.ts';
import { todos } from '../../scripts/grade/hints.ts';
import { parseServices } from '../../scripts/grade/inventory.ts';
import { gradeMarkdown, gradeText } from '../../scripts/grade/render.ts';
import { grade } from '../../scripts/grade/score.ts';
import { defaultWeights } from '../../scripts/grade/weights.ts';
import { machinesOnly, provisioned } from './fixture.ts';

const AT = '2026-12-02T02:10:00.000Z';
const { lab } = loadLabFile(join(REPO_ROOT, 'test/fixtures/labs/grade-e2e.yaml'), 1e9);
const idle = new Map(
  ['router', 'db1', 'db2'].map((n) => [
    n,
    parseServices(
      'haproxy loaded inactive\ngarb loaded inactive\nmariadb loaded inactive\nredis-server loaded inactive\nredis-sentinel loaded inactive',
    ),
  ]),
);
const zero = grade(lab.name, machinesOnly, defaultWeights(), todos(lab, machinesOnly, idle), AT);
const full = grade(lab.name, provisioned, defaultWeights(), new Map(), AT);

describe('grade reports', () => {
  it('the terminal shows the table, what to do first, each lost point with its hint, and what was not graded', () => {
    const text = gradeText(zero);
    expect(text).toContain(
      [
        '  tier       points  max',
        '  machines        0    0  1 of 1 check pass',
        '  data            0   10  0 of 2 checks pass',
        '  redis           0   10  0 of 2 checks pass',
        '  router          0   10  0 of 2 checks pass',
        '  storage         –    –  not in this lab',
        '  web             –    –  not in this lab',
        '  lb              –    –  not in this lab',
        '  nextcloud       –    –  not in this lab',
        '  ----------------------',
        '  total           0   30  0 %',
      ].join('\n'),
    );
    expect(text).toMatch(
      /\ndo first \(data\): mariadb is installed but not running on db1, db2; .*: install mariadb-server/,
    );
    expect(text).toContain('  ✗ data.galera-cluster  -5  Galera: every db node is Primary and Synced');
    expect(text).toContain('      db1: mysql failed (exit 1); db2: mysql failed (exit 1)');
    expect(text).toContain(
      '      look at: A stopped or non-Synced node: `npm run lab:up` starts and rejoins it.',
    );
    expect(text).toContain(
      'not graded (neither won nor lost)\n  – router.vip: not in this lab: the lab has no router VIP',
    );
  });

  it('full marks say so', () => {
    const text = gradeText(full);
    expect(text).toContain('  total          30   30  100 %');
    expect(text).toContain('full marks: nothing to fix');
    expect(text).not.toContain('lost points');
  });

  it('Markdown has the summary table, what to do first, the lost points and every check', () => {
    const md = gradeMarkdown(zero);
    expect(md).toContain(`${AT}: **0 of 30 points (0 %)**.`);
    expect(md).toContain('| data | 0 | 10 | 0 of 2 checks pass |');
    expect(md).toContain('| storage | – | – | not in this lab |');
    expect(md).toContain('| **total** | **0** | **30** | 0 % |');
    expect(md).toMatch(/\*\*Do first \(data\):\*\* mariadb is installed but not running/);
    expect(md).toContain('### data.galera-cluster (−5): Galera');
    expect(md).toContain('- Result: failed: db1: mysql failed (exit 1); db2: mysql failed (exit 1)');
    expect(md).toContain('- `router.vip`: not in this lab: the lab has no router VIP');
    expect(md).toContain('| router.vip | router | not graded | 0 | 0 |');
    expect(md).toContain('| data.galera-cluster | data | fail | 0 | 5 |');
    expect(gradeMarkdown(full)).toContain('**Full marks**: nothing to fix.');
  });

  it('--json keeps its documented shape', () => {
    expect(Object.keys(zero)).toEqual([
      'version',
      'lab',
      'at',
      'points',
      'max',
      'percent',
      'tiers',
      'firstToFix',
      'checks',
    ]);
    expect(zero.tiers[1]).toEqual({ tier: 'data', points: 0, max: 10, graded: true, passed: 0, checks: 2 });
    const lost = zero.checks.find((c) => c.id === 'data.galera-cluster')!;
    expect(Object.keys(lost)).toEqual([
      'id',
      'tier',
      'title',
      'status',
      'verdict',
      'points',
      'max',
      'summary',
      'todo',
      'lookAt',
    ]);
    const left = zero.checks.find((c) => c.id === 'router.vip')!;
    expect(Object.keys(left)).toEqual([
      'id',
      'tier',
      'title',
      'status',
      'verdict',
      'points',
      'max',
      'summary',
      'reason',
    ]);
    expect(JSON.parse(JSON.stringify(zero))).toEqual(zero);
  });
});
