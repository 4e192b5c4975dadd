// `lab drill`: runs the drills the options name and prints the summary (or the JSON with --json).
import { EXIT, LabError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { jsonSummary, runDrills, terminalLines } from '../drills/index.ts';
import type { LabContext } from '../engine/context.ts';
import { type Args, loadSpec } from './args.ts';

export async function drillCommand(
  ctx: LabContext,
  args: Args,
  progress: Progress,
  out: (text: string) => void,
): Promise<number> {
  if (!args.halt && !args.haltRole && !args.all && !args.powerCycle) {
    throw new LabError('USAGE', 'drill needs one of --halt NODE, --halt-role ROLE, --all or --power-cycle', {
      hint: 'e.g. npm run lab:drill -- --halt web1',
    });
  }
  if (!args.load && (args.users !== undefined || args.scenario !== undefined))
    throw new LabError(
      'USAGE',
      'drill takes --users (and the other load options) only with --load SCENARIO',
      {
        hint: 'e.g. npm run lab:drill -- --halt web1 --load activity --users 10',
      },
    );
  const report = await runDrills(
    ctx,
    {
      halt: args.halt,
      haltRole: args.haltRole,
      all: args.all,
      powerCycle: args.powerCycle,
      graceful: args.graceful,
      observeMs: args.observeS === undefined ? undefined : args.observeS * 1000,
      rate: args.rate,
      force: args.force,
      load: args.load ? loadSpec(args, true) : undefined,
    },
    progress,
  );
  out(args.json ? JSON.stringify(jsonSummary(report), null, 2) : terminalLines(report).join('\n'));
  return report.ok ? EXIT.ok : EXIT.failed;
}
