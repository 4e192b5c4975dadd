// `lab drill`: plans the drills, runs each from a steady state, and writes JSON, Markdown and SVG reports.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyReport } from '../checks/run.ts';
import { isLabError } from '../core/errors.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import type { LabContext } from '../engine/context.ts';
import { collectAfterFailure } from '../logs/bundle.ts';
import { drillFileName, jsonSummary, renderMarkdown } from '../report/drills.ts';
import { renderTimeline } from '../report/svg.ts';
import { createAppPassword, revokeAppPassword } from './apppassword.ts';
import { type DrillSettings, runDrill } from './drill.ts';
import { findHolder, servedNow } from './holders.ts';
import { loadLedger, saveLedger } from './ledger.ts';
import { planDrills } from './plan.ts';
import { type DavAccess, davAccess, trafficNode } from './traffic.ts';
import type { AckedWrite, DrillOptions, DrillReport } from './types.ts';
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
  const client = trafficNode(ctx.lab, running);
  const ledger: AckedWrite[] = await loadLedger(ctx.remote, client);
  let stopped = false;
  let appAccess: DrillSettings['dav'] | undefined;
  const stamp = startedAt.replace(/[:.]/g, '-');
  mkdirSync(ctx.paths.reports, { recursive: true });
  for (const [i, plan] of plans.entries()) {
    progress.phase(`drill ${i + 1}/${plans.length}`, `${plan.scenario} ${plan.label} (${plan.reason})`);
    try {
      const dav = davFor(ctx, await requireSteadyState(ctx));
      if ('access' in dav) appAccess ??= await appPasswordFor(ctx, client, dav.access);
      settings.dav = 'access' in dav && appAccess ? appAccess : dav;
    } catch (e) {
      // The first drill refuses outright; a later one ends the series and keeps what was measured.
      if (i === 0 || !isLabError(e)) throw e;
      report.refused.push({
        node: plan.label,
        reasons: ['the lab was not steady after the previous drill', ...e.details],
      });
      report.files.logs = await collectAfterFailure(
        ctx,
        report.drills.at(-1)?.times.trafficStart ?? Date.parse(startedAt),
        `the lab was not steady before drill ${plan.label}`,
        (m) => progress.warn(m),
      );
      stopped = true;
      break;
    }
    if (opts.all && plan.scenario !== 'power-cycle') {
      const serving = await servedNow(ctx.lab, ctx.remote, await ctx.running(), plan.nodes[0]!);
      if (serving.length > 0) plan.reason = `${plan.reason}; now: ${serving.join('; ')}`;
    }
    const { result, records } = await runDrill(ctx, plan, ledger, settings);
    await saveLedger(ctx.remote, client, ledger);
    const base = join(ctx.paths.reports, drillFileName(stamp, i, plans.length, plan.label));
    writeFileSync(`${base}.jsonl`, records.map((r) => JSON.stringify(r)).join('\n'));
    result.files = { records: `${base}.jsonl`, svg: `${base}.svg` };
    writeFileSync(`${base}.svg`, renderTimeline(result, records));
    if (!result.ok)
      result.files.logs = await collectAfterFailure(
        ctx,
        result.times.trafficStart,
        `drill ${plan.scenario} ${plan.label} failed`,
        (m) => progress.warn(m),
      );
    report.drills.push(result);
    (result.ok ? progress.ok : progress.fail)(
      `${plan.scenario} ${plan.label}`,
      `${result.requests.failed}/${result.requests.total} failed, ${result.lostWrites} lost writes`,
    );
  }
  if (appAccess && 'access' in appAccess && !appAccess.note)
    await revokeAppPassword(ctx.remote, client, appAccess.access);
  report.ok = report.drills.length > 0 && report.drills.every((d) => d.ok) && !stopped;
  return writeReport(report, join(ctx.paths.reports, `drill-${stamp}`));
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
