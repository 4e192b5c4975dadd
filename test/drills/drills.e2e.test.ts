// The full-ha lab end to end on nspawn, with the real Nextcloud of ../shared/nextcloud/ when it is there
// (CI has it). One bring-up, interrupted by Ctrl-C while Galera joins and then resumed, carries the
// whole-lab checks (every check passing, Nextcloud's included), a re-run with zero changes, then power
// cuts of web1, the Galera writer, storage1 and the lb holding the VIP, and a whole-lab power cycle, each
// under traffic (WebDAV through Nextcloud included), each proving no acknowledged write was lost and that
// the lab came back with every check passing; destroy leaves nothing. Modest in time: 15 s of fault per
// drill.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/core/model.ts';
import { runDrills } from '../../scripts/drills/index.ts';
import type { DrillOptions, DrillReport } from '../../scripts/drills/types.ts';
import { type LabContext, openLab } from '../../scripts/engine/context.ts';
import {
  json,
  keepLogs,
  lab,
  labInterrupted,
  labOk,
  leftovers,
  nextcloudArchive,
  notPassing,
  nspawnSkipReason,
  stopRunningLabs,
} from '../e2e/harness.ts';
import { assertClientDocx, assertLoadRun, shortLoad } from '../load/assert.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/labs/drill-ha.yaml');
const LAB = ['--lab', FIXTURE, '--provider', 'nspawn'];
const skipReason = nspawnSkipReason();
const DRILL_MS = 15 * 60_000;
const NC = nextcloudArchive();
type Report = {
  ok: boolean;
  checks: { id: string; tier: string; status: 'pass' | 'fail' | 'skip'; summary: string }[];
};

