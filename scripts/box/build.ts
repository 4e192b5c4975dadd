// `lab box build`: the offline libvirt box, built once per packages.txt + recipe and added to Vagrant.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allPackages } from '../core/debian.ts';
import { REPO_ROOT } from '../core/model.ts';
import { cacheDir } from '../core/paths.ts';
import { ensureImage } from '../providers/nspawn/image.ts';
import { createRawDisk, installBootloader, mountPartition, toQcow2, trim } from './disk.ts';
import * as recipe from './recipe.ts';
import {
  bootFiles,
  configureGuest,
  copyImage,
  installPackages,
  mountChrootFs,
  vagrantPublicKey,
} from './rootfs.ts';
import { Cleanup, run } from './sh.ts';
import { addBox } from './vagrant-box.ts';

export interface BuildOptions {
  name?: string;
  /** Rebuild even when the cache holds a box for this packages.txt and recipe. */
  force?: boolean;
  /** Skip `vagrant box add` (tests of the image alone). */
  noAdd?: boolean;
  packagesFile?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export interface BuildResult {
  boxFile: string;
  name: string;
  seconds: number;
  cached: boolean;
  key: string;
}

// Where the box for a key lives; the directory also holds build.json with what went in.
export function boxPaths(key: string): { dir: string; boxFile: string; work: string; info: string } {
  const dir = join(cacheDir(), 'boxes', key);
  return {
    dir,
    boxFile: join(dir, 'debian12-libvirt.box'),
    work: join(dir, 'work'),
    info: join(dir, 'build.json'),
  };
}

export async function buildBox(opts: BuildOptions = {}): Promise<BuildResult> {
  const started = Date.now();
  const name = opts.name ?? recipe.DEFAULT_BOX_NAME;
  const packagesText = await readFile(opts.packagesFile ?? join(REPO_ROOT, 'provision/packages.txt'), 'utf8');
  const key = recipe.boxKey(packagesText);
  const paths = boxPaths(key);
  const say = opts.onProgress ?? (() => {});
  const cached = existsSync(paths.boxFile) && !opts.force;
  if (!cached) {
    say(`building box ${key} (the nspawn image, the kernel, qcow2)`);
    // The nspawn image already holds Debian 12 with every role package: the box starts from a copy of
    // it (built first when missing), so one debootstrap serves both providers and both run the same
    // package versions.
    const image = await ensureImage({
      packagesFile: opts.packagesFile,
      signal: opts.signal,
      onProgress: say,
    });
    await buildInto(paths, image, allPackages(packagesText), say, opts.signal);
  } else say(`box ${key} is cached at ${paths.boxFile}`);
  if (!opts.noAdd) await addBox(name, paths.boxFile, key, say);
  return { boxFile: paths.boxFile, name, seconds: Math.round((Date.now() - started) / 1000), cached, key };
}

async function buildInto(
  paths: ReturnType<typeof boxPaths>,
  image: string,
  packages: string[],
  say: (m: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  await rm(paths.work, { recursive: true, force: true });
  await mkdir(join(paths.work, 'root'), { recursive: true });
  const raw = join(paths.work, 'disk.raw');
  const cleanup = new Cleanup();
  let disabled: string[] = [];
  try {
    await createRawDisk(raw);
    const { uuid } = await mountPartition(cleanup, raw, join(paths.work, 'root'));
    const root = join(paths.work, 'root');
    say(`copying the nspawn image (${image})`);
    await copyImage(image, root, signal);
    await mountChrootFs(cleanup, root);
    say('installing the kernel (every role package is in the image; services disabled)');
    disabled = await installPackages(root, packages, signal);
    await configureGuest(root, uuid, await vagrantPublicKey());
    const boot = await bootFiles(root);
    await installBootloader(raw, root, recipe.extlinuxConf(boot.kernel, boot.initrd, uuid));
    await trim(root);
  } finally {
    const errors = await cleanup.runAll();
    if (errors.length > 0) say(`cleanup problems: ${errors.join('; ')}`);
  }
  say('compressing to qcow2');
  await writePackage(paths, raw, packages, disabled, signal);
}

async function writePackage(
  paths: ReturnType<typeof boxPaths>,
  raw: string,
  packages: string[],
  disabled: string[],
  signal?: AbortSignal,
): Promise<void> {
  await toQcow2(raw, join(paths.work, 'box.img'), signal);
  await rm(raw);
  await writeFile(join(paths.work, 'metadata.json'), recipe.metadataJson());
  await writeFile(join(paths.work, 'Vagrantfile'), recipe.BOX_VAGRANTFILE);
  const partial = `${paths.boxFile}.partial`;
  await run(['tar', '-cf', partial, '-C', paths.work, 'metadata.json', 'Vagrantfile', 'box.img'], {
    timeoutMs: 600_000,
  });
  await rename(partial, paths.boxFile);
  const info = {
    recipe: recipe.RECIPE_VERSION,
    builtAt: new Date().toISOString(),
    packages,
    disabledUnits: disabled,
  };
  await writeFile(paths.info, `${JSON.stringify(info, null, 2)}\n`);
  await rm(paths.work, { recursive: true, force: true });
}
