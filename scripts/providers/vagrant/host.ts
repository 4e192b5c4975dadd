// Pure judgements about the host for Vagrant's preflight: networks.conf, versions, memory, CPU flags.
import type { Lab } from '../../core/model.ts';
import { contains, ipToInt, parseSubnet, type Subnet } from '../../core/net.ts';

/** VirtualBox's default host-only range when /etc/vbox/networks.conf does not exist. */
export const VBOX_DEFAULT_RANGES = ['192.168.56.0/21'];

/**
 * The IPv4 ranges a networks.conf allows, read as Vagrant reads it (plugins/providers/virtualbox/action/
 * network.rb, load_net_conf): lines starting with `*`, then ranges separated by spaces. Absent: the default.
 */
export function parseNetworksConf(text: string | undefined): Subnet[] {
  if (text === undefined) return VBOX_DEFAULT_RANGES.map((r) => parseSubnet(r)!);
  const ranges: Subnet[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('*')) continue;
    for (const entry of trimmed.slice(1).trim().split(/\s+/)) {
      const subnet = parseCidr(entry);
      if (subnet) ranges.push(subnet);
    }
  }
  return ranges;
}

// parseSubnet refuses prefixes outside /8-/30; networks.conf may hold any, e.g. 0.0.0.0/0 (IPv6 is skipped).
function parseCidr(entry: string): Subnet | undefined {
  const [ip, len] = entry.split('/');
  const start = ipToInt(ip ?? '');
  const prefix = len === undefined ? 32 : Number(len);
  if (start === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { cidr: entry, network: (start & mask) >>> 0, prefix };
}

/** Whether each node's address falls in an allowed range: the check Vagrant makes before `up`. */
export function labAddressesAllowed(lab: Lab, ranges: Subnet[]): boolean {
  return lab.nodes.every((n) => {
    const ip = ipToInt(n.ip)!;
    return ranges.some((r) => inRange(r, ip));
  });
}

// core/net's broadcast() assumes /8-/30 (a shift by 32 is a shift by 0 in JavaScript); ranges may be /32.
function inRange(r: Subnet, ip: number): boolean {
  return r.prefix === 32 ? ip === r.network : contains(r, ip);
}

/** Leading numbers of a version string: "6.1.38_Debianr153438" -> [6, 1, 38]. */
export function parseVersion(text: string): number[] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function versionAtLeast(version: number[], min: number[]): boolean {
  for (let i = 0; i < Math.max(version.length, min.length); i++) {
    const a = version[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** Vagrant enforces networks.conf from VirtualBox 6.1.28 on Linux, and on macOS only before 7.0. */
export function vboxRestrictsHostOnly(version: number[], platform: NodeJS.Platform): boolean {
  if (!versionAtLeast(version, [6, 1, 28])) return false;
  if (platform === 'darwin') return !versionAtLeast(version, [7, 0, 0]);
  return platform !== 'win32';
}

// A TCG guest costs ~1.4 GB of host RAM for a 512 MiB-1 GiB guest (measured): its translation cache.
const TCG_OVERHEAD_MIB = 512;

/** MiB the lab's machines need from the host: their memory, plus QEMU's translation cache under TCG. */
export function memoryNeededMiB(lab: Lab, tcg: boolean): number {
  return lab.nodes.reduce((sum, n) => sum + n.memory + (tcg ? TCG_OVERHEAD_MIB : 0), 0);
}

/** Whether /proc/cpuinfo shows hardware virtualization (Intel VT-x `vmx`, AMD-V `svm`). */
export function cpuHasVirtualization(cpuinfo: string): boolean {
  return /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
}

/** The forward mode of a libvirt network's XML (`nat`, `route`, ...), or undefined when it is isolated. */
export function libvirtForwardMode(xml: string): string | undefined {
  const forward = /<forward\b([^>]*)>/.exec(xml);
  if (!forward) return undefined;
  return /\bmode=['"]([^'"]+)['"]/.exec(forward[1]!)?.[1] ?? 'nat';
}