describe.skipIf(skipReason)(
  `full-ha (drill-ha) on nspawn, ${NC.archive ? `with ${NC.archive}` : `without Nextcloud (${NC.reason})`}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let ctx: LabContext;
    const reports: DrillReport[] = [];

    beforeAll(async () => {
      await lab(['destroy', ...LAB]);
    });
    // A test that timed out must not leave its `lab` process provisioning behind it.
    afterEach(stopRunningLabs);

    afterAll(async () => {
      for (const r of reports)
        for (const d of r.drills)
          process.stderr.write(`${JSON.stringify({ ...d, lost: d.lost.length, times: undefined })}\n`);
      await ctx?.close();
      keepLogs('drill-ha');
      await lab(['destroy', ...LAB]);
      expect(leftovers('drill-ha')).toEqual([]);
    }, 10 * 60_000);

    // The bring-up itself is a test: a user's Ctrl-C in the middle of Galera's join, then `up` again.
    it(
      'an up interrupted by Ctrl-C while Galera joins resumes where it stopped, and comes up',
      async () => {
        const first = await labInterrupted(['up', ...LAB, '--no-snapshot'], /▸ galera-join/, NC.env);
        expect(first.interrupted).toBe(true);
        expect(first.code).not.toBe(0);
        const up = await labOk(['up', ...LAB, '--no-snapshot'], NC.env);
        expect(up.stderr).toMatch(/resuming the interrupted run/);
        // Finished steps are skipped; Galera, already Primary on the bootstrapped node, is not bootstrapped again.
        expect(up.stderr).toMatch(/db1 base apply\s+done in the interrupted run/);
        expect(up.stderr).toMatch(/Galera: no bootstrap/);
        if (!NC.archive) expect(up.stderr).toMatch(/Nextcloud: no Nextcloud archive/);
        ctx = await openLab({ lab: FIXTURE, provider: 'nspawn' });
      },
      40 * 60_000,
    );

    it(
      'comes up completely and every check passes (Nextcloud checks only skip without an archive)',
      async () => {
        const report = json<Report>(await lab(['verify', ...LAB, '--json']));
        const nextcloudSkipped = (c: Report['checks'][number]) =>
          !NC.archive && c.tier === 'nextcloud' && /archive/i.test(c.summary);
        expect(notPassing(report, nextcloudSkipped)).toEqual([]);
        const nextcloud = report.checks.filter((c) => c.tier === 'nextcloud');
        expect(nextcloud.length).toBeGreaterThan(0);
        if (NC.archive)
          expect(nextcloud.map((c) => `${c.id} ${c.status}`)).toEqual(nextcloud.map((c) => `${c.id} pass`));
        // The monitor role on the client: every target up, every rule group loaded, no alert firing.
        expect(
          report.checks.filter((c) => c.tier === 'monitoring').map((c) => `${c.id} ${c.status}`),
        ).toEqual(['monitoring.targets pass', 'monitoring.rules pass', 'monitoring.alerts pass']);
        for (const tier of ['machines', 'data', 'router', 'redis', 'storage', 'web', 'lb', 'monitoring']) {
          expect(
            report.checks.some((c) => c.tier === tier && c.status === 'pass'),
            `a ${tier} check passes`,
          ).toBe(true);
        }
        expect(report.ok).toBe(true);
      },
      5 * 60_000,
    );

    it(
      'a second up changes nothing, even without NEXTCLOUD_ARCHIVE (the lab keeps its archive)',
      async () => {
        const r = json<{ changes: number; changed: unknown[] }>(await labOk(['up', ...LAB, '--json']));
        expect(r.changed).toEqual([]);
        expect(r.changes).toBe(0);
      },
      10 * 60_000,
    );

    // The load tests share this bring-up (test/load/assert.ts): a short transfer and activity load
    // through the real Nextcloud, each with no failed request and a complete report.
    it.skipIf(!NC.archive)(
      'load: three users transfer files, then three users edit a .docx, through Nextcloud; none fails',
      async () => {
        await assertLoadRun(ctx, shortLoad('transfer'));
        await assertLoadRun(ctx, shortLoad('activity'));
        await assertClientDocx(ctx);
      },
      10 * 60_000,
    );

    // Every drill must lose no acknowledged write and come back with every check passing.
    async function drill(opts: DrillOptions): Promise<DrillReport['drills'][number]> {
      const report = await runDrills(ctx, { observeMs: 15_000, ...opts });
      reports.push(report);
      const [d] = report.drills;
      expect(d, 'one drill ran').toBeDefined();
      // The notes say why a write list could not be read; the recovery verdict says whether the lab was back.
      const why = `recovered: ${d!.recoverMs !== null}; checks failing: ${d!.failedChecks.join('; ')}; ${d!.error ?? ''}; notes: ${d!.notes.join('; ')}`;
      expect(d!.lost.slice(0, 3), `no acknowledged write lost (${why})`).toEqual([]);
      expect(d!.ackedThisDrill, 'writes were acknowledged during the drill').toBeGreaterThan(0);
      expect(
        d!.recoverMs,
        `recovered (checks still failing: ${d!.failedChecks.join('; ')}; ${d!.error ?? ''})`,
      ).not.toBeNull();
      expect(d!.ok).toBe(true);
      if (NC.archive) {
        // WebDAV through the real Nextcloud: PUTs acknowledged and every one read back (d.lost above).
        expect(d!.notes[0]).toMatch(/^WebDAV traffic: PUT and GET/);
        const records = readFileSync(d!.files.records!, 'utf8').split('\n').filter(Boolean);
        const davPuts = records.map((l) => JSON.parse(l)).filter((r) => r.kind === 'dav-put' && r.ok);
        expect(davPuts.length, 'WebDAV PUTs acknowledged through Nextcloud').toBeGreaterThan(0);
      } else {
        // No Nextcloud archive here: the drill says it sent no WebDAV traffic, and why.
        expect(d!.notes[0]).toMatch(/^WebDAV traffic: none \(nextcloud\.webdav skip: /);
      }
      expect(existsSync(report.files.markdown!) && existsSync(d!.files.svg!)).toBe(true);
      return d!;
    }

    // The issue's monitoring targets: the alert fires within 15 s of the fault and resolves within 60 s
    // of the node's return (the drill reads both from Prometheus's ALERTS series).
    function expectAlert(d: DrillReport['drills'][number], pattern: RegExp) {
      const seen = (d.alerts ?? []).map((a) => JSON.stringify(a)).join('; ');
      const a = d.alerts?.find((w) => pattern.test(w.alert) && w.firedMs >= 0);
      expect(
        a,
        `an alert ${pattern} fired (alerts: ${seen || 'none'}; notes: ${d.notes.join('; ')})`,
      ).toBeDefined();
      expect(a!.firedMs, `${a!.alert} fired within 15 s`).toBeLessThanOrEqual(15_000);
      expect(a!.afterReturnMs, `${a!.alert} resolved`).not.toBeNull();
      // The issue's 60 s after the return, or soon after the lab was back when the node itself took longer.
      const backMs = d.times.recovered === null ? 0 : d.times.recovered - d.times.restart;
      expect(
        a!.afterReturnMs!,
        `${a!.alert} resolved within 60 s of the return (back after ${backMs} ms)`,
      ).toBeLessThanOrEqual(Math.max(60_000, backMs + 20_000));
      expect(d.firstAlertMs, 'the report gives the first alert').not.toBeNull();
    }

    it('the client runs the PHP of the generator and of the WebDAV read-back (php -l)', async () => {
      const sources = readdirSync(join(REPO_ROOT, 'provision/files/client')).filter((f) =>
        f.endsWith('.php'),
      );
      expect(sources).toContain('traffic-users.php');
      for (const f of sources) {
        await ctx.remote.put(
          'client',
          `/tmp/${f}`,
          readFileSync(join(REPO_ROOT, 'provision/files/client', f)),
        );
        const r = await ctx.remote.exec('client', ['php', '-l', `/tmp/${f}`]);
        expect(r.stdout + r.stderr, f).toMatch(/No syntax errors/);
      }
    });

    it(
      'power cut of web1: the other web node serves',
      async () => {
        const d = await drill({ halt: 'web1' });
        expect(d.perWeb.web2).toBeGreaterThan(0);
        expect(d.detectMs, 'HAProxy on an lb marked web1 DOWN').not.toBeNull();
        expectAlert(d, /^NodeDown \(node=web1,/);
        expectAlert(d, /^HAProxyServerDown \(node=lb\d, proxy=web, server=web1/);
      },
      DRILL_MS,
    );

    it(
      'power cut of the Galera writer the router sends to',
      async () => {
        const d = await drill({ haltRole: 'db' });
        expect(d.reason).toMatch(/Galera writer/);
        expectAlert(d, new RegExp(`^NodeDown \\(node=${d.node},`));
        expectAlert(d, /^GaleraClusterSizeLow/);
      },
      DRILL_MS,
    );

    it(
      'power cut of storage1: GlusterFS keeps quorum and heals',
      async () => {
        await drill({ halt: 'storage1' });
      },
      DRILL_MS,
    );

    it(
      'power cut of the lb that holds the front VIP',
      async () => {
        const d = await drill({ haltRole: 'lb' });
        expect(d.reason).toMatch(/front VIP/);
      },
      DRILL_MS,
    );

    it(
      'whole-lab power cycle: Galera re-bootstraps from the highest seqno and every write survives',
      async () => {
        const d = await drill({ powerCycle: true });
        expect(d.node).toBe('all');
      },
      25 * 60_000,
    );
  },
);
