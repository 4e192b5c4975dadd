import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allPackages, hostMirror, parsePackages } from '../../scripts/core/debian.ts';
import { REPO_ROOT } from '../../scripts/core/model.ts';

describe('parsePackages', () => {
  it('reads roles and packages, skipping comments, blank lines and roles without packages', () => {
    const text = '# header\nbase sudo  curl # trailing\n\nweb apache2\nlonely\nweb php8.2-fpm\n';
    expect(Object.fromEntries(parsePackages(text))).toEqual({
      base: ['sudo', 'curl'],
      web: ['apache2', 'php8.2-fpm'],
    });
  });

  it('lists every package of the real packages.txt once, including each role', () => {
    const text = readFileSync(join(REPO_ROOT, 'provision/packages.txt'), 'utf8');
    const all = allPackages(text);
    expect(new Set(all).size).toBe(all.length);
    for (const p of [
      'mariadb-server',
      'galera-4',
      'glusterfs-server',
      'haproxy',
      'keepalived',
      'redis-sentinel',
      'php8.2-fpm',
    ]) {
      expect(all).toContain(p);
    }
    expect(all).not.toContain('db');
  });
});

describe('hostMirror', () => {
  const deb822 = `Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
`;
  it('takes the main archive from debian.sources, not the security one', () => {
    expect(hostMirror(deb822)).toBe('http://mirror.example/debian');
  });
  it('falls back to sources.list, then to deb.debian.org', () => {
    expect(hostMirror(undefined, '# c\ndeb [arch=amd64] http://m.example/d bookworm main\n')).toBe(
      'http://m.example/d',
    );
    expect(hostMirror('', 'deb http://m.example/d bullseye main\n')).toBe('http://deb.debian.org/debian');
  });
});
