// Waits until a node accepts SSH: TCP 22 answers and an ssh2 handshake with the lab key succeeds.
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import ssh2 from 'ssh2';
import { LabError } from '../../core/errors.ts';

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

function handshake(host: string, port: number, privateKey: Buffer, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    const done = (ok: boolean) => {
      client.end();
      resolve(ok);
    };
    client.once('ready', () => done(true));
    client.once('error', () => done(false));
    client.connect({ host, port, username: 'root', privateKey, readyTimeout: timeoutMs });
  });
}

/** Polls until SSH logs in with the lab key; throws LabError after timeoutMs. */
export async function waitForSsh(
  host: string,
  keyPath: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  const started = Date.now();
  const privateKey = readFileSync(keyPath);
  while (Date.now() - started < timeoutMs) {
    signal?.throwIfAborted();
    if ((await tcpOpen(host, 22, 1000)) && (await handshake(host, 22, privateKey, 5000)))
      return Date.now() - started;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new LabError(
    'NSPAWN_SSH_TIMEOUT',
    `${host} did not accept SSH with the lab key within ${timeoutMs / 1000} s`,
    {
      hint: 'Read the node console log in .lab/<lab>/logs/<node>.console.log (did systemd boot, did ssh.service start?).',
    },
  );
}
