// The settle script a warm start runs on every node, against a stand-in `systemctl` on PATH that plays
// a boot: units still activating for a while, then calm; or one unit failed for good. Then the wait for
// what the boot elects to agree.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../scripts/checks/index.ts';
import type { VerifyReport } from '../../scripts/checks/run.ts';
import { ELECTED_CHECKS, settleArgv, untilAgreed } from '../../scripts/engine/warm.ts';

const dir = mkdtempSync(join(tmpdir(), 'settle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A `systemctl` whose list-units shows `busyUnit` until `calmAfter` calls of it have been made. */
function fakeSystemctl(busyUnit: string, calmAfter: number): string {
  const bin = mkdtempSync(join(dir, 'bin-'));
  const count = join(bin, 'count');
  writeFileSync(count, '0');
  writeFileSync(
    join(bin, 'systemctl'),
    [
      '#!/bin/sh',
      `case "$1" in`,
      '  is-system-running) echo running ;;',
      '  list-jobs) ;;',
      `  list-units) n=$(cat ${count}); echo $((n + 1)) > ${count}`,
      `    [ "$n" -lt ${calmAfter} ] && echo "${busyUnit} loaded activating auto-restart Mount the lab volume" ;;`,
      'esac',
      'exit 0',
    ].join('\n'),
  );
  chmodSync(join(bin, 'systemctl'), 0o755);
  return bin;
}

function settle(bin: string, seconds: number) {
  const [cmd, ...args] = settleArgv(seconds);
  return spawnSync(cmd!, args, {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    encoding: 'utf8',
  });
}

describe('a node settling after a restore', () => {
  it('is ready once nothing is starting, failed or queued, seen twice', () => {
    const r = settle(fakeSystemctl('lab-labdata-mount.service', 3), 20);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('ready');
  });

  it('is not, naming the unit, when one stays busy past the time given', () => {
    const r = settle(fakeSystemctl('mariadb.service', 1e6), 2);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/still busy after 2 s: mariadb\.service\(auto-restart\)/);
  });

  it('waits for the boot itself first (is-system-running --wait, bounded)', () => {
    expect(settleArgv(90).join(' ')).toMatch(/timeout "\$1" systemctl is-system-running --wait/);
    expect(execFileSync('sh', ['-n', '-c', settleArgv(90)[2]!])).toBeDefined();
  });
});

/** A report with these checks failing (the rest pass or skip). */
const report = (failing: string[], skipped: string[] = []): VerifyReport => ({
  ok: failing.length === 0,
  checks: [
    ...failing.map((id) => ({ id, status: 'fail' as const, summary: `${id} is off` })),
    ...skipped.map((id) => ({ id, status: 'skip' as const, summary: 'not in this lab' })),
  ].map((c) => ({ ...c, tier: 'redis' as const, title: c.id, evidence: [], ms: 0 })),
});

describe('what a whole-lab boot elects, after every node settled', () => {
  it('names checks that exist, none of them one that writes or loads the lab', () => {
    const ids = new Set(ALL_CHECKS.map((c) => c.id));
    for (const id of ELECTED_CHECKS) expect(ids.has(id), id).toBe(true);
    expect(ELECTED_CHECKS).toContain('redis.agree');
    expect(ELECTED_CHECKS.some((id) => id.startsWith('nextcloud.') || id.startsWith('web.'))).toBe(false);
  });

  it('waits while two Redis nodes say they are primary, and is done once they agree (skips are fine)', async () => {
    const seen = [report(['redis.agree']), report(['redis.agree']), report([], ['lb.vip'])];
    let calls = 0;
    const waited: string[][] = [];
    const r = await untilAgreed(
      async () => seen[calls++]!,
      5000,
      10,
      undefined,
      (f) => waited.push(f),
    );
    expect(r.failing).toEqual([]);
    expect(r.report).toBe(seen[2]);
    expect(waited).toEqual([['redis.agree: redis.agree is off'], ['redis.agree: redis.agree is off']]);
    expect(calls).toBe(3);
  });

  it('gives up at the deadline with what still failed last', async () => {
    let calls = 0;
    const r = await untilAgreed(
      async () => report(calls++ < 1 ? ['lb.vip', 'redis.agree'] : ['redis.agree']),
      100,
      20,
    );
    expect(r.failing).toEqual(['redis.agree: redis.agree is off']);
    expect(calls).toBeGreaterThan(1);
  });
});
