// Finds the node currently serving a role's traffic: the Galera writer, the Redis primary, the VIP holder.
import { LabError } from '../core/errors.ts';
import { type Lab, nodesWithRole } from '../core/model.ts';
import { isRole, type Role } from '../core/roles.ts';
import type { Remote } from '../engine/remote.ts';

/** One server line of HAProxy's `show stat` CSV. */
export interface StatRow {
  proxy: string;
  server: string;
  status: string;
  backup: boolean;
  addr: string;
  /** Seconds since the server's last state change. */
  lastchg: number;
}

/** Parses `show stat` (header `# pxname,svname,...`); FRONTEND and BACKEND summary lines are left out. */
export function parseShowStat(csv: string): StatRow[] {
  const lines = csv.split('\n').filter((l) => l.trim());
  const header = (lines.shift() ?? '').replace(/^#\s*/, '').split(',');
  const col = (name: string) => header.indexOf(name);
  return lines
    .map((l) => l.split(','))
    .filter((f) => f[col('svname')] !== 'FRONTEND' && f[col('svname')] !== 'BACKEND')
    .map((f) => ({
      proxy: f[col('pxname')] ?? '',
      server: f[col('svname')] ?? '',
      status: f[col('status')] ?? '',
      backup: f[col('bck')] === '1',
      addr: col('addr') >= 0 ? (f[col('addr')] ?? '') : '',
      lastchg: Number(f[col('lastchg')] ?? 0),
    }));
}

/** The node a backend on `port` sends to: HAProxy uses an UP active server, else the first UP backup. */
export function servingNode(rows: StatRow[], lab: Lab, port: number): string | undefined {
  const nodeOf = (r: StatRow) =>
    lab.nodes.find((n) => r.addr === `${n.ip}:${port}`)?.name ??
    (r.addr === '' ? lab.nodes.find((n) => n.name === r.server)?.name : undefined);
  const candidates = rows.filter((r) => r.status.startsWith('UP') && nodeOf(r) !== undefined);
  const pick = candidates.find((r) => !r.backup) ?? candidates.find((r) => r.backup);
  return pick ? nodeOf(pick) : undefined;
}

/** Which nodes' `ip -br addr` output carries the VIP (more than one is a split brain). */
export function vipHolder(outputs: { node: string; text: string }[], vip: string): string[] {
  const re = new RegExp(`(^|\\s)${vip.replace(/\./g, '\\.')}/\\d+`, 'm');
  return outputs.filter((o) => re.test(o.text)).map((o) => o.node);
}

// Reads the stats socket named in haproxy.cfg; a constant script, the socket path never comes from us.
const SHOW_STAT = [
  'bash',
  '-c',
  'sock=$(awk \'$1=="stats" && $2=="socket" {print $3; exit}\' /etc/haproxy/haproxy.cfg); [ -n "$sock" ] || sock=/run/haproxy/admin.sock; echo \'show stat\' | nc -N -U "$sock"',
];

/** `show stat` from one HAProxy node. */
export async function showStat(remote: Remote, node: string): Promise<StatRow[]> {
  const r = await remote.exec(node, SHOW_STAT, { timeoutMs: 10_000 });
  return r.code === 0 ? parseShowStat(r.stdout) : [];
}

async function holderViaRouters(
  lab: Lab,
  remote: Remote,
  running: Set<string>,
  port: number,
): Promise<{ node: string; by: string } | undefined> {
  for (const router of nodesWithRole(lab, 'router').filter((n) => running.has(n.name))) {
    const node = servingNode(await showStat(remote, router.name), lab, port);
    if (node) return { node, by: router.name };
  }
  return undefined;
}

/** The running nodes of `role` whose addresses include `vip`. */
export async function vipHolders(
  lab: Lab,
  remote: Remote,
  running: Set<string>,
  role: 'lb' | 'router',
  vip: string,
): Promise<string[]> {
  const nodes = nodesWithRole(lab, role).filter((n) => running.has(n.name));
  const outputs = await Promise.all(
    nodes.map(async (n) => ({
      node: n.name,
      text: (await remote.exec(n.name, ['ip', '-br', 'addr'], { timeoutMs: 10_000 })).stdout,
    })),
  );
  return vipHolder(outputs, vip);
}

async function holderViaVip(
  lab: Lab,
  remote: Remote,
  running: Set<string>,
  role: 'lb' | 'router',
): Promise<string | undefined> {
  const vip = role === 'lb' ? lab.vips.front : lab.vips.router;
  const nodes = nodesWithRole(lab, role).filter((n) => running.has(n.name));
  if (!vip) return nodes.length === 1 ? nodes[0]!.name : undefined;
  const holders = await vipHolders(lab, remote, running, role, vip);
  return holders.length === 1 ? holders[0] : undefined;
}

/** The node serving `role` now, with a sentence saying how that was found. */
export async function findHolder(
  lab: Lab,
  remote: Remote,
  running: Set<string>,
  role: string,
): Promise<{ node: string; reason: string }> {
  if (!isRole(role))
    throw new LabError('DRILL_ROLE_UNKNOWN', `'${role}' is not a role`, {
      hint: 'Use one of: lb, web, router, db, redis, storage, ...',
    });
  if (role === 'db' || role === 'redis') {
    const found = await holderViaRouters(lab, remote, running, role === 'db' ? 3306 : 6379);
    if (found)
      return {
        node: found.node,
        reason: `${role === 'db' ? 'Galera writer' : 'Redis primary'} (${found.by} sends ${role === 'db' ? 'MariaDB' : 'Redis'} traffic to it)`,
      };
    // No router (a standalone MariaDB and Redis): the one node of the role serves it.
    const only = nodesWithRole(lab, role).filter((n) => running.has(n.name));
    if (nodesWithRole(lab, 'router').length === 0 && only.length === 1)
      return { node: only[0]!.name, reason: `the only ${role} node (no router: web reaches it directly)` };
  } else if (role === 'lb' || role === 'router') {
    const node = await holderViaVip(lab, remote, running, role);
    if (node) return { node, reason: role === 'lb' ? 'holds the front VIP' : 'holds the router VIP' };
  } else {
    const node = nodesWithRole(lab, role as Role).find((n) => running.has(n.name));
    if (node) return { node: node.name, reason: `first running ${role} node` };
  }
  throw new LabError('DRILL_NO_HOLDER', `No running node serves the ${role} role now`, {
    hint: 'Run `npm run lab:verify` to see which tier is down, and bring the lab up before a drill.',
  });
}

/**
 * What `node` serves right now among the roles with one active holder (Galera writer, Redis primary,
 * VIP holder), each as findHolder's sentence: `--all` reports say which failover each drill caused.
 */
export async function servedNow(
  lab: Lab,
  remote: Remote,
  running: Set<string>,
  node: string,
): Promise<string[]> {
  const roles = (['db', 'redis', 'lb', 'router'] as const).filter((r) =>
    nodesWithRole(lab, r).some((n) => n.name === node),
  );
  const found = await Promise.all(
    roles.map((r) => findHolder(lab, remote, running, r).catch(() => undefined)),
  );
  return found.filter((h) => h?.node === node).map((h) => h!.reason);
}
