// The first tier: every machine of the lab runs and answers over SSH.
import { type Check, type CheckOutcome, evidence, fail, pass } from './types.ts';

export const machineChecks: Check[] = [
  {
    id: 'machines.running',
    tier: 'machines',
    title: 'Every machine runs and answers over SSH',
    skipReason: (ctx) =>
      ctx.running.size === 0 ? 'no machine of this lab is running (npm run lab:up starts them)' : undefined,
    async run(ctx): Promise<CheckOutcome> {
      const missing = ctx.lab.nodes.filter((n) => !ctx.running.has(n.name)).map((n) => n.name);
      const results = await Promise.all(
        [...ctx.running].map((node) => ctx.remote.exec(node, ['hostname'], { timeoutMs: 20_000 })),
      );
      const ev = results.map(evidence);
      const wrong = results.filter((r) => r.code !== 0 || r.stdout.trim() !== r.node).map((r) => r.node);
      if (wrong.length > 0)
        return fail(
          `${wrong.join(', ')} did not answer with their own hostname`,
          ev,
          'Look at the console log under .lab/<lab>/logs/ and run `npm run lab:up` again.',
        );
      const note =
        missing.length > 0 ? ` (not running: ${missing.join(', ')}; their checks are skipped)` : '';
      return pass(`${results.length} machine(s) answer over SSH${note}`, ev);
    },
  },
];
