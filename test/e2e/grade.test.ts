// End to end on nspawn: a small lab brought up with machines only is graded 0 with a first step to do,
// then provisioned and graded full marks; the Markdown report lands in the lab's reports folder.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Grade } from '../../scripts/grade/score.ts';
import { fullMarksProblems, machinesOnlyProblems } from './grade-assert.ts';
import { json, lab, labOk, leftovers, nspawnSkipReason, stopRunningLabs } from './harness.ts';

const skipReason = nspawnSkipReason();
const FILE = 'test/fixtures/labs/grade-e2e.yaml';
const LAB = ['--lab', FILE, '--provider', 'nspawn'];
const NODES = ['router', 'db1', 'db2'];
const MINUTES = 60_000;
type GradeRun = Grade & { markdown: string };

describe.skipIf(skipReason)(`grading on nspawn${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  afterEach(stopRunningLabs);
  afterAll(async () => {
    await lab(['destroy', ...LAB]);
    expect(leftovers('grade-e2e', NODES)).toEqual([]);
  }, 5 * MINUTES);

  it(
    'a machines-only lab scores 0 and says what to do first',
    async () => {
      await lab(['destroy', ...LAB]);
      await labOk(['up', ...LAB, '--machines-only']);
      const r = await lab(['verify', ...LAB, '--grade', '--json']);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      const g = json<GradeRun>(r);
      expect(machinesOnlyProblems(g)).toEqual([]);
      expect(g.firstToFix?.tier).toBe('data');
      // The nspawn image has the packages; nothing runs them yet.
      expect(g.firstToFix?.todo).toMatch(/mariadb is installed but not running on db1, db2/);
      expect(existsSync(g.markdown)).toBe(true);
      expect(readFileSync(g.markdown, 'utf8')).toContain('**Do first (data):**');
      const below = await lab(['verify', ...LAB, '--grade', '--min-score', '50', '--json']);
      expect(below.code).toBe(1);
    },
    10 * MINUTES,
  );

  it(
    'provisioned, it scores full marks on its tiers',
    async () => {
      await labOk(['up', ...LAB]);
      const r = await lab(['verify', ...LAB, '--grade', '--json', '--min-score', '100']);
      const g = json<GradeRun>(r);
      expect(fullMarksProblems(g, ['data', 'redis', 'router'])).toEqual([]);
      expect(r.code).toBe(0);
      expect(g.checks.find((c) => c.id === 'router.vip')?.verdict).toBe('not-graded');
    },
    10 * MINUTES,
  );
});
