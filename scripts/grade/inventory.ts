// Which services each node runs, so a lost point can say "haproxy is not installed on lb1".
import type { Lab } from '../core/model.ts';
import type { Role } from '../core/roles.ts';
import type { Remote } from '../engine/remote.ts';

/** The systemd units a role runs (keepalived only where the role floats a VIP). */
export function roleServices(lab: Lab, role: Role): string[] {
  switch (role) {
    case 'lb':
      return lab.vips.front ? ['haproxy', 'keepalived'] : ['haproxy'];
    case 'router':
      return lab.vips.router ? ['haproxy', 'keepalived'] : ['haproxy'];
    case 'web':
      return ['apache2', 'php8.2-fpm'];
    case 'db':
      return ['mariadb'];
    case 'db-arbiter':
      return ['garb'];
    case 'redis':
      return ['redis-server'];
    case 'sentinel':
      return ['redis-sentinel'];
    case 'storage':
    case 'storage-arbiter':
      return ['glusterd'];
    case 'client':
      return [];
    case 'monitor':
      return ['prometheus', 'prometheus-alertmanager', 'prometheus-blackbox-exporter'];
  }
}

/** A service on a node: not installed (no unit), installed but not running, or running. */
export type ServiceState = 'not-installed' | 'stopped' | 'running';

/** Per running node, the state of each service its roles run; a node absent from the map is not running. */
export type Inventory = Map<string, Map<string, ServiceState>>;

// One line per unit: name, LoadState (not-found: no such unit) and ActiveState.
const SCRIPT =
  'for u in "$@"; do printf "%s %s %s\\n" "$u" "$(systemctl show -p LoadState --value "$u.service")" "$(systemctl show -p ActiveState --value "$u.service")"; done';

/** Parses SCRIPT's output. */
export function parseServices(stdout: string): Map<string, ServiceState> {
  const out = new Map<string, ServiceState>();
  for (const line of stdout.split('\n').filter((l) => l.trim())) {
    const [unit, load, active] = line.trim().split(/\s+/);
    if (!unit) continue;
    out.set(
      unit,
      load === 'not-found' || !load ? 'not-installed' : active === 'active' ? 'running' : 'stopped',
    );
  }
  return out;
}

/** Asks every running node about its roles' services, in parallel; a node that does not answer is left out. */
export async function takeInventory(lab: Lab, remote: Remote, running: Set<string>): Promise<Inventory> {
  const inventory: Inventory = new Map();
  await Promise.all(
    lab.nodes
      .filter((n) => running.has(n.name))
      .map(async (n) => {
        const units = [...new Set(n.roles.flatMap((r) => roleServices(lab, r)))];
        if (units.length === 0) return inventory.set(n.name, new Map());
        try {
          const r = await remote.exec(n.name, ['bash', '-c', SCRIPT, 'inventory', ...units], {
            timeoutMs: 20_000,
          });
          if (r.code === 0) inventory.set(n.name, parseServices(r.stdout));
        } catch {
          // The node's checks already say it does not answer.
        }
      }),
  );
  return inventory;
}
