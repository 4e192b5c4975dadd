// `lab verify --grade`: run every check, take the inventory of services, score, print and write the report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ALL_CHECKS } from '../checks/index.ts';
import { runChecks } from '../checks/run.ts';
import { EXIT } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { LabContext } from '../engine/context.ts';
import { todos } from '../grade/hints.ts';
import { takeInventory } from '../grade/inventory.ts';
import { gradeMarkdown, gradeText } from '../grade/render.ts';
import { grade } from '../grade/score.ts';
import { defaultWeights, loadWeights } from '../grade/weights.ts';
import type { Args } from './args.ts';

/** Grades the lab; exit 0 once graded, 1 with --min-score when the score is below it. */
export async function gradeCommand(
  ctx: LabContext,
  args: Args,
  progress: Progress,
  out: (text: string) => void,
): Promise<number> {
  // An invalid weights file fails before a single check runs.
  const weights = args.weights
    ? loadWeights(
        resolve(args.weights),
        ALL_CHECKS.map((c) => c.id),
      )
    : defaultWeights();
  const onResult = (r: { id: string; status: string; ms: number }) => {
    if (r.status === 'skip') progress.info(`– ${r.id}  skipped`);
    else (r.status === 'pass' ? progress.ok : progress.fail)(r.id, `${(r.ms / 1000).toFixed(1)} s`);
  };
  const report = await runChecks(ctx, ALL_CHECKS, { onResult });
  const inventory = await takeInventory(ctx.lab, ctx.remote, await ctx.running());
  const at = new Date().toISOString();
  const g = grade(ctx.lab.name, report.checks, weights, todos(ctx.lab, report.checks, inventory), at);
  const file = resolve(args.markdown ?? join(ctx.paths.reports, `grade-${at.replace(/[:.]/g, '-')}.md`));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, gradeMarkdown(g));
  progress.ok(`report written to ${file}`);
  out(args.json ? JSON.stringify({ ...g, markdown: file }, null, 2) : `${gradeText(g)}\n\nreport: ${file}`);
  const below = args.minScore !== undefined && (g.percent ?? 0) < args.minScore;
  if (below) progress.fail(`score ${g.percent ?? 0} % is below --min-score ${args.minScore} %`);
  return below ? EXIT.failed : EXIT.ok;
}
