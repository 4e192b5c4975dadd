// `lab load`: runs a load test and prints the summary (or the JSON with --json).
import { EXIT } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { LabContext } from '../engine/context.ts';
import { runLoad } from '../load/run.ts';
import { loadSummary, loadTerminal } from '../report/load.ts';
import { type Args, loadSpec } from './args.ts';

export async function loadCommand(
  ctx: LabContext,
  args: Args,
  progress: Progress,
  out: (text: string) => void,
  signal: AbortSignal,
): Promise<number> {
  const report = await runLoad(ctx, loadSpec(args), progress, signal);
  out(args.json ? JSON.stringify(loadSummary(report), null, 2) : loadTerminal(report).join('\n'));
  if (report.interrupted) return EXIT.interrupted;
  return report.ok ? EXIT.ok : EXIT.failed;
}
