import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLabFile, REPO_ROOT } from '../../../scripts/core/model.ts';
import type { PreflightResult } from '../../../scripts/providers/types.ts';
import { cpuHasVirtualization } from '../../../scripts/providers/vagrant/host.ts';
import {
  detectVagrant,
  resolveLibvirtDriver,
  vagrantPreflight,
} from '../../../scripts/providers/vagrant/preflight.ts';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/vagrant');
const lab = loadLabFile('tp').lab;
const KEYS = [
  'PATH',
  'FAKE_VAGRANT_DIR',
  'FAKE_VBOX_VERSION',
  'LAB_LIBVIRT_DRIVER',
  'VAGRANT_DEFAULT_PROVIDER',
] as const;
let saved: Record<string, string | undefined>;
let dir: string;

/** The host as the test wants it: which fakes are on PATH (vagrant scenario, VirtualBox version). */
function host(opts: { vagrant?: string; vbox?: string; env?: Record<string, string> }) {
  const bins = [opts.vagrant && join(FIXTURES, 'bin'), opts.vbox && join(FIXTURES, 'vbox-bin'), dir];
  // Only the fakes and the tools they use (dir): the host's own vagrant or VBoxManage must not answer.
  process.env.PATH = bins.filter(Boolean).join(':');
  if (opts.vagrant) process.env.FAKE_VAGRANT_DIR = join(FIXTURES, 'scenarios', opts.vagrant);
  if (opts.vbox) process.env.FAKE_VBOX_VERSION = opts.vbox;
  Object.assign(process.env, opts.env ?? {});
}

beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  for (const k of KEYS.slice(1)) delete process.env[k];
  dir = mkdtempSync(join(tmpdir(), 'preflight-test-'));
  for (const tool of ['bash', 'cat', 'grep', 'sed', 'sleep']) symlinkSync(which(tool), join(dir, tool));
});
afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(dir, { recursive: true, force: true });
});

const byId = (results: PreflightResult[]): Record<string, PreflightResult> =>
  Object.fromEntries(results.map((r) => [r.id, r]));
const which = (tool: string) => execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();

describe('vagrantPreflight', () => {
  it('stops at a missing vagrant with how to install it', async () => {
    host({});
    const results = await vagrantPreflight(lab);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ id: 'vagrant', ok: false });
    expect(results[0]!.hint).toContain('Install Vagrant');
  });

  it('prints the exact networks.conf line when VirtualBox 7 would refuse the lab subnet', async () => {
    host({ vagrant: 'libvirt-new', vbox: '7.0.14r161095' });
    const conf = join(dir, 'networks.conf');
    writeFileSync(conf, '* 192.168.56.0/21\n');
    const r = byId(await vagrantPreflight(lab, { networksConf: conf, freeMiB: 100_000 }));
    expect(r['vagrant-provider']).toMatchObject({ ok: true, message: 'Vagrant will use virtualbox' });
    expect(r['vbox-networks']).toMatchObject({ ok: false });
    expect(r['vbox-networks']!.hint).toMatch(/: \* 10\.0\.2\.0\/24$/);
    writeFileSync(conf, '* 192.168.56.0/21\n* 10.0.2.0/24\n');
    expect(byId(await vagrantPreflight(lab, { networksConf: conf }))['vbox-networks']).toMatchObject({
      ok: true,
    });
  });

  it('treats a missing networks.conf as VirtualBox does (only 192.168.56.0/21)', async () => {
    host({ vagrant: 'libvirt-new', vbox: '6.1.38_Debianr153438' });
    const r = byId(await vagrantPreflight(lab, { networksConf: join(dir, 'absent.conf') }));
    expect(r['vbox-networks']).toMatchObject({ ok: false });
  });

  it('does not check networks.conf before VirtualBox 6.1.28', async () => {
    host({ vagrant: 'libvirt-new', vbox: '6.1.26r145957' });
    const r = byId(await vagrantPreflight(lab, { networksConf: join(dir, 'absent.conf') }));
    expect(r['vbox-networks']).toBeUndefined();
  });

  it('requires VT-x/AMD-V for VirtualBox exactly when this CPU lacks it', async () => {
    host({ vagrant: 'libvirt-new', vbox: '7.0.14r161095' });
    const r = byId(await vagrantPreflight(lab, { freeMiB: 100_000 }));
    expect(r.virtualization!.ok).toBe(cpuHasVirtualization(readFileSync('/proc/cpuinfo', 'utf8')));
    expect(r.virtualization!.warning).toBeUndefined();
  });

  it('warns (does not fail) when libvirt must fall back to QEMU TCG, and counts its memory', async () => {
    host({ vagrant: 'libvirt-new', env: { LAB_LIBVIRT_DRIVER: 'qemu' } });
    const r = byId(await vagrantPreflight(lab, { provider: 'libvirt', freeMiB: 8000 }));
    expect(r.virtualization).toMatchObject({ ok: false, warning: true });
    // The lab keeps libvirt's NAT management network: nothing to check about it.
    expect(r['libvirt-management']).toBeUndefined();
    // An isolating lab: no virsh on this test's PATH, so no network yet; vagrant-libvirt creates it isolated.
    const isolating = { ...lab, libvirt: { ...lab.libvirt, managementNetwork: 'isolated' as const } };
    expect(
      byId(await vagrantPreflight(isolating, { provider: 'libvirt', freeMiB: 8000 }))['libvirt-management'],
    ).toMatchObject({
      ok: true,
      message: expect.stringContaining('created isolated'),
    });
    expect(r.memory).toMatchObject({ ok: false });
    expect(r.memory!.message).toContain('need 11264 MiB');
    expect(byId(await vagrantPreflight(lab, { provider: 'libvirt', freeMiB: 12000 })).memory!.ok).toBe(true);
  });
});

describe('detectVagrant and the libvirt driver', () => {
  it('finds VirtualBox first', async () => {
    host({ vagrant: 'libvirt-new', vbox: '7.0.14r161095' });
    expect(await detectVagrant()).toMatchObject({ usable: true, provider: 'virtualbox' });
  });

  it('says why nothing is usable: no VBoxManage, no vagrant-libvirt plugin', async () => {
    host({ vagrant: 'no-plugin' });
    const d = await detectVagrant();
    expect(d.usable).toBe(false);
    expect(d.reason).toContain('VBoxManage is not installed');
    expect(d.reason).toContain('the vagrant-libvirt plugin is not installed');
  });

  it('keeps the lab file choice, and follows LAB_LIBVIRT_DRIVER for auto', () => {
    expect(resolveLibvirtDriver(lab, { LAB_LIBVIRT_DRIVER: 'qemu' }).driver).toBe('qemu');
    expect(resolveLibvirtDriver(lab, { LAB_LIBVIRT_DRIVER: 'kvm' }).driver).toBe('kvm');
    const fixed = { ...lab, libvirt: { ...lab.libvirt, driver: 'kvm' as const } };
    expect(resolveLibvirtDriver(fixed, { LAB_LIBVIRT_DRIVER: 'qemu' }).driver).toBe('kvm');
  });
});
