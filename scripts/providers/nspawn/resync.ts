// A restore of the snapshot a node's layer was last restored from copies back only what changed since.
import { existsSync, lstatSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.ts';

/**
 * A layer brought back to a snapshot's copy of it, and when: `at` (ms) is after the copy finished and
 * before anything else wrote into the layer. `ino` and `ctimeMs` name the copy itself: a snapshot saved
 * again under the same name is a new directory (the save renames its finished copy into place).
 */
export interface RestoreMark {
  from: string;
  ino: number;
  ctimeMs: number;
  at: number;
}

/**
 * Every change to a file or directory sets its ctime to the clock's time: a write (mmap'd ones too), a
 * chmod, chown or xattr, a rename, a new or removed link; an entry created in or removed from a
 * directory sets the directory's. Nothing can set a ctime back. File times come from a coarse clock (a
 * jiffy) and the host's clock may be stepped: a change is looked for from this long before `at`.
 */
export const CHANGE_MARGIN_MS = 2000;

/** Where a node's mark lives: beside its layer, not in it, so the node never sees or changes it. */
const markFile = (machineDir: string) => join(machineDir, 'restored.json');

function identity(from: string): { ino: number; ctimeMs: number } | undefined {
  const st = statSync(from, { throwIfNoEntry: false });
  return st?.isDirectory() ? { ino: st.ino, ctimeMs: st.ctimeMs } : undefined;
}

/**
 * When the layer was last brought back to `from` exactly, if it was and `from` is still that copy:
 * then only what changed in the layer since needs copying back. Else undefined: compare it whole.
 */
export function restoredSince(machineDir: string, from: string, now = Date.now()): number | undefined {
  const file = markFile(machineDir);
  if (!existsSync(file)) return undefined;
  let mark: RestoreMark;
  try {
    mark = JSON.parse(readFileSync(file, 'utf8')) as RestoreMark;
  } catch {
    return undefined;
  }
  const id = identity(from);
  if (!id || mark.from !== from || mark.ino !== id.ino || mark.ctimeMs !== id.ctimeMs) return undefined;
  // A clock stepped back past the mark leaves no way to tell old changes from new ones.
  if (!(mark.at <= now)) return undefined;
  return mark.at;
}

/** Records that the layer equals `from` as of now; call it before anything else writes into the layer. */
export function markRestored(machineDir: string, from: string, at = Date.now()): void {
  const id = identity(from);
  if (!id) return;
  const mark: RestoreMark = { from, ...id, at };
  writeFileSync(markFile(machineDir), `${JSON.stringify(mark)}\n`);
}

/** Forgets the mark: the next restore compares the whole layer. */
export function forgetRestored(machineDir: string): void {
  rmSync(markFile(machineDir), { force: true });
}

/**
 * The smallest set of paths (relative, no leading slash) whose sync brings the layer back, from
 * `find`'s `TYPE PATH` lines of what changed: a changed directory is synced whole, with everything
 * below it (an entry added, removed or replaced there, a subtree deleted with rm -rf), so no path below
 * a listed directory is listed again. The layer's top directory among them means: sync it all (null).
 */
export function changedRoots(found: { type: string; path: string }[]): string[] | null {
  if (found.some((f) => f.path === '')) return null;
  const dirs = new Set(found.filter((f) => f.type === 'd').map((f) => f.path));
  const under = (path: string) => {
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1))
      if (dirs.has(path.slice(0, i))) return true;
    return false;
  };
  return [...new Set(found.map((f) => f.path))].filter((p) => !under(p)).sort();
}

/** Parses `find -printf '%y %P\0'`. */
export function parseFound(out: string): { type: string; path: string }[] {
  return out
    .split('\0')
    .filter((l) => l !== '')
    .map((l) => ({ type: l.slice(0, 1), path: l.slice(2) }));
}

