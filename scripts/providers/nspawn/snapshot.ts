// nspawn snapshots: a copy of each node's overlay upper layer, taken with the whole lab frozen at one instant.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../core/errors.ts';
import type { Lab, Node } from '../../core/model.ts';
import type { LabPaths } from '../../core/paths.ts';
import type { ProviderOptions, SnapshotSaved } from '../types.ts';
import { canFreeze, cgroupProcs, setFrozen } from './cgroups.ts';
import { run } from './exec.ts';
import { type MachineRecord, machineFiles, readRecord } from './machine.ts';
import { removeTree } from './mounts.ts';
import { powerCut, runningPid } from './power.ts';

const COPY_TIMEOUT_MS = 10 * 60_000;

/**
 * cp -a keeps what the nodes' data needs: GlusterFS's trusted.* xattrs on brick files (--preserve=xattr
 * makes a failure to copy one an error, not a silent loss), the hard links of a brick's .glusterfs
 * directory, sparse files (Galera's gcache), and overlayfs's own whiteouts and opaque-directory xattrs.
 * --reflink=auto shares the blocks where the filesystem can (btrfs, XFS) and copies where not (ext4).
 */
export function copyArgv(from: string, to: string): string[] {
  return ['cp', '-a', '--preserve=xattr', '--reflink=auto', from, to];
}

/** Where a node's layer lives in a snapshot directory. */
export function snapshotFiles(dir: string, node: string) {
  return { upper: join(dir, node, 'upper'), record: join(dir, node, 'machine.json') };
}

function isRunning(paths: LabPaths, record: MachineRecord): boolean {
  return runningPid(paths, record) !== undefined || cgroupProcs(record.cgroup).length > 0;
}

function recordsOf(paths: LabPaths, nodes: Node[]): MachineRecord[] {
  const missing = nodes.filter((n) => !existsSync(machineFiles(paths, n.name).upper));
  if (missing.length > 0)
    throw new LabError('SNAPSHOT_NO_DISK', `No disk to save for ${missing.map((n) => n.name).join(', ')}`, {
      hint: 'Bring the whole lab up first (`lab up`): a snapshot holds every node.',
    });
  return nodes.map((n) => readRecord(paths, n.name)!);
}

/**
 * Saves every node's upper layer into dir. Running nodes are frozen together (one write to the lab's
 * cgroup.freeze stops every process of every node at the same instant), so Galera and GlusterFS are
 * saved as one moment of the whole lab, page cache included, like a power cut of every machine at once
 * with nothing lost. They run on after the copy.
 */
export async function saveUppers(
  lab: Lab,
  paths: LabPaths,
  nodes: Node[],
  dir: string,
  opts: ProviderOptions = {},
): Promise<SnapshotSaved> {
  const records = recordsOf(paths, nodes);
  const running = records.filter((r) => isRunning(paths, r));
  if (running.length > 0 && !canFreeze(lab.name))
    throw new LabError('SNAPSHOT_NO_FREEZER', 'This host has no cgroup v2 freezer for the running lab', {
      hint: 'Halt the lab (`lab down`) and save the snapshot then; `lab up` brings it back.',
    });
  const tmp = `${dir}.tmp-${process.pid}`;
  await removeTree(tmp);
  for (const r of records) mkdirSync(join(tmp, r.node), { recursive: true });
  const copy = () =>
    Promise.all(
      records.map(async (r) => {
        await run(copyArgv(machineFiles(paths, r.node).upper, snapshotFiles(tmp, r.node).upper), {
          timeoutMs: COPY_TIMEOUT_MS,
          signal: opts.signal,
        });
        writeFileSync(snapshotFiles(tmp, r.node).record, `${JSON.stringify(r, null, 2)}\n`);
      }),
    );
  let pausedMs: number | undefined;
  try {
    if (running.length === 0) await copy();
    else {
      opts.onProgress?.(lab.name, `freezing ${running.length} running node(s)`);
      const t0 = Date.now();
      await setFrozen(lab.name, true);
      try {
        await copy();
      } finally {
        await setFrozen(lab.name, false);
        pausedMs = Date.now() - t0;
      }
      opts.onProgress?.(lab.name, `thawed after ${(pausedMs / 1000).toFixed(1)} s`);
    }
    renameSync(tmp, dir);
  } catch (e) {
    await removeTree(tmp);
    throw e;
  }
  const du = await run(['du', '-sb', dir], { reject: false });
  const bytes = Number(du.stdout.split('\t')[0]);
  return {
    mode: running.length > 0 ? 'frozen' : 'halted',
    bytes: Number.isFinite(bytes) ? bytes : undefined,
    pausedMs,
    leftStopped: false,
  };
}

/**
 * Puts each node's saved upper layer back. What runs now is thrown away, so each node is power-cut first
 * (its overlay unmounted); the nodes stay stopped, and `up` boots them and brings Galera back as after
 * a power cut of the whole lab.
 */
export async function restoreUppers(
  paths: LabPaths,
  nodes: Node[],
  dir: string,
  opts: ProviderOptions = {},
): Promise<void> {
  const saved = nodes.map((n) => {
    const files = snapshotFiles(dir, n.name);
    if (!existsSync(files.upper) || !existsSync(files.record))
      throw new LabError('SNAPSHOT_INCOMPLETE', `The snapshot in ${dir} holds no disk of ${n.name}`, {
        hint: 'The lab file gained a node since the snapshot: take a new one, or restore a lab of the same nodes.',
      });
    return JSON.parse(readFileSync(files.record, 'utf8')) as MachineRecord;
  });
  for (const r of saved) {
    if (!existsSync(r.lowerdir))
      throw new LabError(
        'NSPAWN_IMAGE_GONE',
        `${r.node} was saved on the image ${r.lowerdir}, which no longer exists`,
        {
          hint: 'The image cache was cleared since the snapshot: it cannot be restored.',
        },
      );
  }
  await Promise.all(
    saved.map(async (r) => {
      const current = readRecord(paths, r.node);
      if (current) {
        opts.onProgress?.(r.node, 'power cut (its disk is replaced)');
        await powerCut(paths, current);
      }
      const files = machineFiles(paths, r.node);
      await removeTree(files.upper);
      await removeTree(files.work);
      mkdirSync(files.dir, { recursive: true });
      await run(copyArgv(snapshotFiles(dir, r.node).upper, files.upper), {
        timeoutMs: COPY_TIMEOUT_MS,
        signal: opts.signal,
      });
      mkdirSync(files.work, { recursive: true });
      // The record names the image the saved layer sits on.
      writeFileSync(
        files.record,
        `${JSON.stringify({ ...(current ?? r), lowerdir: r.lowerdir }, null, 2)}\n`,
      );
      opts.onProgress?.(r.node, 'disk restored');
    }),
  );
}
