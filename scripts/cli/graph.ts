// `lab graph [--watch] [--json]`: the topology as Mermaid and .lab/<lab>/graph.svg, live when the lab runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { type LiveState, readLive } from '../drills/live.ts';
import type { LabContext } from '../engine/context.ts';
import { renderMermaid } from '../report/graph-mermaid.ts';
import { renderGraphSvg } from '../report/graph-svg.ts';
import { renderText } from '../report/graph-text.ts';
import type { Args } from './args.ts';

const EVERY_MS = 2000;

/** The live state when any machine runs (undefined otherwise), and graph.svg written with it. */
async function draw(ctx: LabContext): Promise<{ live?: LiveState; svg: string }> {
  const running = await ctx.running();
  // A halted node's connection would make every query to it wait for its timeout.
  for (const n of ctx.lab.nodes) if (!running.has(n.name)) ctx.remote.drop(n.name);
  const live =
    running.size > 0 ? await readLive(ctx, running, { stats: true, vips: true, bricks: true }) : undefined;
  const at = new Date().toLocaleTimeString();
  const title = `${ctx.lab.name}: ${live ? `live state at ${at}` : 'topology from the lab file (no machine runs)'}`;
  mkdirSync(ctx.paths.root, { recursive: true });
  const svg = join(ctx.paths.root, 'graph.svg');
  writeFileSync(svg, renderGraphSvg(ctx.lab, live, title));
  return { live, svg };
}

/** Prints the Mermaid once, or with --watch redraws the terminal view and graph.svg until Ctrl-C. */
export async function graphCommand(
  ctx: LabContext,
  args: Args,
  progress: Progress,
  out: (text: string) => void,
  signal: AbortSignal,
): Promise<number> {
  if (!args.watch) {
    const { live, svg } = await draw(ctx);
    const mermaid = renderMermaid(ctx.lab, live);
    out(args.json ? JSON.stringify({ lab: ctx.lab.name, svg, mermaid, live: live ?? null }) : mermaid);
    progress.ok(`wrote ${svg}`, live ? `live: ${live.running.length} node(s) running` : 'no machine runs');
    return EXIT.ok;
  }
  const clear = process.stdout.isTTY && !args.json ? '\x1b[2J\x1b[H' : '';
  while (!signal.aborted) {
    const { live, svg } = await draw(ctx);
    if (args.json) out(JSON.stringify({ at: new Date().toISOString(), live: live ?? null }));
    else
      out(
        `${clear}${ctx.lab.name}  ${new Date().toLocaleTimeString()}  (${svg}; Ctrl-C stops)\n\n${renderText(ctx.lab, live)}`,
      );
    await sleep(EVERY_MS, undefined, { signal }).catch(() => {}); // Ctrl-C ends the wait and the loop
  }
  return EXIT.ok;
}
