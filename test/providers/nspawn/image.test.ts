// The built base image (from the cache, or built here when missing): what every container starts from.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allPackages } from '../../../scripts/core/debian.ts';
import { REPO_ROOT } from '../../../scripts/core/model.ts';
import { ensureImage } from '../../../scripts/providers/nspawn/image.ts';
import { onPath } from '../../../scripts/providers/nspawn/preflight.ts';

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root';
  if (!onPath('debootstrap')) return 'debootstrap is missing';
  return undefined;
}

const reason = skipReason();
let rootfs = '';

describe.skipIf(reason)(`nspawn base image${reason ? ` (skipped: ${reason})` : ''}`, () => {
  beforeAll(async () => {
    rootfs = await ensureImage();
  }, 1_800_000);

  it('has every package of packages.txt installed', () => {
    const packages = allPackages(readFileSync(join(REPO_ROOT, 'provision/packages.txt'), 'utf8'));
    const out = execFileSync('chroot', [
      rootfs,
      'dpkg-query',
      '-W',
      '-f',
      // dpkg-query's own placeholders, not JavaScript's.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query format
      '${Package} ${Status}\n',
      ...packages,
    ]).toString();
    const installed = out
      .split('\n')
      .filter((l) => l.endsWith('install ok installed'))
      .map((l) => l.split(' ')[0]);
    expect(packages.filter((p) => !installed.includes(p))).toEqual([]);
  });

  it('enables no role service, only what a booted container needs', () => {
    const enabled = execFileSync('systemctl', [
      `--root=${rootfs}`,
      'list-unit-files',
      '--state=enabled',
      '--no-legend',
    ]).toString();
    for (const unit of [
      'mariadb',
      'redis-server',
      'redis-sentinel',
      'haproxy',
      'keepalived',
      'glusterd',
      'apache2',
      'php8.2-fpm',
      'garb',
    ]) {
      expect(enabled).not.toMatch(new RegExp(`^${unit}\\.service`, 'm'));
    }
    expect(enabled).toMatch(/^ssh\.service/m);
    expect(enabled).toMatch(/^systemd-networkd\.service/m);
  });

  it('carries no identity or way out: machine-id, host keys, resolver, policy-rc.d', () => {
    expect(readFileSync(join(rootfs, 'etc/machine-id'), 'utf8')).toBe('');
    expect(readdirSync(join(rootfs, 'etc/ssh')).filter((f) => f.startsWith('ssh_host_'))).toEqual([]);
    expect(
      readFileSync(join(rootfs, 'etc/systemd/system/ssh.service.d/10-host-keys.conf'), 'utf8'),
    ).toContain('ssh-keygen -A');
    expect(readFileSync(join(rootfs, 'etc/resolv.conf'), 'utf8')).toBe('');
    expect(existsSync(join(rootfs, 'usr/sbin/policy-rc.d'))).toBe(false);
    expect(readdirSync(join(rootfs, 'var/cache/apt/archives')).filter((f) => f.endsWith('.deb'))).toEqual([]);
  });
});
