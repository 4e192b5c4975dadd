// How the data-tier checks run their commands: passwords on stdin, never in argv (evidence shows argv).
import { nodesWithRole, routerAddress } from '../core/model.ts';
import type { Role } from '../core/roles.ts';
import type { ExecResult } from '../engine/remote.ts';
import type { CheckContext } from './types.ts';

const TIMEOUT = 20_000;

/** Running nodes of a role, in lab order. */
export function running(ctx: CheckContext, role: Role): { name: string; ip: string }[] {
  return nodesWithRole(ctx.lab, role).filter((n) => ctx.running.has(n.name));
}

/** Nodes of a role that exist in the lab but do not run now. */
export function stopped(ctx: CheckContext, role: Role): string[] {
  return nodesWithRole(ctx.lab, role)
    .filter((n) => !ctx.running.has(n.name))
    .map((n) => n.name);
}

export function ipOf(ctx: CheckContext, node: string): string | undefined {
  return ctx.lab.nodes.find((n) => n.name === node)?.ip;
}

/** SQL as root over the node's own socket (the checks reach nodes as root over SSH). */
export function rootSql(ctx: CheckContext, node: string, sql: string): Promise<ExecResult> {
  return ctx.remote.exec(node, ['mysql', '--connect-timeout=5', '-N', '-B', '-e', sql], {
    timeoutMs: TIMEOUT,
    signal: ctx.signal,
  });
}

/** SQL as the labprobe user against host:3306, from `node`; the password travels on stdin. */
export function probeSql(ctx: CheckContext, node: string, host: string, sql: string): Promise<ExecResult> {
  const script =
    'read -r MYSQL_PWD; export MYSQL_PWD; exec mysql --connect-timeout=5 -h "$1" -u labprobe -N -B -e "$2"';
  return ctx.remote.exec(node, ['bash', '-c', script, 'mysql', host, sql], {
    stdin: `${ctx.secrets.values.DB_PROBE_PASSWORD}\n`,
    timeoutMs: TIMEOUT,
    signal: ctx.signal,
  });
}

/** redis-cli against host:port from `node`; with auth the password travels on stdin (REDISCLI_AUTH). */
export function redisCli(
  ctx: CheckContext,
  node: string,
  host: string,
  port: number,
  args: string[],
  auth = true,
): Promise<ExecResult> {
  const script = `${auth ? 'read -r REDISCLI_AUTH; export REDISCLI_AUTH; ' : ''}exec timeout 5 redis-cli --no-auth-warning -h "$1" -p "$2" "\${@:3}"`;
  return ctx.remote.exec(node, ['bash', '-c', script, 'redis-cli', host, String(port), ...args], {
    stdin: auth ? `${ctx.secrets.values.REDIS_PASSWORD}\n` : '',
    timeoutMs: TIMEOUT,
    signal: ctx.signal,
  });
}

/** Where a "user" of the database runs its client: a web node, else a router, else a db node. */
export function sqlClientNode(ctx: CheckContext): string | undefined {
  return [...running(ctx, 'web'), ...running(ctx, 'router'), ...running(ctx, 'db')][0]?.name;
}

/** The router address web nodes use: the VIP, the only router's address, or 127.0.0.1 (router: local). */
export function routerAddr(ctx: CheckContext): string | undefined {
  return routerAddress(ctx.lab);
}

/** With placement.router: local each router serves its own node on 127.0.0.1, checked from there. */
export function localRouters(ctx: CheckContext): boolean {
  return ctx.lab.placement.router === 'local';
}

/** Why a check of the router tier skips on a lab without routers: the web nodes reach the db directly. */
export function noRouterReason(ctx: CheckContext): string | undefined {
  if (nodesWithRole(ctx.lab, 'router').length > 0) return undefined;
  return ctx.lab.placement.standalone.includes('db')
    ? 'the lab has no router: the web nodes reach the one MariaDB and Redis directly (placement.standalone)'
    : 'the lab has no router node';
}
