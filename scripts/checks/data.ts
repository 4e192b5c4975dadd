// Data-tier checks: Galera whole and Synced, the router VIP, one writer behind the router, writes
// replicated to every node, and the Redis/Sentinel checks of data-redis.ts.
import { randomBytes } from 'node:crypto';
import { dataAddress, nodesWithRole } from '../core/model.ts';
import {
  localRouters,
  noRouterReason,
  probeSql,
  rootSql,
  routerAddr,
  running,
  sqlClientNode,
  stopped,
} from './data-exec.ts';
import { galeraProblems, parseStatus, parseWriterLines, vipHolders, writerProblems } from './data-judge.ts';
import { redisChecks } from './data-redis.ts';
import { type Check, type CheckContext, type CheckOutcome, evidence, fail, pass } from './types.ts';

const WSREP =
  "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_cluster_status','wsrep_local_state','wsrep_local_state_comment','wsrep_ready','wsrep_cluster_state_uuid')";
const noDb = (ctx: CheckContext) => (running(ctx, 'db').length === 0 ? 'no db node is running' : undefined);
const standalone = (ctx: CheckContext) => ctx.lab.placement.standalone.includes('db');
const noRouter = (ctx: CheckContext) =>
  noDb(ctx) ??
  noRouterReason(ctx) ??
  (running(ctx, 'router').length === 0
    ? 'no router node is running'
    : routerAddr(ctx)
      ? undefined
      : 'the lab has no router address');

async function galeraCluster(ctx: CheckContext): Promise<CheckOutcome> {
  const expected = nodesWithRole(ctx.lab, 'db').length + nodesWithRole(ctx.lab, 'db-arbiter').length;
  const results = await Promise.all(running(ctx, 'db').map((n) => rootSql(ctx, n.name, WSREP)));
  const ev = results.map(evidence);
  const problems = [
    ...stopped(ctx, 'db').map((n) => `${n} is not running`),
    ...stopped(ctx, 'db-arbiter').map((n) => `the arbitrator ${n} (garbd) is not running`),
  ];
  for (const r of results.filter((x) => x.code !== 0))
    problems.push(`${r.node}: mysql failed (exit ${r.code})`);
  problems.push(
    ...galeraProblems(
      results.filter((r) => r.code === 0).map((r) => ({ node: r.node, status: parseStatus(r.stdout) })),
      expected,
    ),
  );
  if (problems.length > 0) {
    return fail(
      problems.join('; '),
      ev,
      'A stopped or non-Synced node: `npm run lab:up` starts and rejoins it. If no node is Primary, `npm run lab:up` bootstraps the node with the highest seqno. Logs: journalctl -u mariadb on the node.',
    );
  }
  return pass(
    `${results.length} db node(s) Primary and Synced, cluster size ${expected} (db + arbitrators)`,
    ev,
  );
}

async function routerVip(ctx: CheckContext): Promise<CheckOutcome> {
  const vip = ctx.lab.vips.router!;
  const results = await Promise.all(
    running(ctx, 'router').map((n) =>
      ctx.remote.exec(n.name, ['ip', '-o', '-4', 'addr', 'show'], { timeoutMs: 15_000, signal: ctx.signal }),
    ),
  );
  const holders = vipHolders(
    results.map((r) => ({ node: r.node, text: r.stdout })),
    vip,
  );
  const ev = results.map(evidence);
  if (holders.length === 1) return pass(`${holders[0]} holds the router VIP ${vip}`, ev);
  const what = holders.length === 0 ? 'no router holds' : `${holders.join(' and ')} all hold`;
  return fail(
    `${what} the router VIP ${vip}`,
    ev,
    'keepalived moves the VIP: `systemctl status keepalived` and `journalctl -u keepalived` on the routers; the VIP needs a router whose HAProxy runs (track script).',
  );
}

