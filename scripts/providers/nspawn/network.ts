// The lab network on the host: one bridge with the host address, and per node a veth into its own namespace.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { LabError } from '../../core/errors.ts';
import type { Lab } from '../../core/model.ts';
import { run } from './exec.ts';
import { bridgeName, CONTAINER_IFNAME, macAddress } from './naming.ts';

/** Whether a network interface of this name exists on the host. */
export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

// The bridge's alias (ifalias) says which checkout's lab made it: two checkouts may use the same lab name.
const OWNER_TAG = 'nextcloud-ha-lab ';

/** The owner tag of a lab's bridge: its state directory (.lab/<lab> of one checkout). */
export function ownerTag(stateRoot: string): string {
  return `${OWNER_TAG}${stateRoot}`;
}

/** The state directory written in a bridge's alias; '' for a bridge without one (made before the tag). */
export function bridgeOwner(bridge: string): string | undefined {
  const file = `/sys/class/net/${bridge}/ifalias`;
  if (!existsSync(file)) return undefined;
  const alias = readFileSync(file, 'utf8').trim();
  return alias.startsWith(OWNER_TAG) ? alias.slice(OWNER_TAG.length) : '';
}

/**
 * Whether this checkout may use the lab's bridge: it does not exist, carries our tag, or carries none
 * while this checkout has machines of the lab (a bridge made before the tag existed). Else who owns it.
 */
export function bridgeConflict(lab: Lab, stateRoot: string, haveMachines: boolean): string | undefined {
  const owner = bridgeOwner(bridgeName(lab.name));
  if (owner === undefined || owner === stateRoot || (owner === '' && haveMachines)) return undefined;
  return owner === '' ? 'a lab of another checkout (no owner tag)' : `the lab in ${owner}`;
}

/** Creates the lab's bridge with the host address; no NAT and no forwarding: the lab stays on this host. */
export async function ensureBridge(lab: Lab, stateRoot: string, haveMachines: boolean): Promise<string> {
  const bridge = bridgeName(lab.name);
  const conflict = bridgeConflict(lab, stateRoot, haveMachines);
  if (conflict) throw bridgeTaken(lab, bridge, conflict);
  // A fixed MAC: otherwise the bridge takes its ports' lowest, which changes as nodes come and go.
  if (!linkExists(bridge))
    await run(['ip', 'link', 'add', bridge, 'address', macAddress(`${lab.name}/bridge`), 'type', 'bridge']);
  if (bridgeOwner(bridge) !== stateRoot)
    await run(['ip', 'link', 'set', 'dev', bridge, 'alias', ownerTag(stateRoot)]);
  const addr = `${lab.hostIp}/${lab.subnet.prefix}`;
  const shown = await run(['ip', '-o', '-4', 'addr', 'show', 'dev', bridge]);
  if (!shown.stdout.includes(` ${addr} `)) await run(['ip', 'addr', 'add', addr, 'dev', bridge]);
  await run(['ip', 'link', 'set', bridge, 'up']);
  return bridge;
}

/** The error for a lab name another checkout's lab already runs under on this host. */
export function bridgeTaken(lab: Lab, bridge: string, owner: string): LabError {
  return new LabError(
    'NSPAWN_LAB_TAKEN',
    `Lab ${lab.name} already runs on this host as ${owner} (bridge ${bridge})`,
    {
      hint: `Two labs side by side need different names (and subnets): set another name: in the lab file, or destroy the other lab from its own checkout.`,
    },
  );
}

/** Deletes the lab's bridge when it exists and this checkout's lab made it. */
export async function deleteBridge(lab: Lab, stateRoot: string, haveMachines: boolean): Promise<void> {
  const bridge = bridgeName(lab.name);
  if (linkExists(bridge) && !bridgeConflict(lab, stateRoot, haveMachines))
    await run(['ip', 'link', 'del', bridge]);
}

/** The bridge a host interface is enslaved to, if any. */
export function masterOf(ifname: string): string | undefined {
  try {
    return basename(readlinkSync(`/sys/class/net/${ifname}/master`));
  } catch {
    return undefined;
  }
}

/** The names of a node's namespace and host-side veth (recorded per node). */
export interface NodeLink {
  netns: string;
  veth: string;
}

/**
 * A fresh namespace with eth0 for one boot of a node, its host side on the bridge. Made anew each boot
 * so nothing from the last run (e.g. a VIP keepalived had added) survives a power cut.
 */
export async function createNodeLink(labName: string, link: NodeLink): Promise<void> {
  await removeNodeLink(link, bridgeName(labName));
  await run(['ip', 'netns', 'add', link.netns]);
  const peer = [
    'name',
    CONTAINER_IFNAME,
    'address',
    macAddress(`${labName}/${link.netns}`),
    'netns',
    link.netns,
  ];
  await run(['ip', 'link', 'add', link.veth, 'type', 'veth', 'peer', ...peer]);
  await run(['ip', 'link', 'set', link.veth, 'master', bridgeName(labName), 'up']);
}

/**
 * Deletes a node's namespace (and with it the veth pair); a no-op when it does not exist. A veth of the
 * same name on another bridge is another lab's (the names carry a short hash of the lab name): refused.
 */
export async function removeNodeLink(link: NodeLink, bridge: string): Promise<void> {
  const master = linkExists(link.veth) ? masterOf(link.veth) : undefined;
  if (master !== undefined && master !== bridge)
    throw new LabError(
      'NSPAWN_NAME_CLASH',
      `The interface ${link.veth} belongs to ${master}, not to ${bridge}`,
      {
        hint: 'Another lab uses the same interface name (a hash of the lab name plus the node): rename this lab.',
      },
    );
  if (linkExists(link.veth)) await run(['ip', 'link', 'del', link.veth]);
  if (existsSync(`/run/netns/${link.netns}`)) await run(['ip', 'netns', 'del', link.netns]);
}

/** Cuts a node's cable: peers see silence, not a clean TCP close. */
export async function linkDown(veth: string): Promise<void> {
  if (linkExists(veth)) await run(['ip', 'link', 'set', veth, 'down']);
}
