// Whether a restarted node is back in service as its balancers see it: every HAProxy that sends to it
// (lbs for a web node, routers for a Galera node) has its server UP again.
import { type Lab, nodeByName, nodesWithRole } from '../core/model.ts';
import type { Role } from '../core/roles.ts';
import type { Remote } from '../engine/remote.ts';
import { type StatRow, showStat, vipHolders } from './holders.ts';

/** The balancers that must see `node` UP, and the backend port they reach it on ('*' any). */
export function balancersOf(lab: Lab, node: string): { role: Role; port: string }[] {
  const roles = nodeByName(lab, node).roles;
  const out: { role: Role; port: string }[] = [];
  // Apache's port only: on a shared node (mini-ha) the lb's HAProxy also lists the node's MariaDB and
  // Redis, whose replicas stay DOWN on purpose.
  if (roles.includes('web'))
    out.push({ role: 'lb', port: lab.placement.webPort === 80 ? '*' : String(lab.placement.webPort) });
  // Only MariaDB: the Redis backend keeps replicas DOWN on purpose (its check looks for role:master).
  if (roles.includes('db')) out.push({ role: 'router', port: '3306' });
  return out;
}

/** Servers for `ip` in the rows that are not UP, as "proxy/server STATUS"; empty when all are UP. */
export function notUp(rows: StatRow[], ip: string, port: string): string[] {
  return rows
    .filter((r) => r.addr.startsWith(`${ip}:`) && (port === '*' || r.addr === `${ip}:${port}`))
    .filter((r) => !r.status.startsWith('UP'))
    .map((r) => `${r.proxy}/${r.server} ${r.status}`);
}

/** What still keeps `node` out of service, per balancer; empty when it is back everywhere. */
export async function rejoinPending(
  lab: Lab,
  remote: Remote,
  running: Set<string>,
  node: string,
): Promise<string[]> {
  const ip = nodeByName(lab, node).ip;
  const pending: string[] = [];
  for (const b of balancersOf(lab, node)) {
    for (const n of nodesWithRole(lab, b.role).filter((x) => running.has(x.name))) {
      pending.push(...notUp(await showStat(remote, n.name), ip, b.port).map((s) => `${n.name}: ${s}`));
    }
  }
  return [...pending, ...(await vipPending(lab, remote, running, node))];
}

// A restarted lb or router must run HAProxy and keepalived again, and exactly one node hold the VIP.
async function vipPending(lab: Lab, remote: Remote, running: Set<string>, node: string): Promise<string[]> {
  const pending: string[] = [];
  for (const role of ['lb', 'router'] as const) {
    if (!nodeByName(lab, node).roles.includes(role)) continue;
    const vip = role === 'lb' ? lab.vips.front : lab.vips.router;
    // A node without a VIP runs no keepalived (one lb, or routers with placement.router: local).
    const units = vip ? ['haproxy', 'keepalived'] : ['haproxy'];
    const r = await remote.exec(node, ['systemctl', 'is-active', ...units], { timeoutMs: 10_000 });
    if (r.code !== 0) pending.push(`${node}: ${units.join('/')} ${r.stdout.trim().split('\n').join('/')}`);
    if (!vip) continue;
    const holders = await vipHolders(lab, remote, running, role, vip);
    if (holders.length !== 1)
      pending.push(
        `the ${role} VIP ${vip} is held by ${holders.length === 0 ? 'no node' : holders.join(' and ')}`,
      );
  }
  return pending;
}
