// End to end on real Vagrant: libvirt daemons started by hand, the offline box built locally, the tp
// data tier (db1, db2, router: three QEMU VMs) up and provisioned by the engine, verified, saved with
// `vagrant snapshot` and restored to it, a power-cut db node back Synced by itself, and destroy leaving
// no domain, network, volume, bridge or process behind.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBox } from '../../scripts/box/build.ts';
import { DEFAULT_BOX_NAME, poolVolumePrefix } from '../../scripts/box/recipe.ts';
import { REPO_ROOT } from '../../scripts/core/model.ts';
import { waitFor } from '../../scripts/providers/nspawn/exec.ts';
import { LIBVIRT_URI, type LibvirtHost, startLibvirt } from '../../scripts/providers/vagrant/libvirt-host.ts';
import { json, lab, labOk, notPassing } from './harness.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/labs/vagrant-tp.yaml');
const LAB = ['--lab', FIXTURE, '--provider', 'vagrant'];
const ONLY = ['--only', 'db,router'];
// vagrant-libvirt names domains and disks <directory of the Vagrantfile>_<node>: .lab/vagrant-tp/.
const PREFIX = 'vagrant-tp_';
const DATA_TIERS = ['machines', 'data', 'router', 'redis'];
// tp has one router and no router VIP: that check skips by design.
const NO_VIP = (c: { id: string }) => c.id === 'router.vip';
const MIN = 60_000;

type Report = {
  ok: boolean;
  checks: { id: string; tier: string; status: 'pass' | 'fail' | 'skip'; summary: string }[];
};

/** Why this test cannot run here, or undefined. */
function skipReason(): string | undefined {
  if (process.env.LAB_SKIP_VAGRANT_E2E) return 'LAB_SKIP_VAGRANT_E2E is set';
  if (process.platform !== 'linux' || process.getuid?.() !== 0)
    return 'needs root on Linux (debootstrap, loop devices, libvirt)';
  const tools = [
    '/usr/bin/qemu-system-x86_64',
    '/usr/bin/qemu-img',
    '/usr/sbin/libvirtd',
    '/usr/bin/virsh',
    '/usr/bin/vagrant',
  ];
  const more = [
    '/usr/sbin/debootstrap',
    '/usr/bin/extlinux',
    '/usr/lib/syslinux/mbr/mbr.bin',
    '/usr/sbin/dnsmasq',
    '/usr/sbin/iptables',
  ];
  const missing = [...tools, ...more].filter((t) => !existsSync(t));
  if (missing.length > 0) return `missing ${missing.join(', ')} (the apt-get line of .ci/run installs them)`;
  if (
    !existsSync('/usr/share/rubygems-integration/all/specifications') ||
    !readdirSync('/usr/share/rubygems-integration/all/specifications').some((f) =>
      f.startsWith('vagrant-libvirt'),
    )
  ) {
    return 'the vagrant-libvirt plugin is missing (apt-get install vagrant-libvirt)';
  }
  if (!existsSync(join(REPO_ROOT, 'scripts/providers/vagrant/provider.ts')))
    return 'the Vagrant provider (scripts/providers/vagrant/provider.ts) does not exist yet';
  return undefined;
}

