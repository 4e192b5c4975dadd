// Fills a mounted root filesystem: a copy of the nspawn image, the kernel, every role package (services
// off), the vagrant user.
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostMirror, hostSources } from '../core/debian.ts';
import { LabError } from '../core/errors.ts';
import * as recipe from './recipe.ts';
import { type Cleanup, mount, run } from './sh.ts';

const APT_ENV = {
  DEBIAN_FRONTEND: 'noninteractive',
  LC_ALL: 'C.UTF-8',
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
};

// Debian's vagrant package ships Vagrant's insecure public key in the gem's keys/ folder.
export async function vagrantPublicKey(): Promise<string> {
  const files = (await run(['dpkg', '-L', 'vagrant'], { timeoutMs: 10_000 })).split('\n');
  const path = files.find((f) => f.endsWith('/keys/vagrant.pub'));
  if (!path) {
    throw new LabError('BOX_NO_VAGRANT_KEY', 'The vagrant package has no keys/vagrant.pub', {
      hint: "Install Debian's vagrant package: apt-get install vagrant",
    });
  }
  return readFile(path, 'utf8');
}

// The mirror the host's apt uses (a local mirror or proxy in a classroom), as for the nspawn image.
function mirror(): string {
  const { deb822, sourcesList } = hostSources();
  return hostMirror(deb822, sourcesList);
}

/**
 * Copies the nspawn image's root filesystem (Debian 12 and every role package, services disabled) into
 * the box's mounted partition, then drops what only containers use: the image's SSH drop-in makes every
 * host key type at start (RSA took 19 s under TCG; the box has its own first-boot unit) and its apt
 * sources are the host's (installPackages writes the box's).
 */
export async function copyImage(image: string, root: string, signal?: AbortSignal): Promise<void> {
  await run(['cp', '-a', '--sparse=always', `${image}/.`, root], { timeoutMs: 900_000, signal });
  await rm(join(root, 'etc/systemd/system/ssh.service.d'), { recursive: true, force: true });
  await rm(join(root, 'etc/apt/sources.list.d/debian.sources'), { force: true });
  // The image's resolver is empty (containers have no route off the machine); the chroot's apt needs
  // the host's until configureGuest removes it.
  await writeFile(join(root, 'etc/resolv.conf'), await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
}

// proc, sys, dev and dev/pts for package scripts; unmounted by the caller's cleanup.
export async function mountChrootFs(cleanup: Cleanup, root: string): Promise<void> {
  await mount(cleanup, ['-t', 'proc', 'proc'], join(root, 'proc'));
  await mount(cleanup, ['-t', 'sysfs', 'sysfs'], join(root, 'sys'));
  await mount(cleanup, ['--bind', '/dev'], join(root, 'dev'));
  await mount(cleanup, ['-t', 'devpts', '-o', 'newinstance,ptmxmode=0666', 'devpts'], join(root, 'dev/pts'));
}

async function enabledUnits(root: string): Promise<Set<string>> {
  const out = await run(
    ['systemctl', `--root=${root}`, 'list-unit-files', '--state=enabled', '--no-legend'],
    { timeoutMs: 30_000 },
  );
  return new Set(
    out
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0]!)
      .filter(Boolean),
  );
}

