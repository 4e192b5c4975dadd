// What the host needs to run a lab in nspawn containers; checks only, changes nothing.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Lab } from '../../core/model.ts';
import { contains, ipToInt, parseSubnet, type Subnet } from '../../core/net.ts';
import type { PreflightResult } from '../types.ts';
import { run } from './exec.ts';
import { inotifyInstances, MIN_INOTIFY_INSTANCES } from './limits.ts';
import { bridgeName, vethName } from './naming.ts';
import { bridgeConflict } from './network.ts';

/** Whose lab this is on the host: the checkout's state directory, and whether it has machines already. */
export interface Ownership {
  stateRoot: string;
  haveMachines: boolean;
}

/** Whether an executable of this name is on PATH (or in sbin, which a root PATH may lack). */
export function onPath(program: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((d) => {
    try {
      accessSync(join(d, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

interface IpAddrJson {
  ifname: string;
  master?: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** Host interfaces other than the lab's bridge whose IPv4 network overlaps the lab subnet (`ip -j addr`). */
export function subnetConflicts(links: IpAddrJson[], subnet: Subnet, bridge: string): string[] {
  const out: string[] = [];
  for (const link of links) {
    if (link.ifname === bridge) continue;
    for (const a of link.addr_info ?? []) {
      const theirs = a.family === 'inet' ? parseSubnet(`${a.local}/${Math.max(a.prefixlen, 8)}`) : undefined;
      if (!theirs) continue;
      const overlap =
        contains(subnet, theirs.network) ||
        contains(theirs, subnet.network) ||
        contains(subnet, ipToInt(a.local)!);
      if (overlap) out.push(`${link.ifname} has ${a.local}/${a.prefixlen}`);
    }
  }
  return out;
}

/** Node veths that exist on the host but not on this lab's bridge: another lab uses the same names. */
export function vethConflicts(links: IpAddrJson[], lab: Lab): string[] {
  const bridge = bridgeName(lab.name);
  const byName = new Map(links.map((l) => [l.ifname, l]));
  return lab.nodes
    .map((n) => byName.get(vethName(lab.name, n.name)))
    .filter((l): l is IpAddrJson => l !== undefined && l.master !== bridge)
    .map((l) => `${l.ifname}${l.master ? ` (on ${l.master})` : ''}`);
}

const result = (
  id: string,
  ok: boolean,
  message: string,
  hint?: string,
  warning?: boolean,
): PreflightResult => ({
  id,
  ok,
  message,
  hint,
  ...(warning === undefined ? {} : { warning }),
});

function hostChecks(): PreflightResult[] {
  const root = process.getuid?.() === 0;
  // rsync: a snapshot restore syncs each node's layer back in place (snapshot.ts).
  const tools = ['systemd-nspawn', 'debootstrap', 'ip', 'rsync'].map((p) => {
    const found = onPath(p);
    return result(
      `nspawn.${p}`,
      found,
      `${p} ${found ? 'found' : 'missing'}`,
      'apt-get install systemd-container debootstrap iproute2 rsync',
    );
  });
  const fuseHint = 'modprobe fuse (GlusterFS clients on web nodes mount through FUSE).';
  return [
    result(
      'nspawn.root',
      root,
      root ? 'running as root' : 'not running as root',
      'Run as root (sudo): containers, bridges and mounts need it.',
    ),
    ...tools,
    result('nspawn.fuse', existsSync('/dev/fuse'), '/dev/fuse for GlusterFS clients', fuseHint),
    // Not listed until the module loads, which mount does by itself: a warning only.
    result(
      'nspawn.overlay',
      hasOverlay(),
      'overlay filesystem in /proc/filesystems',
      'modprobe overlay',
      !hasOverlay(),
    ),
  ];
}

async function networkChecks(lab: Lab, owner?: Ownership): Promise<PreflightResult[]> {
  const inotify = inotifyInstances();
  const low = inotify < MIN_INOTIFY_INSTANCES;
  const raise = low ? `: up raises it to ${MIN_INOTIFY_INSTANCES}` : '';
  const links = JSON.parse((await run(['ip', '-j', 'addr'])).stdout) as IpAddrJson[];
  const subnet = subnetConflicts(links, lab.subnet, bridgeName(lab.name));
  const veths = vethConflicts(links, lab);
  const taken = owner ? bridgeConflict(lab, owner.stateRoot, owner.haveMachines) : undefined;
  return [
    result(
      'nspawn.name',
      taken === undefined,
      taken
        ? `lab ${lab.name} already runs on this host: ${taken}`
        : `lab name ${lab.name} is free on this host`,
      'Two labs side by side need different names and subnets: set another name: in the lab file, or destroy the other lab from its own checkout.',
    ),
    result(
      'nspawn.inotify',
      !low,
      `fs.inotify.max_user_instances is ${inotify}${raise}`,
      `sysctl -w fs.inotify.max_user_instances=${MIN_INOTIFY_INSTANCES}`,
      low,
    ),
    result(
      'nspawn.subnet',
      subnet.length === 0,
      subnet.length
        ? `${lab.subnet.cidr} is already used: ${subnet.join(', ')}`
        : `${lab.subnet.cidr} is free on this host`,
      'Give the lab another network.subnet, or destroy the lab that uses it.',
    ),
    result(
      'nspawn.veth',
      veths.length === 0,
      veths.length
        ? `another lab uses the node interfaces ${veths.join(', ')}`
        : 'node interface names are free',
      'Destroy the other lab, or rename this lab (interface names derive from the lab name).',
    ),
  ];
}

/** Every check the nspawn provider needs before `up`. */
export async function nspawnPreflight(lab: Lab, owner?: Ownership): Promise<PreflightResult[]> {
  const linux = process.platform === 'linux';
  const platform = result(
    'nspawn.linux',
    linux,
    `platform is ${process.platform}`,
    'The nspawn provider runs on Linux only; use the vagrant provider.',
  );
  if (!linux) return [platform];
  const host = hostChecks();
  return [platform, ...host, ...(onPath('ip') ? await networkChecks(lab, owner) : [])];
}

function hasOverlay(): boolean {
  return existsSync('/proc/filesystems') && /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
}
