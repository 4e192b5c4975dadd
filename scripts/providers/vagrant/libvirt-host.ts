// libvirt on a host whose PID 1 is not systemd (CI, containers): start its three daemons by hand,
// remember their PIDs, and stop exactly those PIDs afterwards.

import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { execa } from 'execa';
import { LabError } from '../../core/errors.ts';

export const LIBVIRT_URI = 'qemu:///system';

// Order matters: libvirtd talks to virtlogd (QEMU's logs) and virtlockd (disk leases) at start.
const DAEMONS = [
  { name: 'virtlogd', bin: '/usr/sbin/virtlogd', pidFile: '/run/virtlogd.pid' },
  { name: 'virtlockd', bin: '/usr/sbin/virtlockd', pidFile: '/run/virtlockd.pid' },
  { name: 'libvirtd', bin: '/usr/sbin/libvirtd', pidFile: '/run/libvirtd.pid' },
] as const;

// libvirt's stock "default" network is NAT to the outside; a lab must never route off the machine.
const NAT_AUTOSTART = '/etc/libvirt/qemu/networks/autostart/default.xml';

export interface StartedDaemon {
  name: string;
  pid: number;
}

export interface LibvirtHost {
  /** Daemons this process started (and will stop); ones already running are left alone. */
  started: StartedDaemon[];
  /** Stops the started daemons, then removes libvirt's firewall chains if they were not there before. */
  stop(): Promise<void>;
}

// True while pid is a live (not zombie) process named name: guards against a reused PID.
function runs(pid: number, name: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.startsWith(`${pid} (${name}) `) && stat.split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

function livePid(pidFile: string, name: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && runs(pid, name) ? pid : undefined;
}

async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new LabError('LIBVIRT_TIMEOUT', `Timed out after ${ms / 1000}s waiting for ${what}`, {
        hint: 'Look at /var/log/libvirt/libvirtd.log.',
      });
    await new Promise((r) => setTimeout(r, 200));
  }
}

// True when `virsh -c qemu:///system list` answers.
export async function libvirtAnswers(): Promise<boolean> {
  const r = await execa('virsh', ['-c', LIBVIRT_URI, 'list', '--all'], { reject: false, timeout: 10_000 });
  return r.exitCode === 0;
}

// Starts whichever of virtlogd, virtlockd and libvirtd is not running, and waits until virsh answers.
export async function startLibvirt(): Promise<LibvirtHost> {
  for (const d of DAEMONS) {
    if (!existsSync(d.bin)) {
      throw new LabError('LIBVIRT_MISSING', `${d.bin} is not installed`, {
        hint: 'apt-get install libvirt-daemon-system libvirt-clients dnsmasq-base iptables',
      });
    }
  }
  if (existsSync(NAT_AUTOSTART)) unlinkSync(NAT_AUTOSTART);
  const started: StartedDaemon[] = [];
  const hadChains = (await libvirtChains()).length > 0;
  const stop = async () => {
    const stoppedLibvirtd = started.some((d) => d.name === 'libvirtd');
    await stopLibvirt(started);
    if (stoppedLibvirtd && !hadChains) await removeEmptyLibvirtChains();
  };
  const host: LibvirtHost = { started, stop };
  try {
    for (const d of DAEMONS) {
      if (livePid(d.pidFile, d.name)) continue;
      await execa(d.bin, ['-d'], { timeout: 30_000 });
      const pid = await waitFor(`${d.pidFile}`, 15_000, () => livePid(d.pidFile, d.name));
      started.push({ name: d.name, pid });
    }
    await waitFor(`virsh -c ${LIBVIRT_URI} list`, 30_000, async () =>
      (await libvirtAnswers()) ? true : undefined,
    );
  } catch (e) {
    await host.stop();
    throw e;
  }
  return host;
}

// Stops daemons recorded by startLibvirt (also from another process): SIGTERM in reverse start order,
// SIGKILL after 15 s; a PID is signalled only while it still names its daemon.
export async function stopLibvirt(started: StartedDaemon[]): Promise<void> {
  for (const d of started.splice(0).reverse()) {
    const alive = () => runs(d.pid, d.name);
    if (!alive()) continue;
    process.kill(d.pid, 'SIGTERM');
    try {
      await waitFor(`${d.name} (pid ${d.pid}) to exit`, 15_000, () => (alive() ? undefined : true));
    } catch {
      if (alive()) process.kill(d.pid, 'SIGKILL');
    }
  }
}

// libvirtd adds LIBVIRT_* chains (and jumps to them from INPUT, FORWARD, OUTPUT, POSTROUTING) to the
// filter, nat and mangle tables of iptables and ip6tables the first time it starts a network, and never
// removes them. Empty, they change nothing; still, a host we found without them is left without them.
const FIREWALL = ['iptables', 'ip6tables'].flatMap((bin) =>
  ['filter', 'nat', 'mangle'].map((table) => ({ bin, table })),
);

async function rules(bin: string, table: string): Promise<string[]> {
  const r = await execa(bin, ['-w', '5', '-t', table, '-S'], { reject: false, timeout: 15_000 });
  return r.exitCode === 0 ? r.stdout.split('\n') : [];
}

async function libvirtChains(): Promise<string[]> {
  const found: string[] = [];
  for (const { bin, table } of FIREWALL) {
    for (const line of await rules(bin, table))
      if (/^-N LIBVIRT_/.test(line)) found.push(`${bin} ${table} ${line}`);
  }
  return found;
}

// Removes a table's LIBVIRT_* chains and the jumps to them, only when every such chain is empty.
export async function removeEmptyLibvirtChains(): Promise<void> {
  for (const { bin, table } of FIREWALL) {
    const lines = await rules(bin, table);
    if (lines.some((l) => /^-A LIBVIRT_/.test(l))) continue;
    const run = (args: string[]) =>
      execa(bin, ['-w', '5', '-t', table, ...args], { reject: false, timeout: 15_000 });
    for (const l of lines) {
      const jump = /^-A (\S+) -j (LIBVIRT_\w+)$/.exec(l);
      if (jump) await run(['-D', jump[1]!, '-j', jump[2]!]);
    }
    for (const l of lines) {
      const chain = /^-N (LIBVIRT_\w+)$/.exec(l);
      if (chain) await run(['-X', chain[1]!]);
    }
  }
}
