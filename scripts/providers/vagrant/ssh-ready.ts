// Waits until a machine's SSH server greets: the `SSH-` banner on the address vagrant ssh-config gave.
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../../core/errors.ts';
import type { SshTarget } from '../types.ts';

/** Whether host:port sends an SSH identification line within timeoutMs. */
export function sshBanner(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) done(received.startsWith('SSH-'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.connect(port, host);
  });
}

/** Polls the SSH banner until it answers; throws LabError after timeoutMs, or when aborted. */
export async function waitForSshBanner(
  node: string,
  target: SshTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new LabError('INTERRUPTED', `Waiting for SSH on ${node} was interrupted`);
    if (await sshBanner(target.host, target.port, Math.min(5000, Math.max(500, deadline - Date.now()))))
      return;
    if (Date.now() >= deadline) {
      throw new LabError(
        'VAGRANT_SSH_TIMEOUT',
        `${node} did not answer SSH on ${target.host}:${target.port} within ${Math.round(timeoutMs / 1000)} s`,
        {
          hint: `Look at the machine's console (VirtualBox GUI or \`virsh console\`), or run \`vagrant ssh ${node}\` in the lab directory.`,
        },
      );
    }
    await sleep(1000, undefined, { signal }).catch(() => undefined);
  }
}
