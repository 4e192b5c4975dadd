import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroupMemory, hierarchies, v2Dir } from '../../../scripts/providers/nspawn/cgroups.ts';
import { mergeHostLabs } from '../../../scripts/providers/nspawn/labs.ts';
import { copyArgv, snapshotFiles } from '../../../scripts/providers/nspawn/snapshot.ts';

describe('nspawn snapshot copies', () => {
  it('keep xattrs (a failure is an error), links, sparse files and special files, sharing blocks where it can', () => {
    expect(copyArgv('/a/upper', '/s/db1/upper')).toEqual([
      'cp',
      '-a',
      '--preserve=xattr',
      '--reflink=auto',
      '/a/upper',
      '/s/db1/upper',
    ]);
    expect(snapshotFiles('/s', 'db1')).toEqual({ upper: '/s/db1/upper', record: '/s/db1/machine.json' });
  });
});

describe('cgroup hierarchies', () => {
  const root = mkdtempSync(join(tmpdir(), 'cgroupfs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const file = (path: string, text = '') => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it('on a hybrid host: unified for v2 (freezer), systemd and v1 memory beside it', () => {
    file('unified/cgroup.controllers');
    file('unified/cgroup.procs');
    file('systemd/cgroup.procs');
    file('memory/cgroup.procs');
    expect(hierarchies(root)).toEqual(['unified', 'systemd', 'memory'].map((h) => join(root, h)));
    expect(v2Dir('lab/db1', root)).toBe(join(root, 'unified/lab/db1'));
  });

  it("reads a lab's memory from v1 memory.usage_in_bytes when v2 has no memory controller", () => {
    file('memory/side-a/memory.usage_in_bytes', '73400320\n');
    expect(cgroupMemory('side-a', root)).toEqual({ bytes: 73400320, source: 'memory.usage_in_bytes' });
  });

  it('prefers memory.current where v2 has the memory controller', () => {
    file('unified/side-a/memory.current', '1048576\n');
    expect(cgroupMemory('side-a', root)).toEqual({ bytes: 1048576, source: 'memory.current' });
  });

  it('refuses paths that leave the hierarchy', () => {
    expect(cgroupMemory('../etc', root)).toBeUndefined();
  });
});

describe('labs on the host', () => {
  const mem = { bytes: 100 * 1048576, source: 'memory.usage_in_bytes' as const };
  it("merges this checkout's state, cgroups and tagged bridges into one row per lab", () => {
    const labs = mergeHostLabs(
      [
        { bridge: 'nhl-side-a', owner: '/co/.lab/side-a', hostAddress: '10.0.113.1/24' },
        { bridge: 'nhl-full-ha', owner: '', hostAddress: '10.0.2.1/24' },
        { bridge: 'nhl-other', owner: '/elsewhere/.lab/other' },
      ],
      [
        { name: 'side-a', nodes: ['alpha', 'beta'], runningNodes: ['alpha'], memory: mem },
        { name: 'full-ha', nodes: ['db1', 'db2'], runningNodes: ['db1', 'db2'], memory: mem },
        { name: 'init.scope', nodes: [], runningNodes: [] },
      ],
      [{ name: 'side-a', root: '/co/.lab/side-a', provider: 'nspawn', nodes: ['alpha', 'beta'] }],
    );
    expect(labs.map((l) => [l.name, l.state, `${l.running}/${l.nodes}`, l.mine])).toEqual([
      ['full-ha', 'running', '2/2', false],
      ['other', 'unknown', '0/0', false],
      ['side-a', 'partly running', '1/2', true],
    ]);
    expect(labs.find((l) => l.name === 'side-a')).toMatchObject({
      hostAddress: '10.0.113.1/24',
      memory: mem,
    });
  });

  it("does not count a same-named lab of another checkout as this checkout's", () => {
    const labs = mergeHostLabs(
      [{ bridge: 'nhl-side-b', owner: '/other/.lab/side-b' }],
      [{ name: 'side-b', nodes: ['alpha'], runningNodes: ['alpha'], memory: mem }],
      [{ name: 'side-b', root: '/co/.lab/side-b', provider: 'nspawn', nodes: ['alpha'] }],
    );
    expect(labs.map((l) => [l.name, l.mine, l.state, l.stateRoot])).toEqual([
      ['side-b', true, 'stopped', '/co/.lab/side-b'],
      ['side-b', false, 'running', '/other/.lab/side-b'],
    ]);
  });
});
