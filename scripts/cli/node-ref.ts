// `--node NAME|@HOLDER`: a node of the lab, or the node serving a role now (read from the lab itself).
import { LabError } from '../core/errors.ts';
import { holdersOf, partsFor, readLive, resolveNodeRef } from '../drills/live.ts';
import type { LabContext } from '../engine/context.ts';
import type { Args } from './args.ts';

/** The node `ref` names; an @HOLDER is looked up with the drills' own queries (only the part it needs). */
export async function resolveNode(ctx: LabContext, ref: string): Promise<string> {
  if (!ref.startsWith('@')) return resolveNodeRef(ctx.lab, ref, { 'front-vip': [], 'router-vip': [] });
  const live = await readLive(ctx, await ctx.running(), partsFor(ref));
  return resolveNodeRef(ctx.lab, ref, holdersOf(ctx.lab, live));
}

/** --node, which the command needs: a usage error listing the nodes and holders when it is missing. */
export async function requireNode(ctx: LabContext, args: Args): Promise<string> {
  if (!args.node)
    throw new LabError('USAGE', `${args.command} needs --node NAME`, {
      hint: `Nodes: ${ctx.lab.nodes.map((n) => n.name).join(', ')} (or @db-writer, @redis-primary, @front-vip, @router-vip)`,
    });
  return resolveNode(ctx, args.node);
}
