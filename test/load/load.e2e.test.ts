// Load tests end to end on nspawn, through the real Nextcloud: a short transfer and activity load
// (three users, seconds), each with zero failures and a complete report, then a drill under load.
// Skipped unless LAB_LOAD_E2E=1: one lab bring-up should carry verify, load and drills, so the
// assertions live in ./assert.ts for an e2e test that already runs a lab with Nextcloud to call.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/core/model.ts';
import { type LabContext, openLab } from '../../scripts/engine/context.ts';
import { lab, labOk, leftovers, nodesOf, nspawnSkipReason } from '../e2e/harness.ts';
import { assertClientDocx, assertDrillUnderLoad, assertLoadRun, shortLoad } from './assert.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/labs/load-ha.yaml');
const LAB = ['--lab', FIXTURE, '--provider', 'nspawn'];
const ARCHIVE = resolve(REPO_ROOT, '../shared/nextcloud/nextcloud-32.0.2.tar.bz2');

function skipReason(): string | undefined {
  if (process.env.LAB_LOAD_E2E !== '1') return 'set LAB_LOAD_E2E=1 to run it (it brings up a whole lab)';
  if (!existsSync(ARCHIVE)) return `no Nextcloud archive at ${ARCHIVE}`;
  return nspawnSkipReason();
}
const skip = skipReason();

describe.skipIf(skip)(`load tests on nspawn${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let ctx: LabContext;

  beforeAll(async () => {
    await lab(['destroy', ...LAB]);
    await labOk(['up', ...LAB], { NEXTCLOUD_ARCHIVE: ARCHIVE });
    ctx = await openLab({ lab: FIXTURE, provider: 'nspawn' });
  }, 40 * 60_000);

  afterAll(async () => {
    await ctx?.close();
    await lab(['destroy', ...LAB]);
    const left = leftovers('load-ha', nodesOf(FIXTURE));
    if (left.length > 0) throw new Error(`load-ha left behind: ${left.join(', ')}`);
  }, 10 * 60_000);

  it(
    'transfer: three users upload, read back and delete files through Nextcloud, none fails',
    async () => {
      await assertLoadRun(ctx, shortLoad('transfer'));
    },
    5 * 60_000,
  );

  it(
    'activity: three users log in, write a .docx, read it back, delete it, log out, none fails',
    async () => {
      await assertLoadRun(ctx, shortLoad('activity'));
      await assertClientDocx(ctx);
    },
    5 * 60_000,
  );

  it(
    'a power cut of web1 under an activity load: the drill passes and reports the load',
    async () => {
      await assertDrillUnderLoad(ctx, 'web1');
    },
    15 * 60_000,
  );
});
