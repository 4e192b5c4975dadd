// The environment a role script gets: generated from the lab model, the secrets and earlier outputs.
import { dataAddress, frontAddress, type Lab, type Node } from '../core/model.ts';
import { ROLE_NAMES } from '../core/roles.ts';
import type { Secrets } from '../core/secrets.ts';
import type { ProviderName } from '../providers/types.ts';

/** `db-arbiter` -> `DB_ARBITER_NODES`. */
export function roleListName(role: string): string {
  return `${role.toUpperCase().replace(/-/g, '_')}_NODES`;
}

export function roleEnv(
  lab: Lab,
  node: Node,
  provider: ProviderName,
  secrets: Secrets,
): Record<string, string> {
  const env: Record<string, string> = {
    LAB_NAME: lab.name,
    LAB_SUBNET: lab.subnet.cidr,
    LAB_PREFIX: String(lab.subnet.prefix),
    LAB_NETMASK: lab.netmask,
    LAB_HOST_IP: lab.hostIp,
    LAB_PROVIDER: provider,
    NODE_NAME: node.name,
    NODE_IP: node.ip,
    NODE_ROLES: node.roles.join(' '),
    ALL_NODES: lab.nodes.map((n) => `${n.name}=${n.ip}`).join(' '),
    FRONT_ADDR: frontAddress(lab) ?? '',
    FRONT_VIP: lab.vips.front ?? '',
    // Where web nodes reach MariaDB and Redis: a router, or a standalone db node directly.
    ROUTER_ADDR: dataAddress(lab) ?? '',
    ROUTER_VIP: lab.vips.router ?? '',
    // The placement (scripts/core/placement.ts): Apache's port, where a router listens (empty: every
    // address; 127.0.0.1 with placement.router: local), whether MariaDB runs without Galera (a Redis
    // without Sentinel needs nothing of its own: no Sentinel to ask, and no Redis keeps anything on disk).
    WEB_PORT: String(lab.placement.webPort),
    ROUTER_BIND: lab.placement.router === 'local' ? '127.0.0.1' : '',
    DB_STANDALONE: lab.placement.standalone.includes('db') ? '1' : '',
    NEXTCLOUD_VERSION: lab.nextcloud?.version ?? '',
    NEXTCLOUD_ADMIN_USER: lab.nextcloud?.admin_user ?? 'admin',
  };
  for (const role of ROLE_NAMES) {
    env[roleListName(role)] = lab.nodes
      .filter((n) => n.roles.includes(role))
      .map((n) => `${n.name}=${n.ip}`)
      .join(' ');
  }
  Object.assign(env, secrets.values);
  for (const [key, value] of Object.entries(secrets.outputs)) env[`OUT_${key.toUpperCase()}`] = value;
  return env;
}

/** `export NAME='value'` lines for run.sh's standard input; values may not span lines. */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`invalid environment name ${key}`);
      if (/[\r\n]/.test(value)) throw new Error(`environment value of ${key} spans lines`);
      return `export ${key}='${value.replace(/'/g, `'\\''`)}'`;
    })
    .join('\n');
}
