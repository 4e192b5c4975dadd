// Adds the built box to Vagrant once per build, and drops the stale copy vagrant-libvirt keeps in its pool.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { poolVolumePrefix } from './recipe.ts';
import { run } from './sh.ts';

// The key of the build last added under this name, recorded next to the box file.
function stampFile(boxFile: string, name: string): string {
  return join(dirname(boxFile), `added-${name.replaceAll('/', '_')}`);
}

async function boxListed(name: string): Promise<boolean> {
  const out = await run(['vagrant', 'box', 'list', '--machine-readable'], { timeoutMs: 60_000 });
  const lines = out.split('\n').map((l) => l.split(','));
  const names = lines.filter((f) => f[2] === 'box-name').map((f) => f[3]);
  const providers = lines.filter((f) => f[2] === 'box-provider').map((f) => f[3]);
  return names.some((n, i) => n === name && providers[i] === 'libvirt');
}

// `vagrant box add --force` replaces the box; vagrant-libvirt names its upload of a version-0 box after
// the image's mtime, so each rebuild leaves the previous upload (~1 GB) in the pool: delete those, but
// only while no domain exists (a lab's disks use the upload as their backing file).
export async function addBox(
  name: string,
  boxFile: string,
  key: string,
  say: (m: string) => void,
): Promise<void> {
  const stamp = stampFile(boxFile, name);
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')).trim() === key && (await boxListed(name))) {
    say(`vagrant already has box ${name} (${key})`);
    return;
  }
  say(`vagrant box add ${name}`);
  await run(['vagrant', 'box', 'add', '--force', '--name', name, boxFile], { timeoutMs: 900_000 });
  await dropPoolVolumes(name, say);
  await writeFile(stamp, `${key}\n`);
}

async function dropPoolVolumes(name: string, say: (m: string) => void): Promise<void> {
  const domains = await execa('virsh', ['-c', 'qemu:///system', 'list', '--all', '--name'], {
    reject: false,
    timeout: 15_000,
  });
  if (domains.exitCode !== 0 || String(domains.stdout).trim() !== '') return;
  // virsh 9.0's vol-list has no --name: the name is the first column after two header lines.
  const list = await execa('virsh', ['-c', 'qemu:///system', 'vol-list', 'default'], {
    reject: false,
    timeout: 15_000,
  });
  if (list.exitCode !== 0) return;
  const stale = String(list.stdout)
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((v) => v.startsWith(poolVolumePrefix(name)));
  for (const volume of stale) {
    await run(['virsh', '-c', 'qemu:///system', 'vol-delete', '--pool', 'default', volume], {
      timeoutMs: 30_000,
    });
    say(`removed stale pool volume ${volume}`);
  }
}
