// One drill, read top to bottom: traffic -> inject -> observe -> recover (always) -> verify.
import type { Progress } from '../core/progress.ts';
import type { LabContext } from '../engine/context.ts';
import { drillLoad } from '../load/assemble.ts';
import { loadPlan } from '../load/run.ts';
import type { LoadSpec } from '../load/types.ts';
import { drillAlerts } from './alerts.ts';
import { measureDetection } from './detect.ts';
import { inject, recover } from './fault.ts';
import { alertTargets, assemble, type Exercise } from './judge.ts';
import { ackedWrites } from './metrics.ts';
import type { DrillPlan } from './plan.ts';
import {
  type Account,
  type DavAccess,
  davAccess,
  fetchRecords,
  startTraffic,
  stopTraffic,
  type TrafficRun,
  trafficNode,
} from './traffic.ts';
import type { AckedWrite, DrillResult, LostWrite, RequestRecord } from './types.ts';
import { storedDavFiles, storedWrites, waitHealthy } from './verify.ts';
import { findLostWrites } from './writes.ts';

export interface DrillSettings {
  observeMs: number;
  graceful: boolean;
  /** Requests per second from the client. */
  rate: number;
  /** How long recovery may take before the drill fails. */
  recoverDeadlineMs: number;
  progress: Progress;
  /** Nextcloud's WebDAV for PUT/GET traffic, or why there is none (no Nextcloud installed). */
  /** note: how the traffic authenticates (an app password, or why the account password). */
  dav: { access: DavAccess; note?: string } | { off: string };
  /** A load beside the drill's own traffic, as these accounts. */
  load?: { spec: LoadSpec; accounts: Account[] };
}

const LEAD_MS = 5000; // traffic before the fault: the baseline every gap is measured against
const TAIL_MS = 5000; // traffic after recovery: proves the lab serves again, not just that checks pass
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Runs one planned drill; `ledger` holds every write acknowledged so far and grows with this drill's. */
export async function runDrill(
  ctx: LabContext,
  plan: DrillPlan,
  ledger: AckedWrite[],
  s: DrillSettings,
): Promise<{ result: DrillResult; records: RequestRecord[]; loadRecords: RequestRecord[] }> {
  const client = trafficNode(ctx.lab, await ctx.running());
  const maxS = Math.ceil((LEAD_MS + s.observeMs + s.recoverDeadlineMs + TAIL_MS) / 1000) + 120;
  const tag = `${plan.label}-${Date.now().toString(36)}`;
  const traffic = await startTraffic(ctx.lab, ctx.remote, client, tag, {
    scenario: 'drill',
    rate: s.rate,
    maxS,
    dav: 'access' in s.dav ? s.dav.access : undefined,
  });
  // The load is the same engine with its users' scenario, one more process on the client.
  const load = s.load
    ? await startTraffic(ctx.lab, ctx.remote, client, `${tag}-load`, {
        ...loadPlan(s.load.spec, s.load.accounts),
        maxS,
      }).catch(async (e) => {
        await stopTraffic(ctx.remote, traffic);
        throw e;
      })
    : undefined;
  const ex = await exercise(ctx, plan, s, traffic, load);
  ex.notes.unshift(
    'access' in s.dav
      ? `WebDAV traffic: PUT and GET of files through Nextcloud${s.dav.note ?? ''}, each acknowledged PUT read back after the drill`
      : `WebDAV traffic: none (${s.dav.off})`,
  );
  const { records } = await fetchRecords(ctx.remote, traffic);
  const loadRecords = load ? await loadRecordsOf(ctx, load, ex.notes) : [];
  const acked = ackedWrites(records);
  ledger.push(...acked);
  const readBack = 'access' in s.dav ? s.dav.access : davAccess(ctx.lab, ctx.secrets);
  const lost = await lostWrites(ctx, client, ledger, readBack, ex.notes);
  const detect =
    plan.scenario === 'power-cycle'
      ? null
      : await measureDetection(ctx.lab, ctx.remote, await ctx.running(), plan.nodes[0]!, ex.times.inject);
  const { note, ...alerts } = await drillAlerts(ctx, ex.times);
  if (note) ex.notes.push(note);
  const result = assemble(ctx.lab, plan, ex, records, lost, detect, {
    checked: ledger.length,
    thisDrill: acked.length,
  });
  Object.assign(result, alerts);
  result.targets.push(...alertTargets(plan.scenario, alerts.alerts));
  if (s.load)
    result.load = drillLoad(
      s.load.spec,
      loadRecords,
      ex.times.inject,
      ex.times.recovered ?? ex.times.trafficEnd,
    );
  return { result, records, loadRecords };
}

