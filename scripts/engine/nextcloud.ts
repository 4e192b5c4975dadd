// Finds the Nextcloud archive the web nodes install: a local file, or the pinned official release
// downloaded once by the host into the cache with its sha256 verified before anything uses it.
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LabError } from '../core/errors.ts';
import type { Lab } from '../core/model.ts';
import { cacheDir } from '../core/paths.ts';

export type ArchiveResolution = { path: string; source: string } | { skipReason: string };

export interface ResolveOptions {
  cache?: string;
  /** Until the server answers; short, so an offline host skips quickly. */
  connectTimeoutMs?: number;
  /** The whole download (a release is about 250 MB). */
  downloadTimeoutMs?: number;
}

const HINT_ENV = 'set NEXTCLOUD_ARCHIVE=/path/to/nextcloud-32.x.tar.bz2';

/** The official release URL of a version. */
export function releaseUrl(version: string): string {
  return `https://download.nextcloud.com/server/releases/nextcloud-${version}.tar.bz2`;
}

/** NEXTCLOUD_ARCHIVE > lab.nextcloud.archive (relative to the lab file) > the pinned release URL. */
export async function resolveNextcloudArchive(
  lab: Lab,
  env = process.env,
  opts: ResolveOptions = {},
): Promise<ArchiveResolution> {
  const fromEnv = env.NEXTCLOUD_ARCHIVE?.trim();
  if (fromEnv)
    return {
      path: localArchive(resolve(fromEnv), 'NEXTCLOUD_ARCHIVE'),
      source: `NEXTCLOUD_ARCHIVE (${fromEnv})`,
    };
  const nc = lab.nextcloud;
  if (!nc) return { skipReason: `no Nextcloud archive: the lab has no nextcloud section; ${HINT_ENV}` };
  if (nc.archive) {
    const path = localArchive(
      isAbsolute(nc.archive) ? nc.archive : join(dirname(lab.file), nc.archive),
      'nextcloud.archive',
    );
    if (nc.sha256) await verifyFile(path, nc.sha256);
    return { path, source: `nextcloud.archive (${path})` };
  }
  const url = nc.url ?? releaseUrl(nc.version);
  // Tests and air-gapped classrooms: never reach out to the internet, say so instead.
  if (env.LAB_OFFLINE) {
    return {
      skipReason: `no Nextcloud archive: LAB_OFFLINE is set, so ${url} was not downloaded; ${HINT_ENV}`,
    };
  }
  if (!nc.sha256) {
    return {
      skipReason: `no Nextcloud archive: refusing to download ${url} without a checksum (nextcloud.sha256 is not set in the lab file); ${HINT_ENV}, or add nextcloud.sha256`,
    };
  }
  return cachedDownload(url, nc.version, nc.sha256, opts);
}

function localArchive(path: string, from: string): string {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new LabError('NEXTCLOUD_ARCHIVE_MISSING', `${from} points to ${path}, which is not a file`, {
      hint: 'Give the path of a nextcloud-32.x.tar.bz2 downloaded from https://nextcloud.com/install/, or unset it to use the pinned release.',
    });
  }
  if (!path.endsWith('.tar.bz2')) {
    throw new LabError('NEXTCLOUD_ARCHIVE_FORMAT', `${from} points to ${path}, which is not a .tar.bz2`, {
      hint: 'Use the .tar.bz2 release archive (the web role unpacks it with tar -xjf).',
    });
  }
  return path;
}

async function cachedDownload(
  url: string,
  version: string,
  sha256: string,
  opts: ResolveOptions,
): Promise<ArchiveResolution> {
  const dir = opts.cache ?? join(cacheDir(), 'nextcloud');
  const path = join(dir, `nextcloud-${version}.tar.bz2`);
  if (existsSync(path) && (await sha256File(path)) === sha256)
    return { path, source: `cache (${path}, sha256 verified)` };
  mkdirSync(dir, { recursive: true });
  const host = new URL(url).host;
  const part = `${path}.part`;
  try {
    const actual = await download(url, part, opts);
    if (actual !== sha256) {
      throw new LabError('NEXTCLOUD_CHECKSUM', `${url} has sha256 ${actual}, the lab pins ${sha256}`, {
        hint: 'The download is corrupt or not the release the lab pins: nothing was installed. Check nextcloud.version and nextcloud.sha256.',
      });
    }
    renameSync(part, path);
    return { path, source: `${url} (sha256 verified, cached in ${path})` };
  } catch (e) {
    if (e instanceof LabError) throw e;
    return { skipReason: `no Nextcloud archive: ${host} unreachable (${reason(e)}); ${HINT_ENV}` };
  } finally {
    rmSync(part, { force: true });
  }
}

async function download(url: string, file: string, opts: ResolveOptions): Promise<string> {
  const abort = new AbortController();
  const connectTimer = setTimeout(() => abort.abort(new Error('timed out')), opts.connectTimeoutMs ?? 10_000);
  const totalTimer = setTimeout(
    () => abort.abort(new Error('download timed out')),
    opts.downloadTimeoutMs ?? 600_000,
  );
  try {
    const res = await fetch(url, { signal: abort.signal, redirect: 'follow' });
    // The connect timer must not cut a slow download once the server answered.
    clearTimeout(connectTimer);
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
      tap,
      createWriteStream(file),
      {
        signal: abort.signal,
      },
    );
    return hash.digest('hex');
  } finally {
    clearTimeout(connectTimer);
    clearTimeout(totalTimer);
  }
}

function reason(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

/** The sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function verifyFile(path: string, sha256: string): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== sha256) {
    throw new LabError('NEXTCLOUD_CHECKSUM', `${path} has sha256 ${actual}, the lab pins ${sha256}`, {
      hint: 'Use the archive the lab pins, or correct nextcloud.sha256 in the lab file.',
    });
  }
}
