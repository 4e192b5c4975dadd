// libvirt's daemons started by hand and stopped by PID, as the Vagrant end-to-end test does on CI.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { libvirtAnswers, startLibvirt } from '../../scripts/providers/vagrant/libvirt-host.ts';

function reason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync('/usr/sbin/libvirtd')) return 'libvirt-daemon-system is not installed';
  if (existsSync('/run/libvirtd.pid')) {
    const pid = readFileSync('/run/libvirtd.pid', 'utf8').trim();
    if (existsSync(`/proc/${pid}`))
      return `libvirtd already runs here (pid ${pid}): this test only checks a cold start`;
  }
  return undefined;
}

// A stopped daemon is gone or a zombie waiting for init (it was reparented when it daemonized).
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

const chains = async () =>
  (await execa('iptables', ['-w', '5', '-S'], { reject: false })).stdout.includes('LIBVIRT_');

describe.skipIf(reason())(
  `libvirt daemons without systemd${reason() ? ` (skipped: ${reason()})` : ''}`,
  () => {
    it('starts virtlogd, virtlockd and libvirtd, answers virsh, and stops exactly those PIDs', async () => {
      const chainsBefore = await chains();
      const t0 = Date.now();
      const host = await startLibvirt();
      const pids = host.started.map((d) => d.pid);
      try {
        expect(host.started.map((d) => d.name)).toEqual(['virtlogd', 'virtlockd', 'libvirtd']);
        expect(await libvirtAnswers()).toBe(true);
        // An isolated network makes libvirtd add its firewall chains, as vagrant-libvirt's networks do.
        const xml =
          "<network><name>nclab-probe</name><bridge name='virbr-nclabp'/><ip address='10.0.96.1' netmask='255.255.255.0'/></network>";
        const file = `/tmp/nclab-probe-${process.pid}.xml`;
        writeFileSync(file, xml);
        await execa('virsh', ['-c', 'qemu:///system', 'net-create', file], { timeout: 30_000 });
        rmSync(file);
        await execa('virsh', ['-c', 'qemu:///system', 'net-destroy', 'nclab-probe'], { timeout: 30_000 });
        expect(Date.now() - t0).toBeLessThan(20_000);
      } finally {
        await host.stop();
      }
      expect(pids).toHaveLength(3);
      for (const pid of pids) expect(alive(pid)).toBe(false);
      expect(await libvirtAnswers()).toBe(false);
      expect(await chains()).toBe(chainsBefore);
    }, 60_000);
  },
);
