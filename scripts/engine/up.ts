// `lab up`: machines, then the recipe phase by phase, recording each step so a re-run can resume.
import { LabError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { saveSecrets } from '../core/secrets.ts';
import type { LabContext } from './context.ts';
import { roleEnv } from './env.ts';
import { chooseGaleraBootstrap, parseProbeLine } from './galera.ts';
import { prepareInputs } from './inputs.ts';
import { type PhaseSpec, planPhase, RECIPE, type Runtime, type Step, selectSomeNodes } from './plan.ts';
import { bundleScript, provisionFiles, runStep, type StepOutcome, uploadProvision } from './provision.ts';
import { beginRun, type RunRecord, readState, stepId, writeState } from './state.ts';

export interface UpOptions {
  only?: string[];
  machinesOnly?: boolean;
  /** How many nodes of one phase provision at once. */
  parallel?: number;
  signal?: AbortSignal;
}

export interface UpReport {
  nodes: string[];
  resumed: boolean;
  changes: number;
  changed: { node: string; step: string; what: string }[];
  skips: { node: string; reason: string }[];
  ms: number;
}

export async function up(ctx: LabContext, progress: Progress, opts: UpOptions = {}): Promise<UpReport> {
  const started = Date.now();
  const nodes = selectSomeNodes(ctx.lab, opts.only);
  const state = readState(ctx.paths.state);
  if (state.provider && state.provider !== ctx.provider.name && state.run) {
    throw new LabError(
      'PROVIDER_MISMATCH',
      `Lab ${ctx.lab.name} was brought up with ${state.provider}, not ${ctx.provider.name}`,
      {
        hint: `Run \`npm run lab:destroy -- --lab ${ctx.lab.name}\` first, or use --provider ${state.provider}.`,
      },
    );
  }
  writeState(ctx.paths.state, { ...state, provider: ctx.provider.name });
  progress.phase('machines', `${nodes.length} node(s) on ${ctx.provider.name}`);
  const t0 = Date.now();
  await ctx.provider.up(nodes, {
    signal: opts.signal,
    onProgress: (node, msg) => progress.info(`${node}: ${msg}`),
    keepSsh: (node, c, target) => ctx.remote.adopt(node, c, target),
  });
  progress.ok(`${nodes.map((n) => n.name).join(' ')}`, `up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const report: UpReport = {
    nodes: nodes.map((n) => n.name),
    resumed: false,
    changes: 0,
    changed: [],
    skips: [],
    ms: 0,
  };
  if (opts.machinesOnly) {
    progress.info(
      '--machines-only: machines are up, nothing provisioned. `npm run lab:verify` tells what passes.',
    );
    return { ...report, ms: Date.now() - started };
  }
  const { run, resumed } = beginRun(readState(ctx.paths.state), opts.only);
  report.resumed = resumed;
  if (resumed) progress.info(`resuming the interrupted run of ${run.started}: finished steps are skipped`);
  const save = () => writeState(ctx.paths.state, { ...readState(ctx.paths.state), run });
  save();
  try {
    const inputs = await prepare(
      ctx,
      progress,
      nodes.map((n) => n.name),
      opts,
    );
    const selected = new Set(nodes.map((n) => n.name));
    const rt: Runtime = {};
    for (const spec of RECIPE) {
      const steps = planPhase(spec, ctx.lab, selected, rt);
      if (steps.length === 0) continue;
      const outcomes = await runPhase(
        ctx,
        progress,
        spec,
        steps.map((s) => ({ ...s, env: { ...inputs, ...s.env } })),
        run,
        save,
        opts,
      );
      if (spec.name === 'galera-probe') decideGalera(ctx, outcomes, rt, progress);
      for (const o of outcomes) collect(report, o, spec);
    }
    run.status = 'done';
  } catch (e) {
    run.status = 'failed';
    throw e;
  } finally {
    run.finished = new Date().toISOString();
    run.changes = report.changes;
    save();
  }
  report.ms = Date.now() - started;
  return report;
}

async function prepare(
  ctx: LabContext,
  progress: Progress,
  names: string[],
  opts: UpOptions,
): Promise<Record<string, string>> {
  progress.phase('upload', 'provision/ to every node');
  const bundle = bundleScript(provisionFiles());
  await inParallel(names, opts.parallel ?? 6, async (node) => {
    const sent = await uploadProvision(ctx.remote, node, bundle);
    progress.ok(node, sent ? 'provision/ uploaded' : 'provision/ already current');
  });
  return prepareInputs(ctx, progress, names);
}

async function runPhase(
  ctx: LabContext,
  progress: Progress,
  spec: PhaseSpec,
  steps: Step[],
  run: RunRecord,
  save: () => void,
  opts: UpOptions,
): Promise<StepOutcome[]> {
  progress.phase(
    spec.name,
    `${steps.map((s) => s.node).join(', ')}${spec.serial && steps.length > 1 ? ' (one at a time)' : ''}`,
  );
  const outcomes: StepOutcome[] = [];
  await inParallel(steps, spec.serial ? 1 : (opts.parallel ?? 6), async (s) => {
    const id = stepId(s.node, s.role, s.step);
    if (opts.signal?.aborted) throw interrupted();
    if (!spec.probe && run.steps[id]?.status === 'done') {
      progress.ok(`${s.node} ${s.role} ${s.step}`, 'done in the interrupted run');
      return;
    }
    const node = ctx.lab.nodes.find((n) => n.name === s.node)!;
    const env = { ...roleEnv(ctx.lab, node, ctx.provider.name, ctx.secrets), ...s.env };
    const o = await runStep(ctx.remote, {
      node: s.node,
      role: s.role,
      step: s.step,
      env,
      logDir: ctx.paths.logs,
      secrets: ctx.secrets,
      signal: opts.signal,
    });
    run.steps[id] = {
      status: o.code === 0 ? 'done' : 'failed',
      changes: o.changes.length,
      ms: o.ms,
      at: new Date().toISOString(),
    };
    if (Object.keys(o.outputs).length > 0) {
      Object.assign(ctx.secrets.outputs, o.outputs);
      saveSecrets(ctx.paths.secrets, ctx.secrets);
    }
    save();
    if (o.code !== 0) {
      progress.fail(o.label, `exit ${o.code} after ${(o.ms / 1000).toFixed(1)} s`);
      throw new LabError('STEP_FAILED', `${o.label} failed with exit code ${o.code}`, {
        hint: `Read the whole log: less ${ctx.paths.logs}/${s.node}.log   (re-run \`npm run lab:up\` to resume from this step)`,
        details: o.tail.slice(-15),
      });
    }
    const what = spec.probe ? o.states.join(' ') : `${o.changes.length} change(s)`;
    progress.ok(o.label, `${what}, ${(o.ms / 1000).toFixed(1)} s`);
    for (const reason of o.skips) progress.warn(`${s.node}: ${reason}`);
    outcomes.push(o);
  });
  return outcomes;
}

