// The lab drawn as tiers and links, from the lab file, with a live state on it when the lab runs:
// pure, shared by the Mermaid, SVG and terminal renderings.
import type { Lab, Node } from '../core/model.ts';
import type { Role } from '../core/roles.ts';
import type { StatRow } from '../drills/holders.ts';
import { holdersOf, type LiveState } from '../drills/live.ts';

/** A node's or link's live state; unknown when the lab does not run or did not say. */
export type State = 'up' | 'down' | 'unknown';

/** One node or VIP as drawn. */
export interface Box {
  id: string;
  /** A node name, or "front VIP" / "router VIP". */
  name: string;
  vip: boolean;
  lines: string[];
  state: State;
  /** What it serves now that one node at a time serves: "holds the front VIP", "Galera writer", ... */
  badges: string[];
}

/** One row of the drawing: the nodes of a tier, or a VIP. */
export interface Tier {
  id: string;
  title: string;
  boxes: Box[];
}

/** One arrow: who sends traffic to whom, with HAProxy's word for it when known. */
export interface Link {
  from: string;
  to: string;
  label?: string;
  /** thick: the VIP's holder; dotted: a VIP's standby; plain otherwise. */
  style: 'plain' | 'thick' | 'dotted';
  state: State;
}

/** The whole drawing. */
export interface Topology {
  tiers: Tier[];
  links: Link[];
  live: boolean;
}

// A node sits in the tier of its first role in this order (tp's router also carries arbiters).
const TIERS: { id: string; title: string; roles: Role[] }[] = [
  { id: 'client', title: 'client', roles: ['client'] },
  { id: 'lb', title: 'load balancers', roles: ['lb'] },
  { id: 'web', title: 'web', roles: ['web'] },
  { id: 'router', title: 'routers', roles: ['router'] },
  { id: 'db', title: 'data: Galera, Redis, Sentinel', roles: ['db', 'db-arbiter', 'redis', 'sentinel'] },
  { id: 'storage', title: 'storage: GlusterFS', roles: ['storage', 'storage-arbiter'] },
];
const PORT = { web: 80, mysql: 3306, redis: 6379 } as const;

/** The Mermaid and SVG id of a node's box. */
export const boxId = (name: string) => `n_${name.replace(/[^A-Za-z0-9]/g, '_')}`;

function tierOf(node: Node): string {
  return TIERS.find((t) => t.roles.some((r) => node.roles.includes(r)))?.id ?? 'client';
}

/** The state HAProxy on `balancer` gives the server that is `target` on `port`, if it lists one. */
function serverState(rows: StatRow[] | undefined, target: Node, port: number): string | undefined {
  const row = rows?.find(
    (r) => r.addr === `${target.ip}:${port}` || (r.addr === '' && r.server === target.name),
  );
  return row?.status.split(' ')[0];
}

function nodeBox(lab: Lab, node: Node, live: LiveState | undefined): Box {
  const state: State = !live ? 'unknown' : live.running.includes(node.name) ? 'up' : 'down';
  const badges: string[] = [];
  if (live) {
    const h = holdersOf(lab, live);
    if (lab.vips.front && h['front-vip'].includes(node.name)) badges.push('holds the front VIP');
    if (lab.vips.router && h['router-vip'].includes(node.name)) badges.push('holds the router VIP');
    if (h['db-writer'] === node.name) badges.push('Galera writer');
    if (h['redis-primary'] === node.name) badges.push('Redis primary');
    const brick = live.bricks?.find((b) => b.brick.startsWith(`${node.ip}:`));
    if (brick) badges.push(brick.online ? 'brick online' : 'brick OFFLINE');
  }
  return {
    id: boxId(node.name),
    name: node.name,
    vip: false,
    lines: [node.ip, node.roles.join(', ')],
    state,
    badges,
  };
}

