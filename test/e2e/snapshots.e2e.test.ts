// End to end on nspawn: snapshot save / restore / reset bring a Galera lab back to the saved moment and
// verify; two small labs run side by side, and destroying one (or a same-named lab elsewhere) leaves the other.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bridgeName } from '../../scripts/providers/nspawn/naming.ts';
import { json, lab, labOk, leftovers, notPassing, nspawnSkipReason, stopRunningLabs } from './harness.ts';

const skipReason = nspawnSkipReason();
const fixture = (name: string) => ['--lab', `test/fixtures/labs/${name}.yaml`, '--provider', 'nspawn'];
const SNAP = fixture('snap-e2e');
const SNAP_NODES = ['router1', 'db1', 'db2', 'db3'];
type Report = {
  ok: boolean;
  checks: { id: string; tier: string; status: 'pass' | 'fail' | 'skip'; summary: string }[];
};
/** What `snapshot restore` and `reset` print with --json: back up, then verified. */
type Restored = { ok: boolean; provisioned: boolean; ms: number; verify: Report };
/** Timings of this run, printed at the end (the README quotes them). */
const took: Record<string, number> = {};

const cgroupsLeft = (name: string) =>
  ['unified', 'systemd', 'memory'].map((h) => `/sys/fs/cgroup/${h}/${name}`).filter((d) => existsSync(d));

// What snap-e2e must show after every restore: the machines, Galera, the router and Redis (router.vip
// skips: one router has no VIP).
const SNAP_CHECKS = [
  'machines.running',
  'data.galera-cluster',
  'data.write-through-router',
  'router.single-writer',
  'redis.agree',
  'redis.sentinel-quorum',
  'router.redis-primary',
];
const failedOf = (report: Report) =>
  SNAP_CHECKS.filter((id) => report.checks.find((c) => c.id === id)?.status !== 'pass').concat(
    notPassing(report, () => true),
  );

const verify = async (args: string[]) => {
  const r = await lab(['verify', ...args, '--json']);
  return { code: r.code, report: json<Report>(r), ms: r.ms };
};

const ssh = (node: string, ...command: string[]) => labOk(['ssh', ...SNAP, '--node', node, '--', ...command]);

