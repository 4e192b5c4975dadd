// The nspawn base image: Debian 12 with every role's packages, built once per recipe hash into the cache.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { allPackages, hostMirror, hostSources } from '../../core/debian.ts';
import { REPO_ROOT } from '../../core/model.ts';
import { cacheDir } from '../../core/paths.ts';
import { run } from './exec.ts';
import { pidAlive, withLock } from './lock.ts';
import { removeTree } from './mounts.ts';
import { DEBOOTSTRAP_INCLUDE, imageHash, RECIPE_VERSION } from './recipe.ts';
import { finishRootfs } from './rootfs.ts';

export interface ImageOptions {
  signal?: AbortSignal;
  /** One line per build phase ("debootstrap", "installing 60 packages", ...). */
  onProgress?: (message: string) => void;
  /** Where provision/packages.txt is; the repository's by default. */
  packagesFile?: string;
  cache?: string;
}

const MINUTE = 60_000;

function readOptional(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Returns the rootfs of the image for the current packages.txt, building it first when missing. */
export async function ensureImage(opts: ImageOptions = {}): Promise<string> {
  const packagesText = readFileSync(opts.packagesFile ?? join(REPO_ROOT, 'provision/packages.txt'), 'utf8');
  const images = join(opts.cache ?? cacheDir(), 'images');
  const final = join(images, imageHash(packagesText));
  const done = () => existsSync(join(final, 'image.json'));
  if (done()) return join(final, 'rootfs');
  mkdirSync(images, { recursive: true });
  const wait = () => opts.onProgress?.('waiting for another run building the image');
  await withLock(
    join(images, '.build.lock'),
    60 * MINUTE,
    async () => {
      if (done()) return;
      await removeStaleBuilds(images);
      const tmp = join(images, `.tmp-${process.pid}-${imageHash(packagesText)}`);
      try {
        await build(tmp, packagesText, opts);
        // A rename is atomic: the image directory either is complete or does not exist.
        renameSync(tmp, final);
      } catch (e) {
        await removeTree(tmp);
        throw e;
      }
    },
    wait,
  );
  return join(final, 'rootfs');
}

// Builds interrupted by a crash leave .tmp-<pid>-<hash>, possibly with /proc still mounted inside.
async function removeStaleBuilds(images: string): Promise<void> {
  for (const name of readdirSync(images)) {
    const pid = Number(name.match(/^\.tmp-(\d+)-/)?.[1]);
    if (pid && !pidAlive(pid)) await removeTree(join(images, name));
  }
}

async function build(dir: string, packagesText: string, opts: ImageOptions): Promise<void> {
  const rootfs = join(dir, 'rootfs');
  const logFile = join(dir, 'build.log');
  mkdirSync(dir, { recursive: true });
  const log = (line: string) => appendFileSync(logFile, `${line}\n`);
  const step = (message: string) => {
    log(`### ${message}`);
    opts.onProgress?.(message);
  };
  const started = Date.now();
  const { deb822, sourcesList } = hostSources();
  const mirror = hostMirror(deb822, sourcesList);
  step(`debootstrap bookworm from ${mirror}`);
  const argv = [
    'debootstrap',
    '--variant=minbase',
    `--include=${DEBOOTSTRAP_INCLUDE.join(',')}`,
    'bookworm',
    rootfs,
    mirror,
  ];
  await run(argv, { timeoutMs: 30 * MINUTE, signal: opts.signal, onLine: log });
  const packages = allPackages(packagesText);
  step(`installing ${packages.length} packages`);
  await installPackages(rootfs, packages, { deb822, sourcesList }, { ...opts, log });
  step('disabling services, first-boot SSH keys, networkd');
  await finishRootfs(rootfs, log);
  const seconds = writeMeta(dir, mirror, packages, started);
  step(`image built in ${seconds.toFixed(0)} s`);
}

// image.json marks the image complete (it is written last) and says how it was made.
function writeMeta(dir: string, mirror: string, packages: string[], started: number): number {
  const seconds = (Date.now() - started) / 1000;
  const meta = { recipe: RECIPE_VERSION, mirror, packages, builtAt: new Date().toISOString(), seconds };
  writeFileSync(join(dir, 'image.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return seconds;
}

type Sources = { deb822?: string; sourcesList?: string };

// policy-rc.d keeps daemons from starting in the chroot: a started glusterd would write one UUID every node shares.
async function installPackages(
  rootfs: string,
  packages: string[],
  sources: Sources,
  opts: ImageOptions & { log: (l: string) => void },
) {
  const policy = join(rootfs, 'usr/sbin/policy-rc.d');
  writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  if (sources.deb822) {
    writeFileSync(join(rootfs, 'etc/apt/sources.list.d/debian.sources'), sources.deb822);
    writeFileSync(join(rootfs, 'etc/apt/sources.list'), '');
  } else if (sources.sourcesList) {
    writeFileSync(join(rootfs, 'etc/apt/sources.list'), sources.sourcesList);
  }
  writeFileSync(join(rootfs, 'etc/resolv.conf'), readOptional('/etc/resolv.conf') ?? '');
  const env = { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C.UTF-8', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
  const apt = (args: string[]) =>
    run(['chroot', rootfs, 'apt-get', '-y', '-q', ...args], {
      env,
      timeoutMs: 40 * MINUTE,
      signal: opts.signal,
      onLine: opts.log,
    });
  await run(['mount', '-t', 'proc', 'proc', join(rootfs, 'proc')]);
  try {
    await apt(['update']);
    await apt(['upgrade']);
    await apt(['install', '--no-install-recommends', ...packages]);
    await apt(['clean']);
  } finally {
    await run(['umount', join(rootfs, 'proc')], { reject: false });
  }
}
