import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canFreeze,
  coverExcept,
  freezeInSteps,
  fuseServerCgroups,
  removeCgroup,
  setFrozen,
  v2Dir,
} from '../../../scripts/providers/nspawn/cgroups.ts';

describe('coverExcept', () => {
  const root = mkdtempSync(join(tmpdir(), 'cover-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  for (const d of [
    'db1/payload',
    'web1/payload/system.slice/ssh.service',
    'web1/payload/system.slice/php.service',
    'web1/payload/init.scope',
    'storage1/payload',
  ])
    mkdirSync(join(root, d), { recursive: true });

  it('covers the tree but the spared cgroups and their ancestors, split into their children', () => {
    const spared = [join(root, 'web1/payload/system.slice/ssh.service'), join(root, 'storage1')];
    expect(
      coverExcept(root, spared)
        .map((d) => d.slice(root.length + 1))
        .sort(),
    ).toEqual(['db1', 'web1/payload/init.scope', 'web1/payload/system.slice/php.service']);
    expect(coverExcept(root, [])).toEqual([root]);
    expect(coverExcept(root, [root])).toEqual([]);
  });
});

// A real cgroup v2 tree with a sleeping process in each leaf: what a lab's nodes look like to the freezer.
const lab = `nhl-freeze-test-${process.pid}`;

describe.skipIf(!(process.getuid?.() === 0 && v2Dir(lab) !== undefined))(
  'freezing a lab in steps (cgroup v2, as root)',
  () => {
    const kids: ChildProcess[] = [];
    afterAll(async () => {
      if (canFreeze(lab)) await setFrozen(lab, false);
      for (const k of kids) k.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      removeCgroup(lab);
    });

    it('freezes every cgroup, the spared ones last, and a thaw clears each one it froze', async () => {
      const leaves = ['web1/payload/php', 'web1/payload/ssh', 'storage1/payload'];
      for (const leaf of leaves) {
        const dir = v2Dir(`${lab}/${leaf}`)!;
        mkdirSync(dir, { recursive: true });
        const k = spawn('sleep', ['120'], { stdio: 'ignore' });
        kids.push(k);
        await new Promise((r) => k.once('spawn', r));
        writeFileSync(join(dir, 'cgroup.procs'), String(k.pid));
      }
      expect(fuseServerCgroups(lab)).toEqual([]);
      await freezeInSteps(lab, [`${lab}/web1/payload/ssh`], [`${lab}/storage1`]);
      const state = (rel: string) => readFileSync(join(v2Dir(`${lab}/${rel}`)!, 'cgroup.events'), 'utf8');
      for (const leaf of leaves) expect(state(leaf), leaf).toMatch(/^frozen 1$/m);
      // The first step froze the php leaf by itself: the lab's own thaw must clear it too.
      expect(readFileSync(join(v2Dir(`${lab}/web1/payload/php`)!, 'cgroup.freeze'), 'utf8').trim()).toBe('1');
      await setFrozen(lab, false);
      await new Promise((r) => setTimeout(r, 100));
      for (const leaf of leaves) expect(state(leaf), leaf).toMatch(/^frozen 0$/m);
    });
  },
);
