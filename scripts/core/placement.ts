// Placement: which ports the roles of one node listen on under the lab's `placement:`, and the rules
// that refuse a placement that cannot work (two roles on one port, a VIP with one holder, a web tier
// with no way to its database). Pure over the loosely parsed spec, so every problem comes at once.
import { ROLES, type Role } from './roles.ts';
import type { LooseSpec, PlacementSpec } from './schema.ts';

/** The placement as the model resolves it: defaults filled in. */
export interface Placement {
  /** Apache's port: 80, or placement.ports.web when an lb shares the node. */
  webPort: number;
  router: 'nodes' | 'local';
  standalone: ('db' | 'redis')[];
}

export const WEB_HEALTH_PORT = 8081;

export function resolvePlacement(spec: PlacementSpec): Placement {
  return { webPort: spec.ports.web ?? 80, router: spec.router, standalone: spec.standalone };
}

/** Where a listener binds: every address, the node's own lab address only, or 127.0.0.1 only. */
export type Scope = 'any' | 'node' | 'loopback';

export interface Bound {
  role: Role;
  port: number;
  what: string;
  scope: Scope;
}

/**
 * What the roles of one node listen on. With `router: local` the router's MariaDB and Redis listeners
 * bind 127.0.0.1 and MariaDB and Redis on the node bind its lab address; the router's stats are the
 * lb's when both share the node (one HAProxy). A standalone MariaDB runs no Galera and no health agent.
 */
export function boundPorts(roles: Role[], p: Placement): Bound[] {
  const local = p.router === 'local';
  const out: Bound[] = [];
  for (const role of roles) {
    for (const { port, what } of ROLES[role].ports) {
      let bound: Bound = { role, port, what, scope: 'any' };
      if (role === 'web' && port === 80) bound = { ...bound, port: p.webPort };
      if (role === 'router' && local) {
        if (port === 8404 && roles.includes('lb')) continue;
        if (port !== 8404) bound.scope = 'loopback';
      }
      if (role === 'db' && p.standalone.includes('db') && port !== 3306) continue;
      if ((role === 'db' || role === 'redis') && local && roles.includes('router')) bound.scope = 'node';
      out.push(bound);
    }
  }
  return out;
}

const overlap = (a: Scope, b: Scope) => a === 'any' || b === 'any' || a === b;
// Pairs the model refuses with their own message (a node is one or the other).
const EXCLUSIVE = ['db+db-arbiter', 'storage+storage-arbiter'];

/** Two roles of one node on the same port and address, each once. */
export function portClashes(roles: Role[], p: Placement): [Bound, Bound][] {
  const bound = boundPorts(roles, p);
  const clashes: [Bound, Bound][] = [];
  bound.forEach((a, i) => {
    for (const b of bound.slice(i + 1)) {
      if (a.role === b.role || a.port !== b.port || !overlap(a.scope, b.scope)) continue;
      if (EXCLUSIVE.includes(`${a.role}+${b.role}`) || EXCLUSIVE.includes(`${b.role}+${a.role}`)) continue;
      if (clashes.some(([x, y]) => x.role === a.role && y.role === b.role)) continue;
      clashes.push([a, b]);
    }
  });
  return clashes;
}

function clashHint(a: Role, b: Role): string {
  const pair = [a, b].sort().join('+');
  if (pair === 'lb+web')
    return 'move Apache with placement.ports.web (e.g. 8080): the lb then sends requests to that port';
  if (pair === 'lb+router')
    return "one HAProxy per node: with placement.router: local the lb's HAProxy also does the router's job";
  if (pair === 'db+router' || pair === 'redis+router')
    return 'with placement.router: local the router listens on 127.0.0.1, MariaDB and Redis on the node address';
  return 'put these roles on different nodes';
}

interface Problem {
  path: string;
  message: string;
  hint?: string;
}

/** Every placement problem of the lab, each with its YAML path. */
export function placementProblems(spec: LooseSpec): Problem[] {
  if (!spec.placement) return [];
  const p = resolvePlacement(spec.placement);
  const problems: Problem[] = [];
  if (p.webPort === WEB_HEALTH_PORT)
    problems.push({
      path: 'placement.ports.web',
      message: `Apache's port cannot be ${WEB_HEALTH_PORT}: the web nodes' health checks listen there`,
    });
  spec.nodes.forEach((node, i) => {
    for (const [a, b] of node.roles ? portClashes(node.roles, p) : [])
      problems.push({
        path: `nodes[${i}].roles`,
        message: `${a.role} and ${b.role} would both listen on :${a.port} (${a.what}, ${b.what})`,
        hint: clashHint(a.role, b.role),
      });
  });
  if (spec.nodes.some((n) => !n.roles)) return problems;
  return [...problems, ...vipProblems(spec), ...localRouterProblems(spec, p), ...tierProblems(spec, p)];
}

