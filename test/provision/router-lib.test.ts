// The router's HAProxy helpers (provision/files/router/router-lib.sh), run in bash as the role runs them.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/core/model.ts';

const PROVISION = join(REPO_ROOT, 'provision');
const bash = (script: string, input = '', env: Record<string, string> = {}) =>
  spawnSync('bash', ['-c', `source lib/common.sh; source files/router/router-lib.sh; ${script}`], {
    cwd: PROVISION,
    input,
    encoding: 'utf8',
    env: { ...process.env, LAB_PROVISION_DIR: PROVISION, ...env },
  });

// `show stat` lines as HAProxy 2.6 prints them: proxy, server, then status in field 18.
const stat = (servers: [string, string][]) =>
  [
    'redis,FRONTEND,,,0,0,,,,,,,,,,,,OPEN',
    ...servers.map(([name, status]) => `redis,${name},0,0,0,0,,0,0,0,,0,,0,0,0,0,${status}`),
    'redis,BACKEND,0,0,0,0,,0,0,0,0,0,,0,0,0,0,UP',
  ].join('\n');

describe('router-lib.sh', () => {
  it('sole_up: one server takes traffic, and its own check passed', () => {
    const sole = (servers: [string, string][]) => bash('sole_up redis', stat(servers)).status === 0;
    // Right after a restart every server is "UP 1/2" and still takes traffic.
    expect(
      sole([
        ['db1', 'UP 1/2'],
        ['db2', 'UP 1/2'],
      ]),
    ).toBe(false);
    // The primary's check passed, the replica's has not failed yet: both take traffic.
    expect(
      sole([
        ['db1', 'UP 1/2'],
        ['db2', 'UP'],
      ]),
    ).toBe(false);
    expect(
      sole([
        ['db1', 'DOWN'],
        ['db2', 'UP 1/2'],
      ]),
    ).toBe(false);
    expect(
      sole([
        ['db1', 'DOWN'],
        ['db2', 'UP'],
      ]),
    ).toBe(true);
    expect(
      sole([
        ['db1', 'UP'],
        ['db2', 'UP'],
      ]),
    ).toBe(false);
    expect(
      sole([
        ['db1', 'DOWN'],
        ['db2', 'DOWN'],
      ]),
    ).toBe(false);
  });

  it('the Redis check sends QUIT with INFO, so a replica fails it when its answer is read', () => {
    const nodes = 'db1=10.0.2.31 db2=10.0.2.32';
    const r = bash('render_redis', '', {
      REDIS_PASSWORD: 'pw',
      REDIS_NODES: nodes,
      LAB_CHECK_INTER: '2s',
      LAB_CHECK_FAST: '1s',
    });
    expect(r.status, r.stderr).toBe(0);
    const checks = r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('tcp-check'));
    expect(checks).toEqual([
      'tcp-check connect',
      'tcp-check send "AUTH pw\\r\\n"',
      'tcp-check expect string +OK',
      'tcp-check send "INFO replication\\r\\nQUIT\\r\\n"',
      'tcp-check expect string role:master',
      'tcp-check expect string +OK',
    ]);
    expect(r.stdout).toContain('server db2 10.0.2.32:6379 check');
  });
});
