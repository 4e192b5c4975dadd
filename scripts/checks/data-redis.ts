// Redis checks: one primary that replicas and Sentinels agree on, Sentinel quorum, the router's :6379.
import { ipOf, localRouters, noRouterReason, redisCli, routerAddr, running, stopped } from './data-exec.ts';
import { ckquorumOk, parseRedisRole, type RedisRole, redisProblems, sentinelMaster } from './data-judge.ts';
import { type Check, type CheckContext, type CheckOutcome, evidence, fail, pass } from './types.ts';

const MASTER = 'labredis';
const noRedis = (ctx: CheckContext) =>
  running(ctx, 'redis').length === 0 ? 'no redis node is running' : undefined;
const noSentinel = (ctx: CheckContext) =>
  ctx.lab.placement.standalone.includes('redis')
    ? 'the lab runs one Redis without Sentinel (placement.standalone): nothing to elect'
    : running(ctx, 'sentinel').length === 0
      ? 'no sentinel node is running'
      : undefined;

async function agree(ctx: CheckContext): Promise<CheckOutcome> {
  const roleRuns = await Promise.all(
    running(ctx, 'redis').map((n) => redisCli(ctx, n.name, n.ip, 6379, ['ROLE'])),
  );
  const sentinelRuns = await Promise.all(
    running(ctx, 'sentinel').map((n) =>
      redisCli(ctx, n.name, n.ip, 26379, ['SENTINEL', 'get-master-addr-by-name', MASTER], false),
    ),
  );
  const roles = new Map<string, RedisRole>(roleRuns.map((r) => [r.node, parseRedisRole(r.stdout)]));
  const sentinels = new Map(sentinelRuns.map((r) => [r.node, sentinelMaster(r.stdout)]));
  const { primary, problems } = redisProblems({ roles, sentinels, ipOf: (n) => ipOf(ctx, n) });
  problems.unshift(...stopped(ctx, 'redis').map((n) => `redis node ${n} is not running`));
  const ev = [...roleRuns, ...sentinelRuns].map(evidence);
  if (problems.length > 0) {
    return fail(
      problems.join('; '),
      ev,
      'Sentinel decides the primary: `redis-cli -p 26379 SENTINEL masters` on a sentinel node. A replica that does not follow it: `journalctl -u redis-server`; never set replicaof by hand while Sentinel runs.',
    );
  }
  return pass(
    `${primary} is primary; ${roleRuns.length - 1} replica(s) follow it and ${sentinelRuns.length} Sentinel(s) name it`,
    ev,
  );
}

async function quorum(ctx: CheckContext): Promise<CheckOutcome> {
  const runs = await Promise.all(
    running(ctx, 'sentinel').map((n) =>
      redisCli(ctx, n.name, n.ip, 26379, ['SENTINEL', 'CKQUORUM', MASTER], false),
    ),
  );
  const ev = runs.map(evidence);
  const bad = runs
    .filter((r) => !ckquorumOk(r.stdout))
    .map((r) => `${r.node}: ${r.stdout.trim() || r.stderr.trim() || `exit ${r.code}`}`);
  if (bad.length > 0)
    return fail(
      `Sentinel quorum not reachable: ${bad.join('; ')}`,
      ev,
      'Quorum 2 needs two Sentinels that see each other: check that redis-sentinel runs on every sentinel node and that they reach each other on port 26379.',
    );
  return pass(`${runs.length} Sentinel(s) report quorum and failover authorization reachable`, ev);
}

async function routerRedis(ctx: CheckContext): Promise<CheckOutcome> {
  const addr = routerAddr(ctx)!;
  // A local router (placement.router: local) serves its own node only: each is asked from there.
  const from = localRouters(ctx)
    ? running(ctx, 'router').map((n) => n.name)
    : [[...running(ctx, 'web'), ...running(ctx, 'router')][0]!.name];
  const runs = await Promise.all(from.map((n) => redisCli(ctx, n, addr, 6379, ['ROLE'])));
  const ev = runs.map(evidence);
  const where = (node: string) => (from.length > 1 ? `${addr} on ${node}` : addr);
  const wrong = runs
    .map((r) => ({ node: r.node, role: parseRedisRole(r.stdout).role }))
    .filter((x) => x.role !== 'master');
  if (wrong.length === 0)
    return pass(
      `the router's :6379 (${runs.map((r) => where(r.node)).join(', ')}) reaches the Redis primary`,
      ev,
    );
  return fail(
    wrong.map((w) => `the router's :6379 (${where(w.node)}) reaches a ${w.role}, not the primary`).join('; '),
    ev,
    'HAProxy picks the server whose `INFO replication` says role:master; look at the redis backend on the router stats page (:8404).',
  );
}

/** Redis and Sentinel checks; part of dataChecks. */
export const redisChecks: Check[] = [
  {
    id: 'redis.agree',
    tier: 'redis',
    title: 'One Redis primary, replicas and every Sentinel agree on it',
    skipReason: noRedis,
    run: agree,
  },
  {
    id: 'redis.sentinel-quorum',
    tier: 'redis',
    title: 'Sentinel quorum is reachable (SENTINEL CKQUORUM)',
    skipReason: noSentinel,
    run: quorum,
  },
  {
    id: 'router.redis-primary',
    tier: 'router',
    title: "The router's :6379 reaches the Redis primary",
    skipReason: (ctx) =>
      noRedis(ctx) ??
      noRouterReason(ctx) ??
      (running(ctx, 'router').length === 0
        ? 'no router node is running'
        : routerAddr(ctx)
          ? undefined
          : 'the lab has no router address'),
    run: routerRedis,
  },
];
