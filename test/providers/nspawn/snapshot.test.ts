import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroupMemory, hierarchies, v2Dir } from '../../../scripts/providers/nspawn/cgroups.ts';
import { mergeHostLabs } from '../../../scripts/providers/nspawn/labs.ts';
import { catchUp, leaveFile, snapshotFiles, syncArgv } from '../../../scripts/providers/nspawn/snapshot.ts';

/** Runs an argv (syncArgv's) to completion. */
const sync = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1));

/** Runs body in a fresh temporary directory, removed after it. */
async function inTempDir(prefix: string, body: (dir: string) => unknown): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('nspawn snapshot copies', () => {
  it('keep links, ACLs, xattrs, holes, devices and numeric owners; compare mtimes to the nanosecond', () => {
    expect(syncArgv('/a/upper', '/s/db1/upper')).toEqual([
      'rsync',
      '-aHAXS',
      '--numeric-ids',
      '--modify-window=-1',
      '--delete',
      '/a/upper/',
      '/s/db1/upper/',
    ]);
    expect(snapshotFiles('/s', 'db1')).toEqual({ upper: '/s/db1/upper', record: '/s/db1/machine.json' });
    expect(syncArgv('/a/upper', '/s/db1/upper', ['/up/db1/upper']).slice(5, 6)).toEqual([
      '--link-dest=/up/db1/upper',
    ]);
  });

  it('a save links what an earlier snapshot holds unchanged; pass 2 never changes a linked inode', async () => {
    await inTempDir('snap-link-', async (dir) => {
      const [live, earlier, copy] = [join(dir, 'live'), join(dir, 'earlier'), join(dir, 'copy')];
      mkdirSync(join(live, 'var/www'), { recursive: true });
      for (const f of ['code.php', 'config.php', 'data.db'])
        writeFileSync(join(live, 'var/www', f), `${f} v1`);
      sync(syncArgv(live, earlier));
      const at = (base: string, f: string) => statSync(join(base, 'var/www', f));
      // Since the earlier snapshot: data.db rewritten.
      writeFileSync(join(live, 'var/www/data.db'), 'data.db v2');
      const since = Date.now() - 2000;
      sync(syncArgv(live, copy, [earlier]));
      expect(at(copy, 'code.php').ino).toBe(at(earlier, 'code.php').ino);
      expect(at(copy, 'data.db').ino).not.toBe(at(earlier, 'data.db').ino);
      // Between pass 1 and the freeze: a chmod, which rsync would apply to the linked inode in place.
      execFileSync('chmod', ['600', join(live, 'var/www/config.php')]);
      await catchUp(live, copy, since, { timeoutMs: 30_000 });
      expect(at(copy, 'config.php').mode & 0o777).toBe(0o600);
      expect(at(earlier, 'config.php').mode & 0o777).not.toBe(0o600);
      expect(readFileSync(join(earlier, 'var/www/data.db'), 'utf8')).toBe('data.db v1');
      expect(readFileSync(join(copy, 'var/www/data.db'), 'utf8')).toBe('data.db v2');
    });
  });

  it("a linked save keeps a brick's hard links between its own files", async () => {
    await inTempDir('snap-hlink-', async (dir) => {
      const [live, earlier, copy] = [join(dir, 'live'), join(dir, 'earlier'), join(dir, 'copy')];
      mkdirSync(join(live, 'srv/brick/.glusterfs/ab'), { recursive: true });
      writeFileSync(join(live, 'srv/brick/file'), 'data');
      linkSync(join(live, 'srv/brick/file'), join(live, 'srv/brick/.glusterfs/ab/abcd'));
      sync(syncArgv(live, earlier));
      // Since then: a second file with its gfid link.
      writeFileSync(join(live, 'srv/brick/other'), 'more');
      linkSync(join(live, 'srv/brick/other'), join(live, 'srv/brick/.glusterfs/ab/ef01'));
      sync(syncArgv(live, copy, [earlier]));
      const ino = (p: string) => statSync(join(copy, 'srv/brick', p)).ino;
      expect(ino('.glusterfs/ab/abcd')).toBe(ino('file'));
      expect(ino('.glusterfs/ab/ef01')).toBe(ino('other'));
      expect(ino('file')).toBe(statSync(join(earlier, 'srv/brick/file')).ino);
    });
  });

  it('pass 2 takes nothing out through a symlink that leaves the copy', async () => {
    await inTempDir('snap-symlink-', async (dir) => {
      const [live, copy, outside] = [join(dir, 'live'), join(dir, 'copy'), join(dir, 'outside')];
      mkdirSync(join(live, 'etc'), { recursive: true });
      mkdirSync(outside);
      writeFileSync(join(outside, 'host-file'), 'keep');
      // In the copy, etc is a symlink out of it (a container's absolute link, read on the host)...
      mkdirSync(copy);
      symlinkSync(outside, join(copy, 'etc'));
      // ...and in the live layer a directory with a file written since pass 1 of that name.
      const since = Date.now() - 2000;
      writeFileSync(join(live, 'etc/host-file'), 'container');
      await catchUp(live, copy, since, { timeoutMs: 30_000 });
      expect(readFileSync(join(outside, 'host-file'), 'utf8')).toBe('keep');
      expect(readFileSync(join(copy, 'etc/host-file'), 'utf8')).toBe('container');
    });
  });

  it('pass 2 copies again a file written since pass 1 began, even with the size and mtime pass 1 saw', async () => {
    await inTempDir('snap-hot-', async (dir) => {
      const [live, copy] = [join(dir, 'live'), join(dir, 'copy')];
      mkdirSync(join(live, 'var/lib/mysql'), { recursive: true });
      const page = join(live, 'var/lib/mysql/ibdata1');
      const since = Date.now() - 2000;
      writeFileSync(page, 'page v1');
      sync(syncArgv(live, copy));
      // An in-place write within the same tick of the coarse file clock: same size, same mtime.
      writeFileSync(page, 'page v2');
      execFileSync('touch', ['-r', join(copy, 'var/lib/mysql/ibdata1'), page]);
      writeFileSync(join(live, 'new'), 'x');
      await catchUp(live, copy, since, { timeoutMs: 30_000 });
      expect(readFileSync(join(copy, 'var/lib/mysql/ibdata1'), 'utf8')).toBe('page v2');
      expect(readFileSync(join(copy, 'new'), 'utf8')).toBe('x');
      expect(existsSync(`${copy}.hot`)).toBe(false);
    });
  });
});

