import { describe, expect, it } from 'vitest';
import {
  bridgeName,
  cgroupPath,
  IFNAME_MAX,
  macAddress,
  machineName,
  vethName,
} from '../../../scripts/providers/nspawn/naming.ts';

describe('nspawn host names', () => {
  it('names the bridge after the lab, hashing long names to 15 characters', () => {
    expect(bridgeName('tp')).toBe('nhl-tp');
    expect(bridgeName('nspawn-test')).toBe('nhl-nspawn-test');
    const long = bridgeName('a-very-long-lab-name');
    expect(long.length).toBeLessThanOrEqual(IFNAME_MAX);
    expect(long).not.toBe(bridgeName('a-very-long-lab-other'));
  });

  it('keeps veth names within 15 characters and apart across labs and nodes', () => {
    const names = new Set<string>();
    for (const lab of ['full-ha', 'tp', 'nspawn-test']) {
      for (const node of ['db1', 'storage1', 'router-east1', 'router-east2', 'abcdefghijkl']) {
        const name = vethName(lab, node);
        expect(name.length).toBeLessThanOrEqual(IFNAME_MAX);
        expect(name).toMatch(/^[a-z0-9-]+$/);
        names.add(name);
      }
    }
    expect(names.size).toBe(15);
    expect(vethName('tp', 'db1')).toMatch(/^v[0-9a-f]{3}-db1$/);
  });

  it('derives stable, locally administered unicast MACs', () => {
    expect(macAddress('tp/db1')).toBe(macAddress('tp/db1'));
    expect(macAddress('tp/db1')).not.toBe(macAddress('tp/db2'));
    expect(macAddress('tp/db1')).toMatch(/^02(:[0-9a-f]{2}){5}$/);
  });

  it('makes machine names and cgroups unique per lab and node', () => {
    expect(machineName('tp', 'db1')).toBe('tp-db1');
    expect(machineName('x'.repeat(80), 'db1').length).toBeLessThanOrEqual(64);
    expect(cgroupPath('tp', 'db1')).toBe('tp/db1');
  });
});
