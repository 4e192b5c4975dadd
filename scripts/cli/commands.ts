// One function per `lab` command: calls the core, prints results to stdout, returns an exit code.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CHECKS } from '../checks/index.ts';
import { runChecks } from '../checks/run.ts';
import { EXIT, LabError } from '../core/errors.ts';
import { formatProblem, frontAddress, loadLabFile, nodeByName } from '../core/model.ts';
import { labPaths } from '../core/paths.ts';
import type { Progress } from '../core/progress.ts';
import { type LabContext, openLab } from '../engine/context.ts';
import { provisionHash } from '../engine/provision.ts';
import { readSnapshot, UP_SNAPSHOT, upSnapshotPlan } from '../engine/snapshots.ts';
import { up } from '../engine/up.ts';
import type { Args } from './args.ts';
import { requireNode } from './node-ref.ts';
import { checkProgress, statusText, verifyText } from './print.ts';

type Out = (text: string) => void;

export async function render(args: Args, progress: Progress, out: Out): Promise<number> {
  const { lab, warnings } = loadLabFile(args.lab);
  for (const w of warnings) progress.warn(formatProblem(w));
  const { writeVagrantfile } = await import('../core/render.ts');
  const { resolveLibvirtDriver } = await import('../providers/vagrant/preflight.ts');
  const file = writeVagrantfile(lab, labPaths(lab.name), {
    libvirtDriver: (await resolveLibvirtDriver(lab)).driver,
  });
  progress.ok(`lab ${lab.name} is valid`, `${lab.nodes.length} nodes`);
  out(args.json ? JSON.stringify({ ok: true, lab: lab.name, vagrantfile: file, warnings }) : file);
  return EXIT.ok;
}

