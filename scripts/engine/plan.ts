// The bring-up recipe, read top to bottom: which role step runs on which nodes, in which order.
import { LabError } from '../core/errors.ts';
import type { Lab, Node } from '../core/model.ts';
import type { Role } from '../core/roles.ts';

export interface Step {
  node: string;
  role: Role | 'base';
  step: string;
  env: Record<string, string>;
}

/** What the planner learns while running: the Galera decision is made after the probe phase. */
export interface Runtime {
  galeraBootstrap?: string;
}

export interface PhaseSpec {
  name: string;
  roles: (Role | 'base')[];
  step: string;
  /** Order-sensitive phases run their nodes one at a time. */
  serial?: boolean;
  /** A read-only phase: it never counts as changes and is never skipped on resume. */
  probe?: boolean;
  pick?: (nodes: Node[], rt: Runtime, lab: Lab) => Node[];
  env?: (node: Node, lab: Lab) => Record<string, string>;
}

const first = (nodes: Node[]) => nodes.slice(0, 1);
const rest = (nodes: Node[]) => nodes.slice(1);
const last = (nodes: Node[]) => nodes.slice(-1);
const allButLast = (nodes: Node[]) => nodes.slice(0, -1);
// A standalone MariaDB (placement.standalone: [db]) runs no Galera phase, only its own step.
const standalone = (lab: Lab) => lab.placement.standalone.includes('db');
const galera = (pick: (n: Node[], rt: Runtime) => Node[]) => (n: Node[], rt: Runtime, lab: Lab) =>
  standalone(lab) ? [] : pick(n, rt);

export const RECIPE: PhaseSpec[] = [
  { name: 'base', roles: ['base'], step: 'apply' },
  { name: 'galera-probe', roles: ['db'], step: 'probe', probe: true, pick: galera((n) => n) },
  // garbd holds on to the old cluster's view after a whole-lab stop: stopped while one node bootstraps.
  {
    name: 'garbd-pause',
    roles: ['db-arbiter'],
    step: 'pause',
    pick: (n, rt) => (rt.galeraBootstrap ? n : []),
  },
  {
    name: 'galera-bootstrap',
    roles: ['db'],
    step: 'bootstrap',
    pick: galera((n, rt) => n.filter((x) => x.name === rt.galeraBootstrap)),
  },
  {
    name: 'galera-join',
    roles: ['db'],
    step: 'join',
    serial: true,
    pick: galera((n, rt) => n.filter((x) => x.name !== rt.galeraBootstrap)),
  },
  {
    name: 'mariadb-standalone',
    roles: ['db'],
    step: 'standalone',
    pick: (n, _rt, lab) => (standalone(lab) ? n : []),
  },
  { name: 'garbd', roles: ['db-arbiter'], step: 'apply' },
  { name: 'redis-primary', roles: ['redis'], step: 'apply', pick: last, env: redisEnv },
  { name: 'redis-replicas', roles: ['redis'], step: 'apply', pick: allButLast, env: redisEnv },
  { name: 'sentinel', roles: ['sentinel'], step: 'apply', env: redisEnv },
  { name: 'router', roles: ['router'], step: 'apply' },
  { name: 'storage', roles: ['storage', 'storage-arbiter'], step: 'apply' },
  { name: 'storage-volume', roles: ['storage'], step: 'volume', pick: first },
  { name: 'web-first', roles: ['web'], step: 'apply', pick: first, env: () => ({ WEB_FIRST: '1' }) },
  { name: 'web-others', roles: ['web'], step: 'apply', pick: rest, env: () => ({ WEB_FIRST: '0' }) },
  { name: 'lb', roles: ['lb'], step: 'apply' },
  { name: 'client', roles: ['client'], step: 'apply' },
  // Last: every exporter it scrapes runs by now, so its targets are up as soon as it starts.
  { name: 'monitor', roles: ['monitor'], step: 'apply' },
];

// The Redis primary starts on the last redis node, the Galera writer is the first db node: losing one
// machine then costs one failover, not two at once (drills measured both together at 8 % failed requests).
function redisEnv(_node: Node, lab: Lab): Record<string, string> {
  return { REDIS_INITIAL_PRIMARY: lab.nodes.filter((n) => n.roles.includes('redis')).at(-1)?.name ?? '' };
}

/** The steps of one phase for the nodes taking part in this run (all nodes, or those of `--only`). */
export function planPhase(spec: PhaseSpec, lab: Lab, selected: Set<string>, rt: Runtime): Step[] {
  const steps: Step[] = [];
  for (const role of spec.roles) {
    // Picks (first, rest) are taken over every node of the role, so `--only` never changes who is first.
    const all = role === 'base' ? lab.nodes : lab.nodes.filter((n) => n.roles.includes(role));
    const picked = spec.pick ? spec.pick(all, rt, lab) : all;
    for (const node of picked) {
      if (!selected.has(node.name)) continue;
      const env = spec.env?.(node, lab) ?? {};
      steps.push({ node: node.name, role, step: spec.step, env });
    }
  }
  return steps;
}

/** The nodes `--only <roles>` selects: every node that has one of those roles. */
export function selectNodes(lab: Lab, only?: string[]): Node[] {
  if (!only || only.length === 0) return lab.nodes;
  return lab.nodes.filter((n) => n.roles.some((r) => only.includes(r)));
}

/** selectNodes for a command that acts on them: `--only` that picks no node is the user's error. */
export function selectSomeNodes(lab: Lab, only?: string[]): Node[] {
  const nodes = selectNodes(lab, only);
  if (nodes.length === 0)
    throw new LabError('ONLY_EMPTY', `No node has the roles ${only?.join(', ')}`, {
      hint: 'Roles are listed in the lab file under nodes[].roles.',
    });
  return nodes;
}

export function stepKey(s: { role: string; step: string }): string {
  return `${s.role}/${s.step}`;
}
