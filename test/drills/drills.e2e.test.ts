// Drills end to end on nspawn: power cuts of web1, the Galera writer, storage1 and the lb holding the
// VIP, then a whole-lab power cycle, each under traffic, each proving no acknowledged write was lost
// and that the lab came back with every check passing. Modest in time: 15 s of fault per drill.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/core/model.ts';
import { runDrills } from '../../scripts/drills/index.ts';
import type { DrillOptions, DrillReport } from '../../scripts/drills/types.ts';
import { type LabContext, openLab } from '../../scripts/engine/context.ts';
import { lab, labOk, leftovers, nspawnSkipReason } from '../e2e/harness.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/labs/drill-ha.yaml');
const LAB = ['--lab', FIXTURE, '--provider', 'nspawn'];
const skipReason = nspawnSkipReason();
const DRILL_MS = 15 * 60_000;

describe.skipIf(skipReason)(`drills on nspawn${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let ctx: LabContext;
  const reports: DrillReport[] = [];

  beforeAll(async () => {
    await lab(['destroy', ...LAB]);
    await labOk(['up', ...LAB]);
    ctx = await openLab({ lab: FIXTURE, provider: 'nspawn' });
  }, 40 * 60_000);

  afterAll(async () => {
    for (const r of reports)
      for (const d of r.drills)
        process.stderr.write(`${JSON.stringify({ ...d, lost: d.lost.length, times: undefined })}\n`);
    await ctx?.close();
    await lab(['destroy', ...LAB]);
    expect(leftovers('drill-ha')).toEqual([]);
  }, 10 * 60_000);

  // Every drill must lose no acknowledged write and come back with every check passing.
  async function drill(opts: DrillOptions): Promise<DrillReport['drills'][number]> {
    const report = await runDrills(ctx, { observeMs: 15_000, ...opts });
    reports.push(report);
    const [d] = report.drills;
    expect(d, 'one drill ran').toBeDefined();
    expect(d!.lost, 'no acknowledged write lost').toEqual([]);
    expect(d!.ackedThisDrill, 'writes were acknowledged during the drill').toBeGreaterThan(0);
    expect(
      d!.recoverMs,
      `recovered (checks still failing: ${d!.failedChecks.join('; ')}; ${d!.error ?? ''})`,
    ).not.toBeNull();
    expect(d!.ok).toBe(true);
    // No Nextcloud archive here: the drill says it sent no WebDAV traffic, and why.
    expect(d!.notes[0]).toMatch(/^WebDAV traffic: none \(nextcloud\.webdav skip: /);
    expect(existsSync(report.files.markdown!) && existsSync(d!.files.svg!)).toBe(true);
    return d!;
  }

  it('the client runs the PHP of the generator and of the WebDAV read-back (php -l)', async () => {
    const sources = readdirSync(join(REPO_ROOT, 'provision/files/client')).filter((f) => f.endsWith('.php'));
    expect(sources).toContain('traffic-users.php');
    for (const f of sources) {
      await ctx.remote.put('client', `/tmp/${f}`, readFileSync(join(REPO_ROOT, 'provision/files/client', f)));
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
    },
    DRILL_MS,
  );

  it(
    'power cut of the Galera writer the router sends to',
    async () => {
      const d = await drill({ haltRole: 'db' });
      expect(d.reason).toMatch(/Galera writer/);
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
});
