// `lab drill`: plans the drills, runs each from a steady state, and writes JSON, Markdown and SVG reports.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextcloudChecks } from '../checks/nextcloud.ts';
import type { VerifyReport } from '../checks/run.ts';
import { runChecks } from '../checks/run.ts';
import { isLabError } from '../core/errors.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import type { LabContext } from '../engine/context.ts';
import { requireNextcloud } from '../load/assemble.ts';
import { withAccounts } from '../load/run.ts';
import { series } from '../load/stats.ts';
import { collectAfterFailure } from '../logs/bundle.ts';
import { drillFileName, jsonSummary, renderMarkdown } from '../report/drills.ts';
import { renderLoadChart } from '../report/load-svg.ts';
import { renderTimeline } from '../report/svg.ts';
import { createAppPassword, revokeAppPassword } from './apppassword.ts';
import { type DrillSettings, runDrill } from './drill.ts';
import { findHolder, servedNow } from './holders.ts';
import { loadLedger, saveLedger } from './ledger.ts';
import { type DrillPlan, planDrills } from './plan.ts';
import { type DavAccess, davAccess, trafficNode } from './traffic.ts';
import type { AckedWrite, DrillOptions, DrillReport, DrillResult, RequestRecord } from './types.ts';
import { requireSteadyState } from './verify.ts';

export { jsonSummary, terminalLines } from '../report/drills.ts';
export type { DrillOptions, DrillReport } from './types.ts';

/** Runs the drills the options name; refuses (LabError) when the lab is not steady or the guard says no. */
export async function runDrills(
  ctx: LabContext,
  opts: DrillOptions,
  progress: Progress = silentProgress,
): Promise<DrillReport> {
  const running = await ctx.running();
  const holder = opts.haltRole ? await findHolder(ctx.lab, ctx.remote, running, opts.haltRole) : undefined;
  if (holder) progress.info(`--halt-role ${opts.haltRole}: ${holder.node}, ${holder.reason}`);
  const { plans, refused } = planDrills(
    ctx.lab,
    { ...opts, halt: holder?.node ?? opts.halt, haltRole: undefined },
    running,
    holder,
  );
  const startedAt = new Date().toISOString();
  const report: DrillReport = {
    ok: true,
    lab: ctx.lab.name,
    provider: ctx.provider.name,
    startedAt,
    drills: [],
    refused,
    notes: [],
    files: {},
  };
  const settings: DrillSettings = {
    observeMs: opts.observeMs ?? 30_000,
    graceful: opts.graceful ?? false,
    rate: opts.rate ?? 10,
    recoverDeadlineMs: 300_000,
    progress,
    dav: { off: 'not checked yet' },
  };
  const stamp = startedAt.replace(/[:.]/g, '-');
  mkdirSync(ctx.paths.reports, { recursive: true });
  let stopped: boolean;
  const load = opts.load;
  if (load) {
    // The load goes through Nextcloud: refuse before any drill when it cannot, with the checks' reason.
    requireNextcloud(await runChecks(ctx, nextcloudChecks, { timeoutMs: 60_000 }));
    progress.phase('load', `${load.scenario}, ${load.users} users beside each drill`);
    stopped = await withAccounts(
      ctx,
      load,
      `load-${Date.now().toString(36)}`,
      progress,
      report.notes,
      (accounts) =>
        drillSeries(ctx, opts, plans, report, { ...settings, load: { spec: load, accounts } }, stamp),
    );
  } else stopped = await drillSeries(ctx, opts, plans, report, settings, stamp);
  report.ok = report.drills.length > 0 && report.drills.every((d) => d.ok) && !stopped;
  return writeReport(report, join(ctx.paths.reports, `drill-${stamp}`));
}

/** Runs the planned drills in turn, each from a steady state; true when one ended the series early. */
async function drillSeries(
  ctx: LabContext,
  opts: DrillOptions,
  plans: DrillPlan[],
  report: DrillReport,
  settings: DrillSettings,
  stamp: string,
): Promise<boolean> {
  const client = trafficNode(ctx.lab, await ctx.running());
  const app: { dav?: DrillSettings['dav'] } = {};
  try {
    return await eachDrill(ctx, opts, plans, report, settings, stamp, client, app);
  } finally {
    if (app.dav && 'access' in app.dav && !app.dav.note)
      await revokeAppPassword(ctx.remote, client, app.dav.access);
  }
}

