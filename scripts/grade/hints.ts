// What to do first for each lost point: what the nodes run now (from the inventory), then the step
// that makes the check pass, by hand or with the role that does it.
import type { CheckResult } from '../checks/types.ts';
import { type Lab, nodesWithRole, routerAddress } from '../core/model.ts';
import type { Role } from '../core/roles.ts';
import { type Inventory, roleServices } from './inventory.ts';
import type { Todos } from './score.ts';

type Step = (lab: Lab) => string;
const names = (lab: Lab, role: Role) =>
  nodesWithRole(lab, role)
    .map((n) => n.name)
    .join(', ') || `no ${role} node`;
const ips = (lab: Lab, role: Role) =>
  nodesWithRole(lab, role)
    .map((n) => n.ip)
    .join(',');
const router = (lab: Lab) => routerAddress(lab) ?? 'the router';

/** Per check: the roles it exercises (first the one it is about) and the step that makes it pass. */
export const CHECK_STEPS: Record<string, { roles: Role[]; step: Step }> = {
  'machines.running': {
    roles: [],
    step: (lab) => `start every machine (npm run lab:up -- --lab ${lab.name} --machines-only)`,
  },
  'data.galera-cluster': {
    roles: ['db', 'db-arbiter'],
    step: (lab) =>
      `install mariadb-server and galera-4 on ${names(lab, 'db')}, set wsrep_on=ON and wsrep_cluster_address=gcomm://${ips(lab, 'db')}${nodesWithRole(lab, 'db-arbiter').length ? ` (garbd on ${names(lab, 'db-arbiter')} joins it too)` : ''}, bootstrap one node with galera_new_cluster, then start the others`,
  },
  'monitoring.targets': {
    roles: ['monitor'],
    step: (lab) =>
      `run Prometheus on ${names(lab, 'monitor')} scraping every node's exporters (node, mysqld, redis, HAProxy /metrics) and the blackbox probes, and check /api/v1/targets`,
  },
  'monitoring.rules': {
    roles: ['monitor'],
    step: (lab) =>
      `load the lab's alert rules into Prometheus on ${names(lab, 'monitor')} (rule_files in prometheus.yml; promtool check rules)`,
  },
  'monitoring.alerts': {
    roles: ['monitor'],
    step: () => 'find the alert that fires (Prometheus /alerts) and fix what it names',
  },
  'data.standalone': {
    roles: ['db'],
    step: (lab) =>
      `install mariadb-server on ${names(lab, 'db')} without Galera, create the labprobe database and user, and let the web tier reach it on port 3306`,
  },
  'data.write-through-router': {
    roles: ['router', 'db'],
    step: (lab) =>
      `create the labprobe database and user on the cluster and let ${router(lab)}:3306 reach a Synced db node`,
  },
  'router.vip': {
    roles: ['router'],
    step: (lab) => `run keepalived on ${names(lab, 'router')} floating the router VIP ${lab.vips.router}`,
  },
  'router.single-writer': {
    roles: ['router', 'db'],
    step: (lab) =>
      `configure HAProxy on ${names(lab, 'router')} in TCP mode: :3306 to one db node (${names(lab, 'db')}), the others backup, with a health check of each`,
  },
  'router.redis-primary': {
    roles: ['router', 'redis'],
    step: (lab) =>
      `configure HAProxy on ${names(lab, 'router')}: :6379 to the Redis server whose INFO replication says role:master`,
  },
  'redis.agree': {
    roles: ['redis', 'sentinel'],
    step: (lab) =>
      `run redis-server on ${names(lab, 'redis')} (one primary, the others replicaof it) and redis-sentinel on ${names(lab, 'sentinel')} monitoring labredis`,
  },
  'redis.sentinel-quorum': {
    roles: ['sentinel'],
    step: (lab) =>
      `run redis-sentinel on ${names(lab, 'sentinel')} with quorum 2, each reaching the others on :26379`,
  },
  'storage.volume': {
    roles: ['storage', 'storage-arbiter'],
    step: (lab) =>
      `run glusterd on ${names(lab, 'storage')}${nodesWithRole(lab, 'storage-arbiter').length ? ` and ${names(lab, 'storage-arbiter')}` : ''}, peer probe them, create and start the volume labdata (replica 3, or arbiter 1)`,
  },
  'storage.mounted': {
    roles: ['web', 'storage'],
    step: (lab) => `mount labdata (fuse.glusterfs) at /srv/labdata on ${names(lab, 'web')}, from fstab`,
  },
  'web.reach': {
    roles: ['web', 'router'],
    step: (lab) =>
      `serve the lab probe at /lab-probe/ with Apache and PHP-FPM 8.2 on ${names(lab, 'web')}, reaching MariaDB and Redis at ${router(lab)} and the volume at /srv/labdata`,
  },
  'web.spread': {
    roles: ['lb', 'web'],
    step: (lab) => `balance the front over ${names(lab, 'web')} in HAProxy on ${names(lab, 'lb')}`,
  },
  'web.session': {
    roles: ['web', 'redis'],
    step: (lab) =>
      `keep PHP sessions in Redis through ${router(lab)} on ${names(lab, 'web')} (session.save_handler=redis)`,
  },
  'web.shared-write': {
    roles: ['web', 'storage'],
    step: (lab) => `give ${names(lab, 'web')} the same /srv/labdata volume and the same database`,
  },
  'lb.vip': {
    roles: ['lb'],
    step: (lab) => `run keepalived on ${names(lab, 'lb')} floating the front VIP ${lab.vips.front}`,
  },
  'lb.https': {
    roles: ['lb', 'client'],
    step: (lab) =>
      `configure HAProxy on ${names(lab, 'lb')}: HTTPS on :443 with the lab certificate, HTTP :80 redirecting to it, and trust the lab CA on the client`,
  },
  'lb.backends': {
    roles: ['lb', 'web'],
    step: (lab) =>
      `configure HAProxy on ${names(lab, 'lb')} with a backend web of ${names(lab, 'web')} and a health check on /status.php`,
  },
  'nextcloud.status': {
    roles: ['web'],
    step: (lab) =>
      `install Nextcloud on ${names(lab, 'web')}: occ maintenance:install once against the database at ${router(lab)}, data directory on /srv/labdata, the same config.php everywhere`,
  },
  'nextcloud.login': {
    roles: ['web'],
    step: () => 'install Nextcloud (see nextcloud.status) with an admin who logs in through the front',
  },
  'nextcloud.webdav': {
    roles: ['web'],
    step: () => 'install Nextcloud (see nextcloud.status) with its data directory on the shared volume',
  },
  'nextcloud.config': {
    roles: ['web'],
    step: (lab) => `copy the first web node's config.php to ${names(lab, 'web')}`,
  },
};

