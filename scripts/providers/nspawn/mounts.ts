// Mount bookkeeping from /proc/mounts: what is mounted under a directory, and taking it all down.
import { readFileSync } from 'node:fs';
import { run } from './exec.ts';

// /proc/mounts escapes space, tab, newline and backslash as octal.
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Mount points at or under dir (deepest first), read from /proc/mounts text. */
export function mountsUnder(dir: string, procMounts = readFileSync('/proc/mounts', 'utf8')): string[] {
  const base = dir.replace(/\/+$/, '');
  return procMounts
    .split('\n')
    .map((l) => unescapeMount(l.split(' ')[1] ?? ''))
    .filter((m) => m === base || m.startsWith(`${base}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or under dir; lazily when busy, so a crashed run never blocks cleanup. */
export async function unmountUnder(dir: string): Promise<void> {
  for (const m of mountsUnder(dir)) {
    const r = await run(['umount', m], { reject: false, timeoutMs: 30_000 });
    if (r.code !== 0) await run(['umount', '-l', m], { timeoutMs: 30_000 });
  }
}

/** Removes a directory tree after unmounting what is under it; never crosses into another filesystem. */
export async function removeTree(dir: string): Promise<void> {
  await unmountUnder(dir);
  await run(['rm', '-rf', '--one-file-system', dir], { timeoutMs: 300_000 });
}
