// The grade for a person: a terminal table and a Markdown report. --json prints the Grade itself.
import type { Grade, GradedCheck, TierGrade } from './score.ts';

const pts = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0$/, ''));
const percent = (g: Grade) => (g.percent === null ? 'nothing worth points' : `${g.percent} %`);
const tierCell = (t: TierGrade) =>
  t.graded ? `${t.passed} of ${t.checks} check${t.checks === 1 ? '' : 's'} pass` : 'not in this lab';

/** The terminal rendering: the table, what to do first, each lost point with its hint, then what was not graded. */
export function gradeText(g: Grade): string {
  const rows = [
    ['tier', 'points', 'max', ''],
    ...g.tiers.map((t) => [t.tier, t.graded ? pts(t.points) : '–', t.graded ? pts(t.max) : '–', tierCell(t)]),
    ['total', pts(g.points), pts(g.max), percent(g)],
  ];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `  ${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]!.padStart(w[2]!)}  ${r[3]}`.trimEnd();
  const out = [
    `grade of lab ${g.lab} (${g.at})`,
    '',
    ...rows.slice(0, -1).map(line),
    `  ${'-'.repeat(w[0]! + w[1]! + w[2]! + 4)}`,
    line(rows.at(-1)!),
  ];
  out.push(
    '',
    g.firstToFix ? `do first (${g.firstToFix.tier}): ${g.firstToFix.todo}` : 'full marks: nothing to fix',
  );
  const lost = g.checks.filter((c) => c.verdict === 'lost');
  if (lost.length > 0) out.push('', 'lost points');
  for (const c of lost) {
    out.push(`  ✗ ${c.id}  -${pts(c.max)}  ${c.title}`);
    out.push(`      ${c.status === 'skip' ? 'skipped: ' : ''}${c.summary}`);
    out.push(`      do: ${c.todo}`);
    if (c.lookAt && c.lookAt !== c.todo) out.push(`      look at: ${c.lookAt}`);
  }
  const left = g.checks.filter((c) => c.verdict === 'not-graded');
  if (left.length > 0) out.push('', 'not graded (neither won nor lost)');
  for (const c of left) out.push(`  – ${c.id}: ${c.reason}`);
  return out.join('\n');
}

function lostSection(lost: GradedCheck[]): string[] {
  if (lost.length === 0) return [];
  return [
    '## Lost points',
    '',
    ...lost.flatMap((c) => [
      `### ${c.id} (−${pts(c.max)}): ${c.title}`,
      '',
      `- Result: ${c.status === 'skip' ? 'skipped: ' : 'failed: '}${c.summary}`,
      `- Do first: ${c.todo}`,
      ...(c.lookAt && c.lookAt !== c.todo ? [`- Look at: ${c.lookAt}`] : []),
      '',
    ]),
  ];
}

/** The Markdown report: summary table, what to do first, lost points, not graded, every check. */
export function gradeMarkdown(g: Grade): string {
  const left = g.checks.filter((c) => c.verdict === 'not-graded');
  return [
    `# Grade of lab ${g.lab}`,
    '',
    `${g.at}: **${pts(g.points)} of ${pts(g.max)} points (${percent(g)})**.`,
    '',
    '| tier | points | max | checks |',
    '|---|---:|---:|---|',
    ...g.tiers.map(
      (t) =>
        `| ${t.tier} | ${t.graded ? pts(t.points) : '–'} | ${t.graded ? pts(t.max) : '–'} | ${tierCell(t)} |`,
    ),
    `| **total** | **${pts(g.points)}** | **${pts(g.max)}** | ${percent(g)} |`,
    '',
    g.firstToFix
      ? `**Do first (${g.firstToFix.tier}):** ${g.firstToFix.todo}`
      : '**Full marks**: nothing to fix.',
    '',
    ...lostSection(g.checks.filter((c) => c.verdict === 'lost')),
    ...(left.length > 0
      ? [
          '## Not graded',
          '',
          'These checks are neither won nor lost: the lab has no such part, or the weights leave them out.',
          '',
          ...left.map((c) => `- \`${c.id}\`: ${c.reason}`),
          '',
        ]
      : []),
    '## Every check',
    '',
    '| check | tier | result | points | max |',
    '|---|---|---|---:|---:|',
    ...g.checks.map(
      (c) =>
        `| ${c.id} | ${c.tier} | ${c.verdict === 'not-graded' ? 'not graded' : c.status} | ${pts(c.points)} | ${pts(c.max)} |`,
    ),
    '',
  ].join('\n');
}
