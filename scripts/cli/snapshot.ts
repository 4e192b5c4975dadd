// `lab snapshot save|restore|list|delete NAME` and `lab reset`: the provider keeps the disks, this the records.
import { rmSync } from 'node:fs';
import { ALL_CHECKS } from '../checks/index.ts';
import { runChecks, type VerifyReport } from '../checks/run.ts';
import { EXIT, LabError } from '../core/errors.ts';
import type { Node } from '../core/model.ts';
import type { Progress } from '../core/progress.ts';
import type { LabContext } from '../engine/context.ts';
import { selectSomeNodes } from '../engine/plan.ts';
import { provisionHash } from '../engine/provision.ts';
import {
  labHash,
  listSnapshots,
  provisionReason,
  readSnapshot,
  recoveredPosition,
  restoreProblem,
  type SnapshotMeta,
  snapshotDir,
  snapshotName,
  snapshotNodes,
  startPositionFiles,
  UP_SNAPSHOT,
  writeSnapshot,
} from '../engine/snapshots.ts';
import { up } from '../engine/up.ts';
import { warmStart } from '../engine/warm.ts';
import type { Args } from './args.ts';
import { checkProgress, verifyText } from './print.ts';

type Out = (text: string) => void;

const ACTIONS = ['save', 'restore', 'list', 'delete'] as const;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes?: number) => (bytes === undefined ? '?' : `${(bytes / 1048576).toFixed(0)} MiB`);

const how = (r: { provisioned: boolean }) =>
  r.provisioned ? 'every role provisioned again' : 'booted: its services came back by themselves';

export interface Restored {
  /** From the command's start until the lab was back up (the verify not included). */
  ms: number;
  restoreMs: number;
  provisioned: boolean;
  why?: string;
  /** The verify that ended the restore, unless it was left out (`--no-verify`). */
  verify?: VerifyReport;
  verifyMs?: number;
}

/** The line a restore or reset ends with, and whether the lab it left verified. */
function restoredText(what: string, r: Restored): string {
  const back = `${what} in ${seconds(r.ms)} (disks ${seconds(r.restoreMs)}, ${how(r)})`;
  if (!r.verify) return `${back}; \`lab verify\` checks it`;
  const passed = r.verify.checks.filter((c) => c.status === 'pass').length;
  return `${verifyText(r.verify)}\n${back}, ${r.verify.ok ? 'verified' : 'NOT verified'} in ${seconds(r.verifyMs ?? 0)} (${passed} checks pass)`;
}

const onProgress = (progress: Progress) => (node: string, msg: string) => progress.info(`${node}: ${msg}`);

/**
 * Saves the lab under name (replacing an older one of that name), or with `only` the part of it with
 * those roles (a lab brought up with `up --only`); up again when the provider halted it.
 */
export async function saveSnapshot(
  ctx: LabContext,
  name: string,
  progress: Progress,
  signal?: AbortSignal,
  only?: string[],
): Promise<SnapshotMeta> {
  const nodes = selectSomeNodes(ctx.lab, only);
  // A snapshot holds every node it names: one never brought up has no disk to save.
  const absent = new Set(
    (await ctx.provider.status()).filter((s) => s.state === 'absent').map((s) => s.name),
  );
  const missing = nodes.filter((n) => absent.has(n.name)).map((n) => n.name);
  if (missing.length > 0)
    throw new LabError(
      'SNAPSHOT_ABSENT',
      `Cannot save snapshot ${name} of lab ${ctx.lab.name}: ${missing.join(', ')} ${missing.length === 1 ? 'was' : 'were'} never brought up`,
      {
        hint: only
          ? `\`lab up --only ${only.join(',')}\` brings them up first.`
          : '`lab up` brings them up first, or `lab snapshot save NAME --only ROLES` saves the part that is up (the roles `lab up --only` was given).',
      },
    );
  const t0 = Date.now();
  const dir = snapshotDir(ctx.paths, name);
  // The provider replaces a snapshot of this name; the others it may share unchanged files with.
  const finished = listSnapshots(ctx.paths).reverse();
  const earlier = [
    ...finished.filter((m) => m.name === name),
    ...finished.filter((m) => m.name !== name),
  ].map((m) => snapshotDir(ctx.paths, m.name));
  for (const n of nodes) ctx.remote.drop(n.name);
  const saved = await ctx.provider.snapshotSave(nodes, name, dir, {
    signal,
    onProgress: onProgress(progress),
    earlier,
  });
  const meta: SnapshotMeta = {
    name,
    lab: ctx.lab.name,
    provider: ctx.provider.name,
    created: new Date().toISOString(),
    nodes: nodes.map((n) => n.name),
    ...(only ? { only } : {}),
    mode: saved.mode,
    bytes: saved.bytes,
    ms: Date.now() - t0,
    pausedMs: saved.pausedMs,
    labHash: labHash(ctx.lab),
    provision: provisionHash(),
  };
  writeSnapshot(ctx.paths, meta);
  if (saved.leftStopped) {
    progress.info('the machines were halted for the snapshot: bringing the lab back up');
    await up(ctx, progress, { signal, only });
  }
  return meta;
}

