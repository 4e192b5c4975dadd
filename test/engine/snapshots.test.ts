import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import { labPaths } from '../../scripts/core/paths.ts';
import {
  labHash,
  listSnapshots,
  provisionReason,
  readSnapshot,
  recoveredPosition,
  restoreProblem,
  type SnapshotMeta,
  START_POSITION_FILE,
  snapshotDir,
  snapshotName,
  snapshotNodes,
  startPositionFiles,
  upSnapshotPlan,
  writeSnapshot,
} from '../../scripts/engine/snapshots.ts';

const { lab } = loadLabFile('test/fixtures/labs/snap-e2e.yaml', 1e9);
const meta = (over: Partial<SnapshotMeta> = {}): SnapshotMeta => ({
  name: 'up',
  lab: lab.name,
  provider: 'nspawn',
  created: '2026-12-02T01:00:00.000Z',
  nodes: lab.nodes.map((n) => n.name),
  mode: 'frozen',
  ms: 4000,
  labHash: labHash(lab),
  ...over,
});
const whole = { selected: lab.nodes.length, machinesOnly: false, noSnapshot: false };

describe('snapshot names', () => {
  it.each(['before-drill', 'up', 'v1.2_a'])('takes %s', (name) => {
    expect(snapshotName(name, 'save')).toBe(name);
  });
  it.each(['', '../x', 'a b', '-x', 'x'.repeat(64)])('refuses %j with a usage error', (name) => {
    expect(() => snapshotName(name, 'save')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
  it('asks for a name when none is given', () => {
    expect(() => snapshotName(undefined, 'restore')).toThrow(/snapshot restore needs a NAME/);
  });
});

describe('the up snapshot', () => {
  it('is taken by the first up that finishes on the whole lab', () => {
    expect(upSnapshotPlan(undefined, lab, whole)).toMatchObject({ take: true });
  });
  it('is kept by a later up while the lab file describes the same lab', () => {
    expect(upSnapshotPlan(meta(), lab, whole)).toMatchObject({ take: false, reason: /stays/ });
  });
  it('is retaken when the lab file changed', () => {
    expect(upSnapshotPlan(meta({ labHash: 'other' }), lab, whole)).toMatchObject({ take: true });
  });
  it('is retaken when provision/ changed, or it does not say which provision/ it holds', () => {
    expect(upSnapshotPlan(meta({ provision: 'aaaa' }), lab, whole, 'aaaa').take).toBe(false);
    expect(upSnapshotPlan(meta({ provision: 'aaaa' }), lab, whole, 'bbbb')).toMatchObject({
      take: true,
      reason: /provision\/ changed/,
    });
    expect(upSnapshotPlan(meta(), lab, whole, 'bbbb').take).toBe(true);
  });
  it('is not taken by a partial up, --machines-only or --no-snapshot', () => {
    expect(upSnapshotPlan(undefined, lab, { ...whole, selected: 1, only: ['db'] }).take).toBe(false);
    expect(upSnapshotPlan(undefined, lab, { ...whole, machinesOnly: true }).take).toBe(false);
    expect(upSnapshotPlan(undefined, lab, { ...whole, noSnapshot: true }).take).toBe(false);
  });
  it('does not depend on where the lab file is', () => {
    expect(labHash({ ...lab, file: '/elsewhere/lab.yaml' })).toBe(labHash(lab));
    expect(labHash({ ...lab, nodes: lab.nodes.slice(1) })).not.toBe(labHash(lab));
  });
});

describe('restoring a snapshot without provisioning again', () => {
  it('is enough for a frozen snapshot of this lab file and provision/', () => {
    expect(provisionReason(meta({ provision: 'aaaa' }), lab, 'aaaa')).toBeUndefined();
  });
  it('is not, with the reason, for another lab file, provision/, a halted or an older snapshot', () => {
    expect(provisionReason(meta({ provision: 'aaaa', labHash: 'x' }), lab, 'aaaa')).toMatch(
      /lab file changed/,
    );
    expect(provisionReason(meta({ provision: 'aaaa' }), lab, 'bbbb')).toMatch(/provision\/ changed/);
    expect(provisionReason(meta({ provision: 'aaaa', mode: 'halted' }), lab, 'aaaa')).toMatch(
      /halted machines/,
    );
    expect(provisionReason(meta(), lab, 'aaaa')).toMatch(/older snapshot/);
  });
});

describe('restoring a snapshot', () => {
  it('fits the lab it was taken of', () => {
    expect(restoreProblem(meta(), lab, 'nspawn')).toBeUndefined();
  });
  it('refuses another provider or another set of nodes, saying which', () => {
    expect(restoreProblem(meta(), lab, 'vagrant')).toMatch(/taken on nspawn/);
    expect(restoreProblem(meta({ nodes: ['db1'] }), lab, 'nspawn')).toMatch(/holds the nodes db1/);
  });
  it('of part of the lab (--only): fits while those roles pick the same nodes', () => {
    const dbs = lab.nodes.filter((n) => n.roles.includes('db')).map((n) => n.name);
    expect(dbs.length).toBeGreaterThan(0);
    expect(dbs.length).toBeLessThan(lab.nodes.length);
    expect(snapshotNodes(lab, { only: ['db'] }).map((n) => n.name)).toEqual(dbs);
    expect(restoreProblem(meta({ nodes: dbs, only: ['db'] }), lab, 'nspawn')).toBeUndefined();
    expect(restoreProblem(meta({ nodes: [...dbs, 'ghost'], only: ['db'] }), lab, 'nspawn')).toMatch(
      /with the roles db$/,
    );
    // Without `only` the snapshot holds the whole lab.
    expect(snapshotNodes(lab, {})).toEqual(lab.nodes);
  });
});

describe('snapshot records', () => {
  const base = mkdtempSync(join(tmpdir(), 'snapshots-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  it('lists finished snapshots oldest first and skips an unfinished save', () => {
    const paths = labPaths('snap-e2e', base);
    for (const m of [meta({ name: 'b', created: '2026-12-02T02:00:00Z' }), meta({ name: 'a' })]) {
      mkdirSync(snapshotDir(paths, m.name), { recursive: true });
      writeSnapshot(paths, m);
    }
    mkdirSync(snapshotDir(paths, 'unfinished'), { recursive: true });
    // What a save killed between its two renames leaves: the replaced snapshot under another name.
    cpSync(snapshotDir(paths, 'b'), `${snapshotDir(paths, 'b')}.replaced-123`, { recursive: true });
    expect(listSnapshots(paths).map((m) => m.name)).toEqual(['a', 'b']);
    expect(readSnapshot(paths, 'unfinished')).toBeUndefined();
    expect(readSnapshot(paths, 'b')?.created).toBe('2026-12-02T02:00:00Z');
  });
});

describe('Galera start positions of a snapshot', () => {
  const pos = 'aa7c603e-f218-11f1-a73b-820cd164d05b:1787';
  it('are read off a boot where galera_recovery ran once, and found a position', () => {
    const journal = `Starting MariaDB\nWSREP: Recovered position ${pos}\n2026-12-07 [Note] WSREP: Loading provider\n`;
    expect(recoveredPosition(journal)).toBe(pos);
    expect(
      recoveredPosition(`${journal}WSREP: Recovered position ${pos.replace('1787', '1790')}\n`),
    ).toBeUndefined();
    expect(recoveredPosition('WSREP: start position x from the restored snapshot')).toBeUndefined();
    expect(recoveredPosition(`WSREP: Recovered position ${pos.replace(':1787', ':-1')}`)).toBeUndefined();
  });
  it('are left on the db nodes of a restore only, each its own', () => {
    const db = lab.nodes.filter((n) => n.roles.includes('db'));
    const other = lab.nodes.find((n) => !n.roles.includes('db'))!;
    const files = startPositionFiles(
      { galeraStart: { [db[0]!.name]: pos, [other.name]: pos, [db[1]!.name]: 'not a position' } },
      lab.nodes,
    );
    expect(files).toEqual({
      [db[0]!.name]: [{ path: START_POSITION_FILE, content: `${pos}\n` }],
    });
    expect(startPositionFiles({}, lab.nodes)).toEqual({});
  });
});
