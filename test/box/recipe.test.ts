import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as recipe from '../../scripts/box/recipe.ts';
import { allPackages } from '../../scripts/core/debian.ts';
import { REPO_ROOT } from '../../scripts/core/model.ts';

const packagesText = readFileSync(join(REPO_ROOT, 'provision/packages.txt'), 'utf8');

describe('box recipe', () => {
  it('takes every package of every role from packages.txt, once', () => {
    const pkgs = allPackages('# comment\nbase sudo curl # trailing\n\ndb mariadb-server curl\nweb apache2\n');
    expect(pkgs).toEqual(['apache2', 'curl', 'mariadb-server', 'sudo']);
  });

  it('covers the real packages.txt including the data tier and the web tier', () => {
    const pkgs = allPackages(packagesText);
    for (const p of [
      'galera-4',
      'mariadb-server',
      'glusterfs-server',
      'redis-sentinel',
      'haproxy',
      'php8.2-fpm',
    ]) {
      expect(pkgs).toContain(p);
    }
    expect(pkgs).not.toContain('base');
    expect(pkgs.some((p) => p.startsWith('#'))).toBe(false);
  });

  it('keys the cache on packages.txt and the recipe version', () => {
    const key = recipe.boxKey(packagesText);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(recipe.boxKey(packagesText)).toBe(key);
    expect(recipe.boxKey(`${packagesText}client htop\n`)).not.toBe(key);
  });

  it('boots the root filesystem by UUID on the serial console with eth0 naming', () => {
    const conf = recipe.extlinuxConf(
      'vmlinuz-6.1.0-37-cloud-amd64',
      'initrd.img-6.1.0-37-cloud-amd64',
      'abc-123',
    );
    expect(conf).toContain('LINUX /boot/vmlinuz-6.1.0-37-cloud-amd64');
    expect(conf).toContain('INITRD /boot/initrd.img-6.1.0-37-cloud-amd64');
    expect(conf).toMatch(/APPEND root=UUID=abc-123 ro net\.ifnames=0 .*console=ttyS0/);
    expect(recipe.fstab('abc-123')).toBe('UUID=abc-123 / ext4 errors=remount-ro 0 1\n');
  });

  it('writes the metadata vagrant-libvirt expects and a DHCP file for eth0 only', () => {
    expect(JSON.parse(recipe.metadataJson())).toEqual({
      provider: 'libvirt',
      format: 'qcow2',
      virtual_size: 8,
    });
    expect(recipe.ETH0_NETWORK).toContain('Name=eth0');
    expect(recipe.ETH0_NETWORK).not.toContain('eth1');
  });

  it('names the pool volume the way vagrant-libvirt escapes box names', () => {
    expect(recipe.poolVolumePrefix('nclab/debian12')).toBe('nclab-VAGRANTSLASH-debian12_vagrant_box_image_');
  });
});
