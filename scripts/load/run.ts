// `lab load`, read top to bottom: Nextcloud checked, accounts created, the generator's users run from
// the client through the front (a progress line every few seconds), then records, HAProxy's timers,
// the report files, and the accounts removed (always, unless --keep).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextcloudChecks } from '../checks/nextcloud.ts';
import { runChecks } from '../checks/run.ts';
import type { Progress } from '../core/progress.ts';
import {
  type Account,
  fetchRecords,
  type GeneratorProgress,
  generatorAlive,
  readProgress,
  startTraffic,
  stopTraffic,
  type TrafficRun,
  trafficNode,
  type UsersPlan,
} from '../drills/traffic.ts';
import type { RequestRecord } from '../drills/types.ts';
import type { LabContext } from '../engine/context.ts';
import { loadSummary, progressLine, renderLoadMarkdown } from '../report/load.ts';
import { renderLoadChart } from '../report/load-svg.ts';
import { assembleLoad, requireNextcloud } from './assemble.ts';
import { fetchHttpLog } from './haproxy.ts';
import type { LoadReport, LoadSpec } from './types.ts';
import { createUsers, makeAccounts, occNode, removeUsers } from './users.ts';

const POLL_MS = 2000;
const PRINT_MS = 5000;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The generator's plan for a spec, with a per-request timeout that grows with the file size. */
export function loadPlan(spec: LoadSpec, accounts: Account[]): UsersPlan & { maxS: number } {
  return {
    scenario: spec.scenario,
    accounts,
    iterations: spec.iterations ?? 0,
    sizeBytes: spec.sizeBytes,
    rampS: spec.rampS,
    thinkS: spec.thinkS,
    seed: spec.seed,
    timeoutS: 30 + Math.ceil((2 * spec.sizeBytes) / (1024 * 1024)),
    maxS: spec.durationS ?? 3600,
  };
}