const DOWN = '(down)';

/** What is wrong on the nodes of these roles now: "haproxy is not installed on lb1", ... */
export function facts(lab: Lab, roles: Role[], inventory: Inventory): string[] {
  const groups = new Map<string, string[]>();
  const add = (what: string, node: string) => {
    const list = groups.get(what) ?? [];
    if (!list.includes(node)) groups.set(what, [...list, node]);
  };
  for (const role of roles)
    for (const node of nodesWithRole(lab, role)) {
      const services = inventory.get(node.name);
      if (!services) {
        add(DOWN, node.name);
        continue;
      }
      for (const unit of roleServices(lab, role)) {
        const state = services.get(unit);
        if (state === 'not-installed') add(`${unit} is not installed`, node.name);
        else if (state === 'stopped') add(`${unit} is installed but not running`, node.name);
      }
    }
  return [...groups].map(([what, nodes]) =>
    what !== DOWN
      ? `${what} on ${nodes.join(', ')}`
      : `${nodes.join(', ')} ${nodes.length > 1 ? 'are not running or do not answer' : 'is not running or does not answer'}`,
  );
}

/** The role's own tool step, for a teacher who wants the lab built for them. */
function toolStep(lab: Lab, roles: Role[]): string {
  const present = roles.filter((r) => r !== 'client' && nodesWithRole(lab, r).length > 0);
  if (present.length === 0) return '';
  return ` (or let the ${present.join(', ')} role${present.length > 1 ? 's' : ''} do it: npm run lab:up -- --lab ${lab.name} --only ${present.join(',')})`;
}

/** What to do first for each check that did not pass. */
export function todos(lab: Lab, results: CheckResult[], inventory: Inventory): Todos {
  const out: Todos = new Map();
  for (const r of results.filter((x) => x.status !== 'pass')) {
    const spec = CHECK_STEPS[r.id];
    if (!spec) {
      if (r.hint) out.set(r.id, r.hint);
      continue;
    }
    const found = r.id === 'machines.running' ? [] : facts(lab, spec.roles, inventory);
    const prefix = found.length > 0 ? `${found.join('; ')}: ` : '';
    out.set(r.id, `${prefix}${spec.step(lab)}${toolStep(lab, spec.roles)}`);
  }
  return out;
}
