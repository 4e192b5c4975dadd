// Files the roles need from the host before they run: the lab's TLS material and the Nextcloud archive.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodesWithRole } from '../core/model.ts';
import type { Progress } from '../core/progress.ts';
import { ensureLabTls } from '../core/tls.ts';
import {
  monitorNode,
  renderBlackboxConfig,
  renderLabRules,
  renderPrometheusConfig,
} from '../monitor/config.ts';
import type { LabContext } from './context.ts';
import { resolveNextcloudArchive, sha256File } from './nextcloud.ts';

export const REMOTE_ARCHIVE = '/opt/lab/nextcloud.tar.bz2';

/** Uploads what the selected nodes need and returns the environment every step then gets. */
export async function prepareInputs(
  ctx: LabContext,
  progress: Progress,
  names: string[],
): Promise<Record<string, string>> {
  const env = await prepareWeb(ctx, progress, names);
  await uploadMonitorConfig(ctx, names, env);
  return env;
}

// The monitor node's Prometheus, rule and blackbox files, rendered from the lab model. The front's
// health path follows Nextcloud's presence as the lbs' does (lb.sh): installed in this run, or before.
async function uploadMonitorConfig(ctx: LabContext, names: string[], env: Record<string, string>) {
  const mon = monitorNode(ctx.lab);
  if (!mon || !names.includes(mon.name)) return;
  const nextcloud =
    'NEXTCLOUD_ARCHIVE' in env ? env.NEXTCLOUD_ARCHIVE !== '' : existsSync(archiveRecord(ctx));
  const opts = { nextcloud, statusPath: nextcloud ? '/status.php' : '/lab-probe/status.php' };
  const files = {
    'prometheus.yml': renderPrometheusConfig(ctx.lab, opts),
    'lab-rules.yml': renderLabRules(ctx.lab),
    'blackbox.yml': renderBlackboxConfig(ctx.lab),
  };
  for (const [file, text] of Object.entries(files))
    await putIfChanged(ctx, mon.name, `/opt/lab/monitor/${file}`, Buffer.from(text), 0o644);
}

async function prepareWeb(
  ctx: LabContext,
  progress: Progress,
  names: string[],
): Promise<Record<string, string>> {
  const selected = (role: 'lb' | 'web') => nodesWithRole(ctx.lab, role).filter((n) => names.includes(n.name));
  const tls = ensureLabTls(ctx.lab, ctx.paths);
  if (tls.created.length > 0)
    progress.ok('lab CA', `made ${tls.created.join(', ')}; browsers trust the lab with ${tls.userCa}`);
  const ca = readFileSync(tls.caCert);
  const lbs = new Set(selected('lb').map((n) => n.name));
  await Promise.all(
    names.map(async (node) => {
      await putIfChanged(ctx, node, '/opt/lab/tls/ca.crt', ca, 0o644);
      if (!lbs.has(node)) return;
      await putIfChanged(ctx, node, '/opt/lab/tls/server.crt', readFileSync(tls.serverCert), 0o644);
      await putIfChanged(ctx, node, '/opt/lab/tls/server.key', readFileSync(tls.serverKey), 0o600);
    }),
  );
  const webs = selected('web');
  if (webs.length === 0) return {};
  const archive = await resolveNextcloudArchive(ctx.lab);
  if ('skipReason' in archive) {
    const kept = await keptArchive(
      ctx,
      webs.map((n) => n.name),
    );
    if (kept) {
      progress.info(`Nextcloud archive: the one this lab installed before (sha256 ${kept.slice(0, 12)}…)`);
      return { NEXTCLOUD_ARCHIVE: REMOTE_ARCHIVE, NEXTCLOUD_ARCHIVE_SHA256: kept, NEXTCLOUD_SKIP_REASON: '' };
    }
    progress.warn(`Nextcloud: ${archive.skipReason}`);
    return { NEXTCLOUD_ARCHIVE: '', NEXTCLOUD_SKIP_REASON: archive.skipReason };
  }
  const file = fileStamp(archive.path);
  const sum = rememberedSum(archiveRecord(ctx), file) ?? (await sha256File(archive.path));
  progress.info(`Nextcloud archive: ${archive.source}, sha256 ${sum.slice(0, 12)}…`);
  let content: Buffer | undefined;
  const read = () => {
    content ??= readFileSync(archive.path);
    return content;
  };
  await Promise.all(webs.map((n) => putIfChanged(ctx, n.name, REMOTE_ARCHIVE, read, 0o644, sum)));
  const record: ArchiveRecord = { sha256: sum, source: archive.source, file };
  writeFileSync(archiveRecord(ctx), `${JSON.stringify(record)}\n`);
  return { NEXTCLOUD_ARCHIVE: REMOTE_ARCHIVE, NEXTCLOUD_ARCHIVE_SHA256: sum, NEXTCLOUD_SKIP_REASON: '' };
}

