// `lab logs [--since 10m] [--node N]`: one bundle of every node's logs and configs, secrets redacted.
import { EXIT } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { LabContext } from '../engine/context.ts';
import { collectLogs } from '../logs/bundle.ts';
import type { Args } from './args.ts';
import { resolveNode } from './node-ref.ts';

/** Writes the bundle; a node that did not answer is a ✗ line and is listed in the bundle's manifest. */
export async function logsCommand(
  ctx: LabContext,
  args: Args,
  progress: Progress,
  out: (text: string) => void,
): Promise<number> {
  const nodes = args.node ? [await resolveNode(ctx, args.node)] : undefined;
  progress.phase(
    'logs',
    args.sinceS === undefined ? 'journal since boot' : `journal of the last ${args.sinceS} s`,
  );
  const bundle = await collectLogs(ctx, { nodes, sinceS: args.sinceS });
  for (const n of bundle.nodes) {
    const size = `${n.files} file(s), ${(n.bytes / 1048576).toFixed(1)} MiB in ${(n.ms / 1000).toFixed(1)} s`;
    if (n.status === 'collected') progress.ok(n.node, size);
    else if (n.status === 'failed') progress.fail(n.node, n.error);
    else
      progress.info(`– ${n.node}  not running: ${n.files > 0 ? 'its tool log only' : 'nothing to collect'}`);
  }
  out(
    args.json
      ? JSON.stringify({ ok: true, ...bundle })
      : `logs of ${bundle.nodes.length} node(s) in ${(bundle.ms / 1000).toFixed(1)} s: ${bundle.file}`,
  );
  return EXIT.ok;
}
