// The roles a node can have, with what each needs: the model, planner and checks read this table.
export const ROLE_NAMES = [
  'client',
  'lb',
  'web',
  'router',
  'db',
  'db-arbiter',
  'redis',
  'sentinel',
  'storage',
  'storage-arbiter',
  'monitor',
] as const;

export type Role = (typeof ROLE_NAMES)[number];

/** A TCP port a role listens on, and what listens there. */
export interface RolePort {
  port: number;
  what: string;
}

export interface RoleInfo {
  /** Memory in MiB a node of this role gets when neither node nor lab says otherwise. */
  memory: number;
  /** The lab VIP the role floats when two or more nodes have it. */
  vip?: 'front' | 'router';
  summary: string;
  /** The ports it listens on by default; scripts/core/placement.ts applies the lab's placement to them. */
  ports: RolePort[];
}

const HTTP = { port: 80, what: 'HTTP' };
const STATS = { port: 8404, what: 'HAProxy stats' };
const MARIADB = { port: 3306, what: 'MariaDB' };
const REDIS = { port: 6379, what: 'Redis' };
const GALERA = { port: 4567, what: 'Galera replication' };
const GLUSTER = [
  { port: 24007, what: 'glusterd' },
  { port: 49152, what: 'GlusterFS brick' },
];

export const ROLES: Record<Role, RoleInfo> = {
  client: {
    memory: 512,
    summary: 'the user side: checks, drill traffic and load tests start here',
    ports: [],
  },
  lb: {
    memory: 512,
    vip: 'front',
    summary: 'HAProxy HTTP/HTTPS front end, keepalived',
    ports: [HTTP, { port: 443, what: 'HTTPS' }, STATS],
  },
  web: {
    memory: 1024,
    summary: 'Apache + PHP-FPM 8.2, Nextcloud, lab probe, GlusterFS client',
    ports: [HTTP, { port: 8081, what: "the lbs' health checks" }],
  },
  router: {
    memory: 512,
    vip: 'router',
    summary: 'HAProxy TCP to the Galera writer and the Redis primary',
    ports: [MARIADB, REDIS, STATS],
  },
  db: {
    memory: 1024,
    summary: 'MariaDB Galera data node with a health agent',
    ports: [
      MARIADB,
      GALERA,
      { port: 4568, what: 'Galera IST' },
      { port: 4444, what: 'Galera SST' },
      { port: 9200, what: 'the db health agent' },
    ],
  },
  'db-arbiter': {
    memory: 256,
    summary: 'Galera arbitrator (garbd): a vote without data',
    ports: [GALERA],
  },
  redis: { memory: 256, summary: 'Redis server, primary or replica', ports: [REDIS] },
  sentinel: {
    memory: 128,
    summary: 'Redis Sentinel: elects the Redis primary',
    ports: [{ port: 26379, what: 'Sentinel' }],
  },
  storage: { memory: 512, summary: 'GlusterFS data brick', ports: GLUSTER },
  'storage-arbiter': {
    memory: 512,
    summary: 'GlusterFS arbiter brick (metadata only)',
    ports: GLUSTER,
  },
  monitor: {
    memory: 512,
    summary: 'Prometheus, Alertmanager and the blackbox probes of the front and the router',
    ports: [
      { port: 9090, what: 'Prometheus' },
      { port: 9093, what: 'Alertmanager' },
      { port: 9115, what: 'blackbox exporter' },
    ],
  },
};

export function isRole(name: string): name is Role {
  return (ROLE_NAMES as readonly string[]).includes(name);
}
