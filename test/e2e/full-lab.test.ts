// End to end on nspawn: the tp lab up with the real Nextcloud of ../shared/nextcloud/ when it is there,
// every check passing (Nextcloud ones skipped with the reason only when no archive is available), a
// re-run with zero changes, and destroy leaving nothing. full-ha's whole-lab run shares its bring-up with
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

    it('comes up completely and every check passes', async () => {
      await lab(['destroy', ...LAB]);
      const up = await labOk(['up', ...LAB, '--no-snapshot'], NC.env);
      if (!withArchive) expect(up.stderr).toMatch(/Nextcloud: no Nextcloud archive/);
      const report = json<Report>(await lab(['verify', ...LAB, '--json']));
      // Nextcloud checks may only be skipped, with the reason, when no archive was given.
      const nextcloudSkipped = (c: Report['checks'][number]) =>
        !withArchive && c.tier === 'nextcloud' && /archive/i.test(c.summary);
      // tp has no VIPs: the VIP checks say so and skip.
      const noVip = (c: Report['checks'][number]) => name === 'tp' && /VIP/i.test(c.summary);
      expect(notPassing(report, (c) => nextcloudSkipped(c) || noVip(c))).toEqual([]);
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

    it('destroy leaves nothing behind', async () => {
      await labOk(['destroy', ...LAB]);
      expect(leftovers(name, nodesOf(name))).toEqual([]);
    });
  },
);