// Installs the kernel and every role package with a policy-rc.d that stops daemons from starting in the
// chroot (glusterd would otherwise write one shared UUID into every clone), then disables what they enabled.
export async function installPackages(
  root: string,
  packages: string[],
  signal?: AbortSignal,
): Promise<string[]> {
  await writeFile(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  const sources = `deb ${mirror()} ${recipe.SUITE} main\ndeb ${mirror()} ${recipe.SUITE}-updates main\n`;
  await writeFile(join(root, 'etc/apt/sources.list'), sources);
  const before = await enabledUnits(root);
  const chrootApt = (args: string[]) =>
    run(['chroot', root, 'apt-get', '-q', ...args], { env: APT_ENV, timeoutMs: 1_800_000, signal });
  // --error-on=any: a mirror that cannot be reached fails here, not as "no installation candidate".
  await chrootApt(['update', '--error-on=any']);
  await chrootApt(['install', '-y', '--no-install-recommends', ...recipe.BOOT_PACKAGES]);
  await writeFile(join(root, 'etc/initramfs-tools/modules'), `${recipe.VIRTIO_MODULES.join('\n')}\n`, {
    flag: 'a',
  });
  await chrootApt(['install', '-y', '--no-install-recommends', recipe.KERNEL_PACKAGE, ...packages]);
  const added = [...(await enabledUnits(root))].filter((u) => !before.has(u));
  if (added.length > 0)
    await run(['systemctl', `--root=${root}`, 'disable', ...added], { timeoutMs: 30_000 });
  await run(['systemctl', `--root=${root}`, 'mask', ...recipe.MASKED_UNITS], { timeoutMs: 30_000 });
  await chrootApt(['clean']);
  await rm(join(root, 'usr/sbin/policy-rc.d'));
  return added;
}

// The vagrant user, networking, first-boot host keys and an empty machine-id so clones differ.
export async function configureGuest(root: string, rootUuid: string, publicKey: string): Promise<void> {
  await run(['chroot', root, 'useradd', '--create-home', '--shell', '/bin/bash', 'vagrant'], {
    env: APT_ENV,
    timeoutMs: 30_000,
  });
  const ssh = join(root, 'home/vagrant/.ssh');
  await mkdir(ssh, { mode: 0o700, recursive: true });
  await writeFile(join(ssh, 'authorized_keys'), publicKey, { mode: 0o600 });
  await run(['chroot', root, 'chown', '-R', 'vagrant:vagrant', '/home/vagrant/.ssh'], {
    env: APT_ENV,
    timeoutMs: 30_000,
  });
  await writeFile(join(root, 'etc/sudoers.d/vagrant'), recipe.SUDOERS_VAGRANT, { mode: 0o440 });
  await writeFile(join(root, 'etc/systemd/network/10-eth0.network'), recipe.ETH0_NETWORK);
  await writeFile(join(root, 'etc/systemd/system/ssh-host-keys.service'), recipe.SSH_KEYGEN_UNIT);
  await run(['systemctl', `--root=${root}`, 'enable', 'systemd-networkd.service', 'ssh-host-keys.service'], {
    timeoutMs: 30_000,
  });
  await writeFile(join(root, 'etc/fstab'), recipe.fstab(rootUuid));
  await writeFile(join(root, 'etc/hostname'), 'debian12\n');
  await writeFile(
    join(root, 'etc/hosts'),
    '127.0.0.1 localhost\n127.0.1.1 debian12\n::1 localhost ip6-localhost ip6-loopback\n',
  );
  for (const key of (await readdir(join(root, 'etc/ssh'))).filter((f) => f.startsWith('ssh_host_'))) {
    await rm(join(root, 'etc/ssh', key));
  }
  await writeFile(join(root, 'etc/machine-id'), '');
  await rm(join(root, 'var/lib/dbus/machine-id'), { force: true });
  // The host's resolver means nothing inside a lab VM, which has no route off the machine.
  await rm(join(root, 'etc/resolv.conf'), { force: true });
  await chmod(join(root, 'home/vagrant'), 0o755);
}

// The kernel and initrd file names under /boot, for the extlinux menu.
export async function bootFiles(root: string): Promise<{ kernel: string; initrd: string }> {
  const files = await readdir(join(root, 'boot'));
  const kernel = files
    .filter((f) => f.startsWith('vmlinuz-'))
    .sort()
    .at(-1);
  const initrd = kernel && files.find((f) => f === `initrd.img-${kernel.slice('vmlinuz-'.length)}`);
  if (!kernel || !initrd) {
    throw new LabError('BOX_NO_KERNEL', `No kernel and initrd in ${root}/boot (found: ${files.join(', ')})`, {
      hint: `Check that ${recipe.KERNEL_PACKAGE} installed in the chroot (apt output above).`,
    });
  }
  return { kernel, initrd };
}
