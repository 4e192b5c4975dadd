// Recorded check results (as `lab verify --json` gave them) of tp's data tier, shaped like the
// grade-e2e lab: once with machines only, once provisioned. Evidence is trimmed to one line each.
import type { CheckResult } from '../../scripts/checks/types.ts';

const ev = (node: string, command: string, output: string, code: number) => [
  { node, command, output, code, ms: 40 },
];

const notInLab = (id: string, tier: CheckResult['tier'], title: string, summary: string): CheckResult => ({
  id,
  tier,
  title,
  status: 'skip',
  summary,
  evidence: [],
  ms: 0,
  skipCause: 'not-in-lab',
});

/** The checks that skip on a lab of router + db1 + db2 whatever its state: it has no such parts. */
const absent: CheckResult[] = [
  notInLab(
    'router.vip',
    'router',
    'The router VIP is held by exactly one router',
    'the lab has no router VIP (a single router uses its own address)',
  ),
  notInLab(
    'storage.volume',
    'storage',
    'Every brick of the GlusterFS volume is online and nothing is pending heal',
    'the lab has no storage node',
  ),
  notInLab(
    'storage.mounted',
    'storage',
    'Every web node has the shared volume mounted',
    'no web node is running',
  ),
  notInLab(
    'web.reach',
    'web',
    'Each web node reaches the DB, Redis (through the router) and the shared volume',
    'no web node is running',
  ),
  notInLab(
    'lb.vip',
    'lb',
    'Exactly one load balancer holds the front VIP',
    'the lab has no front VIP (one lb, as in tp)',
  ),
  notInLab(
    'lb.https',
    'lb',
    'HTTPS is valid against the lab CA and HTTP redirects to HTTPS',
    'the lab has no front address (no lb node)',
  ),
  notInLab(
    'nextcloud.status',
    'nextcloud',
    'Nextcloud is installed and not in maintenance, through the front and on each web node',
    'the lab has no front address (no lb node)',
  ),
];

const machines: CheckResult = {
  id: 'machines.running',
  tier: 'machines',
  title: 'Every machine runs and answers over SSH',
  status: 'pass',
  summary: '3 machine(s) answer over SSH',
  evidence: ev('db1', 'hostname', 'db1', 0),
  ms: 310,
};

/** Machines up, nothing provisioned (nspawn: packages there, no service running). */
export const machinesOnly: CheckResult[] = [
  machines,
  {
    id: 'data.galera-cluster',
    tier: 'data',
    title: 'Galera: every db node is Primary and Synced, cluster size = db nodes + arbitrators',
    status: 'fail',
    summary: 'db1: mysql failed (exit 1); db2: mysql failed (exit 1)',
    evidence: ev(
      'db1',
      'mysql --connect-timeout=5 -N -B -e SHOW GLOBAL STATUS ...',
      "[stderr] ERROR 2002 (HY000): Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)",
      1,
    ),
    hint: 'A stopped or non-Synced node: `npm run lab:up` starts and rejoins it.',
    ms: 120,
  },
  absent[0]!,
  {
    id: 'data.write-through-router',
    tier: 'data',
    title: 'A write through the router reads back on every db node',
    status: 'fail',
    summary: 'the write through the router 10.0.112.30 failed (exit 1)',
    evidence: ev(
      'router',
      'bash -c read -r MYSQL_PWD; ...',
      "[stderr] ERROR 2002 (HY000): Can't connect to MySQL server on '10.0.112.30' (115)",
      1,
    ),
    hint: 'Is HAProxy on the router sending :3306 to a Synced node?',
    ms: 90,
  },
  {
    id: 'router.single-writer',
    tier: 'router',
    title: 'The router sends every connection to one Synced writer',
    status: 'fail',
    summary: '0 of 5 connections answered',
    evidence: [],
    hint: 'HAProxy must keep one db server active and the others `backup`.',
    ms: 400,
  },
  {
    id: 'redis.agree',
    tier: 'redis',
    title: 'One Redis primary, replicas and every Sentinel agree on it',
    status: 'fail',
    summary: 'no Redis primary',
    evidence: ev(
      'db1',
      'bash -c ... ROLE',
      'Could not connect to Redis at 10.0.112.31:6379: Connection refused',
      1,
    ),
    hint: 'Sentinel decides the primary.',
    ms: 60,
  },
  {
    id: 'redis.sentinel-quorum',
    tier: 'redis',
    title: 'Sentinel quorum is reachable (SENTINEL CKQUORUM)',
    status: 'fail',
    summary: 'Sentinel quorum not reachable: router: exit 1; db1: exit 1; db2: exit 1',
    evidence: [],
    hint: 'Quorum 2 needs two Sentinels that see each other.',
    ms: 60,
  },
  {
    id: 'router.redis-primary',
    tier: 'router',
    title: "The router's :6379 reaches the Redis primary",
    status: 'fail',
    summary: "the router's :6379 (10.0.112.30) reaches a unknown, not the primary",
    evidence: [],
    hint: 'HAProxy picks the server whose `INFO replication` says role:master.',
    ms: 50,
  },
  ...absent.slice(1),
];

/** The same lab after `lab up`: every check of its tiers passes. */
export const provisioned: CheckResult[] = machinesOnly.map((r) =>
  r.status === 'fail' ? { ...r, status: 'pass', summary: `${r.id} passed`, hint: undefined } : r,
);
