// What a grade must say on a machines-only lab and on a provisioned one, as lists of problems (empty:
// fine), so any end-to-end bring-up can assert them: expect(machinesOnlyProblems(g)).toEqual([]).
import type { Grade } from '../../scripts/grade/score.ts';

/** A lab whose machines run and nothing is provisioned: 0 points, and a first step beyond the machines. */
export function machinesOnlyProblems(g: Grade): string[] {
  const problems: string[] = [];
  if (g.points !== 0) problems.push(`points ${g.points}, expected 0`);
  if (!(g.max > 0)) problems.push(`max ${g.max}: nothing was graded`);
  if (!g.firstToFix) problems.push('no first step to fix');
  else {
    if (g.firstToFix.tier === 'machines') problems.push('the machines run, yet they are the first step');
    if (g.firstToFix.todo.trim() === '') problems.push('the first step has no hint');
  }
  for (const c of g.checks.filter((x) => x.verdict === 'lost' && !x.todo?.trim()))
    problems.push(`${c.id} lost without a hint`);
  const machines = g.checks.find((c) => c.id === 'machines.running');
  if (machines?.status !== 'pass') problems.push(`machines.running is ${machines?.status}, expected pass`);
  return problems;
}

/** A provisioned lab: full marks, nothing to fix, and each of these tiers graded. */
export function fullMarksProblems(g: Grade, tiers: string[]): string[] {
  const problems: string[] = [];
  if (g.points !== g.max || g.percent !== 100)
    problems.push(`${g.points} of ${g.max} points (${g.percent} %), expected full marks`);
  if (g.firstToFix) problems.push(`something to fix: ${g.firstToFix.id}: ${g.firstToFix.todo}`);
  for (const c of g.checks.filter((x) => x.verdict === 'lost'))
    problems.push(`lost ${c.id}: ${c.status} ${c.summary}`);
  for (const tier of tiers) {
    const t = g.tiers.find((x) => x.tier === tier);
    if (!t?.graded) problems.push(`tier ${tier} not graded`);
  }
  return problems;
}
