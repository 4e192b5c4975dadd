// End to end on nspawn: the data tier of full-ha (db and router nodes) up, verified, re-run with no
// change, a power-cut db node rejoining, a whole-lab restart re-bootstrapped, and nothing left behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FULL_HA_NODES,
  json,
  lab,
  labInterrupted,
  labOk,
  leftovers,
  notPassing,
  nspawnSkipReason,
  stopRunningLabs,
} from './harness.ts';

const skipReason = nspawnSkipReason();
const LAB = ['--lab', 'full-ha', '--provider', 'nspawn'];
type Report = {
  ok: boolean;
  checks: { id: string; tier: string; status: 'pass' | 'fail' | 'skip'; summary: string }[];
};
const dataTiers = ['machines', 'data', 'router', 'redis'];

describe.skipIf(skipReason)(
  `full-ha data tier on nspawn${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  { timeout: 20 * 60_000 },
  () => {
    beforeAll(async () => {
      await lab(['destroy', ...LAB]);
    });
    // A test that timed out must not leave its `lab` process provisioning behind it.
    afterEach(stopRunningLabs);
    afterAll(async () => {
      await lab(['destroy', ...LAB]);
      expect(leftovers('full-ha', FULL_HA_NODES)).toEqual([]);
    });

    const verifyData = async () => {
      const r = await lab(['verify', ...LAB, '--json']);
      const report = json<Report>(r);
      const data = { checks: report.checks.filter((c) => dataTiers.includes(c.tier)) };
      return { code: r.code, data, report };
    };

    it('an up interrupted by Ctrl-C resumes where it stopped', async () => {
      const first = await labInterrupted(['up', ...LAB, '--only', 'db,router'], /▸ galera-join/);
      expect(first.interrupted).toBe(true);
      expect(first.code).not.toBe(0);
      const second = await labOk(['up', ...LAB, '--only', 'db,router']);
      expect(second.stderr).toMatch(/resuming the interrupted run/);
      // Finished steps are skipped; Galera, already Primary on the bootstrapped node, is not bootstrapped again.
      expect(second.stderr).toMatch(/db1 base apply\s+done in the interrupted run/);
      expect(second.stderr).toMatch(/Galera: no bootstrap/);
    });

    it('comes up with --only db,router and every data-tier check passes', async () => {
      const { code, data } = await verifyData();
      expect(notPassing(data)).toEqual([]);
      expect(data.checks.filter((c) => c.status === 'pass').length).toBeGreaterThanOrEqual(6);
      expect(code).toBe(0);
    });

    it('a second up changes nothing', async () => {
      const r = json<{ changes: number; changed: unknown[] }>(
        await labOk(['up', ...LAB, '--only', 'db,router', '--json']),
      );
      expect(r.changed).toEqual([]);
      expect(r.changes).toBe(0);
    });

    it('a power-cut db node comes back and the cluster is full size again', async () => {
      await labOk(['halt', ...LAB, '--node', 'db2', '--force']);
      const during = await verifyData();
      expect(during.code).toBe(1);
      await labOk(['start', ...LAB, '--node', 'db2']);
      await labOk(['up', ...LAB, '--only', 'db,router']);
      expect(notPassing((await verifyData()).data)).toEqual([]);
    });

    it('after the whole lab is halted, up re-bootstraps Galera with no data lost', async () => {
      const marker = `restart-${Date.now()}`;
      await labOk([
        'ssh',
        ...LAB,
        '--node',
        'db1',
        '--',
        'mysql',
        '-e',
        `CREATE TABLE IF NOT EXISTS labprobe.e2e (id VARCHAR(64) PRIMARY KEY); INSERT INTO labprobe.e2e VALUES ('${marker}')`,
      ]);
      await labOk(['down', ...LAB]);
      const status = json<{ nodes: { name: string; state: string }[] }>(
        await labOk(['status', ...LAB, '--json']),
      );
      expect(status.nodes.filter((n) => n.state === 'running')).toEqual([]);
      await labOk(['up', ...LAB, '--only', 'db,router']);
      expect(notPassing((await verifyData()).data)).toEqual([]);
      const read = await labOk([
        'ssh',
        ...LAB,
        '--node',
        'db3',
        '--',
        'mysql',
        '-N',
        '-e',
        `SELECT id FROM labprobe.e2e WHERE id='${marker}'`,
      ]);
      expect(read.stdout.trim()).toBe(marker);
    });

    it('destroy leaves no process, mount or directory behind', async () => {
      await labOk(['destroy', ...LAB]);
      expect(leftovers('full-ha', FULL_HA_NODES)).toEqual([]);
      const status = json<{ nodes: { state: string }[] }>(await labOk(['status', ...LAB, '--json']));
      expect(new Set(status.nodes.map((n) => n.state))).toEqual(new Set(['absent']));
    });
  },
);