async function eachDrill(
  ctx: LabContext,
  opts: DrillOptions,
  plans: DrillPlan[],
  report: DrillReport,
  settings: DrillSettings,
  stamp: string,
  client: string,
  app: { dav?: DrillSettings['dav'] },
): Promise<boolean> {
  const { progress } = settings;
  const ledger: AckedWrite[] = await loadLedger(ctx.remote, client);
  for (const [i, plan] of plans.entries()) {
    progress.phase(`drill ${i + 1}/${plans.length}`, `${plan.scenario} ${plan.label} (${plan.reason})`);
    try {
      const dav = davFor(ctx, await requireSteadyState(ctx));
      if ('access' in dav) app.dav ??= await appPasswordFor(ctx, client, dav.access);
      settings.dav = 'access' in dav && app.dav ? app.dav : dav;
    } catch (e) {
      // The first drill refuses outright; a later one ends the series and keeps what was measured.
      if (i === 0 || !isLabError(e)) throw e;
      report.refused.push({
        node: plan.label,
        reasons: ['the lab was not steady after the previous drill', ...e.details],
      });
      report.files.logs = await collectAfterFailure(
        ctx,
        report.drills.at(-1)?.times.trafficStart ?? Date.parse(report.startedAt),
        `the lab was not steady before drill ${plan.label}`,
        (m) => progress.warn(m),
      );
      return true;
    }
    if (opts.all && plan.scenario !== 'power-cycle') {
      const serving = await servedNow(ctx.lab, ctx.remote, await ctx.running(), plan.nodes[0]!);
      if (serving.length > 0) plan.reason = `${plan.reason}; now: ${serving.join('; ')}`;
    }
    const { result, records, loadRecords } = await runDrill(ctx, plan, ledger, settings);
    await saveLedger(ctx.remote, client, ledger);
    const base = join(ctx.paths.reports, drillFileName(stamp, i, plans.length, plan.label));
    writeFileSync(`${base}.jsonl`, records.map((r) => JSON.stringify(r)).join('\n'));
    result.files = { records: `${base}.jsonl`, svg: `${base}.svg` };
    writeFileSync(`${base}.svg`, renderTimeline(result, records));
    if (result.load) writeLoadFiles(result, loadRecords, base);
    if (!result.ok)
      result.files.logs = await collectAfterFailure(
        ctx,
        result.times.trafficStart,
        `drill ${plan.scenario} ${plan.label} failed`,
        (m) => progress.warn(m),
      );
    report.drills.push(result);
    const fault = result.load?.fault;
    (result.ok ? progress.ok : progress.fail)(
      `${plan.scenario} ${plan.label}`,
      `${result.requests.failed}/${result.requests.total} failed, ${result.lostWrites} lost writes` +
        (fault ? `; load: ${fault.failed}/${fault.requests} failed during the fault` : ''),
    );
  }
  return false;
}

// The load's records and its chart over the drill, the fault shaded from the halt to back in service.
function writeLoadFiles(result: DrillResult, records: RequestRecord[], base: string): void {
  const t0 = result.times.trafficStart;
  const back = result.times.recovered ?? result.times.trafficEnd;
  writeFileSync(`${base}-load.jsonl`, records.map((r) => JSON.stringify(r)).join('\n'));
  const svg = renderLoadChart(series(records, t0), {
    title: `${result.load!.scenario} load, ${result.load!.users} users, during ${result.scenario} ${result.node}`,
    shade: { from: (result.times.inject - t0) / 1000, to: (back - t0) / 1000, label: `${result.node} out` },
  });
  writeFileSync(`${base}-load.svg`, svg);
  result.files.loadRecords = `${base}-load.jsonl`;
  result.files.loadSvg = `${base}-load.svg`;
}

// The drills' WebDAV traffic authenticates with an app password, as Nextcloud's own clients do; the
// account password (Argon2-checked on every request) only when Nextcloud gives none, and the report says so.
async function appPasswordFor(
  ctx: LabContext,
  client: string,
  access: DavAccess,
): Promise<DrillSettings['dav']> {
  const app = await createAppPassword(ctx.remote, client, access);
  if ('access' in app) return { access: app.access };
  return { access, note: ` (with the account password: ${app.error})` };
}

/** WebDAV traffic when the steady-state check of Nextcloud's WebDAV passed, else why not. */
function davFor(ctx: LabContext, steady: VerifyReport): DrillSettings['dav'] {
  const c = steady.checks.find((x) => x.id === 'nextcloud.webdav');
  if (c?.status === 'pass') return { access: davAccess(ctx.lab, ctx.secrets) };
  return { off: c ? `nextcloud.webdav ${c.status}: ${c.summary}` : 'the lab has no nextcloud.webdav check' };
}

function writeReport(report: DrillReport, base: string): DrillReport {
  report.files = { ...report.files, json: `${base}.json`, markdown: `${base}.md` };
  writeFileSync(report.files.json!, `${JSON.stringify({ ...jsonSummary(report), report }, null, 2)}\n`);
  writeFileSync(report.files.markdown!, renderMarkdown(report));
  return report;
}