const archiveRecord = (ctx: LabContext) => join(ctx.paths.root, 'nextcloud-archive.json');

interface FileStamp {
  path: string;
  size: number;
  mtimeNs: string;
  ino: number;
}

interface ArchiveRecord {
  sha256?: string;
  source?: string;
  /** The host file the sum was taken of, as it was then. */
  file?: FileStamp;
}

export function fileStamp(path: string): FileStamp {
  const st = statSync(path, { bigint: true });
  return { path, size: Number(st.size), mtimeNs: String(st.mtimeNs), ino: Number(st.ino) };
}

/**
 * The archive's sha256 as this lab recorded it, while the host file is the same path, size, mtime and
 * inode (what make and rsync trust): hashing 170 MB took 1 to 8 s of every `up` and `reset`. Replaced
 * or touched, it is hashed again.
 */
export function rememberedSum(recordFile: string, now: FileStamp): string | undefined {
  if (!existsSync(recordFile)) return undefined;
  try {
    const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as ArchiveRecord;
    const was = rec.file;
    const same =
      was?.path === now.path && was.size === now.size && was.mtimeNs === now.mtimeNs && was.ino === now.ino;
    return same && rec.sha256 && /^[0-9a-f]{64}$/.test(rec.sha256) ? rec.sha256 : undefined;
  } catch {
    return undefined;
  }
}

// A lab brought up with NEXTCLOUD_ARCHIVE keeps Nextcloud on a later `up`, a drill's power cycle or a
// resumed run without it: re-running a healthy lab must change nothing. The archive counts only while
// every web node still has the recorded one.
async function keptArchive(ctx: LabContext, webs: string[]): Promise<string | undefined> {
  if (!existsSync(archiveRecord(ctx))) return undefined;
  const { sha256 } = JSON.parse(readFileSync(archiveRecord(ctx), 'utf8')) as ArchiveRecord;
  if (!sha256) return undefined;
  const have = await Promise.all(webs.map((n) => ctx.remote.exec(n, remoteSumArgv(REMOTE_ARCHIVE))));
  return have.every((r) => r.code === 0 && r.stdout.startsWith(sha256)) ? sha256 : undefined;
}

/**
 * The sha256 of a large file on a node, kept beside it in FILE.sum with the size and mtime it was taken
 * at: a later `up` (a reset, a re-run) reads it back instead of hashing the 170 MB Nextcloud archive on
 * every web node again (2 s of a 13-node reset); a file written since, or a sum file that does not
 * match, is hashed again.
 */
export function remoteSumArgv(path: string): string[] {
  const script = [
    'f=$1',
    'now=$(stat -c "%s %.9Y" "$f") || exit 1',
    'if [ -f "$f.sum" ] && [ "$(sed -n 2p "$f.sum")" = "$now" ]; then sed -n 1p "$f.sum"; exit 0; fi',
    'sum=$(sha256sum "$f" | cut -d" " -f1) || exit 1',
    'printf "%s\\n%s\\n" "$sum" "$now" >"$f.sum.tmp" && mv "$f.sum.tmp" "$f.sum"',
    'echo "$sum"',
  ].join('\n');
  return ['sh', '-c', script, 'sum', path];
}

async function putIfChanged(
  ctx: LabContext,
  node: string,
  path: string,
  content: Buffer | (() => Buffer),
  mode: number,
  sum?: string,
): Promise<void> {
  const bytes = () => (typeof content === 'function' ? content() : content);
  const want = sum ?? createHash('sha256').update(bytes()).digest('hex');
  const have = await ctx.remote.exec(node, sum ? remoteSumArgv(path) : ['sha256sum', path]);
  if (have.code === 0 && have.stdout.startsWith(want)) return;
  await ctx.remote.put(node, path, bytes(), mode);
}
