// nspawn snapshots: a copy of each node's overlay upper layer, finished with the whole lab frozen at one instant.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LabError } from '../../core/errors.ts';
import { type Lab, type Node, nodesWithRole } from '../../core/model.ts';
import type { LabPaths } from '../../core/paths.ts';
import type { SnapshotRestoreOptions, SnapshotSaved, SnapshotSaveOptions } from '../types.ts';
import { canFreeze, cgroupProcs, freezeInSteps, fuseServerCgroups, setFrozen } from './cgroups.ts';
import { run } from './exec.ts';
import { type MachineRecord, machineFiles, readRecord } from './machine.ts';
import { removeTree } from './mounts.ts';
import { powerCut, runningPid } from './power.ts';
import { forgetRestored, markRestored, restoredSince, syncChanged } from './resync.ts';

const COPY_TIMEOUT_MS = 10 * 60_000;
/** What every copy of a layer keeps, and how it compares mtimes (syncArgv says why). */
const KEEP = ['-aHAXS', '--numeric-ids', '--modify-window=-1'];

/** rsync and the options of every copy, without the two directories. */
const KEEP_ARGV = ['rsync', ...KEEP];

/** rsync's exit codes for files that changed or vanished under a copy of a running node: pass 2 fixes them. */
const LIVE_COPY_CODES = [23, 24];
/**
 * A file written since this long before pass 1 began is copied again in pass 2, whatever its size and
 * mtime say: file times come from a coarse clock (a jiffy), so an in-place write of the same size (an
 * InnoDB page) right after pass 1 read the file can leave its mtime as pass 1 copied it.
 */
const HOT_MARGIN_MS = 2000;

/**
 * Pass 2 of a snapshot of a running lab, with it frozen: every file (not directory) whose inode changed
 * since `since` (ctime: a write, a chmod, a rename) is taken out of the copy, then rsync's own comparison
 * copies it again in full, with whatever else is new, deleted or of another size or mtime. Taking it out
 * first is what keeps pass 1's hard links into earlier snapshots safe: rsync changes a file's mode or
 * owner in place, which on a linked inode would change the earlier snapshot too.
 */
export async function catchUp(
  from: string,
  to: string,
  since: number,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const list = `${to}.hot`;
  try {
    const at = `@${Math.floor(since / 1000)}`;
    // Paths relative to `from`, NUL-separated.
    await run(['find', from, '-xdev', '!', '-type', 'd', '-newerct', at, '-fprintf', list, '%P\\0'], opts);
    const top = realpathSync(to);
    for (const path of readFileSync(list, 'utf8').split('\0')) {
      if (path !== '') takeOut(top, path);
    }
  } finally {
    rmSync(list, { force: true });
  }
  await run(syncArgv(from, to), opts);
}

/**
 * Unlinks `path` from the copy under `top` unless it is a directory, or its directory is no longer one
 * of the copy's own (a container's symlink there points at the host's files).
 */
function takeOut(top: string, path: string): void {
  const copied = join(top, path);
  let parent: string;
  try {
    parent = realpathSync(dirname(copied));
  } catch {
    return;
  }
  if (parent !== top && !parent.startsWith(`${top}/`)) return;
  const inCopy = join(parent, basename(copied));
  if (lstatSync(inCopy, { throwIfNoEntry: false })?.isDirectory() === false) unlinkSync(inCopy);
}

/**
 * Writes a file into a restored upper layer, only where the layer holds its directory as a directory of
 * its own: a directory made in the upper would hide the lower one's owner and mode (/var/lib/mysql is
 * the mysql user's), and a container's symlink on the way would lead out to the host's files.
 */
export function leaveFile(upper: string, path: string, content: string): boolean {
  const top = realpathSync(upper);
  const wanted = join(top, path);
  let parent: string;
  try {
    parent = realpathSync(dirname(wanted));
  } catch {
    return false;
  }
  if (parent !== dirname(wanted) || !parent.startsWith(`${top}/`)) return false;
  if (lstatSync(wanted, { throwIfNoEntry: false })?.isFile() === false) return false;
  writeFileSync(wanted, content, { mode: 0o644 });
  return true;
}

/**
 * How a layer is copied, both ways. A save copies the bulk while the lab runs and what changed since
 * with it frozen; a restore brings the node's layer back to the saved one in place. rsync skips what did not change
 * since the save (a web node's 25,000 Nextcloud files, the packages), compared by size and mtime to the
 * nanosecond, copies the rest and deletes what the save did not have. It keeps what cp -a keeps (-H hard
 * links, -A ACLs, -X xattrs, trusted.* included as root, -S holes, devices: overlayfs's whiteouts) with
 * the numeric owners the container's files have. On full-ha this took the disks of a reset from 9 to
 * 2.7 s. A save gives `linkDest`, the node's layers in earlier snapshots: a file one of them holds as it
 * is (size, mtime, mode, owner, xattrs) is hard-linked from there, not copied. Nothing writes into a
 * finished snapshot (a restore only reads it, and rsync replaces a file it copies by a rename), so the
 * snapshots can share those inodes; catchUp keeps rsync's in-place changes of a mode off them.
 */
export function syncArgv(from: string, to: string, linkDest: string[] = []): string[] {
  return ['rsync', ...KEEP, '--delete', ...linkDest.map((d) => `--link-dest=${d}`), `${from}/`, `${to}/`];
}

