// Waits until a node accepts SSH: a handshake with the lab key succeeds (through the engine's ssh2 module).
import { LabError } from '../../core/errors.ts';
import { connect } from '../../engine/ssh.ts';
import type { SshTarget } from '../types.ts';

/** Retries an SSH login until it succeeds (returns the ms it took) or timeoutMs passes (throws LabError). */
export async function waitForSsh(
  target: SshTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  const started = Date.now();
  const left = () => timeoutMs - (Date.now() - started);
  while (left() > 0) {
    signal?.throwIfAborted();
    try {
      const client = await connect(target, Math.min(left(), 5000));
      client.end();
      return Date.now() - started;
    } catch {
      // Still booting: try again until the deadline.
    }
  }
  throw new LabError(
    'NSPAWN_SSH_TIMEOUT',
    `${target.host} did not accept SSH with the lab key within ${timeoutMs / 1000} s`,
    {
      hint: 'Read the node console log in .lab/<lab>/logs/<node>.console.log (did systemd boot, did ssh.service start?).',
    },
  );
}
