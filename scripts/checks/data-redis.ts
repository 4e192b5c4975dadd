// Redis checks: one primary that replicas and Sentinels agree on, Sentinel quorum, the router's :6379.
import { ipOf, redisCli, routerAddr, running, stopped } from './data-exec.ts';
import { ckquorumOk, parseRedisRole, type RedisRole, redisProblems, sentinelMaster } from './data-judge.ts';
import { type Check, type CheckContext, type CheckOutcome, evidence, fail, pass } from './types.ts';

const MASTER = 'labredis';
const noRedis = (ctx: CheckContext) =>
  running(ctx, 'redis').length === 0 ? 'no redis node is running' : undefined;
const noSentinel = (ctx: CheckContext) =>
  running(ctx, 'sentinel').length === 0 ? 'no sentinel node is running' : undefined;

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
  const from = [...running(ctx, 'web'), ...running(ctx, 'router')][0]!.name;
  const addr = routerAddr(ctx)!;
  const r = await redisCli(ctx, from, addr, 6379, ['ROLE']);
  const role = parseRedisRole(r.stdout);
  if (role.role === 'master')
    return pass(`the router's :6379 (${addr}) reaches the Redis primary`, [evidence(r)]);
  return fail(
    `the router's :6379 (${addr}) reaches a ${role.role}, not the primary`,
    [evidence(r)],
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
      (running(ctx, 'router').length === 0
        ? 'no router node is running'
        : routerAddr(ctx)
          ? undefined
          : 'the lab has no router address'),
    run: routerRedis,
  },
];