async function virsh(args: string[]): Promise<string[]> {
  const r = await execa('virsh', ['-c', LIBVIRT_URI, ...args], { timeout: 30_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** What the host has now that a lab could leave behind: libvirt objects, bridges and QEMU/dnsmasq processes. */
async function hostObjects(): Promise<Set<string>> {
  const found = new Set<string>();
  for (const d of await virsh(['list', '--all', '--name'])) found.add(`domain ${d}`);
  for (const n of await virsh(['net-list', '--all', '--name'])) found.add(`network ${n}`);
  const pools = await virsh(['pool-list', '--all', '--name']);
  if (pools.includes('default')) {
    // virsh 9.0's vol-list has no --name: skip the two header lines, take the first column.
    const volumes = (await virsh(['vol-list', 'default'])).slice(2).map((l) => l.split(/\s+/)[0]!);
    for (const v of volumes) if (!v.startsWith(poolVolumePrefix(DEFAULT_BOX_NAME))) found.add(`volume ${v}`);
  }
  for (const link of readdirSync('/sys/class/net')) if (/^(virbr|vnet)/.test(link)) found.add(`link ${link}`);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const cmd = readProc(pid);
    if (/qemu-system|dnsmasq.*libvirt/.test(cmd)) found.add(`process ${pid} ${cmd.slice(0, 80)}`);
  }
  return found;
}

function readProc(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

const reason = skipReason();
const timings: Record<string, number> = {};
// The steps build on each other: after one fails, the rest are skipped instead of burning VM minutes.
let failedStep: string | undefined;
function step(name: string, fn: () => Promise<void>, timeoutMs: number): void {
  it(
    name,
    async (ctx) => {
      if (failedStep) ctx.skip(`an earlier step failed: ${failedStep}`);
      failedStep = name;
      await fn();
      failedStep = undefined;
    },
    timeoutMs,
  );
}

describe.skipIf(reason)(
  `tp data tier on real Vagrant (libvirt, QEMU)${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let host: LibvirtHost | undefined;
    let before = new Set<string>();

    beforeAll(async () => {
      host = await startLibvirt();
      const box = await buildBox({ onProgress: (m) => process.stderr.write(`box: ${m}\n`) });
      timings.boxSeconds = box.seconds;
      timings.boxCached = box.cached ? 1 : 0;
      await lab(['destroy', ...LAB]);
      before = await hostObjects();
    }, 40 * MIN);

    afterAll(async () => {
      await lab(['destroy', ...LAB]);
      // A failed destroy must not leave VMs running on a shared machine: remove what carries the lab's prefix.
      for (const d of (await virsh(['list', '--all', '--name']).catch(() => [])).filter((n) =>
        n.startsWith(PREFIX),
      )) {
        await execa('virsh', ['-c', LIBVIRT_URI, 'destroy', d], { reject: false, timeout: 60_000 });
        await execa('virsh', ['-c', LIBVIRT_URI, 'undefine', d, '--remove-all-storage'], {
          reject: false,
          timeout: 60_000,
        });
      }
      await host?.stop();
      mkdirSync(join(REPO_ROOT, '.lab'), { recursive: true });
      writeFileSync(
        join(REPO_ROOT, '.lab/vagrant-e2e-timings.json'),
        `${JSON.stringify({ at: new Date().toISOString(), ...timings }, null, 2)}\n`,
      );
      process.stderr.write(`vagrant e2e timings: ${JSON.stringify(timings)}\n`);
    }, 15 * MIN);

    const verifyData = async () => {
      const r = await lab(['verify', ...LAB, '--json']);
      const report = json<Report>(r);
      return { code: r.code, data: { checks: report.checks.filter((c) => DATA_TIERS.includes(c.tier)) } };
    };

    step(
      'brings three VMs up from the local box, then provisions them with the real roles',
      async () => {
        const machines = await labOk(['up', ...LAB, ...ONLY, '--machines-only']);
        timings.vmsUpMs = machines.ms;
        const t0 = Date.now();
        const up = json<{ nodes: string[]; changes: number }>(await labOk(['up', ...LAB, ...ONLY, '--json']));
        timings.provisionMs = Date.now() - t0;
        expect(up.nodes.sort()).toEqual(['db1', 'db2', 'router']);
        expect(up.changes).toBeGreaterThan(0);
        const domains = (await virsh(['list', '--name'])).filter((d) => d.startsWith(PREFIX));
        expect(domains.sort()).toEqual([`${PREFIX}db1`, `${PREFIX}db2`, `${PREFIX}router`]);
      },
      25 * MIN,
    );

    step(
      'passes every data-tier check of lab:verify',
      async () => {
        const { code, data } = await verifyData();
        expect(notPassing(data, NO_VIP)).toEqual([]);
        expect(data.checks.filter((c) => c.status === 'pass').length).toBeGreaterThanOrEqual(6);
        expect(code).toBe(0);
      },
      5 * MIN,
    );

    step(
      'snapshot save, a change, restore: the change is gone and the data tier verifies',
      async () => {
        const snap = ['snapshot', ...LAB, ...ONLY];
        const sql = (node: string, query: string) =>
          lab(['ssh', ...LAB, '--node', node, '--', 'sudo', 'mysql', '-N', '-e', query]);
        const saved = await labOk([...snap, 'save', 's1', '--json']);
        timings.snapshotSaveMs = saved.ms;
        const save = json<{ mode: string; nodes: string[]; only: string[] }>(saved);
        expect(save.mode).toBe('halted');
        expect(save.nodes.sort()).toEqual(['db1', 'db2', 'router']);
        expect(save.only).toEqual(['db', 'router']);
        expect(notPassing((await verifyData()).data, NO_VIP)).toEqual([]);
        // What a student does after the snapshot: a database on the cluster, a file on the router.
        expect((await sql('db1', 'CREATE DATABASE after_snapshot')).code).toBe(0);
        await labOk(['ssh', ...LAB, '--node', 'router', '--', 'sudo', 'touch', '/root/after-snapshot']);
        const t0 = Date.now();
        // The restore ends with every check of `lab verify` (exit 1 when one fails).
        const restored = json<{ ok: boolean; verify: Report }>(
          await labOk(['snapshot', ...LAB, 'restore', 's1', '--json']),
        );
        timings.snapshotRestoreMs = Date.now() - t0;
        expect(restored.ok).toBe(true);
        const data = { checks: restored.verify.checks.filter((c) => DATA_TIERS.includes(c.tier)) };
        expect(notPassing(data, NO_VIP)).toEqual([]);
        for (const node of ['db1', 'db2'])
          expect((await sql(node, "SHOW DATABASES LIKE 'after_snapshot'")).stdout.trim(), node).toBe('');
        const gone = await lab([
          'ssh',
          ...LAB,
          '--node',
          'router',
          '--',
          'sudo',
          'test',
          '-e',
          '/root/after-snapshot',
        ]);
        expect(gone.code).toBe(1);
        await labOk(['snapshot', ...LAB, 'delete', 's1']);
        expect(
          json<{ snapshots: unknown[] }>(await labOk(['snapshot', ...LAB, 'list', '--json'])).snapshots,
        ).toEqual([]);
        for (const node of ['db1', 'db2', 'router'])
          expect(await virsh(['snapshot-list', `${PREFIX}${node}`, '--name']), node).toEqual([]);
      },
      30 * MIN,
    );

    step(
      'a power-cut db2 comes back Synced',
      async () => {
        await labOk(['halt', ...LAB, '--node', 'db2', '--force']);
        expect(await virsh(['domstate', `${PREFIX}db2`])).toEqual(['shut off']);
        expect((await verifyData()).code).toBe(1);
        const t0 = Date.now();
        await labOk(['start', ...LAB, '--node', 'db2']);
        timings.db2StartMs = Date.now() - t0;
        // It rejoins by itself, as after a real power cut (no `up` re-run): MariaDB starts at boot and
        // joins by IST. Polled until Synced.
        const galeraState = () =>
          lab([
            'ssh',
            ...LAB,
            '--node',
            'db2',
            '--',
            'sudo',
            'mysql',
            '-N',
            '-e',
            "SHOW STATUS LIKE 'wsrep_local_state_comment'",
          ]);
        const synced = /wsrep_local_state_comment\s+Synced/;
        let state = '';
        await waitFor(
          async () => {
            state = (await galeraState()).stdout;
            return synced.test(state);
          },
          10 * MIN - (Date.now() - t0),
          5000,
        );
        timings.db2BackMs = Date.now() - t0;
        expect(state).toMatch(synced);
        expect(notPassing((await verifyData()).data, NO_VIP)).toEqual([]);
      },
      20 * MIN,
    );

    it(
      'destroy leaves no domain, network, volume, bridge or process behind',
      async () => {
        const t0 = Date.now();
        await labOk(['destroy', ...LAB]);
        timings.destroyMs = Date.now() - t0;
        const after = await hostObjects();
        expect([...after].filter((o) => !before.has(o))).toEqual([]);
        expect([...after].filter((o) => o.includes(PREFIX))).toEqual([]);
      },
      10 * MIN,
    );
  },
);
