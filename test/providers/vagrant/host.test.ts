import { describe, expect, it } from 'vitest';
import { loadLabFile, parseLab } from '../../../scripts/core/model.ts';
import {
  cpuHasVirtualization,
  labAddressesAllowed,
  libvirtForwardMode,
  memoryNeededMiB,
  parseNetworksConf,
  parseVersion,
  vboxRestrictsHostOnly,
  versionAtLeast,
} from '../../../scripts/providers/vagrant/host.ts';

const tp = loadLabFile('tp').lab;
const lab192 = parseLab(
  'name: l\nnetwork: { subnet: 192.168.57.0/24 }\nnodes: [{ name: a, ip: 192.168.57.5, roles: [client] }]\n',
  '/tmp/l.yaml',
).lab;

describe('networks.conf', () => {
  it.each([
    ['absent: only 192.168.56.0/21', undefined, false],
    ['the exact line', '* 10.0.2.0/24\n', true],
    ['a wider range among several on one line', '# comment\n* 192.168.56.0/21 10.0.0.0/8 fd00::/64\n', true],
    ['everything', '* 0.0.0.0/0\n', true],
    ['a range missing the client (.100)', '* 10.0.2.0/26\n', false],
    ['a range with every node but not the whole subnet', '* 10.0.2.0/25\n', true],
    ['the line without its star', '10.0.2.0/24\n', false],
    ['an empty file', '', false],
    ['a /32 of one node', '* 10.0.2.21/32\n', false],
    ['two ranges that cover the nodes together', '* 10.0.2.0/26\n* 10.0.2.64/26\n', true],
  ])('%s', (_name, text, allowed) => {
    expect(labAddressesAllowed(tp, parseNetworksConf(text))).toBe(allowed);
  });

  it('allows 192.168.56.0/21 by default, as VirtualBox does', () => {
    expect(labAddressesAllowed(lab192, parseNetworksConf(undefined))).toBe(true);
  });
});

describe('versions', () => {
  it.each([
    ['7.0.14r161095', [7, 0, 14]],
    ['6.1.38_Debianr153438', [6, 1, 38]],
    ['Vagrant 2.3.4', [2, 3, 4]],
    ['7.1', [7, 1, 0]],
  ])('parses %s', (text, version) => {
    expect(parseVersion(text)).toEqual(version);
  });

  it('compares versions numerically, not as text', () => {
    expect(versionAtLeast([6, 1, 28], [6, 1, 28])).toBe(true);
    expect(versionAtLeast([6, 1, 100], [6, 1, 28])).toBe(true);
    expect(versionAtLeast([6, 1, 9], [6, 1, 28])).toBe(false);
    expect(versionAtLeast([7, 0, 0], [6, 1, 28])).toBe(true);
  });

  it('knows where Vagrant enforces networks.conf', () => {
    expect(vboxRestrictsHostOnly([6, 1, 26], 'linux')).toBe(false);
    expect(vboxRestrictsHostOnly([6, 1, 28], 'linux')).toBe(true);
    expect(vboxRestrictsHostOnly([7, 0, 14], 'linux')).toBe(true);
    expect(vboxRestrictsHostOnly([6, 1, 40], 'darwin')).toBe(true);
    expect(vboxRestrictsHostOnly([7, 0, 14], 'darwin')).toBe(false);
    expect(vboxRestrictsHostOnly([7, 0, 14], 'win32')).toBe(false);
  });
});

describe('memory and CPU', () => {
  it('adds the nodes up, with QEMU translation cache under TCG', () => {
    expect(memoryNeededMiB(tp, false)).toBe(4 * 512 + 4 * 1024 + 512);
    expect(memoryNeededMiB(tp, true)).toBe(memoryNeededMiB(tp, false) + 9 * 512);
  });

  it('finds vmx or svm in the flags line only', () => {
    expect(cpuHasVirtualization('processor\t: 0\nflags\t\t: fpu vme sse2 vmx ept\n')).toBe(true);
    expect(cpuHasVirtualization('flags\t\t: fpu svm lm\n')).toBe(true);
    expect(cpuHasVirtualization('flags\t\t: fpu sse2 hypervisor\nmodel name\t: vmx-less\n')).toBe(false);
  });
});

describe('libvirt networks', () => {
  it.each([
    [
      "<network><name>vagrant-libvirt</name><bridge name='virbr1'/><ip address='192.168.121.1'/></network>",
      undefined,
    ],
    ["<network><forward mode='nat'><nat><port start='1024'/></nat></forward></network>", 'nat'],
    ['<network><forward mode="route"/></network>', 'route'],
    ['<network><forward/></network>', 'nat'],
  ])('reads the forward mode of %s', (xml, mode) => {
    expect(libvirtForwardMode(xml)).toBe(mode);
  });
});
