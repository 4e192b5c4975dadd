import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../../scripts/core/errors.ts';
import { lastReason, waitForSsh } from '../../../scripts/providers/nspawn/ssh-probe.ts';

const dir = mkdtempSync(join(tmpdir(), 'ssh-probe-'));
const key = join(dir, 'id');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A loopback port that nothing listens on: taken, then released.
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('waitForSsh', () => {
  it('says what the last try met when the deadline passes', async () => {
    const port = await freePort();
    const e = await waitForSsh({ host: '127.0.0.1', port, user: 'root', privateKeyPath: key }, 1500).catch(
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).code).toBe('NSPAWN_SSH_TIMEOUT');
    expect((e as LabError).message).toMatch(/within 1\.5 s \(last try: .*ECONNREFUSED/);
  });

  it('reads the innermost cause', () => {
    const socket = new Error('connect EHOSTUNREACH 10.0.113.11:22');
    expect(lastReason(new Error('Cannot reach root@10.0.113.11:22 by SSH', { cause: socket }))).toBe(
      socket.message,
    );
    expect(lastReason(undefined)).toBe('none');
  });
});