/** Creates the accounts, runs `body`, and removes them again (unless keep); removal problems become notes. */
export async function withAccounts<T>(
  ctx: LabContext,
  spec: LoadSpec,
  prefix: string,
  progress: Progress,
  notes: string[],
  body: (accounts: Account[]) => Promise<T>,
): Promise<T> {
  const web = occNode(ctx.lab, await ctx.running());
  const accounts = makeAccounts(prefix, spec.users);
  const t0 = Date.now();
  try {
    await createUsers(ctx.remote, web, accounts);
    progress.ok(
      `${accounts.length} Nextcloud users created on ${web}`,
      `${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    return await body(accounts);
  } finally {
    if (spec.keep) notes.push(`accounts kept (--keep): ${accounts[0]!.name} ... ${accounts.at(-1)!.name}`);
    else {
      const left = await removeUsers(ctx.remote, web, accounts).catch((e) => [message(e)]);
      if (left.length > 0)
        notes.push(`could not remove every load test user: ${left.slice(0, 3).join('; ')}`);
      else progress.ok(`${accounts.length} load test users removed`);
    }
  }
}

/** Runs one load test and writes its report files; refuses (LabError) without a working Nextcloud. */
export async function runLoad(
  ctx: LabContext,
  spec: LoadSpec,
  progress: Progress,
  signal?: AbortSignal,
): Promise<LoadReport> {
  const client = trafficNode(ctx.lab, await ctx.running());
  progress.phase('nextcloud', 'checking it can take the load');
  requireNextcloud(await runChecks(ctx, nextcloudChecks, { timeoutMs: 60_000 }));
  const startedAt = new Date().toISOString();
  const runId = `load-${Date.now().toString(36)}`;
  const notes: string[] = [];
  const meta = { lab: ctx.lab.name, provider: ctx.provider.name, startedAt, runId, spec, interrupted: false };
  progress.phase('load', describe(spec));
  let error: string | undefined;
  const measured = await withAccounts(ctx, spec, runId, progress, notes, async (accounts) => {
    const plan = loadPlan(spec, accounts);
    const run = await startTraffic(ctx.lab, ctx.remote, client, runId, plan);
    try {
      meta.interrupted = await watch(ctx, run, plan.maxS + 120 + 6 * plan.timeoutS, progress, notes, signal);
    } catch (e) {
      error = message(e);
    } finally {
      await stopTraffic(ctx.remote, run).catch((e) => notes.push(`stopping the generator: ${message(e)}`));
    }
    return collect(ctx, run, notes);
  });
  const report = assembleLoad({ ...meta, error }, measured.records, measured.final, measured.log, notes);
  return writeReport(ctx, report, measured.records);
}

function describe(s: LoadSpec): string {
  const how = [s.durationS ? `${s.durationS} s` : '', s.iterations ? `${s.iterations} iterations each` : '']
    .filter(Boolean)
    .join(', at most ');
  const size = s.scenario === 'transfer' ? `, ${s.sizeBytes} B files` : '';
  return `${s.scenario}, ${s.users} users, ${how}${size}, think ${s.thinkS} s, ramp ${s.rampS} s, seed ${s.seed}`;
}

// Polls the progress file until the generator says it finished, exits, overruns or Ctrl-C: true then.
async function watch(
  ctx: LabContext,
  run: TrafficRun,
  maxS: number,
  progress: Progress,
  notes: string[],
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = run.started + maxS * 1000;
  let prev: GeneratorProgress | null = null;
  let printed = 0;
  for (;;) {
    if (await pause(POLL_MS, signal)) {
      notes.push('interrupted (Ctrl-C): the generator was stopped, what it measured is reported');
      return true;
    }
    const p = await readProgress(ctx.remote, run.node, run.progress);
    if (p && (Date.now() - printed >= PRINT_MS || p.finished)) {
      progress.info(progressLine(p, prev));
      [prev, printed] = [p, Date.now()];
    }
    if (p?.finished) return false;
    if (!(await generatorAlive(ctx.remote, run.node, run.pid))) {
      const said = (await ctx.remote.exec(run.node, ['cat', run.err], { timeoutMs: 10_000 })).stdout.trim();
      notes.push(`the generator exited before it finished${said ? `: ${said.slice(0, 300)}` : ''}`);
      return false;
    }
    if (Date.now() > deadline) {
      notes.push(`the generator had not finished ${maxS} s after it started: stopped`);
      return false;
    }
  }
}

/** Sleeps `ms`; true when the signal fired instead. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (aborted: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(aborted);
    };
    const onAbort = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function collect(ctx: LabContext, run: TrafficRun, notes: string[]) {
  const final = await readProgress(ctx.remote, run.node, run.progress);
  let records: RequestRecord[] = [];
  try {
    records = (await fetchRecords(ctx.remote, run)).records;
  } catch (e) {
    notes.push(`could not read the generator's records: ${message(e)}`);
  }
  const log = await fetchHttpLog(ctx.lab, ctx.remote, await ctx.running(), {
    runId: run.runId,
    from: run.started,
    to: Date.now(),
  });
  return { final, records, log };
}

function writeReport(ctx: LabContext, report: LoadReport, records: RequestRecord[]): LoadReport {
  mkdirSync(ctx.paths.reports, { recursive: true });
  const base = join(ctx.paths.reports, `load-${report.startedAt.replace(/[:.]/g, '-')}`);
  report.files = {
    json: `${base}.json`,
    markdown: `${base}.md`,
    svg: `${base}.svg`,
    records: `${base}.jsonl`,
  };
  writeFileSync(report.files.records!, records.map((r) => JSON.stringify(r)).join('\n'));
  writeFileSync(report.files.svg!, renderLoadChart(report.series, { title: chartTitle(report) }));
  writeFileSync(report.files.markdown!, renderLoadMarkdown(report));
  writeFileSync(report.files.json!, `${JSON.stringify({ ...loadSummary(report), report }, null, 2)}\n`);
  return report;
}

function chartTitle(r: LoadReport): string {
  return `${r.spec.scenario}, ${r.spec.users} users: ${r.requests.total} requests, ${r.requests.failed} failed, ${r.throughput.requestsPerS} req/s, ${r.throughput.mibPerS} MiB/s`;
}
