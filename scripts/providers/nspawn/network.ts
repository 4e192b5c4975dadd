// The lab network on the host: one bridge with the host address, and per node a veth into its own namespace.
import { existsSync } from 'node:fs';
import type { Lab } from '../../core/model.ts';
import { run } from './exec.ts';
import { bridgeName, CONTAINER_IFNAME, macAddress } from './naming.ts';

/** Whether a network interface of this name exists on the host. */
export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** Creates the lab's bridge with the host address; no NAT and no forwarding: the lab stays on this host. */
export async function ensureBridge(lab: Lab): Promise<string> {
  const bridge = bridgeName(lab.name);
  // A fixed MAC: otherwise the bridge takes its ports' lowest, which changes as nodes come and go.
  if (!linkExists(bridge))
    await run(['ip', 'link', 'add', bridge, 'address', macAddress(`${lab.name}/bridge`), 'type', 'bridge']);
  const addr = `${lab.hostIp}/${lab.subnet.prefix}`;
  const shown = await run(['ip', '-o', '-4', 'addr', 'show', 'dev', bridge]);
  if (!shown.stdout.includes(` ${addr} `)) await run(['ip', 'addr', 'add', addr, 'dev', bridge]);
  await run(['ip', 'link', 'set', bridge, 'up']);
  return bridge;
}

/** Deletes the lab's bridge when it exists. */
export async function deleteBridge(lab: Lab): Promise<void> {
  const bridge = bridgeName(lab.name);
  if (linkExists(bridge)) await run(['ip', 'link', 'del', bridge]);
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
  await removeNodeLink(link);
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

/** Deletes a node's namespace (and with it the veth pair); a no-op when it does not exist. */
export async function removeNodeLink(link: NodeLink): Promise<void> {
  if (linkExists(link.veth)) await run(['ip', 'link', 'del', link.veth]);
  if (existsSync(`/run/netns/${link.netns}`)) await run(['ip', 'netns', 'del', link.netns]);
}

/** Cuts a node's cable: peers see silence, not a clean TCP close. */
export async function linkDown(veth: string): Promise<void> {
  if (linkExists(veth)) await run(['ip', 'link', 'set', veth, 'down']);
}