async function writeReadBack(ctx: CheckContext, addr = routerAddr(ctx)!): Promise<CheckOutcome> {
  const from = sqlClientNode(ctx)!;
  const id = `check-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const write = await probeSql(
    ctx,
    from,
    addr,
    `INSERT INTO labprobe.checks (id, written_via) VALUES ('${id}', @@hostname); DELETE FROM labprobe.checks WHERE at < NOW() - INTERVAL 1 DAY; SELECT @@hostname`,
  );
  const ev = [evidence(write)];
  if (write.code !== 0)
    return fail(
      `the write through the router ${addr} failed (exit ${write.code})`,
      ev,
      `Is HAProxy on the router sending :3306 to a Synced node? Look at its stats page (http://<router>:8404/) and the db health agents (curl http://<db>:9200/).`,
    );
  // wsrep_sync_wait=1 makes each read wait until the node applied everything committed before it
  // (a standalone MariaDB has nothing to wait for).
  const wait = standalone(ctx) ? '' : 'SET SESSION wsrep_sync_wait=1; ';
  const reads = await Promise.all(
    running(ctx, 'db').map((n) =>
      rootSql(ctx, n.name, `${wait}SELECT id FROM labprobe.checks WHERE id='${id}'`),
    ),
  );
  ev.push(...reads.map(evidence));
  const missing = reads.filter((r) => r.stdout.trim() !== id).map((r) => r.node);
  if (missing.length > 0)
    return fail(
      `the row written through the router is missing on ${missing.join(', ')}`,
      ev,
      'A node that does not see a committed row is not replicating: check wsrep_cluster_size and wsrep_local_state_comment on it.',
    );
  return pass(
    `a row written through ${addr} (landed on ${write.stdout.trim()}) reads back on ${reads.length} db node(s)`,
    ev,
  );
}

async function singleWriter(ctx: CheckContext): Promise<CheckOutcome> {
  const from = sqlClientNode(ctx)!;
  const sql =
    "SELECT @@hostname, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_LOCAL_STATE_COMMENT'";
  // New connections through the router address, then one through each router's own address: every
  // router must pick the same node, or two routers would make two writers. A local router (router:
  // local) is asked on its own node at 127.0.0.1, twice each.
  const routers = running(ctx, 'router');
  const pairs: [string, string][] = localRouters(ctx)
    ? routers.flatMap((r) => [0, 1].map(() => [r.name, '127.0.0.1'] as [string, string]))
    : [...Array(4).fill([from, routerAddr(ctx)!]), ...routers.map((r) => [from, r.ip] as [string, string])];
  const targets = pairs.map(([node, host]) => (host === '127.0.0.1' ? `${node}:${host}` : host));
  const results = [];
  for (const [node, host] of pairs) results.push(await probeSql(ctx, node, host, sql));
  const answers = results.flatMap((r, i) => parseWriterLines(targets[i]!, r.stdout));
  const problems = writerProblems(answers, targets.length);
  const ev = results.map(evidence);
  if (problems.length > 0)
    return fail(
      problems.join('; '),
      ev,
      'HAProxy must keep one db server active and the others `backup`; compare `echo "show servers state mariadb" | nc -U -N /run/haproxy/admin.sock` on each router.',
    );
  return pass(
    `${answers.length} new connections through the router(s) all reached ${answers[0]!.hostname}, which is Synced`,
    ev,
  );
}

/** The data-tier checks of `lab verify`, Galera and router first, then Redis and Sentinel. */
export const dataChecks: Check[] = [
  {
    id: 'data.galera-cluster',
    tier: 'data',
    title: 'Galera: every db node is Primary and Synced, cluster size = db nodes + arbitrators',
    skipReason: (ctx) =>
      standalone(ctx) ? 'the lab runs one MariaDB without Galera (placement.standalone)' : noDb(ctx),
    run: galeraCluster,
  },
  {
    id: 'data.standalone',
    tier: 'data',
    title: 'The one MariaDB (no Galera) takes a write from the web tier and reads it back',
    skipReason: (ctx) =>
      !standalone(ctx)
        ? 'the lab runs Galera (see data.galera-cluster)'
        : (noDb(ctx) ?? (sqlClientNode(ctx) ? undefined : 'no node to run a client from')),
    run: (ctx) => writeReadBack(ctx, dataAddress(ctx.lab)!),
  },
  {
    id: 'router.vip',
    tier: 'router',
    title: 'The router VIP is held by exactly one router',
    skipReason: (ctx) =>
      !ctx.lab.vips.router
        ? localRouters(ctx)
          ? 'the lab has no router VIP: each web node uses the router on its own node (placement.router: local)'
          : (noRouterReason(ctx) ?? 'the lab has no router VIP (a single router uses its own address)')
        : running(ctx, 'router').length === 0
          ? 'no router node is running'
          : undefined,
    run: routerVip,
  },
  {
    id: 'data.write-through-router',
    tier: 'data',
    title: 'A write through the router reads back on every db node',
    skipReason: noRouter,
    run: writeReadBack,
  },
  {
    id: 'router.single-writer',
    tier: 'router',
    title: 'The router sends every connection to one Synced writer',
    skipReason: noRouter,
    run: singleWriter,
  },
  ...redisChecks,
];
