// IPv4 arithmetic for the lab network: pure functions, no I/O.
export interface Subnet {
  cidr: string;
  network: number;
  prefix: number;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseSubnet(cidr: string): Subnet | undefined {
  const [ip, len] = cidr.split('/');
  const base = ipToInt(ip ?? '');
  const prefix = Number(len);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { cidr, network: (base & mask) >>> 0, prefix };
}

export function broadcast(s: Subnet): number {
  return (s.network | (0xffffffff >>> s.prefix)) >>> 0;
}

/** The host side of the lab network: always the first address (.1 in a /24). */
export function hostAddress(s: Subnet): string {
  return intToIp(s.network + 1);
}

export function contains(s: Subnet, ip: number): boolean {
  return ip >= s.network && ip <= broadcast(s);
}
