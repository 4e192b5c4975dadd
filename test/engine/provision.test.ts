import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import { exportLines, roleEnv } from '../../scripts/engine/env.ts';
import { bundleScript, provisionFiles } from '../../scripts/engine/provision.ts';
import { inParallel } from '../../scripts/engine/up.ts';

const secrets = {
  values: { DB_ROOT_PASSWORD: "it's-secret" } as never,
  outputs: { nextcloud_instanceid: 'oc123' },
};

describe('role environment', () => {
  const { lab } = loadLabFile('full-ha', 1e9);
  const env = roleEnv(lab, lab.nodes.find((n) => n.name === 'db2')!, 'nspawn', secrets);

  it('lists the nodes of each role and the addresses users and web nodes use', () => {
    expect(env.DB_NODES).toBe('db1=10.0.2.31 db2=10.0.2.32 db3=10.0.2.33');
    expect(env.STORAGE_ARBITER_NODES).toBe('storage3=10.0.2.43');
    expect(env.DB_ARBITER_NODES).toBe('');
    expect([env.FRONT_ADDR, env.FRONT_VIP, env.ROUTER_ADDR, env.ROUTER_VIP]).toEqual([
      '10.0.2.10',
      '10.0.2.10',
      '10.0.2.30',
      '10.0.2.30',
    ]);
    expect([env.NODE_NAME, env.NODE_IP, env.NODE_ROLES]).toEqual(['db2', '10.0.2.32', 'db redis sentinel']);
    expect(env.OUT_NEXTCLOUD_INSTANCEID).toBe('oc123');
  });

  it('survives a round trip through bash with quotes intact, as run.sh evaluates it', () => {
    const out = execFileSync('bash', ['-c', 'eval "$(cat)"; printf %s "$DB_ROOT_PASSWORD|$NODE_ROLES"'], {
      input: exportLines(env),
    }).toString();
    expect(out).toBe("it's-secret|db redis sentinel");
  });

  it('refuses a value that spans lines (run.sh reads one export per line)', () => {
    expect(() => exportLines({ A: 'x\ny' })).toThrow(/spans lines/);
  });
});

describe('provision bundle', () => {
  it('recreates provision/ byte for byte with LF endings and its modes', () => {
    const files = provisionFiles();
    expect(files.some((f) => f.path === 'run.sh')).toBe(true);
    const { script, hash } = bundleScript(files);
    const root = mkdtempSync(join(tmpdir(), 'bundle-'));
    // On stdin, as uploadProvision sends it: one argv string is capped at 128 KiB (E2BIG).
    execFileSync('bash', ['-s'], { input: script.replaceAll('/opt/lab/provision', `${root}/provision`) });
    for (const f of files) expect(readFileSync(join(root, 'provision', f.path), 'utf8')).toBe(f.content);
    expect(readFileSync(join(root, 'provision', '.bundle'), 'utf8').trim()).toBe(hash);
    expect(
      execFileSync('stat', ['-c', '%a', join(root, 'provision', 'run.sh')])
        .toString()
        .trim(),
    ).toBe('755');
  });

  it('turns CRLF checkouts into LF', () => {
    const { script } = bundleScript([{ path: 'x.sh', content: 'echo hi\n', mode: 0o755 }]);
    expect(script).not.toContain('\r');
  });
});

describe('inParallel', () => {
  it('bounds concurrency and rethrows the first failure', async () => {
    let active = 0;
    let peak = 0;
    await inParallel([1, 2, 3, 4, 5], 2, async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
    });
    expect(peak).toBe(2);
    await expect(
      inParallel([1, 2, 3], 1, async (n) => {
        if (n === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
});
