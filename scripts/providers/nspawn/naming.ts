// Host-side names for a lab's bridge, veths, network namespaces and machines: unique across labs, within limits.
import { createHash } from 'node:crypto';

// Linux interface names hold at most 15 characters (IFNAMSIZ 16 with the NUL).
export const IFNAME_MAX = 15;

function hex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** The lab's bridge: `nhl-<lab>`, or a prefix of the name plus a hash when that is too long. */
export function bridgeName(lab: string): string {
  const plain = `nhl-${lab}`;
  return plain.length <= IFNAME_MAX ? plain : `nhl-${lab.slice(0, 6)}-${hex(lab, 4)}`;
}

/**
 * The host side of a node's veth: `v<lab hash>-<node>`. The lab hash keeps two labs with the same node
 * names apart; a node name over 10 characters keeps its first 5 plus a hash of the whole.
 */
export function vethName(lab: string, node: string): string {
  const tail = node.length <= 10 ? node : `${node.slice(0, 5)}${hex(node, 5)}`;
  return `v${hex(lab, 3)}-${tail}`;
}

/** The container side of every node's veth, created in the node's namespace so it never meets other labs. */
export const CONTAINER_IFNAME = 'eth0';

/** The network namespace (ip netns) that holds a node's end of the veth while it exists. */
export function netnsName(lab: string, node: string): string {
  return `nhl-${lab}-${node}`;
}

/** The machine name systemd-nspawn logs under; a hostname label, so at most 64 characters. */
export function machineName(lab: string, node: string): string {
  const plain = `${lab}-${node}`;
  return plain.length <= 64 ? plain : `${lab.slice(0, 42)}-${hex(lab, 8)}-${node}`;
}

/** The cgroup (relative to each hierarchy's root) a node's container runs in. */
export function cgroupPath(lab: string, node: string): string {
  return `${lab}/${node}`;
}

/**
 * A stable, locally administered MAC for a name. A node keeps its MAC across restarts like a real machine:
 * with a new one each boot, peers kept sending to the old MAC until their ARP entry expired (~30 s, measured).
 */
export function macAddress(name: string): string {
  const bytes = hex(`mac:${name}`, 10).match(/../g)!;
  return ['02', ...bytes].join(':');
}
