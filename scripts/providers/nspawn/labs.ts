// Every lab on this host, from what nspawn labs leave on it: bridges nhl-*, cgroups, this checkout's .lab/.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readState } from '../../engine/state.ts';
import { cgroupChildren, cgroupMemory, cgroupProcs, type Memory, topCgroups } from './cgroups.ts';
import { run } from './exec.ts';
import { bridgeName } from './naming.ts';
import { bridgeOwner } from './network.ts';

/** One lab as the host shows it. */
export interface HostLab {
  name: string;
  provider: 'nspawn' | 'vagrant';
  /** The lab's state directory when known (this checkout's, or the one in its bridge's owner tag). */
  stateRoot?: string;
  mine: boolean;
  bridge?: string;
  /** The host's address on the lab bridge, e.g. 10.0.113.1/24. */
  hostAddress?: string;
  /** Nodes known (recorded in this checkout, else node cgroups seen), and those with processes. */
  nodes: number;
  running: number;
  memory?: Memory;
  state: 'running' | 'partly running' | 'stopped' | 'unknown';
}

export interface BridgeSeen {
  bridge: string;
  /** The state directory in its owner tag; '' when it has none. */
  owner: string;
  hostAddress?: string;
}
export interface CgroupSeen {
  name: string;
  nodes: string[];
  runningNodes: string[];
  memory?: Memory;
}
export interface StateSeen {
  name: string;
  root: string;
  provider?: 'nspawn' | 'vagrant';
  nodes: string[];
}

function stateOf(nodes: number, running: number, known: boolean): HostLab['state'] {
  if (!known) return 'unknown';
  if (running === 0) return 'stopped';
  return running >= nodes ? 'running' : 'partly running';
}

/** Merges what was seen into one row per lab: by name from this checkout and cgroups, by tag or name for bridges. */
export function mergeHostLabs(bridges: BridgeSeen[], cgroups: CgroupSeen[], states: StateSeen[]): HostLab[] {
  const labs = new Map<string, HostLab>();
  const bridgeFor = (name: string, root?: string) =>
    bridges.find((b) => (root !== undefined && b.owner === root) || b.bridge === bridgeName(name));
  for (const s of states) {
    const b = s.provider === 'vagrant' ? undefined : bridgeFor(s.name, s.root);
    const c = cgroups.find((g) => g.name === s.name);
    const vagrant = s.provider === 'vagrant';
    const running = c ? c.runningNodes.filter((n) => s.nodes.includes(n)).length : 0;
    // Same name, but the bridge is another checkout's: the cgroups are that lab's, not ours.
    const theirs = b !== undefined && b.owner !== '' && b.owner !== s.root;
    labs.set(s.name, {
      name: s.name,
      provider: vagrant ? 'vagrant' : 'nspawn',
      stateRoot: s.root,
      mine: true,
      bridge: theirs ? undefined : b?.bridge,
      hostAddress: theirs ? undefined : b?.hostAddress,
      nodes: s.nodes.length,
      running: theirs ? 0 : running,
      memory: theirs || running === 0 ? undefined : c?.memory,
      state: vagrant ? 'unknown' : stateOf(s.nodes.length, theirs ? 0 : running, true),
    });
  }
  for (const c of cgroups) {
    const b = bridgeFor(c.name);
    const mine = labs.get(c.name);
    if (mine && !(b && b.owner !== '' && b.owner !== mine.stateRoot)) continue;
    if (!b) continue;
    labs.set(mine ? `${c.name} (${b.owner})` : c.name, {
      name: c.name,
      provider: 'nspawn',
      stateRoot: b.owner || undefined,
      mine: false,
      bridge: b.bridge,
      hostAddress: b.hostAddress,
      nodes: c.nodes.length,
      running: c.runningNodes.length,
      memory: c.runningNodes.length > 0 ? c.memory : undefined,
      state: stateOf(c.nodes.length, c.runningNodes.length, true),
    });
  }
  const listed = new Set([...labs.values()].map((l) => l.bridge));
  for (const b of bridges) {
    if (listed.has(b.bridge)) continue;
    labs.set(b.bridge, {
      name: b.owner ? basename(b.owner) : `? (${b.bridge})`,
      provider: 'nspawn',
      stateRoot: b.owner || undefined,
      mine: false,
      bridge: b.bridge,
      hostAddress: b.hostAddress,
      nodes: 0,
      running: 0,
      state: 'unknown',
    });
  }
  return [...labs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

interface IpAddr {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

async function bridgesSeen(): Promise<BridgeSeen[]> {
  const names = readdirSync('/sys/class/net').filter(
    (n) => n.startsWith('nhl-') && existsSync(`/sys/class/net/${n}/bridge`),
  );
  if (names.length === 0) return [];
  const r = await run(['ip', '-j', '-4', 'addr'], { reject: false });
  const addrs = r.code === 0 ? (JSON.parse(r.stdout) as IpAddr[]) : [];
  return names.map((bridge) => {
    const a = addrs.find((l) => l.ifname === bridge)?.addr_info?.find((i) => i.family === 'inet');
    return {
      bridge,
      owner: bridgeOwner(bridge) ?? '',
      hostAddress: a ? `${a.local}/${a.prefixlen}` : undefined,
    };
  });
}

function cgroupsSeen(): CgroupSeen[] {
  return topCgroups().map((name) => {
    const nodes = cgroupChildren(name);
    const runningNodes = nodes.filter((n) => cgroupProcs(`${name}/${n}`).length > 0);
    return { name, nodes, runningNodes, memory: runningNodes.length > 0 ? cgroupMemory(name) : undefined };
  });
}

function statesSeen(base: string): StateSeen[] {
  if (!existsSync(base)) return [];
  return readdirSync(base).flatMap((name): StateSeen[] => {
    const root = join(base, name);
    const machines = join(root, 'machines');
    const provider = readState(join(root, 'state.json')).provider;
    const nodes = existsSync(machines)
      ? readdirSync(machines).filter((n) => existsSync(join(machines, n, 'machine.json')))
      : [];
    if (provider === 'vagrant' && existsSync(join(root, '.vagrant')))
      return [{ name, root, provider, nodes: vagrantNodes(root) }];
    return nodes.length > 0 ? [{ name, root, provider: 'nspawn', nodes }] : [];
  });
}

function vagrantNodes(root: string): string[] {
  const dir = join(root, '.vagrant', 'machines');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Every lab this host shows, with its state and memory; `stateBase` is this checkout's .lab/. */
export async function hostLabs(stateBase: string): Promise<HostLab[]> {
  const [bridges, cgroups] = [await bridgesSeen(), cgroupsSeen()];
  return mergeHostLabs(bridges, cgroups, statesSeen(stateBase));
}