describe.skipIf(skipReason)(
  `snapshots and labs side by side on nspawn${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  { timeout: 10 * 60_000 },
  () => {
    beforeAll(async () => {
      for (const l of ['snap-e2e', 'side-a', 'side-b']) await lab(['destroy', ...fixture(l)]);
    });
    afterEach(stopRunningLabs);
    afterAll(async () => {
      for (const l of ['snap-e2e', 'side-a', 'side-b']) await lab(['destroy', ...fixture(l)]);
      process.stderr.write(`snapshots e2e timings (ms): ${JSON.stringify(took)}\n`);
      expect(leftovers('snap-e2e', SNAP_NODES)).toEqual([]);
      expect(leftovers('side-a', ['alpha', 'beta'])).toEqual([]);
      expect(leftovers('side-b', ['alpha'])).toEqual([]);
    });

    const probePassword = async () =>
      json<{ DB_PROBE_PASSWORD: string }>(await labOk(['creds', ...SNAP, '--json'])).DB_PROBE_PASSWORD;
    // A row written as a user would: through the router to the Galera writer.
    const writeRow = async (id: string) =>
      ssh(
        'db1',
        'mysql',
        '-h',
        '10.0.113.34',
        '-u',
        'labprobe',
        `-p${await probePassword()}`,
        'labprobe',
        '-e',
        `INSERT INTO checks (id, written_via) VALUES ('${id}', 'snapshot-e2e')`,
      );
    const rowCount = async (node: string, id: string) =>
      Number(
        (
          await ssh(node, 'mysql', '-N', '-e', `SELECT COUNT(*) FROM labprobe.checks WHERE id='${id}'`)
        ).stdout.trim(),
      );
    const xattr = async () =>
      (await ssh('db2', 'getfattr', '--only-values', '-n', 'trusted.lab.snap', '/root/probe')).stdout.trim();

    it('up --snapshot takes the `up` snapshot once, and the lab verifies', async () => {
      const first = await labOk(['up', ...SNAP, '--snapshot', '--json']);
      took.up = first.ms;
      const r = json<{ snapshot: { taken: boolean; ms: number } }>(first);
      expect(r.snapshot.taken).toBe(true);
      took.upSnapshot = r.snapshot.ms;
      const again = json<{ changes: number; snapshot: { taken: boolean; reason: string } }>(
        await labOk(['up', ...SNAP, '--snapshot', '--json']),
      );
      expect(again.changes).toBe(0);
      expect(again.snapshot).toMatchObject({ taken: false, reason: expect.stringMatching(/stays/) });
      const v = await verify(SNAP);
      expect(failedOf(v.report)).toEqual([]);
      expect(v.code).toBe(0);
    });

    it('snapshot save, a change, restore: the change is gone, Galera and xattrs come back, verify passes', async () => {
      await writeRow('before-save');
      await ssh(
        'db2',
        'sh',
        '-c',
        'echo one > /root/probe && setfattr -n trusted.lab.snap -v one /root/probe',
      );
      const save = await labOk(['snapshot', 'save', 's1', ...SNAP, '--json']);
      const meta = json<{ ms: number; pausedMs: number; bytes: number; mode: string }>(save);
      expect(meta.mode).toBe('frozen');
      took.save = meta.ms;
      took.savePaused = meta.pausedMs;
      took.saveBytes = meta.bytes;
      // The lab runs on after the freeze.
      expect(failedOf((await verify(SNAP)).report)).toEqual([]);
      await writeRow('after-save');
      await ssh(
        'db2',
        'sh',
        '-c',
        'echo two > /root/probe && setfattr -n trusted.lab.snap -v two /root/probe',
      );
      await ssh('router1', 'touch', '/root/after-save');
      const restore = await labOk(['snapshot', 'restore', 's1', ...SNAP, '--json']);
      took.restoreVerify = restore.ms;
      // Frozen with this lab file and provision/: booted, every service back by itself, nothing
      // provisioned; the restore ends with the checks of `lab verify`, all passing.
      const restored = json<Restored>(restore);
      expect(restored).toMatchObject({ ok: true, provisioned: false });
      took.restore = restored.ms;
      expect(failedOf(restored.verify)).toEqual([]);
      for (const node of ['db1', 'db2', 'db3']) {
        expect(await rowCount(node, 'before-save'), node).toBe(1);
        expect(await rowCount(node, 'after-save'), node).toBe(0);
      }
      expect((await ssh('db2', 'cat', '/root/probe')).stdout.trim()).toBe('one');
      expect(await xattr()).toBe('one');
      const gone = await lab(['ssh', ...SNAP, '--node', 'router1', '--', 'test', '-e', '/root/after-save']);
      expect(gone.code).toBe(1);
      const list = json<{ snapshots: { name: string }[] }>(
        await labOk(['snapshot', 'list', ...SNAP, '--json']),
      );
      expect(list.snapshots.map((s) => s.name).sort()).toEqual(['s1', 'up']);
    });

    it('lab reset goes back to the lab as up left it', async () => {
      const reset = await labOk(['reset', ...SNAP, '--json']);
      took.resetVerify = reset.ms;
      const first = json<Restored>(reset);
      took.reset = first.ms;
      expect(first).toMatchObject({ ok: true, provisioned: false });
      expect(failedOf(first.verify)).toEqual([]);
      // The lab booted from the snapshot is the provisioned one: an up finds nothing to change.
      expect(json<{ changes: number }>(await labOk(['up', ...SNAP, '--json'])).changes).toBe(0);
      expect(await rowCount('db3', 'before-save')).toBe(0);
      expect((await lab(['ssh', ...SNAP, '--node', 'db2', '--', 'test', '-e', '/root/probe'])).code).toBe(1);
      // That first boot of the up snapshot recorded where each db node's disk recovers to; a second
      // reset hands it to mariadb, which then starts without a --wsrep-recover run, and the lab verifies.
      const recorded = json<{ snapshots: { name: string; galeraStart?: Record<string, string> }[] }>(
        await labOk(['snapshot', 'list', ...SNAP, '--json']),
      ).snapshots.find((s) => s.name === 'up');
      expect(Object.keys(recorded?.galeraStart ?? {}).sort()).toEqual(['db1', 'db2', 'db3']);
      const again = await labOk(['reset', ...SNAP, '--json']);
      took.resetAgainVerify = again.ms;
      const second = json<Restored>(again);
      expect(second).toMatchObject({ ok: true, provisioned: false });
      expect(failedOf(second.verify)).toEqual([]);
      // An independent verify, in a process of its own, agrees.
      expect(failedOf((await verify(SNAP)).report)).toEqual([]);
      for (const node of ['db1', 'db2', 'db3']) {
        const log = await ssh(node, 'journalctl', '-b', '-u', 'mariadb', '-o', 'cat', '--no-pager');
        expect(log.stdout, node).toContain('from the restored snapshot (no --wsrep-recover run)');
        expect(log.stdout, node).not.toContain('WSREP: Recovered position');
        expect(await rowCount(node, 'before-save'), node).toBe(0);
      }
      await labOk(['snapshot', 'delete', 's1', ...SNAP]);
      const list = json<{ snapshots: { name: string }[] }>(
        await labOk(['snapshot', 'list', ...SNAP, '--json']),
      );
      expect(list.snapshots.map((s) => s.name)).toEqual(['up']);
      await labOk(['destroy', ...SNAP]);
      expect(leftovers('snap-e2e', SNAP_NODES)).toEqual([]);
      expect(cgroupsLeft('snap-e2e')).toEqual([]);
      expect(existsSync('.lab/snap-e2e/snapshots')).toBe(false);
    });

    it('two labs side by side: both verify, status --all lists both, one destroyed leaves the other', async () => {
      const A = fixture('side-a');
      const B = fixture('side-b');
      // side-a takes snap-e2e's subnet: the reset test destroys snap-e2e, but not when it failed first.
      await lab(['destroy', ...SNAP]);
      const t0 = Date.now();
      await Promise.all([labOk(['up', ...A, '--no-snapshot']), labOk(['up', ...B, '--no-snapshot'])]);
      took.sideBySideUp = Date.now() - t0;
      expect((await verify(A)).code).toBe(0);
      expect((await verify(B)).code).toBe(0);
      type All = { labs: { name: string; state: string; running: number; memory?: { bytes: number } }[] };
      const all = json<All>(await labOk(['status', '--all', '--json']));
      for (const [name, running] of [
        ['side-a', 2],
        ['side-b', 1],
      ] as const) {
        const row = all.labs.find((l) => l.name === name);
        expect(row, name).toMatchObject({ state: 'running', running });
        expect(row?.memory?.bytes, name).toBeGreaterThan(1024 * 1024);
      }
      // A checkout with no state of side-b (another clone) must not touch the running side-b.
      const elsewhere = mkdtempSync(join(tmpdir(), 'other-checkout-'));
      try {
        const r = await labOk(['destroy', ...B], { LAB_STATE_DIR: elsewhere });
        expect(r.stderr).toMatch(/left alone/);
        expect(existsSync(`/sys/class/net/${bridgeName('side-b')}`)).toBe(true);
        const taken = await lab(['up', ...B, '--no-snapshot'], { LAB_STATE_DIR: elsewhere });
        expect(taken.code).not.toBe(0);
        expect(taken.stderr).toMatch(/already runs on this host/);
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
      await labOk(['destroy', ...A]);
      expect(leftovers('side-a', ['alpha', 'beta'])).toEqual([]);
      expect(cgroupsLeft('side-a')).toEqual([]);
      expect((await verify(B)).code).toBe(0);
      const after = json<All>(await labOk(['status', '--all', '--json']));
      expect(after.labs.map((l) => l.name)).toContain('side-b');
      expect(after.labs.map((l) => l.name)).not.toContain('side-a');
      await labOk(['destroy', ...B]);
      expect(leftovers('side-b', ['alpha'])).toEqual([]);
      expect(cgroupsLeft('side-b')).toEqual([]);
    });
  },
);
