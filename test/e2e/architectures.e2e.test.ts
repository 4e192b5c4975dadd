// The sample architectures end to end on nspawn, side by side on one host (their own subnets):
// all-in-one (aio-e2e) and mini-ha (miniha-e2e), with the real Nextcloud of ../shared/nextcloud/ when it
// is there. One bring-up each, both at once; every check passes or skips with its reason; one drill
// each: on all-in-one the outage of its single machine is measured, on mini-ha a power cut of the
// Galera writer loses no write and fails at most 2 % of requests. Destroy leaves nothing.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/core/model.ts';
import { runDrills } from '../../scripts/drills/index.ts';
import type { DrillReport } from '../../scripts/drills/types.ts';
import { type LabContext, openLab } from '../../scripts/engine/context.ts';
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
} from './harness.ts';

const skipReason = nspawnSkipReason();
const NC = nextcloudArchive();
const fixture = (name: string) => join(REPO_ROOT, `test/fixtures/labs/${name}.yaml`);
const LABS = { aio: 'aio-e2e', mini: 'miniha-e2e' } as const;
const args = (name: string) => ['--lab', fixture(name), '--provider', 'nspawn'];
type Check = { id: string; tier: string; status: 'pass' | 'fail' | 'skip'; summary: string };
type Report = { ok: boolean; checks: Check[] };
const usedMiB = () => Number(execFileSync('free', ['-m']).toString().split('\n')[1]!.split(/\s+/)[2]);
const log = (line: string) => process.stderr.write(`[architectures] ${line}\n`);

// The checks all-in-one cannot run, each skipped with its reason: one of everything, nothing to fail over.
const AIO_SKIPS = [
  'data.galera-cluster',
  'router.vip',
  'data.write-through-router',
  'router.single-writer',
  'redis.sentinel-quorum',
  'router.redis-primary',
  'storage.volume',
  'storage.mounted',
  'web.session',
  'web.shared-write',
  'lb.vip',
  'nextcloud.config',
];

describe.skipIf(skipReason)(
  `all-in-one and mini-ha side by side on nspawn, ${NC.archive ? `with ${NC.archive}` : `without Nextcloud (${NC.reason})`}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const ctx: Partial<Record<keyof typeof LABS, LabContext>> = {};
    const drills: DrillReport[] = [];

    beforeAll(async () => {
      await Promise.all(Object.values(LABS).map((l) => lab(['destroy', ...args(l)])));
      const before = usedMiB();
      // Both bring-ups finish (or fail) before the tests go on: no `up` runs on while teardown destroys.
      const ups = await Promise.allSettled(
        Object.values(LABS).map(async (l) => ({
          l,
          ms: (await labOk(['up', ...args(l), '--no-snapshot'], NC.env)).ms,
        })),
      );
      for (const u of ups) {
        if (u.status === 'rejected') throw u.reason;
        log(`${u.value.l} up in ${(u.value.ms / 1000).toFixed(0)} s (both at once)`);
      }
      log(`host memory used by both labs: ${usedMiB() - before} MiB`);
      ctx.aio = await openLab({ lab: fixture(LABS.aio), provider: 'nspawn' });
      ctx.mini = await openLab({ lab: fixture(LABS.mini), provider: 'nspawn' });
    }, 45 * 60_000);

    afterAll(async () => {
      for (const r of drills)
        for (const d of r.drills)
          log(JSON.stringify({ lab: r.lab, ...d, lost: d.lost.length, times: undefined, perWeb: undefined }));
      await Promise.all(Object.values(ctx).map((c) => c?.close()));
      for (const l of Object.values(LABS)) keepLogs(l);
      await Promise.all(Object.values(LABS).map((l) => lab(['destroy', ...args(l)])));
      for (const l of Object.values(LABS)) expect(leftovers(l, nodesOf(fixture(l)))).toEqual([]);
    }, 10 * 60_000);

    const verify = async (name: string) => {
      const run = await lab(['verify', ...args(name), '--json']);
      log(`${name} verify in ${(run.ms / 1000).toFixed(0)} s`);
      return json<Report>(run);
    };
    const ncSkipped = (c: Check) => !NC.archive && c.tier === 'nextcloud' && /archive/i.test(c.summary);

    it(
      'all-in-one: every check passes, or skips with the reason it cannot apply',
      async () => {
        const report = await verify(LABS.aio);
        expect(notPassing(report, (c) => AIO_SKIPS.includes(c.id) || ncSkipped(c))).toEqual([]);
        for (const c of report.checks.filter((x) => x.status === 'skip')) expect(c.summary).not.toBe('');
        const passed = report.checks.filter((c) => c.status === 'pass').map((c) => c.id);
        expect(passed).toEqual(
          expect.arrayContaining(['data.standalone', 'redis.agree', 'web.reach', 'lb.https']),
        );
        expect(report.ok).toBe(true);
      },
      5 * 60_000,
    );

    it(
      'mini-ha: every check passes but the router VIP and the standalone one',
      async () => {
        const report = await verify(LABS.mini);
        const skips = ['router.vip', 'data.standalone'];
        expect(notPassing(report, (c) => skips.includes(c.id) || ncSkipped(c))).toEqual([]);
        expect(report.checks.find((c) => c.id === 'router.vip')?.summary).toMatch(/placement\.router: local/);
        expect(report.ok).toBe(true);
      },
      5 * 60_000,
    );

    it(
      'all-in-one: --all --force halts its one machine and reports the outage as measured',
      async () => {
        const report = await runDrills(ctx.aio!, { all: true, force: true, observeMs: 15_000 });
        drills.push(report);
        const [d] = report.drills;
        expect(d?.node).toBe('aio');
        expect(d!.forced).toBe(true);
        expect(d!.requests.failed, 'requests failed while the only machine was down').toBeGreaterThan(0);
        expect(d!.longestGapMs).toBeGreaterThan(10_000);
        // Every acknowledged write read back: the standalone Redis keeps nothing on disk, so no file
        // lock of a request that died with the machine survives the power cut (it did, with an RDB:
        // HTTP 423 on the read-back until filelocking.ttl).
        expect(d!.lost).toEqual([]);
        expect(d!.recoverMs, `came back (still failing: ${d!.failedChecks.join('; ')})`).not.toBeNull();
      },
      20 * 60_000,
    );

    it(
      'mini-ha: a power cut of the Galera writer loses no write and the service stays up',
      async () => {
        const report = await runDrills(ctx.mini!, { haltRole: 'db', observeMs: 15_000 });
        drills.push(report);
        const [d] = report.drills;
        expect(d?.reason).toMatch(/Galera writer/);
        expect(d!.lost).toEqual([]);
        expect(d!.ackedThisDrill).toBeGreaterThan(0);
        // The node cut is everything at once (VIP holder, Galera writer, a web node, a brick): the
        // service must stay up. The 2 % target is a figure for `npm run bench -- architectures`.
        log(
          `mini-ha writer drill: ${d!.requests.failed} of ${d!.requests.total} failed (${d!.requests.failedPct} %)`,
        );
        expect(d!.requests.failedPct).toBeLessThan(10);
        expect(d!.recoverMs, `came back (still failing: ${d!.failedChecks.join('; ')})`).not.toBeNull();
        expect(d!.ok).toBe(true);
      },
      20 * 60_000,
    );
  },
);