/**
 * Restores a snapshot onto the lab and brings it up: booted, when its services come back by themselves
 * and it was taken with this lab file and provision/ (warm.ts); else, or with `provision`, every role
 * provisioned again as `lab up` does (Galera re-bootstrapped as after a power cut).
 */
export async function restoreSnapshot(
  ctx: LabContext,
  name: string,
  progress: Progress,
  signal?: AbortSignal,
  opts: { provision?: boolean; verify?: boolean } = {},
): Promise<Restored> {
  const provision = opts.provision ?? false;
  const meta = readSnapshot(ctx.paths, name);
  if (!meta) {
    const known = listSnapshots(ctx.paths).map((m) => m.name);
    throw new LabError('SNAPSHOT_MISSING', `Lab ${ctx.lab.name} has no snapshot '${name}'`, {
      hint:
        name === UP_SNAPSHOT
          ? '`lab up --snapshot` takes it when it finishes on the whole lab; `lab snapshot save up` takes it now.'
          : `Its snapshots: ${known.length ? known.join(', ') : 'none'} (\`lab snapshot list\`).`,
    });
  }
  const problem = restoreProblem(meta, ctx.lab, ctx.provider.name);
  if (problem)
    throw new LabError(
      'SNAPSHOT_MISMATCH',
      `Snapshot '${name}' does not fit lab ${ctx.lab.name}: ${problem}`,
      {
        hint: 'Restore it with the lab file and provider it was taken with, or take a new one.',
      },
    );
  const t0 = Date.now();
  const nodes = snapshotNodes(ctx.lab, meta);
  let why = provision ? '--provision' : provisionReason(meta, ctx.lab, provisionHash());
  for (const n of nodes) ctx.remote.drop(n.name);
  await ctx.provider.snapshotRestore(nodes, name, snapshotDir(ctx.paths, name), {
    signal,
    onProgress: onProgress(progress),
    // Only a boot of the snapshot's own provision/ (the one that reads them) gets the positions.
    files: why ? undefined : startPositionFiles(meta, nodes),
  });
  const restoreMs = Date.now() - t0;
  progress.ok(`disks of snapshot ${name} back`, seconds(restoreMs));
  if (!why) {
    const warm = await warmStart(ctx, progress, nodes, signal);
    if (warm.ready) {
      if (!meta.galeraStart) await recordStartPositions(ctx, progress, meta, nodes);
      const back = { ms: Date.now() - t0, restoreMs, provisioned: false };
      return opts.verify ? { ...back, ...(await verifyRestored(ctx, progress, signal, warm.elected)) } : back;
    }
    why = `it did not come back by itself (${warm.reason})`;
  }
  progress.info(`provisioning every role as \`lab up\` does: ${why}`);
  await up(ctx, progress, { signal, only: meta.only });
  const back = { ms: Date.now() - t0, restoreMs, provisioned: true, why };
  return opts.verify ? { ...back, ...(await verifyRestored(ctx, progress, signal)) } : back;
}

/**
 * The verify a restore ends with, in the process that brought the lab back: its SSH connections are
 * open and the checks of what the boot elects passed a moment ago (the agree phase), so those are
 * taken as they are. Run as a second command, it logged in to every node again and ran them twice:
 * 2-3 s more on full-ha.
 */
async function verifyRestored(
  ctx: LabContext,
  progress: Progress,
  signal?: AbortSignal,
  elected?: VerifyReport,
): Promise<{ verify: VerifyReport; verifyMs: number }> {
  const t0 = Date.now();
  progress.phase('verify', 'every check of `lab verify`');
  const verify = await runChecks(ctx, ALL_CHECKS, {
    onResult: checkProgress(progress),
    signal,
    passed: elected?.checks,
  });
  return { verify, verifyMs: Date.now() - t0 };
}

/**
 * After the first warm boot of a snapshot: the position each Galera node's restored disk recovered to,
 * from its mariadb journal, kept in the snapshot's record for the next restore. Any node without one
 * (galera_recovery ran twice, or not at all) leaves the record as it was.
 */
async function recordStartPositions(
  ctx: LabContext,
  progress: Progress,
  meta: SnapshotMeta,
  nodes: Node[],
): Promise<void> {
  const dbs = nodes.filter((n) => n.roles.includes('db'));
  if (dbs.length < 2) return;
  const found = await Promise.all(
    dbs.map(async (n) => {
      const r = await ctx.remote.exec(
        n.name,
        ['journalctl', '-b', '-u', 'mariadb', '-o', 'cat', '--no-pager'],
        {
          timeoutMs: 15_000,
        },
      );
      return [n.name, r.code === 0 ? recoveredPosition(r.stdout) : undefined] as const;
    }),
  );
  const missing = found.filter(([, pos]) => !pos).map(([node]) => node);
  if (missing.length > 0) {
    progress.info(`start positions not recorded: none read off ${missing.join(', ')}`);
    return;
  }
  writeSnapshot(ctx.paths, { ...meta, galeraStart: Object.fromEntries(found) as Record<string, string> });
  progress.info(
    `start positions recorded: the next restore of ${meta.name} starts Galera without a --wsrep-recover run`,
  );
}

