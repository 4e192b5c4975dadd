import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BIG_FILE_BYTES,
  CHANGE_MARGIN_MS,
  changedRoots,
  forgetRestored,
  markRestored,
  parseFound,
  restoredSince,
  syncChanged,
} from '../../../scripts/providers/nspawn/resync.ts';
import { syncArgv } from '../../../scripts/providers/nspawn/snapshot.ts';

const KEEP = syncArgv('a', 'b').slice(0, -3);
/** rsync's options of a restore, without the program and the two directories. */
const OPTS = syncArgv('a', 'b').slice(1, -2);
const root = process.getuid?.() === 0;
// trusted.* xattrs (GlusterFS's) need root, and setfattr (package attr).
const xattrs = root && execFileSync('sh', ['-c', 'command -v setfattr || true']).length > 0;
const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'lab-resync-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** What a whole-tree rsync would still change: nothing, when `to` is `from` again. */
const differences = (from: string, to: string) =>
  execFileSync('rsync', [...OPTS, '-n', '-i', `${from}/`, `${to}/`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);

const put = (root: string, path: string, content: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
};

describe('which paths a restore syncs again', () => {
  it('lists each change once: a changed directory takes everything below it', () => {
    const found = parseFound(
      'd etc\0f etc/hostname\0f var/lib/mysql/ibdata1\0d var/tmp/x\0f var/tmp/x/y\0c var/tmp/x/z\0l root/l\0',
    );
    expect(changedRoots(found)).toEqual(['etc', 'root/l', 'var/lib/mysql/ibdata1', 'var/tmp/x']);
    // A directory named like a prefix is not a parent.
    expect(changedRoots(parseFound('d var/lib\0f var/library/x\0'))).toEqual(['var/lib', 'var/library/x']);
    expect(changedRoots([])).toEqual([]);
    // The layer's top changed: the caller compares it whole.
    expect(changedRoots(parseFound('d \0f etc/x\0'))).toBeNull();
  });
});

describe('the mark of the last restore', () => {
  it('holds for the same copy of the snapshot only, and not across a clock stepped back', () => {
    const machine = scratch();
    const from = join(scratch(), 'upper');
    mkdirSync(from);
    expect(restoredSince(machine, from)).toBeUndefined();
    markRestored(machine, from, 1000);
    expect(restoredSince(machine, from, 2000)).toBe(1000);
    expect(restoredSince(machine, from, 500)).toBeUndefined();
    expect(restoredSince(machine, `${from}-other`, 2000)).toBeUndefined();
    // The snapshot saved again: a new directory renamed into place.
    renameSync(from, `${from}-old`);
    mkdirSync(from);
    expect(restoredSince(machine, from, 2000)).toBeUndefined();
    markRestored(machine, from, 1000);
    forgetRestored(machine);
    expect(restoredSince(machine, from, 2000)).toBeUndefined();
  });
});

describe('syncing only what changed since the last restore', () => {
  const opts = { timeoutMs: 60_000 };

  it('brings back exactly the snapshot, whatever changed: files, trees, modes, links, times', async () => {
    const snap = join(scratch(), 'snap');
    const layer = join(scratch(), 'layer');
    put(snap, 'etc/hostname', 'node\n');
    put(snap, 'etc/untouched.conf', 'same\n');
    put(snap, 'var/lib/mysql/ibdata1', 'pages-v1');
    put(snap, 'var/lib/mysql/grastate.dat', 'seqno: 5\n');
    // A sparse file as Galera's gcache is: long, a little data at each end.
    const gcache = join(snap, 'var/lib/mysql/galera.cache');
    writeFileSync(gcache, 'head');
    truncateSync(gcache, BIG_FILE_BYTES * 2);
    appendFileSync(gcache, 'tail');
    put(snap, 'var/lib/mysql/ib_logfile0', 'x'.repeat(BIG_FILE_BYTES)); // big, not sparse
    put(snap, 'var/www/app/a/b/c.php', '<?php // 1');
    put(snap, 'var/www/app/a/d.php', '<?php // 2');
    put(snap, 'srv/deep/tree/one', '1');
    put(snap, 'srv/deep/tree/two', '2');
    put(snap, 'root/linked', 'shared');
    linkSync(join(snap, 'root/linked'), join(snap, 'root/linked-too'));
    symlinkSync('../etc/hostname', join(snap, 'root/to-hostname'));
    if (xattrs) execFileSync('setfattr', ['-n', 'trusted.lab.t', '-v', 'one', join(snap, 'etc/hostname')]);
    // An overlay whiteout (a 0:0 character device: a file of the image deleted on the node).
    if (root) execFileSync('mknod', [join(snap, 'etc/deleted-from-image'), 'c', '0', '0']);
    execFileSync('rsync', [...OPTS, `${snap}/`, `${layer}/`]);
    expect(differences(snap, layer)).toEqual([]);
    // The restore's mark: files copied a moment ago are older than the margin looks back.
    const at = Date.now() + CHANGE_MARGIN_MS + 1000;
    await new Promise((r) => setTimeout(r, CHANGE_MARGIN_MS + 1100));

    // What a node does to its disk after the restore.
    writeFileSync(join(layer, 'var/lib/mysql/ibdata1'), 'pages-v2'); // in place, same size
    utimesSync(join(layer, 'var/lib/mysql/ibdata1'), new Date(0), new Date(0)); // and its mtime set back
    writeFileSync(join(layer, 'var/lib/mysql/gvwstate.dat'), 'new'); // a new file
    const fd = openSync(join(layer, 'var/lib/mysql/galera.cache'), 'r+');
    writeSync(fd, 'data', BIG_FILE_BYTES); // written into a hole, in place
    closeSync(fd);
    truncateSync(join(layer, 'var/lib/mysql/ib_logfile0'), BIG_FILE_BYTES + 4096); // longer
    rmSync(join(layer, 'var/www/app/a'), { recursive: true }); // a subtree gone
    rmSync(join(layer, 'srv/deep'), { recursive: true }); // and one higher up
    mkdirSync(join(layer, 'srv/deep'));
    put(layer, 'srv/deep/other', 'x'); // replaced by another
    chmodSync(join(layer, 'etc/hostname'), 0o600); // a mode
    writeFileSync(join(layer, 'root/linked'), 'changed'); // through one of two hard links
    rmSync(join(layer, 'root/to-hostname'));
    writeFileSync(join(layer, 'root/to-hostname'), 'a file where a symlink was');
    put(layer, 'var/tmp/systemd-private-x/tmp/f', 'boot'); // a new tree
    if (xattrs) execFileSync('setfattr', ['-n', 'trusted.lab.t', '-v', 'two', join(layer, 'etc/hostname')]);
    if (root) {
      rmSync(join(layer, 'etc/deleted-from-image')); // the image's file back
      execFileSync('mknod', [join(layer, 'var/lib/mysql/ibtmp1'), 'c', '0', '0']); // one deleted
    }
    expect(differences(snap, layer).length).toBeGreaterThan(5);

    const synced = await syncChanged(snap, layer, at, KEEP, opts);
    expect(synced).toBeGreaterThan(0);
    expect(differences(snap, layer)).toEqual([]);
    // The gcache came back with its holes: 2 blocks of data, not 16 MiB.
    const blocks = Number(
      execFileSync('stat', ['-c', '%b', join(layer, 'var/lib/mysql/galera.cache')], { encoding: 'utf8' }),
    );
    expect(blocks * 512).toBeLessThan(1 << 20);
    expect(execFileSync('stat', ['-c', '%h', join(layer, 'root/linked')], { encoding: 'utf8' }).trim()).toBe(
      '2',
    );
  });

  it('syncs nothing when nothing changed, and hands a changed top back to the caller', async () => {
    const snap = join(scratch(), 'snap');
    const layer = join(scratch(), 'layer');
    put(snap, 'etc/x', '1');
    execFileSync('rsync', [...OPTS, `${snap}/`, `${layer}/`]);
    const at = Date.now() + CHANGE_MARGIN_MS + 1000;
    await new Promise((r) => setTimeout(r, CHANGE_MARGIN_MS + 1100));
    expect(await syncChanged(snap, layer, at, KEEP, opts)).toBe(0);
    writeFileSync(join(layer, 'new-at-the-top'), 'x');
    expect(await syncChanged(snap, layer, at, KEEP, opts)).toBeNull();
  });
});
