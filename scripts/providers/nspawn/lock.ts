// A lock file holding the owner's pid, so two runs never build the same image at once.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { LabError } from '../../core/errors.ts';

/** Whether a process with this pid exists (signal 0 probes without sending anything). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(file: string): boolean {
  try {
    const fd = openSync(file, 'wx', 0o644);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // A lock left by a run that died is stale: its pid no longer exists.
  const owner = Number(readFileSync(file, 'utf8').trim());
  if (!pidAlive(owner)) {
    unlinkSync(file);
    return tryLock(file);
  }
  return false;
}

/** Runs fn holding the lock file; waits for another holder up to timeoutMs. */
export async function withLock<T>(
  file: string,
  timeoutMs: number,
  fn: () => Promise<T>,
  onWait?: () => void,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  while (!tryLock(file)) {
    if (!told) onWait?.();
    told = true;
    if (Date.now() > deadline) {
      throw new LabError('NSPAWN_LOCKED', `Another run holds ${file} for longer than ${timeoutMs / 1000} s`, {
        hint: 'Wait for the other image build to finish, or remove the lock file if its pid is not a lab run.',
      });
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  try {
    return await fn();
  } finally {
    unlinkSync(file);
  }
}
