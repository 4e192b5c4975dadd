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

export interface RoleInfo {
  /** Memory in MiB a node of this role gets when neither node nor lab says otherwise. */
  memory: number;
  /** The lab VIP the role floats when two or more nodes have it. */
  vip?: 'front' | 'router';
  summary: string;
}

export const ROLES: Record<Role, RoleInfo> = {
  client: { memory: 512, summary: 'the user side: checks, drill traffic and load tests start here' },
  lb: { memory: 512, vip: 'front', summary: 'HAProxy HTTP/HTTPS front end, keepalived' },
  web: { memory: 1024, summary: 'Apache + PHP-FPM 8.2, Nextcloud, lab probe, GlusterFS client' },
  router: { memory: 512, vip: 'router', summary: 'HAProxy TCP to the Galera writer and the Redis primary' },
  db: { memory: 1024, summary: 'MariaDB Galera data node with a health agent' },
  'db-arbiter': { memory: 256, summary: 'Galera arbitrator (garbd): a vote without data' },
  redis: { memory: 256, summary: 'Redis server, primary or replica' },
  sentinel: { memory: 128, summary: 'Redis Sentinel: elects the Redis primary' },
  storage: { memory: 512, summary: 'GlusterFS data brick' },
  'storage-arbiter': { memory: 512, summary: 'GlusterFS arbiter brick (metadata only)' },
  monitor: {
    memory: 512,
    summary: 'Prometheus, Alertmanager and the blackbox probes of the front and the router',
  },
};

export function isRole(name: string): name is Role {
  return (ROLE_NAMES as readonly string[]).includes(name);
}