const root = process.getuid?.() === 0;

describe('nspawn snapshot restore (rsync in place)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snap-sync-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const [saved, upper] = [join(dir, 'saved'), join(dir, 'upper')];
  const put = (base: string, path: string, text: string) => {
    mkdirSync(join(base, path, '..'), { recursive: true });
    writeFileSync(join(base, path), text);
  };

  // mknod of overlayfs's whiteout (a 0:0 character device) needs root, as the lab does.
  it.skipIf(!root)(
    'gives back the saved layer: changed, deleted and added files, hard links, holes, whiteouts',
    () => {
      put(saved, 'etc/kept', 'unchanged');
      put(saved, 'var/lib/mysql/ibdata1', 'AAAA');
      put(saved, 'srv/brick/file', 'data');
      linkSync(join(saved, 'srv/brick/file'), join(saved, 'srv/brick/.glusterfs-link'));
      execFileSync('truncate', ['-s', '64M', join(saved, 'var/lib/mysql/galera.cache')]);
      execFileSync('mknod', [join(saved, 'etc/removed-from-image'), 'c', '0', '0']);
      put(saved, 'var/log/gone-later', 'saved');
      execFileSync('cp', ['-a', `${saved}/.`, upper]);
      // After the save: a write of the same size a moment later, a file deleted, one added.
      writeFileSync(join(upper, 'var/lib/mysql/ibdata1'), 'BBBB');
      const t = statSync(join(saved, 'var/lib/mysql/ibdata1')).mtime;
      utimesSync(join(upper, 'var/lib/mysql/ibdata1'), t, new Date(t.getTime() + 1));
      rmSync(join(upper, 'var/log/gone-later'));
      put(upper, 'root/after-save', 'new');

      sync(syncArgv(saved, upper));

      expect(readFileSync(join(upper, 'var/lib/mysql/ibdata1'), 'utf8')).toBe('AAAA');
      expect(readFileSync(join(upper, 'var/log/gone-later'), 'utf8')).toBe('saved');
      expect(existsSync(join(upper, 'root/after-save'))).toBe(false);
      expect(readFileSync(join(upper, 'etc/kept'), 'utf8')).toBe('unchanged');
      const [a, b] = ['srv/brick/file', 'srv/brick/.glusterfs-link'].map((p) => statSync(join(upper, p)));
      expect(a!.ino).toBe(b!.ino);
      const whiteout = statSync(join(upper, 'etc/removed-from-image'));
      expect([whiteout.isCharacterDevice(), whiteout.rdev]).toEqual([true, 0]);
      const gcache = statSync(join(upper, 'var/lib/mysql/galera.cache'));
      expect(gcache.size).toBe(64 * 1024 * 1024);
      expect(gcache.blocks * 512).toBeLessThan(1024 * 1024);
    },
  );
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

describe('a file left on a restored disk', () => {
  it('is written only where the upper layer holds its directory itself, never through a symlink', () =>
    inTempDir('lab-leave-', (dir) => {
      const upper = join(dir, 'upper');
      mkdirSync(join(upper, 'var/lib/mysql'), { recursive: true });
      mkdirSync(join(dir, 'host'));
      symlinkSync(join(dir, 'host'), join(upper, 'var/lib/out'));
      expect(leaveFile(upper, '/var/lib/mysql/lab-start-position', 'u:1\n')).toBe(true);
      expect(readFileSync(join(upper, 'var/lib/mysql/lab-start-position'), 'utf8')).toBe('u:1\n');
      expect(statSync(join(upper, 'var/lib/mysql/lab-start-position')).mode & 0o777).toBe(0o644);
      // Not in the upper layer (only in the image): making the directory would hide the image's owner.
      expect(leaveFile(upper, '/var/lib/redis/x', 'y')).toBe(false);
      expect(existsSync(join(upper, 'var/lib/redis'))).toBe(false);
      expect(leaveFile(upper, '/var/lib/out/x', 'y')).toBe(false);
      expect(leaveFile(upper, '/var/lib/mysql/../out/x', 'y')).toBe(false);
      expect(existsSync(join(dir, 'host/x'))).toBe(false);
    }));
});
