// The SSH probe's login handed to the engine: one login per node per boot, not two.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshRemote } from '../../scripts/engine/ssh.ts';
import { waitForSsh } from '../../scripts/providers/nspawn/ssh-probe.ts';
import type { SshTarget } from '../../scripts/providers/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'ssh-adopt-'));
const key = (name: string) => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
  return join(dir, name);
};
const hostKey = key('host');
const userKey = key('user');

/** A loopback SSH server that takes any public key and answers every exec with its command; counts logins. */
let logins = 0;
let server: Server;
let target: SshTarget;
beforeAll(async () => {
  server = new Server({ hostKeys: [readFileSync(hostKey)] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      if (ctx.signature) logins++;
      ctx.accept();
    });
    client.on('ready', () =>
      client.on('session', (accept) =>
        accept().on('exec', (acceptExec, _reject, info) => {
          const ch = acceptExec();
          ch.write(`ran ${info.command}\n`);
          ch.exit(0);
          ch.end();
        }),
      ),
    );
    client.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  target = { host: '127.0.0.1', port, user: 'root', privateKeyPath: userKey };
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('a probe connection adopted by the engine', () => {
  it('carries the commands that follow: no second login', async () => {
    const remote = new SshRemote(async () => target);
    logins = 0;
    await waitForSsh(target, 10_000, undefined, (c) => remote.adopt('n1', c, target));
    const r = await remote.exec('n1', ['echo', 'hi']);
    expect(r).toMatchObject({ code: 0, stdout: 'ran echo hi\n' });
    expect(logins).toBe(1);
    await remote.close();
  });

  it('is closed when the remote already has one, which stays in use', async () => {
    const remote = new SshRemote(async () => target);
    await remote.exec('n1', ['true']);
    logins = 0;
    let closed = false;
    await waitForSsh(target, 10_000, undefined, (c) => {
      c.on('close', () => {
        closed = true;
      });
      remote.adopt('n1', c, target);
    });
    expect((await remote.exec('n1', ['true'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(true);
    expect(logins).toBe(1);
    await remote.close();
  });

  it('is forgotten once it closes: the next command logs in again', async () => {
    const remote = new SshRemote(async () => target);
    let adopted: { end(): void } | undefined;
    await waitForSsh(target, 10_000, undefined, (c) => {
      adopted = c;
      remote.adopt('n1', c, target);
    });
    adopted?.end();
    await new Promise((r) => setTimeout(r, 200));
    logins = 0;
    expect((await remote.exec('n1', ['true'])).code).toBe(0);
    expect(logins).toBe(1);
    await remote.close();
  });
});
