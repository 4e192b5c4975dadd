import { describe, expect, it } from 'vitest';
import { parseSubnet } from '../../../scripts/core/net.ts';
import { mountsUnder } from '../../../scripts/providers/nspawn/mounts.ts';
import { subnetConflicts } from '../../../scripts/providers/nspawn/preflight.ts';

describe('mountsUnder', () => {
  const procMounts = [
    '/dev/vda / ext4 rw 0 0',
    'overlay /lab/m/db1/root overlay rw 0 0',
    'proc /lab/m/db1/root/proc proc rw 0 0',
    'overlay /lab/m/db10/root overlay rw 0 0',
    'overlay /lab/m/with\\040space/root overlay rw 0 0',
  ].join('\n');
  it('lists mounts under a directory, deepest first, decoding octal escapes', () => {
    expect(mountsUnder('/lab/m/db1', procMounts)).toEqual(['/lab/m/db1/root/proc', '/lab/m/db1/root']);
    expect(mountsUnder('/lab/m/', procMounts)).toContain('/lab/m/with space/root');
    expect(mountsUnder('/elsewhere', procMounts)).toEqual([]);
  });
});

describe('subnetConflicts', () => {
  const subnet = parseSubnet('10.0.92.0/24')!;
  const links = [
    { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
    { ifname: 'nhl-nspawn-test', addr_info: [{ family: 'inet', local: '10.0.92.1', prefixlen: 24 }] },
    { ifname: 'eth0', addr_info: [{ family: 'inet6', local: 'fd00::2', prefixlen: 64 }] },
  ];
  it('ignores the lab bridge and other networks', () => {
    expect(subnetConflicts(links, subnet, 'nhl-nspawn-test')).toEqual([]);
  });
  it('reports another interface inside or around the lab subnet', () => {
    const wide = [
      ...links,
      { ifname: 'br0', addr_info: [{ family: 'inet', local: '10.0.0.1', prefixlen: 16 }] },
    ];
    expect(subnetConflicts(wide, subnet, 'nhl-nspawn-test')).toEqual(['br0 has 10.0.0.1/16']);
    expect(subnetConflicts(links, subnet, 'nhl-other')).toEqual(['nhl-nspawn-test has 10.0.92.1/24']);
  });
});