/** rsync's limit on --link-dest directories. */
const MAX_LINK_DESTS = 20;

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
 * Saves every node's upper layer into dir. Of a running lab, the bulk is copied while it runs (pass 1);
 * then its nodes are frozen together (freezeInSteps: a web node's GlusterFS client after its users, the
 * bricks last) and only what changed is copied (pass 2), so Galera and GlusterFS are saved as one moment
 * of the whole lab, page cache included, like a power cut of every machine at once with nothing lost.
 * They run on after it. A freeze as long as the whole copy (6-10 s on full-ha) split Galera into
 * non-Primary components on the thaw: past its 5 s evs.suspect_timeout, each node suspected the others.
 */
export async function saveUppers(
  lab: Lab,
  paths: LabPaths,
  nodes: Node[],
  dir: string,
  opts: SnapshotSaveOptions = {},
): Promise<SnapshotSaved> {
  const records = recordsOf(paths, nodes);
  const running = records.filter((r) => isRunning(paths, r));
  if (running.length > 0 && !canFreeze(lab.name))
    throw new LabError('SNAPSHOT_NO_FREEZER', 'This host has no cgroup v2 freezer for the running lab', {
      hint: 'Halt the lab (`lab down`) and save the snapshot then; `lab up` brings it back.',
    });
  // What a save that never finished left in dir goes; a finished snapshot there is replaced at the end.
  const earlier = opts.earlier ?? [];
  if (existsSync(dir) && !earlier.includes(dir)) await removeTree(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  await removeTree(tmp);
  for (const r of records) mkdirSync(join(tmp, r.node), { recursive: true });
  const each = (f: (from: string, to: string, node: string) => Promise<unknown>) =>
    Promise.all(
      records.map((r) => f(machineFiles(paths, r.node).upper, snapshotFiles(tmp, r.node).upper, r.node)),
    );
  const linkDest = (node: string) =>
    earlier
      .map((d) => snapshotFiles(d, node).upper)
      .filter((d) => existsSync(d))
      .slice(0, MAX_LINK_DESTS);
  const runOpts = { timeoutMs: COPY_TIMEOUT_MS, signal: opts.signal };
  let pausedMs: number | undefined;
  try {
    if (running.length === 0)
      await each((from, to, node) => run(syncArgv(from, to, linkDest(node)), runOpts));
    else {
      // Pass 1, the lab running: the bulk of every layer, with some files changing under the copy.
      const since = Date.now() - HOT_MARGIN_MS;
      await each(async (from, to, node) => {
        const r = await run(syncArgv(from, to, linkDest(node)), { ...runOpts, reject: false });
        if (r.code !== 0 && !LIVE_COPY_CODES.includes(r.code))
          throw new LabError('SNAPSHOT_COPY', `Copying ${from} failed (rsync exit ${r.code})`, {
            details: r.stderr.trim().split('\n').slice(-5),
          });
      });
      opts.onProgress?.(lab.name, `freezing ${running.length} running node(s)`);
      const t0 = Date.now();
      // The nodes a FUSE mount is served from (GlusterFS bricks) stay running until its client is frozen.
      const bricks = new Set(
        [...nodesWithRole(lab, 'storage'), ...nodesWithRole(lab, 'storage-arbiter')].map((n) => n.name),
      );
      const backends = records.filter((r) => bricks.has(r.node)).map((r) => r.cgroup);
      await freezeInSteps(lab.name, fuseServerCgroups(lab.name), backends);
      try {
        // Pass 2, frozen: only what changed since pass 1 began.
        await each((from, to) => catchUp(from, to, since, runOpts));
      } finally {
        await setFrozen(lab.name, false);
        pausedMs = Date.now() - t0;
      }
      opts.onProgress?.(lab.name, `thawed after ${(pausedMs / 1000).toFixed(1)} s`);
    }
    for (const r of records)
      writeFileSync(snapshotFiles(tmp, r.node).record, `${JSON.stringify(r, null, 2)}\n`);
    const replaced = `${dir}.replaced-${process.pid}`;
    if (existsSync(dir)) renameSync(dir, replaced);
    renameSync(tmp, dir);
    await removeTree(replaced);
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
  opts: SnapshotRestoreOptions = {},
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
      await removeTree(files.work);
      mkdirSync(files.upper, { recursive: true });
      const from = snapshotFiles(dir, r.node).upper;
      const runOpts = { timeoutMs: COPY_TIMEOUT_MS, signal: opts.signal };
      // Back to the copy it was last restored from: only what changed since (resync.ts).
      const since = restoredSince(files.dir, realpathSync(from));
      forgetRestored(files.dir);
      const synced =
        since === undefined ? null : await syncChanged(from, files.upper, since, KEEP_ARGV, runOpts);
      if (synced === null) await run(syncArgv(from, files.upper), runOpts);
      // Before anything else writes into the layer: the files below, the boot.
      markRestored(files.dir, realpathSync(from));
      for (const f of opts.files?.[r.node] ?? []) leaveFile(files.upper, f.path, f.content);
      mkdirSync(files.work, { recursive: true });
      // The record names the image the saved layer sits on.
      writeFileSync(
        files.record,
        `${JSON.stringify({ ...(current ?? r), lowerdir: r.lowerdir }, null, 2)}\n`,
      );
      opts.onProgress?.(
        r.node,
        synced === null
          ? 'disk restored (the whole layer compared)'
          : `disk restored (${synced} path(s) changed since its last restore of this snapshot)`,
      );
    }),
  );
}
