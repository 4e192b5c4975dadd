// What a load run on a real lab with Nextcloud must show, as functions any e2e test can call on a
// running full-ha-shaped lab (test/load/load.e2e.test.ts does; test/drills/drills.e2e.test.ts can,
// once its lab has Nextcloud): zero failures, every step of the scenario, HAProxy's timers joined,
// the web node's time recorded, the generator cheap, the report complete, the accounts gone.
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { silentProgress } from '../../scripts/core/progress.ts';
import { runDrills } from '../../scripts/drills/index.ts';
import type { DrillReport } from '../../scripts/drills/types.ts';
import type { LabContext } from '../../scripts/engine/context.ts';
import { runLoad } from '../../scripts/load/run.ts';
import type { LoadReport, LoadScenario, LoadSpec } from '../../scripts/load/types.ts';
import { occNode } from '../../scripts/load/users.ts';
import { loadSummary } from '../../scripts/report/load.ts';
import { readZip } from './zip.ts';

const STEPS: Record<LoadScenario, string[]> = {
  transfer: ['login', 'upload', 'download', 'delete', 'logout'],
  activity: ['login', 'doc-create', 'doc-write', 'doc-read', 'doc-delete', 'logout'],
};

/** A short load: a few users, a few seconds, small files; override any of it. */
export function shortLoad(scenario: LoadScenario, over: Partial<LoadSpec> = {}): LoadSpec {
  return {
    scenario,
    users: 3,
    durationS: 8,
    sizeBytes: 256 * 1024,
    rampS: 1,
    thinkS: 0.2,
    seed: 1234,
    keep: false,
    ...over,
  };
}

/** The Nextcloud accounts whose names start with `prefix` (occ user:list on the first web node). */
export async function accountsLike(ctx: LabContext, prefix: string): Promise<string[]> {
  const web = occNode(ctx.lab, await ctx.running());
  const script =
    'cd /var/www/nextcloud && runuser -u www-data -- php occ user:list --limit=10000 --output=json';
  const r = await ctx.remote.exec(web, ['bash', '-c', script], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return Object.keys(JSON.parse(r.stdout) as Record<string, string>).filter((u) => u.startsWith(prefix));
}

/** Runs a load on `ctx`'s lab and asserts a clean run and a complete report; returns the report. */
export async function assertLoadRun(ctx: LabContext, spec: LoadSpec): Promise<LoadReport> {
  const report = await runLoad(ctx, spec, silentProgress);
  const why = [...report.notes, ...report.failures.map((f) => `${f.count}x ${f.op} ${f.status}: ${f.err}`)];
  expect(report.error, why.join('; ')).toBeUndefined();
  expect(report.requests.failed, why.join('; ')).toBe(0);
  expect(report.requests.total).toBeGreaterThan(spec.users * STEPS[spec.scenario].length - 1);
  expect(report.ok).toBe(true);
  expect(report.operations.map((o) => o.op)).toEqual(expect.arrayContaining(STEPS[spec.scenario]));
  for (const o of report.operations) expect(o.ms, o.op).not.toBeNull();
  expect(Object.keys(report.byStatus).every((s) => /^2\d\d$/.test(s))).toBe(true);
  // Each request found in an lb's log by its X-Lab-Run tag, and the web node's own time recorded.
  expect(report.tiers, report.notes.join('; ')).not.toBeNull();
  expect(report.tiers!.matched).toBeGreaterThanOrEqual(Math.floor(report.requests.total * 0.95));
  for (const row of report.tiers!.rows) expect(row.p50.web, `${row.op}: X-Lab-Web-Time`).not.toBeNull();
  // The generator's budget: a quarter of one core at 20 users, so far less at a few.
  expect(report.generator.cpuPct).not.toBeNull();
  expect(report.generator.cpuPct!).toBeLessThan(25);
  assertReportFiles(report);
  if (!spec.keep) expect(await accountsLike(ctx, report.runId)).toEqual([]);
  return report;
}

/** The JSON, Markdown, SVG and records files exist and say what the run measured. */
export function assertReportFiles(report: LoadReport): void {
  for (const [kind, file] of Object.entries(report.files))
    expect(existsSync(file!), `${kind} ${file}`).toBe(true);
  const json = JSON.parse(readFileSync(report.files.json!, 'utf8'));
  expect(Object.keys(json)).toEqual([...Object.keys(loadSummary(report)), 'report']);
  expect(json.requests).toEqual({ total: report.requests.total, failed: 0 });
  const md = readFileSync(report.files.markdown!, 'utf8');
  for (const heading of ['## Requests', '## Latency per operation', '## Where the time goes'])
    expect(md).toContain(heading);
  expect(md).toContain(`| run id (X-Lab-Run) | ${report.runId} |`);
  const svg = readFileSync(report.files.svg!, 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('<path class="p95"');
  const lines = readFileSync(report.files.records!, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(report.requests.total);
}

/** The client's PHP writes a .docx that is a valid zip (checked here, not just by Nextcloud's 201). */
export async function assertClientDocx(ctx: LabContext, client = 'client'): Promise<void> {
  const r = await ctx.remote.exec(client, [
    'bash',
    '-c',
    'php /var/tmp/lab-drill/docx.php "Lab e2e" | base64 -w0',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const names = readZip(Buffer.from(r.stdout.trim(), 'base64')).map((e) => e.name);
  expect(names).toEqual(['[Content_Types].xml', '_rels/.rels', 'word/document.xml']);
}

/** A drill with a load beside it: the drill still passes and its report says what the load saw. */
export async function assertDrillUnderLoad(ctx: LabContext, halt = 'web1'): Promise<DrillReport> {
  const report = await runDrills(ctx, {
    halt,
    observeMs: 10_000,
    load: shortLoad('activity', { durationS: undefined }),
  });
  const [d] = report.drills;
  expect(d, 'one drill ran').toBeDefined();
  expect(d!.lost).toEqual([]);
  expect(d!.ok, `${d!.error ?? ''} ${d!.failedChecks.join('; ')}`).toBe(true);
  expect(d!.load, 'the drill measured its load').toBeDefined();
  expect(d!.load!.whole.requests).toBeGreaterThan(0);
  expect(d!.load!.fault.requests, 'the load ran during the fault').toBeGreaterThan(0);
  expect(d!.load!.fault.ms).not.toBeNull();
  expect(existsSync(d!.files.loadSvg!)).toBe(true);
  expect(readFileSync(report.files.markdown!, 'utf8')).toContain('Load beside the drill: activity, 3 users.');
  expect(await accountsLike(ctx, 'load-')).toEqual([]);
  return report;
}
