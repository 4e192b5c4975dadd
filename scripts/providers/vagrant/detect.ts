// Probes the host for Vagrant and its providers: read-only, each probe with a timeout.
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { isLabError } from '../../core/errors.ts';
import type { Lab } from '../../core/model.ts';
import type { LibvirtDriver } from '../../core/render.ts';
import { cpuHasVirtualization, libvirtForwardMode, parseVersion } from './host.ts';
import { runVagrant, type VagrantProviderName } from './run.ts';

export interface Probe<T = true> {
  ok: boolean;
  value?: T;
  reason: string;
}

/** `vagrant --version`, or why vagrant cannot run. */
export async function probeVagrant(): Promise<Probe<string>> {
  try {
    const { stdout } = await runVagrant(['--version'], {}, { timeoutMs: 60_000 });
    const version = /Vagrant (\S+)/.exec(stdout)?.[1];
    return version
      ? { ok: true, value: version, reason: `Vagrant ${version}` }
      : { ok: false, reason: `vagrant --version printed '${stdout.trim()}'` };
  } catch (e) {
    return { ok: false, reason: isLabError(e) ? e.message : String(e) };
  }
}

/** Names of the installed Vagrant plugins. */
export async function vagrantPlugins(): Promise<string[]> {
  const { records } = await runVagrant(['plugin', 'list'], {}, { timeoutMs: 60_000 });
  return records.filter((r) => r.type === 'plugin-name').map((r) => r.data[0] ?? '');
}

/** VirtualBox's version from `VBoxManage --version`. */
export async function probeVirtualBox(): Promise<Probe<number[]>> {
  const r = await execa('VBoxManage', ['--version'], { reject: false, timeout: 30_000, stdin: 'ignore' });
  const version = r.exitCode === 0 ? parseVersion(String(r.stdout)) : undefined;
  if (version) return { ok: true, value: version, reason: `VirtualBox ${String(r.stdout).trim()}` };
  return {
    ok: false,
    reason:
      r.failed && 'code' in r && r.code === 'ENOENT'
        ? 'VBoxManage is not installed'
        : `VBoxManage --version failed: ${String(r.stderr).trim() || r.exitCode}`,
  };
}

/** libvirt for Vagrant: the vagrant-libvirt plugin, and libvirtd answering on qemu:///system. */
export async function probeLibvirt(): Promise<Probe> {
  const plugins = await vagrantPlugins().catch(() => [] as string[]);
  if (!plugins.includes('vagrant-libvirt'))
    return { ok: false, reason: 'the vagrant-libvirt plugin is not installed' };
  const r = await execa('virsh', ['-c', 'qemu:///system', 'version'], {
    reject: false,
    timeout: 15_000,
    stdin: 'ignore',
  });
  if (r.exitCode === 0)
    return { ok: true, reason: 'vagrant-libvirt, and libvirtd answers on qemu:///system' };
  const why =
    r.failed && 'code' in r && r.code === 'ENOENT'
      ? 'virsh is not installed'
      : String(r.stderr).trim().split('\n')[0];
  return { ok: false, reason: `libvirtd does not answer on qemu:///system (${why || `exit ${r.exitCode}`})` };
}

/** Like kvm-ok: the CPU offers VT-x/AMD-V and /dev/kvm opens read-write. LAB_LIBVIRT_DRIVER=qemu|kvm overrides. */
export function probeKvm(env = process.env): Probe {
  if (env.LAB_LIBVIRT_DRIVER === 'qemu') return { ok: false, reason: 'LAB_LIBVIRT_DRIVER=qemu' };
  if (env.LAB_LIBVIRT_DRIVER === 'kvm') return { ok: true, reason: 'LAB_LIBVIRT_DRIVER=kvm' };
  if (process.platform !== 'linux') return { ok: false, reason: 'KVM exists on Linux only' };
  const cpuinfo = readText('/proc/cpuinfo');
  // A /dev/kvm without vmx/svm (e.g. a paravirtual KVM inside a cloud VM) cannot run ordinary guests.
  if (cpuinfo !== undefined && !cpuHasVirtualization(cpuinfo))
    return {
      ok: false,
      reason: 'the CPU shows no vmx/svm flag (no hardware virtualization, or nested virtualization is off)',
    };
  try {
    closeSync(openSync('/dev/kvm', constants.O_RDWR));
    return { ok: true, reason: '/dev/kvm opens read-write' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      reason:
        code === 'ENOENT'
          ? '/dev/kvm does not exist'
          : `/dev/kvm cannot be opened (${code}): add your user to the kvm group`,
    };
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The libvirt driver for a lab: the lab's own choice, else kvm where KVM works, else qemu (TCG). */
export function resolveLibvirtDriver(lab: Lab, env = process.env): { driver: LibvirtDriver; reason: string } {
  if (lab.libvirt.driver !== 'auto')
    return { driver: lab.libvirt.driver, reason: `the lab file sets libvirt.driver: ${lab.libvirt.driver}` };
  const kvm = probeKvm(env);
  return { driver: kvm.ok ? 'kvm' : 'qemu', reason: kvm.reason };
}

/** For `--provider auto`: whether Vagrant can run a lab here, and with which provider. */
export async function detectVagrant(): Promise<{
  usable: boolean;
  provider?: VagrantProviderName;
  reason: string;
}> {
  const vagrant = await probeVagrant();
  if (!vagrant.ok) return { usable: false, reason: vagrant.reason };
  const wanted = process.env.VAGRANT_DEFAULT_PROVIDER;
  const vbox = wanted === 'libvirt' ? undefined : await probeVirtualBox();
  if (vbox?.ok)
    return { usable: true, provider: 'virtualbox', reason: `${vagrant.reason} with ${vbox.reason}` };
  const libvirt = wanted === 'virtualbox' ? undefined : await probeLibvirt();
  if (libvirt?.ok)
    return { usable: true, provider: 'libvirt', reason: `${vagrant.reason} with ${libvirt.reason}` };
  const why = [vbox && `VirtualBox: ${vbox.reason}`, libvirt && `libvirt: ${libvirt.reason}`]
    .filter(Boolean)
    .join('; ');
  return { usable: false, reason: `${vagrant.reason} but no usable provider (${why})` };
}

/** The forward mode of an existing libvirt network (undefined: isolated or absent), read with virsh. */
export async function libvirtNetworkForward(name: string): Promise<{ exists: boolean; forward?: string }> {
  const r = await execa('virsh', ['-c', 'qemu:///system', 'net-dumpxml', name], {
    reject: false,
    timeout: 15_000,
    stdin: 'ignore',
  });
  if (r.exitCode !== 0) return { exists: false };
  return { exists: true, forward: libvirtForwardMode(String(r.stdout)) };
}
