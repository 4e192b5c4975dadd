// End to end on nspawn: each whole lab up, every check passing (Nextcloud ones skipped with the reason
// when no archive is available), a re-run with zero changes, and destroy leaving nothing.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  json,
  lab,
  labOk,
  leftovers,
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
const withArchive = Boolean(process.env.NEXTCLOUD_ARCHIVE);

describe.skipIf(skipReason).each(['full-ha', 'tp'])(
  `the %s lab on nspawn${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  { timeout: 20 * 60_000 },
  (name) => {
    const LAB = ['--lab', name, '--provider', 'nspawn'];
    // A test that timed out must not leave its `lab` process provisioning behind it.
    afterEach(stopRunningLabs);
    afterAll(async () => {
      await lab(['destroy', ...LAB]);
      expect(leftovers(name, nodesOf(name))).toEqual([]);
    });

    it('comes up completely and every check passes', async () => {
      await lab(['destroy', ...LAB]);
      const up = await labOk(['up', ...LAB]);
      if (!withArchive) expect(up.stderr).toMatch(/Nextcloud: no Nextcloud archive/);
      const report = json<Report>(await lab(['verify', ...LAB, '--json']));
      // Nextcloud checks may only be skipped, with the reason, when no archive was given.
      const nextcloudSkipped = (c: Report['checks'][number]) =>
        !withArchive && c.tier === 'nextcloud' && /archive/i.test(c.summary);
      // tp has no VIPs: the VIP checks say so and skip.
      const noVip = (c: Report['checks'][number]) => name === 'tp' && /VIP/i.test(c.summary);
      expect(notPassing(report, (c) => nextcloudSkipped(c) || noVip(c))).toEqual([]);
      expect(report.checks.filter((c) => c.tier === 'nextcloud').length).toBeGreaterThan(0);
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