// The load's records; unreadable ones leave the load unmeasured, not the drill failed.
async function loadRecordsOf(ctx: LabContext, run: TrafficRun, notes: string[]): Promise<RequestRecord[]> {
  try {
    return (await fetchRecords(ctx.remote, run)).records;
  } catch (e) {
    notes.push(`could not read the load's records: ${message(e)}`);
    return [];
  }
}

/** Inject, observe, recover in a finally, a tail of traffic, then the generators stopped by PID. */
async function exercise(
  ctx: LabContext,
  plan: DrillPlan,
  s: DrillSettings,
  traffic: TrafficRun,
  load?: TrafficRun,
): Promise<Exercise> {
  const ex: Exercise = {
    times: { trafficStart: traffic.started, trafficEnd: 0, inject: 0, restart: 0, recovered: null },
    failedChecks: [],
    notes: plan.forcedPast.map((r) => `forced past the guard: ${r}`),
  };
  try {
    await sleep(LEAD_MS);
    s.progress.info(`${plan.scenario} ${plan.label}: halting ${plan.nodes.join(' ')} under traffic`);
    ex.times.inject = Date.now();
    try {
      await inject(ctx, plan.nodes, s.graceful);
      await sleep(s.observeMs);
    } finally {
      ex.times.restart = Date.now();
      s.progress.info(
        `${plan.label}: observed ${((ex.times.restart - ex.times.inject) / 1000).toFixed(1)} s, starting it again`,
      );
      await recoverAndWait(ctx, plan, s, ex);
    }
    await sleep(TAIL_MS);
  } catch (e) {
    ex.error ??= message(e);
  } finally {
    await Promise.all(
      [traffic, ...(load ? [load] : [])].map((run) =>
        stopTraffic(ctx.remote, run).catch((e) =>
          ex.notes.push(`stopping the traffic generator ${run.runId}: ${message(e)}`),
        ),
      ),
    );
    ex.times.trafficEnd = Date.now();
  }
  return ex;
}

async function recoverAndWait(
  ctx: LabContext,
  plan: DrillPlan,
  s: DrillSettings,
  ex: Exercise,
): Promise<void> {
  try {
    await recover(ctx, plan.nodes, plan.scenario === 'power-cycle');
    const healthy = await waitHealthy(ctx, plan.nodes, s.recoverDeadlineMs - (Date.now() - ex.times.restart));
    ex.times.recovered = healthy.at;
    ex.failedChecks = healthy.failing;
    s.progress.info(
      healthy.at
        ? `${plan.label}: back, every check passes after ${((healthy.at - ex.times.restart) / 1000).toFixed(1)} s`
        : `${plan.label}: not back within ${s.recoverDeadlineMs / 1000} s`,
    );
  } catch (e) {
    ex.error = `recovery failed: ${message(e)}`;
  }
}

// A write list that cannot be read leaves every acknowledged write unproven, so each counts as lost.
async function lostWrites(
  ctx: LabContext,
  client: string,
  ledger: AckedWrite[],
  access: DavAccess,
  notes: string[],
): Promise<LostWrite[]> {
  try {
    const davPaths = ledger.filter((w) => w.via === 'dav').map((w) => w.id);
    const dav = await storedDavFiles(ctx, client, davPaths, access);
    return findLostWrites(ledger, await storedWrites(ctx, client), dav);
  } catch (e) {
    notes.push(`could not read the stored writes: ${message(e)}`);
    return ledger.map((w) => ({ id: w.id, reason: 'unverifiable: the write list could not be read' }));
  }
}
