// One drill, read top to bottom: traffic -> inject -> observe -> recover (always) -> verify.
import { nodeByName } from '../core/model.ts';
import type { Progress } from '../core/progress.ts';
import type { LabContext } from '../engine/context.ts';
import { measureDetection } from './detect.ts';
import { inject, recover } from './fault.ts';
import { drillOk, targetsFor } from './judge.ts';
import { ackedWrites, summarize } from './metrics.ts';
import type { DrillPlan } from './plan.ts';
import { fetchRecords, startTraffic, stopTraffic, trafficNode } from './traffic.ts';
import type { AckedWrite, DrillResult, RequestRecord } from './types.ts';
import { failedChecks, storedWrites, waitHealthy } from './verify.ts';
import { findLostWrites } from './writes.ts';

export interface DrillSettings {
  observeMs: number;
  graceful: boolean;
  /** Requests per second from the client. */
  rate: number;
  /** How long recovery may take before the drill fails. */
  recoverDeadlineMs: number;
  progress: Progress;
}

const LEAD_MS = 5000; // traffic before the fault: the baseline every gap is measured against
const TAIL_MS = 5000; // traffic after recovery: proves the lab serves again, not just that checks pass
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Runs one planned drill; `ledger` holds every write acknowledged so far and grows with this drill's. */
export async function runDrill(
  ctx: LabContext,
  plan: DrillPlan,
  ledger: AckedWrite[],
  s: DrillSettings,
): Promise<{ result: DrillResult; records: RequestRecord[] }> {
  const client = trafficNode(ctx.lab, await ctx.running());
  const runId = `${plan.label}-${Date.now().toString(36)}`;
  const maxS = Math.ceil((LEAD_MS + s.observeMs + s.recoverDeadlineMs + TAIL_MS) / 1000) + 120;
  const traffic = await startTraffic(ctx.lab, ctx.remote, client, runId, { rate: s.rate, maxS });
  const times = {
    trafficStart: traffic.started,
    trafficEnd: 0,
    inject: 0,
    restart: 0,
    recovered: null as number | null,
  };
  const notes: string[] = plan.forcedPast.map((r) => `forced past the guard: ${r}`);
  let error: string | undefined;
  let checksLeft: string[] = [];
  try {
    await sleep(LEAD_MS);
    s.progress.info(`${plan.scenario} ${plan.label}: halting ${plan.nodes.join(' ')} under traffic`);
    times.inject = Date.now();
    try {
      await inject(ctx, plan.nodes, s.graceful);
      await sleep(s.observeMs);
    } finally {
      times.restart = Date.now();
      s.progress.info(
        `${plan.label}: observed ${((times.restart - times.inject) / 1000).toFixed(1)} s, starting again`,
      );
      try {
        await recover(ctx, plan.nodes, plan.scenario === 'power-cycle');
        const healthy = await waitHealthy(ctx, s.recoverDeadlineMs - (Date.now() - times.restart));
        times.recovered = healthy.at;
        checksLeft = failedChecks(healthy.report);
      } catch (e) {
        error = `recovery failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    await sleep(TAIL_MS);
  } catch (e) {
    error ??= e instanceof Error ? e.message : String(e);
  } finally {
    await stopTraffic(ctx.remote, traffic).catch((e) =>
      notes.push(`stopping the traffic generator: ${String(e)}`),
    );
    times.trafficEnd = Date.now();
  }
  const { records } = await fetchRecords(ctx.remote, traffic);
  ledger.push(...ackedWrites(records));
  const lost = await lostWrites(ctx, client, ledger, notes);
  const running = await ctx.running();
  const detect =
    plan.scenario === 'power-cycle'
      ? null
      : await measureDetection(ctx.lab, ctx.remote, running, plan.nodes[0]!, times.inject);
  const summary = summarize(records);
  const roles = plan.scenario === 'power-cycle' ? [] : nodeByName(ctx.lab, plan.nodes[0]!).roles;
  const result: DrillResult = {
    scenario: plan.scenario,
    node: plan.label,
    reason: plan.reason,
    forced: plan.forcedPast.length > 0,
    requests: { total: summary.total, failed: summary.failed, failedPct: summary.failedPct },
    longestGapMs: summary.longestGapMs,
    detectMs: detect?.ms ?? null,
    detectedBy: detect?.by,
    recoverMs: times.recovered === null ? null : times.recovered - times.restart,
    lostWrites: lost.length,
    lost: lost.slice(0, 50),
    ackedWrites: ledger.length,
    perWeb: summary.perWeb,
    perDb: summary.perDb,
    times,
    targets: targetsFor(ctx.lab, plan.scenario, roles, summary, lost.length),
    failedChecks: checksLeft,
    notes,
    error,
    ok: false,
    files: {},
  };
  result.ok = drillOk({ ...result, recovered: times.recovered });
  return { result, records };
}

// A write list that cannot be read counts every acknowledged write as unproven, hence lost.
async function lostWrites(ctx: LabContext, client: string, ledger: AckedWrite[], notes: string[]) {
  try {
    return findLostWrites(ledger, await storedWrites(ctx, client));
  } catch (e) {
    notes.push(`could not read the stored writes: ${e instanceof Error ? e.message : String(e)}`);
    return ledger.map((w) => ({ id: w.id, reason: 'unverifiable: the write list could not be read' }));
  }
}