/**
 * A changed file at least this large is copied by `cp --sparse=always`, which skips a sparse file's
 * holes (SEEK_DATA), where rsync reads them as zeros: a db node's InnoDB redo log, system tablespace and
 * Galera gcache are 96, 76 and 128 MiB long with 5 MiB of data between them, rewritten at every boot.
 */
export const BIG_FILE_BYTES = 8 << 20;

/**
 * Brings `to` back to `from` by syncing only the paths changed in `to` since `since` (ms): each with
 * everything below it when it is a directory, copied from `from` when it is there and deleted when it
 * is not. Returns how many paths it synced, or null when the top of the layer changed and the caller
 * must compare it whole. `keep` is rsync's argv up to the paths (syncArgv's options).
 */
export async function syncChanged(
  from: string,
  to: string,
  since: number,
  keep: string[],
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<number | null> {
  const at = `@${Math.floor((since - CHANGE_MARGIN_MS) / 1000)}`;
  const found = await run(['find', to, '-xdev', '-newerct', at, '-printf', '%y %P\\0'], opts);
  const changed = parseFound(found.stdout);
  const roots = changedRoots(changed);
  if (roots === null) return null;
  if (roots.length === 0) return 0;
  // Big files first, below a changed directory too: rsync then finds them as `from` has them.
  const big = changed
    .filter((f) => f.type === 'f' && bigFile(from, f.path) && bigFile(to, f.path))
    .map((f) => f.path);
  await copySparse(from, to, big, opts);
  const rest = roots.filter((p) => !big.includes(p));
  if (rest.length === 0) return roots.length;
  const list = `${to}.changed`;
  writeFileSync(list, `${rest.join('\0')}\0`);
  try {
    // --files-from turns -a's recursion off: -r brings it back for the listed directories.
    // --delete-missing-args deletes a listed path that `from` does not hold.
    await run(
      [
        ...keep,
        '-r',
        '--delete',
        '--delete-missing-args',
        '--from0',
        `--files-from=${list}`,
        `${from}/`,
        `${to}/`,
      ],
      opts,
    );
  } finally {
    rmSync(list, { force: true });
  }
  return roots.length;
}

/** A regular file of BIG_FILE_BYTES or more with one link (a hard link's other names are rsync's -H). */
function bigFile(root: string, path: string): boolean {
  const st = lstatSync(join(root, path), { throwIfNoEntry: false });
  return st?.isFile() === true && st.nlink === 1 && st.size >= BIG_FILE_BYTES;
}

// For each path after `from`, `to` and the temporary name: a copy beside the file, renamed over it
// (atomic: a copy cut short leaves the old file, and the trap removes the copy), then the directory's
// times put back from `from`'s, which the rename changed. `${x%/*}` is x's directory, x being `dir/path`.
const COPY_SPARSE_SCRIPT = `set -eu
from=$1 to=$2 name=$3
shift 3
tmp=
trap '[ -z "$tmp" ] || rm -f -- "$tmp"' EXIT
for path in "$@"; do
  src=$from/$path dst=$to/$path
  tmp=\${dst%/*}/$name
  cp --preserve=all --sparse=always --reflink=never -T -- "$src" "$tmp"
  mv -f -T -- "$tmp" "$dst"
  tmp=
  touch -c -r "\${src%/*}" -- "\${dst%/*}"
done`;

/**
 * Replaces each `to`/path by a copy of `from`/path with everything rsync -aAX keeps (mode, owners, times
 * to the nanosecond, xattrs and ACLs), its holes left holes; then puts back its directory's times, which
 * the rename changed, as `from` has them. One shell for all of a node's files: each process the tool
 * starts holds its event loop until it runs (cp and touch per file held it 1 s in a full-ha reset).
 */
async function copySparse(
  from: string,
  to: string,
  paths: string[],
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  if (paths.length === 0) return;
  const name = `.lab-restore-${process.pid}`;
  await run(['sh', '-c', COPY_SPARSE_SCRIPT, 'copy-sparse', from, to, name, ...paths], opts);
}
