// The drill guard: a pure judgement of what halting a node would break, over the lab and who runs.
import { type Lab, nodeByName, nodesWithRole } from '../core/model.ts';
import type { Role } from '../core/roles.ts';

export interface GuardVerdict {
  /** Reasons no flag can override (e.g. the traffic would stop with the client). */
  blocked: string[];
  /** Reasons --force overrides: lost quorum, a role with no redundancy. */
  risks: string[];
}

// What each single-instance role takes down with it, in a sentence a student can act on.
const NO_REDUNDANCY: Partial<Record<Role, string>> = {
  lb: 'it is the only running load balancer: users cannot reach the lab until it returns',
  router: 'it is the only running router: web nodes lose MariaDB and Redis until it returns',
  web: 'it is the only running web node: nothing serves requests until it returns',
  redis: 'it is the only running Redis server: sessions and locks fail until it returns',
  db: 'it holds the only running copy of the database',
  storage: 'it holds the only running data brick of the shared storage',
};

// Voters of each quorum: a majority of all voters must stay up, as Galera, GlusterFS and Sentinel require.
const QUORUMS: { name: string; roles: Role[] }[] = [
  { name: 'Galera', roles: ['db', 'db-arbiter'] },
  { name: 'GlusterFS (cluster.quorum-type auto)', roles: ['storage', 'storage-arbiter'] },
  { name: 'Redis Sentinel', roles: ['sentinel'] },
];

function voters(lab: Lab, roles: Role[]): string[] {
  return lab.nodes.filter((n) => n.roles.some((r) => roles.includes(r))).map((n) => n.name);
}

/** What halting `target` would break, given the nodes running now (others count as already down). */
export function guardHalt(lab: Lab, target: string, running: Set<string>): GuardVerdict {
  const node = nodeByName(lab, target);
  const blocked: string[] = [];
  const risks: string[] = [];
  if (node.roles.includes('client'))
    blocked.push(`${target} is the client: the drill's traffic runs there, so nothing would be measured`);
  if (nodesWithRole(lab, 'client').length === 0)
    blocked.push('the lab has no client node to send traffic from');
  if (!running.has(target)) blocked.push(`${target} is not running`);
  for (const role of node.roles) {
    const others = nodesWithRole(lab, role).filter((n) => n.name !== target && running.has(n.name));
    const why = NO_REDUNDANCY[role];
    if (why && others.length === 0) risks.push(`${target}: ${why}`);
  }
  for (const q of QUORUMS) {
    const all = voters(lab, q.roles);
    if (!all.includes(target)) continue;
    const left = all.filter((n) => n !== target && running.has(n)).length;
    if (left * 2 <= all.length)
      risks.push(`${q.name} would keep ${left} of ${all.length} voters: no majority, so it stops serving`);
  }
  return { blocked, risks };
}

/** A whole-lab power cycle halts every node but the client, which keeps sending (and measuring) traffic. */
export function powerCycleTargets(lab: Lab): string[] {
  return lab.nodes.filter((n) => !n.roles.includes('client')).map((n) => n.name);
}

/** Guard text for the user: empty when the drill may run. */
export function guardRefusal(v: GuardVerdict, force: boolean): string[] {
  return force ? v.blocked : [...v.blocked, ...v.risks];
}
