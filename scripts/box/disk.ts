// The box's disk: a raw image with one MBR partition, ext4 without 64bit, extlinux, then compressed qcow2.
import { randomUUID } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as recipe from './recipe.ts';
import { type Cleanup, mount, run } from './sh.ts';

// syslinux's MBR boot code (440 bytes) chains to the active partition's extlinux.
const SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin';

// A sparse raw disk with one bootable Linux partition starting at 1 MiB.
export async function createRawDisk(raw: string): Promise<void> {
  await run(['truncate', '-s', `${recipe.DISK_GIB}G`, raw], { timeoutMs: 10_000 });
  const table = `label: dos\nstart=${recipe.PART_OFFSET / 512}, type=83, bootable\n`;
  await run(['sfdisk', '--quiet', raw], { input: table, timeoutMs: 30_000 });
}

// Attaches a loop device at the partition's offset (this kernel cannot see partitions on loop devices),
// makes the filesystem and mounts it; the cleanup unmounts and detaches on every path.
export async function mountPartition(
  cleanup: Cleanup,
  raw: string,
  target: string,
): Promise<{ device: string; uuid: string }> {
  const size = recipe.DISK_GIB * 1024 ** 3 - recipe.PART_OFFSET;
  const device = (
    await run(
      [
        'losetup',
        '--find',
        '--show',
        '--offset',
        String(recipe.PART_OFFSET),
        '--sizelimit',
        String(size),
        raw,
      ],
      {
        timeoutMs: 30_000,
      },
    )
  ).trim();
  cleanup.push(`losetup -d ${device}`, () => run(['losetup', '-d', device], { timeoutMs: 30_000 }));
  const uuid = randomUUID();
  // syslinux 6.04 cannot read ext4 with the 64bit feature. 1 KiB blocks keep extlinux's boot sector in
  // ext4's reserved block 0: with 4 KiB blocks the superblock shares that block and the guest kernel
  // zeroed the boot sector on its first boot (measured: the second boot said "Missing operating system").
  await run(['mkfs.ext4', '-q', '-F', '-O', '^64bit', '-b', '1024', '-L', 'root', '-U', uuid, device], {
    timeoutMs: 120_000,
  });
  await mount(cleanup, [device], target);
  return { device, uuid };
}

// extlinux in /boot/extlinux and syslinux's MBR in the first 440 bytes of the disk (GRUB cannot be
// installed on a loop device here).
export async function installBootloader(raw: string, root: string, conf: string): Promise<void> {
  const dir = join(root, 'boot/extlinux');
  await run(['mkdir', '-p', dir], { timeoutMs: 10_000 });
  await writeFile(join(dir, 'extlinux.conf'), conf);
  await run(['extlinux', '--install', dir], { timeoutMs: 60_000 });
  const mbr = (await readFile(SYSLINUX_MBR)).subarray(0, 440);
  const fd = await open(raw, 'r+');
  try {
    await fd.write(mbr, 0, mbr.length, 0);
  } finally {
    await fd.close();
  }
}

// Freed blocks become holes in the raw file so the compressed image stays small.
export async function trim(root: string): Promise<void> {
  await run(['fstrim', root], { timeoutMs: 120_000 });
}

// zstd clusters (QEMU 5.1 and later; Debian 12 has 7.2): on this box's disk zlib, qemu-img's default,
// took 34.9 s and gave 441 MiB, zstd 7.4 s and 427 MiB (2026-12-03, one run each, quiet host).
export async function toQcow2(raw: string, qcow2: string, signal?: AbortSignal): Promise<void> {
  await run(['qemu-img', 'convert', '-c', '-O', 'qcow2', '-o', 'compression_type=zstd', raw, qcow2], {
    timeoutMs: 1_800_000,
    signal,
  });
}