function interrupted(): LabError {
  return new LabError('INTERRUPTED', 'lab up was interrupted (Ctrl-C)', {
    hint: 'Run `npm run lab:up` again: it resumes with the steps that did not finish.',
  });
}

function decideGalera(ctx: LabContext, outcomes: StepOutcome[], rt: Runtime, progress: Progress): void {
  // Probes finish in any order; the decision's tie-break is lab order.
  const order = (o: StepOutcome) => ctx.lab.nodes.findIndex((n) => n.name === o.node);
  const probes = [...outcomes]
    .sort((a, b) => order(a) - order(b))
    .map((o) => ({
      node: o.node,
      probe: parseProbeLine(o.node, o.states.map((s) => `::lab-state ${s}`).join('\n')),
    }));
  const decision = chooseGaleraBootstrap(probes);
  rt.galeraBootstrap = decision.action === 'bootstrap' ? decision.node : undefined;
  progress.info(
    decision.action === 'bootstrap'
      ? `Galera: bootstrap ${decision.node} (${decision.reason})`
      : `Galera: no bootstrap (${decision.reason})`,
  );
}

function collect(report: UpReport, o: StepOutcome, spec: PhaseSpec): void {
  if (spec.probe) return;
  report.changes += o.changes.length;
  for (const what of o.changes) report.changed.push({ node: o.node, step: o.label, what });
  for (const reason of o.skips) report.skips.push({ node: o.node, reason });
}

/** Runs fn over items with at most `limit` at once; the first failure stops new starts and is rethrown. */
export async function inParallel<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}
