import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { journalSince, logsCommand, RENDERED_CONFIGS, ROLE_LOGS } from '../../scripts/logs/remote.ts';

describe('the per-node logs command', () => {
  it('is one argv: bash -c SCRIPT, $0, the journal range, then every path and glob', () => {
    const argv = logsCommand(600);
    expect(argv.slice(0, 2)).toEqual(['bash', '-c']);
    expect(argv[3]).toBe('lab-logs');
    expect(argv[4]).toBe('-600s');
    expect(argv.slice(5)).toEqual([...ROLE_LOGS, ...RENDERED_CONFIGS]);
  });

  it('asks for the journal of the current boot without --since', () => {
    expect(logsCommand()[4]).toBe('');
    expect(journalSince(undefined)).toBe('');
    expect(journalSince(90.4)).toBe('-90s');
  });

  it('collects the role logs and the rendered configs the issue lists', () => {
    for (const path of [
      '/var/log/glusterfs',
      '/var/log/nextcloud/nextcloud.log',
      '/var/log/redis',
      '/var/log/apache2',
      '/var/log/php8.2-fpm.log',
      '/var/lib/mysql/mariabackup.*.log',
    ])
      expect(ROLE_LOGS).toContain(path);
    expect(RENDERED_CONFIGS).toEqual([
      '/etc/haproxy',
      '/etc/keepalived',
      '/etc/mysql/mariadb.conf.d/99-lab-galera.cnf',
      '/etc/redis',
      '/etc/php/8.2/fpm/pool.d',
      '/etc/apache2/sites-available/lab.conf',
      '/var/www/nextcloud/config/*.php',
    ]);
  });

  it('passes the paths as arguments, never inside the script, and the script parses (bash -n)', () => {
    const script = logsCommand()[2]!;
    for (const path of [...ROLE_LOGS, ...RENDERED_CONFIGS]) expect(script).not.toContain(path);
    expect(script).toMatch(/tar -czhf - .*--ignore-failed-read/);
    expect(() => execFileSync('bash', ['-n', '-c', script])).not.toThrow();
  });
});