const count = (spec: LooseSpec, role: Role) => spec.nodes.filter((n) => n.roles?.includes(role)).length;

function vipProblems(spec: LooseSpec): Problem[] {
  const out: Problem[] = [];
  for (const [key, role] of [
    ['front', 'lb'],
    ['router', 'router'],
  ] as const) {
    // A lab without the role at all is a tier under development (e.g. a data tier alone): its VIP waits.
    const n = count(spec, role);
    if (spec.vips[key] && n === 1)
      out.push({
        path: `vips.${key}`,
        message: `the ${key} VIP needs two or more ${role} nodes to float between; this lab has ${n}`,
        hint: `remove vips.${key} (the one ${role} is reached at its own address), or add a second ${role} node`,
      });
  }
  return out;
}

function localRouterProblems(spec: LooseSpec, p: Placement): Problem[] {
  if (p.router !== 'local') return [];
  const out: Problem[] = [];
  if (spec.vips.router)
    out.push({
      path: 'vips.router',
      message: 'placement.router: local has no router VIP: each web node uses the router on its own node',
      hint: 'remove vips.router',
    });
  spec.nodes.forEach((n, i) => {
    if (n.roles?.includes('web') && !n.roles.includes('router'))
      out.push({
        path: `nodes[${i}].roles`,
        message:
          'with placement.router: local a web node needs the router role too (it reaches MariaDB and Redis on 127.0.0.1)',
        hint: 'add router to its roles',
      });
  });
  return out;
}

function standaloneProblems(spec: LooseSpec, p: Placement): Problem[] {
  const out: Problem[] = [];
  const [db, arb, redis, sentinels] = (['db', 'db-arbiter', 'redis', 'sentinel'] as const).map((r) =>
    count(spec, r),
  );
  if (p.standalone.includes('db') && (db !== 1 || arb! > 0))
    out.push({
      path: 'placement.standalone',
      message: `a standalone MariaDB is exactly one db node without Galera; this lab has ${db} db and ${arb} db-arbiter node(s)`,
      hint: 'remove db from placement.standalone for a Galera cluster',
    });
  if (p.standalone.includes('redis') && (redis !== 1 || sentinels! > 0))
    out.push({
      path: 'placement.standalone',
      message: `a standalone Redis is exactly one redis node without Sentinel; this lab has ${redis} redis and ${sentinels} sentinel node(s)`,
      hint: 'remove redis from placement.standalone for Redis with Sentinel',
    });
  if (p.standalone.includes('db') && count(spec, 'router') > 0)
    out.push({
      path: 'placement.standalone',
      message:
        'a standalone MariaDB has no health agent for a router to check: the web nodes reach it directly',
      hint: 'remove the router role, or run Galera',
    });
  return out;
}

// The web tier needs MariaDB, Redis and one data directory: a way to each. Only a lab with a front (an
// lb) serves users end to end; without one it is a tier under development, e.g. web nodes beside a
// Galera cluster while the router is being written.
function tierProblems(spec: LooseSpec, p: Placement): Problem[] {
  const out = standaloneProblems(spec, p);
  const webs = count(spec, 'web');
  if (webs === 0 || count(spec, 'lb') === 0) return out;
  const none = (role: Role, what: string) =>
    count(spec, role) === 0 &&
    out.push({ path: 'nodes', message: `the web nodes need ${what} but no node has the ${role} role` });
  none('db', 'MariaDB');
  none('redis', 'Redis (sessions and locks)');
  if (count(spec, 'db') > 0 && count(spec, 'router') === 0) {
    const dbNode = spec.nodes.find((n) => n.roles?.includes('db'));
    const direct =
      p.standalone.includes('db') && (count(spec, 'redis') === 0 || dbNode?.roles?.includes('redis'));
    if (!direct)
      out.push({
        path: 'nodes',
        message: p.standalone.includes('db')
          ? 'without a router the web nodes reach MariaDB and Redis at one address: the standalone db node must have the redis role too'
          : 'the web nodes have no way to the Galera cluster: no node has the router role',
        hint: 'add router nodes (two share vips.router), or placement.router: local with the router role on every web node; a one-machine lab says placement.standalone: [db, redis]',
      });
  }
  if (webs > 1 && count(spec, 'storage') + count(spec, 'storage-arbiter') === 0)
    out.push({
      path: 'nodes',
      message: `${webs} web nodes but no storage node: each would keep its own data directory`,
      hint: 'add three storage nodes (or two and a storage-arbiter), or keep one web node (data on its local disk)',
    });
  return out;
}
