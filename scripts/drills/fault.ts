// Injecting the fault and recovering from it, through the provider: the same on Vagrant and nspawn.
import { nodeByName } from '../core/model.ts';
import { silentProgress } from '../core/progress.ts';
import type { LabContext } from '../engine/context.ts';
import { up } from '../engine/up.ts';

/** Halts the nodes at once (power cut unless graceful) and forgets their SSH connections. */
export async function inject(ctx: LabContext, nodes: string[], graceful: boolean): Promise<void> {
  await Promise.all(
    nodes.map(async (name) => {
      ctx.remote.drop(name);
      await ctx.provider.halt(nodeByName(ctx.lab, name), { force: !graceful });
      ctx.remote.drop(name);
    }),
  );
}

/**
 * Boots the nodes again. One node rejoins by itself (Galera IST, GlusterFS self-heal, keepalived), so
 * starting it is enough; after a whole-lab stop Galera needs a bootstrap from the highest seqno, which
 * `lab up` decides, so the power cycle recovers through it.
 */
export async function recover(ctx: LabContext, nodes: string[], wholeLab: boolean): Promise<void> {
  if (wholeLab) {
    await up(ctx, silentProgress, {});
    return;
  }
  for (const name of nodes) await ctx.provider.start(nodeByName(ctx.lab, name));
}