function listText(lab: string, metas: SnapshotMeta[]): string {
  if (metas.length === 0) return `lab ${lab} has no snapshots`;
  const width = Math.max(...metas.map((m) => m.name.length), 4);
  return [
    `snapshots of lab ${lab}`,
    `  ${'name'.padEnd(width)}  ${'taken'.padEnd(24)} ${'how'.padEnd(7)} ${'size'.padStart(9)}  took`,
    ...metas.map(
      (m) =>
        `  ${m.name.padEnd(width)}  ${m.created.padEnd(24)} ${m.mode.padEnd(7)} ${mib(m.bytes).padStart(9)}  ${seconds(m.ms)}${m.pausedMs === undefined ? '' : ` (paused ${seconds(m.pausedMs)})`}${m.only ? `  (--only ${m.only.join(',')})` : ''}${m.name === UP_SNAPSHOT ? '  <- lab reset' : ''}`,
    ),
  ].join('\n');
}

export async function snapshotCommand(
  ctx: LabContext,
  args: Args,
  progress: Progress,
  out: Out,
  signal: AbortSignal,
): Promise<number> {
  const action = args.rest[0] ?? 'list';
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new LabError('USAGE', `snapshot takes ${ACTIONS.join(', ')}, not '${action}'`, {
      hint: 'npm run lab -- help snapshot',
    });
  if (args.only && action !== 'save')
    throw new LabError('USAGE', `--only goes with snapshot save, not ${action}`, {
      hint: 'A snapshot saved with --only restores and deletes that part by itself.',
    });
  if (args.provision && action !== 'restore')
    throw new LabError('USAGE', `--provision goes with snapshot restore, not ${action}`, {
      hint: 'npm run lab -- help snapshot',
    });
  if (action === 'list') {
    const metas = listSnapshots(ctx.paths);
    out(args.json ? JSON.stringify({ lab: ctx.lab.name, snapshots: metas }) : listText(ctx.lab.name, metas));
    return EXIT.ok;
  }
  const name = snapshotName(args.rest[1], action);
  if (action === 'save') {
    if (readSnapshot(ctx.paths, name) && !args.force)
      throw new LabError('USAGE', `Lab ${ctx.lab.name} already has a snapshot '${name}'`, {
        hint: `\`lab snapshot save ${name} --force\` replaces it, or choose another name.`,
      });
    const meta = await saveSnapshot(ctx, name, progress, signal, args.only);
    out(
      args.json
        ? JSON.stringify({ ok: true, ...meta })
        : `snapshot ${name} of lab ${ctx.lab.name} saved in ${seconds(meta.ms)} (${meta.mode}${meta.pausedMs === undefined ? '' : ` ${seconds(meta.pausedMs)}`}, ${mib(meta.bytes)})`,
    );
    return EXIT.ok;
  }
  if (action === 'restore') {
    const r = await restoreSnapshot(ctx, name, progress, signal, {
      provision: args.provision,
      verify: !args.noVerify,
    });
    out(
      args.json
        ? JSON.stringify({ ok: r.verify?.ok ?? true, name, ...r })
        : restoredText(`lab ${ctx.lab.name} restored to snapshot ${name}`, r),
    );
    return (r.verify?.ok ?? true) ? EXIT.ok : EXIT.failed;
  }
  const meta = readSnapshot(ctx.paths, name);
  if (!meta)
    throw new LabError('SNAPSHOT_MISSING', `Lab ${ctx.lab.name} has no snapshot '${name}'`, {
      hint: '`lab snapshot list` shows its snapshots.',
    });
  const held = new Set(meta.nodes);
  await ctx.provider.snapshotDelete(
    ctx.lab.nodes.filter((n) => held.has(n.name)),
    name,
    snapshotDir(ctx.paths, name),
  );
  rmSync(snapshotDir(ctx.paths, name), { recursive: true, force: true });
  out(
    args.json
      ? JSON.stringify({ ok: true, deleted: name })
      : `snapshot ${name} of lab ${ctx.lab.name} deleted`,
  );
  return EXIT.ok;
}

/** `lab reset`: back to the snapshot `up` took when it first finished, and verified. */
export async function resetCommand(
  ctx: LabContext,
  args: Args,
  progress: Progress,
  out: Out,
  signal: AbortSignal,
): Promise<number> {
  const r = await restoreSnapshot(ctx, UP_SNAPSHOT, progress, signal, {
    provision: args.provision,
    verify: !args.noVerify,
  });
  out(
    args.json
      ? JSON.stringify({ ok: r.verify?.ok ?? true, name: UP_SNAPSHOT, ...r })
      : restoredText(`lab ${ctx.lab.name} reset to its up snapshot`, r),
  );
  return (r.verify?.ok ?? true) ? EXIT.ok : EXIT.failed;
}
