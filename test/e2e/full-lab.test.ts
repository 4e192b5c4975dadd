// End to end on nspawn: the tp lab up with the real Nextcloud of ../shared/nextcloud/ when it is there,
// every check passing (Nextcloud ones skipped with the reason only when no archive is available), a
// re-run with zero changes, its data tier surviving a power-cut db node (Galera keeps Primary with garbd,
// Sentinel fails Redis over, the router follows both) and re-bootstrapped after the whole lab stopped,
// and destroy leaving nothing. full-ha's whole-lab run shares its bring-up with
// the drills (test/drills/drills.e2e.test.ts): one bring-up of 13 nodes carries checks and drills.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  json,
  keepLogs,
  lab,
  labOk,
  leftovers,
  nextcloudArchive,
  nodesOf,
  notPassing,
  nspawnSkipReason,
  stopRunningLabs,
} from './harness.ts';

const skipReason = nspawnSkipReason();
type Report = {
  ok: boolean;
  checks: { id: string; tier: string; status: 'pass' | 'fail' | 'skip'; summary: string }[];
};
const NC = nextcloudArchive();
const withArchive = Boolean(NC.archive);

describe.skipIf(skipReason).each(['tp'])(
  `the %s lab on nspawn, ${NC.archive ? `with ${NC.archive}` : `without Nextcloud (${NC.reason})`}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  { timeout: 20 * 60_000 },
  (name) => {
    const LAB = ['--lab', name, '--provider', 'nspawn'];
    // A test that timed out must not leave its `lab` process provisioning behind it.
    afterEach(stopRunningLabs);
    afterAll(async () => {
      keepLogs(name);
      await lab(['destroy', ...LAB]);
      expect(leftovers(name, nodesOf(name))).toEqual([]);
    });

    const verify = async () => json<Report>(await lab(['verify', ...LAB, '--json']));
    // Nextcloud checks may only be skipped, with the reason, when no archive was given; tp has no VIPs:
    // the VIP checks say so and skip.
    const mayNotPass = (c: Report['checks'][number]) =>
      (!withArchive && c.tier === 'nextcloud' && /archive/i.test(c.summary)) ||
      (name === 'tp' && /VIP/i.test(c.summary));
    const healthy = async () => expect(notPassing(await verify(), mayNotPass)).toEqual([]);

    it('comes up completely and every check passes', async () => {
      await lab(['destroy', ...LAB]);
      const up = await labOk(['up', ...LAB, '--no-snapshot'], NC.env);
      if (!withArchive) expect(up.stderr).toMatch(/Nextcloud: no Nextcloud archive/);
      const report = await verify();
      expect(notPassing(report, mayNotPass)).toEqual([]);
      const nextcloud = report.checks.filter((c) => c.tier === 'nextcloud');
      expect(nextcloud.length).toBeGreaterThan(0);
      if (withArchive)
        expect(nextcloud.map((c) => `${c.id} ${c.status}`)).toEqual(nextcloud.map((c) => `${c.id} pass`));
      for (const tier of ['machines', 'data', 'router', 'redis', 'storage', 'web', 'lb']) {
        expect(
          report.checks.some((c) => c.tier === tier && c.status === 'pass'),
          `a ${tier} check passes`,
        ).toBe(true);
      }
      expect(report.ok).toBe(true);
    });

    it('a second up changes nothing', async () => {
      const r = json<{ changes: number; changed: unknown[] }>(await labOk(['up', ...LAB, '--json']));
      expect(r.changed).toEqual([]);
      expect(r.changes).toBe(0);
    });

    // The data tier of tp: two Galera nodes and garbd on the single router, the third Sentinel there too.
    const status = (report: Report, id: string) => report.checks.find((c) => c.id === id)?.status;

    it('with db2 (the Redis primary) power-cut, Galera keeps Primary with garbd, Redis fails over and the router follows both', async () => {
      await labOk(['halt', ...LAB, '--node', 'db2', '--force']);
      // Sentinel needs down-after (1.5 s) plus an election; the router needs a good check.
      await new Promise((r) => setTimeout(r, 12_000));
      const report = await verify();
      expect(status(report, 'data.galera-cluster')).toBe('fail');
      expect(status(report, 'data.write-through-router')).toBe('pass');
      expect(status(report, 'router.single-writer')).toBe('pass');
      expect(status(report, 'router.redis-primary')).toBe('pass');
      await labOk(['start', ...LAB, '--node', 'db2']);
      const again = json<{ changes: number }>(await labOk(['up', ...LAB, '--json'], NC.env));
      expect(again.changes).toBe(0);
      await healthy();
    });

    it('after the whole lab stopped, up re-bootstraps Galera with no row lost and every check passes', async () => {
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
      const up = await labOk(['up', ...LAB], NC.env);
      // Either the tool bootstraps the most advanced node, or the nodes already restored their Primary
      // component at boot from gvwstate.dat (pc.recovery): both keep every row.
      expect(up.stderr).toMatch(
        /Galera: (bootstrap db[12] \(highest seqno \d+|no bootstrap \(db[12] runs in a Primary component)/,
      );
      expect(await count('db2')).toBe(before);
      await healthy();
    });

    it('destroy leaves nothing behind', async () => {
      await labOk(['destroy', ...LAB]);
      expect(leftovers(name, nodesOf(name))).toEqual([]);
    });
  },
);
