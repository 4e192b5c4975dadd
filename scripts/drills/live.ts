// A running lab's live state (who holds each VIP, what HAProxy sends where, the bricks), read with the
// drills' and checks' own queries, and the @HOLDER names (`--node @db-writer`) resolved over it.
import { storageNode, volumeStatus } from '../checks/storage.ts';
import { LabError } from '../core/errors.ts';
import { type Lab, nodeByName, nodesWithRole } from '../core/model.ts';
import type { Secrets } from '../core/secrets.ts';
import type { Remote } from '../engine/remote.ts';
import { type StatRow, servingNode, showStat, vipHolders } from './holders.ts';

/** The roles with one active holder, as `--node @WORD` names them. */
export const HOLDER_WORDS = ['db-writer', 'redis-primary', 'front-vip', 'router-vip'] as const;
/** One of HOLDER_WORDS. */
export type HolderWord = (typeof HOLDER_WORDS)[number];

/** What a lab looks like now; a part that was not read (or did not answer) is absent. */
export interface LiveState {
  /** Nodes whose machines run. */
  running: string[];
  /** HAProxy `show stat` server rows of each running lb and router. */
  stats: Record<string, StatRow[]>;
  /** The running nodes carrying each VIP of the lab (two or more: split brain). */
  vips: { front?: string[]; router?: string[] };
  /** The GlusterFS volume's bricks (host:path) and whether each is online. */
  bricks?: { brick: string; online: boolean }[];
}

/** The node of each role with one active holder: VIPs as lists, so a split brain shows. */
export interface Holders {
  'db-writer'?: string;
  'redis-primary'?: string;
  'front-vip': string[];
  'router-vip': string[];
}

/** Like findHolder: the first router that sends a port somewhere names its holder. */
function viaRouters(lab: Lab, live: LiveState, port: number): string | undefined {
  for (const router of nodesWithRole(lab, 'router')) {
    const rows = live.stats[router.name];
    const node = rows && servingNode(rows, lab, port);
    if (node) return node;
  }
  return undefined;
}

/** Without a VIP, a lone running node of the role serves at its own address (the tp lab). */
function vipNodes(lab: Lab, live: LiveState, key: 'front' | 'router'): string[] {
  if (lab.vips[key]) return live.vips[key] ?? [];
  const nodes = nodesWithRole(lab, key === 'front' ? 'lb' : 'router').filter((n) =>
    live.running.includes(n.name),
  );
  return nodes.length === 1 ? [nodes[0]!.name] : [];
}

/** Who holds what, from a live state: pure. */
export function holdersOf(lab: Lab, live: LiveState): Holders {
  return {
    'db-writer': viaRouters(lab, live, 3306),
    'redis-primary': viaRouters(lab, live, 6379),
    'front-vip': vipNodes(lab, live, 'front'),
    'router-vip': vipNodes(lab, live, 'router'),
  };
}

/** A node name as given, or the node an @HOLDER names now; pure over the holders read before. */
export function resolveNodeRef(lab: Lab, ref: string, holders: Holders): string {
  if (!ref.startsWith('@')) return nodeByName(lab, ref).name;
  const word = ref.slice(1);
  if (!(HOLDER_WORDS as readonly string[]).includes(word))
    throw new LabError('USAGE', `'${ref}' names no role holder`, {
      hint: `Use a node name or one of ${HOLDER_WORDS.map((w) => `@${w}`).join(', ')}.`,
    });
  const held = holders[word as HolderWord];
  const nodes = held === undefined ? [] : Array.isArray(held) ? held : [held];
  if (nodes.length === 1) return nodes[0]!;
  throw new LabError(
    'NO_HOLDER',
    nodes.length === 0
      ? `No running node is the ${word} now`
      : `${nodes.join(' and ')} are all ${word} now (split brain)`,
    { hint: 'Run `npm run lab:verify` to see which tier is down.' },
  );
}

/** What readLive reads: HAProxy stats (the Galera writer, the Redis primary), the VIPs, the bricks. */
export interface LiveParts {
  stats?: boolean;
  vips?: boolean;
  bricks?: boolean;
}

/** The parts of the live state an @HOLDER name needs. */
export function partsFor(ref: string): LiveParts {
  return ref === '@front-vip' || ref === '@router-vip' ? { vips: true } : { stats: true };
}

interface LiveContext {
  lab: Lab;
  remote: Remote;
  secrets: Secrets;
}

/** Reads the live state from the running nodes, in parallel; a node that does not answer is left out. */
export async function readLive(ctx: LiveContext, running: Set<string>, parts: LiveParts): Promise<LiveState> {
  const up = (role: 'lb' | 'router') =>
    nodesWithRole(ctx.lab, role)
      .map((n) => n.name)
      .filter((n) => running.has(n));
  const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);
  const vip = (key: 'front' | 'router') => {
    const address = ctx.lab.vips[key];
    if (!parts.vips || !address) return undefined;
    return quiet(vipHolders(ctx.lab, ctx.remote, running, key === 'front' ? 'lb' : 'router', address));
  };
  const stat = async (node: string) => [node, await quiet(showStat(ctx.remote, node))] as const;
  const [stats, front, router, bricks] = await Promise.all([
    parts.stats ? Promise.all([...up('lb'), ...up('router')].map(stat)) : [],
    vip('front'),
    vip('router'),
    parts.bricks ? quiet(readBricks(ctx, running)) : undefined,
  ]);
  return {
    running: ctx.lab.nodes.map((n) => n.name).filter((n) => running.has(n)),
    stats: Object.fromEntries(stats.flatMap(([node, rows]) => (rows ? [[node, rows]] : []))),
    vips: { front, router },
    bricks,
  };
}

async function readBricks(ctx: LiveContext, running: Set<string>) {
  const checkCtx = { ...ctx, running };
  const node = storageNode(checkCtx);
  if (!node) return undefined;
  const { status, bricks } = await volumeStatus(checkCtx, node);
  return status.code === 0 ? bricks : undefined;
}