function vipBox(key: 'front' | 'router', address: string, live: LiveState | undefined): Box {
  const holders = live?.vips[key];
  const state: State = !holders ? 'unknown' : holders.length === 1 ? 'up' : 'down';
  const badges = !holders
    ? []
    : holders.length === 0
      ? ['no holder']
      : holders.length > 1
        ? ['split brain']
        : [];
  return { id: `vip_${key}`, name: `${key} VIP`, vip: true, lines: [address], state, badges };
}

/** Links from each balancer to its servers, labelled with HAProxy's server state when the lab runs. */
function balanced(live: LiveState | undefined, from: Node[], to: Node[], ports: [string, number][]): Link[] {
  return from.flatMap((b) =>
    to.map((t): Link => {
      const states = ports.map(([name, port]) => [name, serverState(live?.stats[b.name], t, port)] as const);
      const known = states.filter(([, s]) => s !== undefined);
      const label =
        live && known.length > 0
          ? known.map(([n, s]) => `${n} ${s}`).join(' · ')
          : ports.map(([n]) => n).join(' · ');
      const state: State =
        known.length === 0 ? 'unknown' : known.every(([, s]) => s === 'UP') ? 'up' : 'down';
      return { from: boxId(b.name), to: boxId(t.name), label, style: 'plain', state };
    }),
  );
}

/** Clients, or web nodes, reach a tier through its VIP (thick to the holder) or each node directly. */
function through(
  key: 'front' | 'router',
  lab: Lab,
  live: LiveState | undefined,
  sources: Node[],
  nodes: Node[],
): Link[] {
  if (!lab.vips[key]) return sources.flatMap((s) => nodes.map((n) => link(boxId(s.name), boxId(n.name))));
  const holders = live?.vips[key];
  return [
    ...sources.map((s) => link(boxId(s.name), `vip_${key}`)),
    ...nodes.map((n): Link => {
      const holds = holders?.includes(n.name);
      return {
        from: `vip_${key}`,
        to: boxId(n.name),
        style: holds ? 'thick' : holders ? 'dotted' : 'plain',
        state: holders ? (holds ? 'up' : 'unknown') : 'unknown',
      };
    }),
  ];
}

const link = (from: string, to: string, label?: string): Link => ({
  from,
  to,
  label,
  style: 'plain',
  state: 'unknown',
});

/** The lab's tiers and links; with `live`, who runs, who holds what and what HAProxy says of each server. */
export function topology(lab: Lab, live?: LiveState): Topology {
  const of = (tier: string) => lab.nodes.filter((n) => tierOf(n) === tier);
  const has = (role: Role) => lab.nodes.filter((n) => n.roles.includes(role));
  const tiers: Tier[] = [];
  for (const t of TIERS) {
    const boxes = of(t.id).map((n) => nodeBox(lab, n, live));
    if (t.id === 'lb' && lab.vips.front)
      tiers.push({
        id: 'vip_front_tier',
        title: 'front VIP',
        boxes: [vipBox('front', lab.vips.front, live)],
      });
    if (t.id === 'router' && lab.vips.router)
      tiers.push({
        id: 'vip_router_tier',
        title: 'router VIP',
        boxes: [vipBox('router', lab.vips.router, live)],
      });
    if (boxes.length > 0) tiers.push({ id: t.id, title: t.title, boxes });
  }
  const dataPorts = (n: Node): [string, number][] => [
    ...(n.roles.includes('db') ? [['mysql', PORT.mysql] as [string, number]] : []),
    ...(n.roles.includes('redis') ? [['redis', PORT.redis] as [string, number]] : []),
  ];
  const links: Link[] = [
    ...through('front', lab, live, has('client'), has('lb')),
    ...balanced(live, has('lb'), has('web'), [['http', PORT.web]]),
    ...through('router', lab, live, has('web'), has('router')),
    ...has('router').flatMap((r) =>
      lab.nodes.filter((n) => dataPorts(n).length > 0).flatMap((n) => balanced(live, [r], [n], dataPorts(n))),
    ),
    ...(of('storage').length > 0 ? has('web').map((w) => link(boxId(w.name), 'storage', 'GlusterFS')) : []),
  ];
  return { tiers, links, live: live !== undefined };
}