export async function withLab(args: Args, fn: (ctx: LabContext) => Promise<number>): Promise<number> {
  const ctx = await openLab({ lab: args.lab, provider: args.provider });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

export async function upCommand(
  ctx: LabContext,
  args: Args,
  progress: Progress,
  out: Out,
  signal: AbortSignal,
): Promise<number> {
  for (const w of ctx.warnings) progress.warn(formatProblem(w));
  progress.phase('preflight', ctx.provider.name);
  const checks = await ctx.provider.preflight(ctx.lab);
  const blocking = checks.filter((c) => !c.ok && !c.warning);
  for (const c of checks) {
    if (c.ok) progress.ok(c.message);
    else (c.warning ? progress.warn : progress.fail)(c.message, c.hint);
  }
  if (blocking.length > 0) {
    throw new LabError('PREFLIGHT', `The host is not ready for lab ${ctx.lab.name} on ${ctx.provider.name}`, {
      hint: blocking.map((c) => c.hint ?? c.message).join('\n'),
      details: blocking.map((c) => c.message),
    });
  }
  const report = await up(ctx, progress, { only: args.only, machinesOnly: args.machinesOnly, signal });
  const snapshot = await upSnapshot(ctx, args, report.nodes.length, progress, signal);
  if (args.json) out(JSON.stringify({ ok: true, ...report, snapshot }));
  else {
    const front = frontAddress(ctx.lab);
    out(
      `lab ${ctx.lab.name} is up: ${report.nodes.length} node(s), ${report.changes} change(s) in ${(report.ms / 1000).toFixed(1)} s${report.changes === 0 && !args.machinesOnly ? ' (already as described)' : ''}`,
    );
    for (const s of report.skips) out(`  note: ${s.node}: ${s.reason}`);
    if (front && report.nodes.some((n) => nodeByName(ctx.lab, n).roles.includes('lb')))
      out(`  open https://${front}/ (trust ${ctx.paths.root}/ca.crt); passwords: npm run lab:creds`);
  }
  return EXIT.ok;
}

// The snapshot `lab reset` returns to: taken by `up --snapshot` when it finishes on the whole lab. Not by
// default: the lab is frozen while its disks are copied, and on full-ha with Nextcloud that took 10 s,
// after which both lbs marked both web nodes DOWN for a few seconds (the checks' time jumped).
async function upSnapshot(
  ctx: LabContext,
  args: Args,
  selected: number,
  progress: Progress,
  signal: AbortSignal,
): Promise<{ taken: boolean; reason: string; ms?: number }> {
  const plan = upSnapshotPlan(
    readSnapshot(ctx.paths, UP_SNAPSHOT),
    ctx.lab,
    {
      only: args.only,
      selected,
      machinesOnly: args.machinesOnly,
      noSnapshot: args.noSnapshot,
    },
    provisionHash(),
  );
  if (!plan.take) {
    progress.info(`snapshot ${UP_SNAPSHOT}: not taken (${plan.reason})`);
    return { taken: false, reason: plan.reason };
  }
  progress.phase('snapshot', `${UP_SNAPSHOT} (${plan.reason}): \`lab reset\` returns here`);
  const { saveSnapshot } = await import('./snapshot.ts');
  const meta = await saveSnapshot(ctx, UP_SNAPSHOT, progress, signal);
  progress.ok(`snapshot ${UP_SNAPSHOT}`, `${(meta.ms / 1000).toFixed(1)} s`);
  return { taken: true, reason: plan.reason, ms: meta.ms };
}

export async function verifyCommand(
  ctx: LabContext,
  args: Args,
  progress: Progress,
  out: Out,
): Promise<number> {
  if (args.grade) return (await import('./grade.ts')).gradeCommand(ctx, args, progress, out);
  const report = await runChecks(ctx, ALL_CHECKS, { onResult: checkProgress(progress) });
  out(args.json ? JSON.stringify(report, null, 2) : verifyText(report));
  return report.ok ? EXIT.ok : EXIT.failed;
}

export async function statusCommand(ctx: LabContext, args: Args, out: Out): Promise<number> {
  const status = await ctx.provider.status();
  const nodes = ctx.lab.nodes.map((n) => ({
    ...(status.find((s) => s.name === n.name) ?? { name: n.name, state: 'unknown' as const }),
    ip: n.ip,
    roles: n.roles,
  }));
  out(
    args.json
      ? JSON.stringify({ lab: ctx.lab.name, provider: ctx.provider.name, nodes })
      : statusText(ctx.lab.name, ctx.provider.name, nodes),
  );
  return EXIT.ok;
}

export async function downCommand(ctx: LabContext, progress: Progress): Promise<number> {
  const running = await ctx.running();
  await Promise.all(
    ctx.lab.nodes
      .filter((n) => running.has(n.name))
      .map(async (n) => {
        ctx.remote.drop(n.name);
        await ctx.provider.halt(n, { force: false });
        progress.ok(n.name, 'halted');
      }),
  );
  return EXIT.ok;
}

export async function destroyCommand(ctx: LabContext, progress: Progress, out: Out): Promise<number> {
  await ctx.remote.close();
  await ctx.provider.destroy({ onProgress: (node, msg) => progress.info(`${node}: ${msg}`) });
  // Drill reports are the user's results: they stay. Everything else the tool made goes.
  for (const name of [
    'state.json',
    'secrets.json',
    'nextcloud-archive.json',
    'logs',
    'ssh',
    'tls',
    'machines',
    'snapshots',
    'ca.crt',
    'Vagrantfile',
    '.vagrant',
  ]) {
    rmSync(join(ctx.paths.root, name), { recursive: true, force: true });
  }
  out(`lab ${ctx.lab.name} destroyed`);
  return EXIT.ok;
}

export async function credsCommand(ctx: LabContext, args: Args, out: Out): Promise<number> {
  const admin = ctx.lab.nextcloud?.admin_user ?? 'admin';
  if (args.json) out(JSON.stringify({ nextcloudAdmin: admin, ...ctx.secrets.values }));
  else {
    out(`Nextcloud admin: ${admin} / ${ctx.secrets.values.NEXTCLOUD_ADMIN_PASSWORD}`);
    out(`HAProxy stats (:8404/stats): admin / ${ctx.secrets.values.HAPROXY_STATS_PASSWORD}`);
    for (const [k, v] of Object.entries(ctx.secrets.values)) out(`  ${k}=${v}`);
  }
  return EXIT.ok;
}

export async function haltCommand(ctx: LabContext, args: Args, progress: Progress): Promise<number> {
  const node = nodeByName(ctx.lab, await requireNode(ctx, args));
  ctx.remote.drop(node.name);
  const t0 = Date.now();
  await ctx.provider.halt(node, { force: args.force });
  progress.ok(
    node.name,
    `${args.force ? 'power cut' : 'halted'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return EXIT.ok;
}

export async function startCommand(ctx: LabContext, args: Args, progress: Progress): Promise<number> {
  const node = nodeByName(ctx.lab, await requireNode(ctx, args));
  const t0 = Date.now();
  await ctx.provider.start(node);
  progress.ok(node.name, `started, SSH answers after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return EXIT.ok;
}
