// End to end on nspawn: the data tier of tp (two Galera nodes + garbd on the single router, the third
// Sentinel there too) up, idempotent, surviving a power-cut db node (Galera stays Primary with garbd,
// Sentinel fails Redis over, the router follows both), and re-bootstrapped after the whole lab stopped.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { json, lab, labOk, leftovers, notPassing, nspawnSkipReason, stopRunningLabs } from './harness.ts';

const skipReason = nspawnSkipReason();
const FILE = 'test/fixtures/labs/data-tp.yaml';
const LAB = ['--lab', FILE, '--provider', 'nspawn'];
type Report = { checks: { id: string; tier: string; status: 'pass' | 'fail' | 'skip'; summary: string }[] };
// tp has no router VIP: that check must say so, every other data-tier check must pass.
const noVip = (c: { id: string }) => c.id === 'router.vip';

async function dataReport(): Promise<{ code: number; report: Report }> {
  const r = await lab(['verify', ...LAB, '--json']);
  const report = json<Report>(r);
  return {
    code: r.code,
    report: { checks: report.checks.filter((c) => ['machines', 'data', 'router', 'redis'].includes(c.tier)) },
  };
}

const MINUTES = 60_000;
const status = (report: Report, id: string) => report.checks.find((c) => c.id === id)?.status;

describe.skipIf(skipReason)(`tp data tier on nspawn${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    await lab(['destroy', ...LAB]);
  });
  // A test that timed out must not leave its `lab` process provisioning behind it.
  afterEach(stopRunningLabs);
  afterAll(async () => {
    await lab(['destroy', ...LAB]);
    expect(leftovers('data-tp')).toEqual([]);
  }, 10 * MINUTES);

  it(
    'comes up and every data-tier check passes (cluster size 3 counts garbd)',
    async () => {
      await labOk(['up', ...LAB]);
      const { report } = await dataReport();
      expect(notPassing(report, noVip)).toEqual([]);
      expect(report.checks.find((c) => c.id === 'data.galera-cluster')?.summary).toContain('cluster size 3');
    },
    10 * MINUTES,
  );

  it(
    'a second up changes nothing',
    async () => {
      const r = json<{ changes: number; changed: unknown[] }>(await labOk(['up', ...LAB, '--json']));
      expect(r.changed).toEqual([]);
    },
    10 * MINUTES,
  );

  it(
    'with db2 (the Redis primary) power-cut, Galera keeps Primary with garbd and Redis fails over',
    async () => {
      await labOk(['halt', ...LAB, '--node', 'db2', '--force']);
      // Sentinel needs down-after (1.5 s) plus an election; the router needs a good check.
      await new Promise((r) => setTimeout(r, 12_000));
      const { code, report } = await dataReport();
      expect(code).toBe(1);
      expect(status(report, 'data.galera-cluster')).toBe('fail');
      expect(status(report, 'data.write-through-router')).toBe('pass');
      expect(status(report, 'router.single-writer')).toBe('pass');
      expect(status(report, 'router.redis-primary')).toBe('pass');
      await labOk(['start', ...LAB, '--node', 'db2']);
      const again = json<{ changes: number }>(await labOk(['up', ...LAB, '--json']));
      expect(again.changes).toBe(0);
      expect(notPassing((await dataReport()).report, noVip)).toEqual([]);
    },
    10 * MINUTES,
  );

  it(
    'after the whole lab stopped, up re-bootstraps Galera with no row lost',
    async () => {
      const count = async (node: string) =>
        Number(
          (
            await labOk([
              'ssh',
              ...LAB,
              '--node',
              node,
              '--',
              'mysql',
              '-N',
              '-e',
              'SELECT COUNT(*) FROM labprobe.checks',
            ])
          ).stdout.trim(),
        );
      const before = await count('db1');
      expect(before).toBeGreaterThan(0);
      await labOk(['down', ...LAB]);
      const up = await labOk(['up', ...LAB]);
      // Either the tool bootstraps the most advanced node, or the nodes already restored their Primary
      // component at boot from gvwstate.dat (pc.recovery): both keep every row.
      expect(up.stderr).toMatch(
        /Galera: (bootstrap db[12] \(highest seqno \d+|no bootstrap \(db[12] runs in a Primary component)/,
      );
      expect(await count('db2')).toBe(before);
      expect(notPassing((await dataReport()).report, noVip)).toEqual([]);
    },
    10 * MINUTES,
  );
});
