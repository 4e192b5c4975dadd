// Waits until a node accepts SSH: a handshake with the lab key succeeds (through the engine's ssh2 module).
import { LabError } from '../../core/errors.ts';
import { connect, type SshConnection } from '../../engine/ssh.ts';
import type { SshTarget } from '../types.ts';

/**
 * Retries an SSH login until it succeeds (returns the ms it took) or timeoutMs passes (throws LabError).
 * The logged-in connection goes to `keep` when given, else it is closed.
 */
export async function waitForSsh(
  target: SshTarget,
  timeoutMs: number,
  signal?: AbortSignal,
  keep?: (connection: SshConnection) => void,
): Promise<number> {
  const started = Date.now();
  const left = () => timeoutMs - (Date.now() - started);
  let last: unknown;
  while (left() > 0) {
    signal?.throwIfAborted();
    try {
      const client = await connect(target, Math.min(left(), 5000));
      if (keep) keep(client);
      else client.end();
      return Date.now() - started;
    } catch (e) {
      // Still booting: try again until the deadline.
      last = e;
    }
  }
  // What the last try met (refused, no route, key rejected) tells a boot that stalled from one that failed.
  throw new LabError(
    'NSPAWN_SSH_TIMEOUT',
    `${target.host} did not accept SSH with the lab key within ${timeoutMs / 1000} s (last try: ${lastReason(last)})`,
    {
      hint: 'Read the node console log in .lab/<lab>/logs/<node>.console.log (did systemd boot, did ssh.service start?).',
      cause: last,
    },
  );
}

// connect() wraps the socket's own error: the innermost message is the one that says what happened.
export function lastReason(e: unknown): string {
  let inner = e;
  while (inner instanceof Error && inner.cause !== undefined) inner = inner.cause;
  if (inner === undefined) return 'none';
  return inner instanceof Error ? inner.message : String(inner);
}
