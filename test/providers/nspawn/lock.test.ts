import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withLock } from '../../../scripts/providers/nspawn/lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'nspawn-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withLock', () => {
  it('takes over a lock whose owner died, and releases it after', async () => {
    const file = join(dir, 'stale.lock');
    const dead = spawnSync('true').pid!;
    writeFileSync(file, `${dead}\n`);
    expect(await withLock(file, 2000, async () => 'built')).toBe('built');
    expect(existsSync(file)).toBe(false);
  });

  it('waits for a live owner and gives up at the deadline', async () => {
    const file = join(dir, 'held.lock');
    let waited = false;
    const held = withLock(file, 1000, () => new Promise((r) => setTimeout(r, 3000)));
    const second = withLock(
      file,
      1200,
      async () => 'never',
      () => (waited = true),
    );
    await expect(second).rejects.toMatchObject({ code: 'NSPAWN_LOCKED' });
    expect(waited).toBe(true);
    await held;
    expect(existsSync(file)).toBe(false);
  });
});
