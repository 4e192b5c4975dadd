// The last steps of the image: no service runs until a role enables it, per-node identity at first boot.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.ts';
import { unitsToDisable } from './recipe.ts';

// Debian's ssh.service runs `sshd -t` first, which fails without host keys: generate them before it.
const SSH_DROPIN = `[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
`;

const HOSTS = `127.0.0.1\tlocalhost
::1\t\tlocalhost ip6-localhost ip6-loopback
`;

/** Disables what the packages enabled, enables networkd, and strips identity (machine-id, host keys). */
export async function finishRootfs(rootfs: string, log: (line: string) => void): Promise<void> {
  rmSync(join(rootfs, 'usr/sbin/policy-rc.d'), { force: true });
  await disableServices(rootfs, log);
  await run(['systemctl', `--root=${rootfs}`, 'enable', 'systemd-networkd.service'], { onLine: log });
  for (const f of readdirSync(join(rootfs, 'etc/ssh'))) {
    if (f.startsWith('ssh_host_')) rmSync(join(rootfs, 'etc/ssh', f));
  }
  mkdirSync(join(rootfs, 'etc/systemd/system/ssh.service.d'), { recursive: true });
  writeFileSync(join(rootfs, 'etc/systemd/system/ssh.service.d/10-host-keys.conf'), SSH_DROPIN);
  // An empty machine-id makes systemd generate a new one per container at first boot.
  writeFileSync(join(rootfs, 'etc/machine-id'), '');
  rmSync(join(rootfs, 'var/lib/dbus/machine-id'), { force: true });
  // No resolver pointing outside: the nodes have no route off the lab network.
  rmSync(join(rootfs, 'etc/resolv.conf'), { force: true });
  writeFileSync(join(rootfs, 'etc/resolv.conf'), '');
  writeFileSync(join(rootfs, 'etc/hosts'), HOSTS);
  rmSync(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
  mkdirSync(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
}

async function disableServices(rootfs: string, log: (line: string) => void): Promise<void> {
  const listing = await run([
    'systemctl',
    `--root=${rootfs}`,
    'list-unit-files',
    '--state=enabled',
    '--no-legend',
  ]);
  const units = unitsToDisable(listing.stdout);
  log(`disabling: ${units.join(' ')}`);
  if (units.length > 0) await run(['systemctl', `--root=${rootfs}`, 'disable', ...units], { onLine: log });
  // Init scripts without a unit are started through their rc2.d links by systemd's sysv generator.
  const rc = join(rootfs, 'etc/rc2.d');
  const sysv = existsSync(rc)
    ? readdirSync(rc)
        .filter((f) => /^S\d\d/.test(f))
        .map((f) => f.slice(3))
    : [];
  for (const name of sysv) {
    if (existsSync(join(rootfs, 'lib/systemd/system', `${name}.service`))) continue;
    log(`disabling init script ${name}`);
    await run(['chroot', rootfs, 'update-rc.d', name, 'disable'], { onLine: log });
  }
}
