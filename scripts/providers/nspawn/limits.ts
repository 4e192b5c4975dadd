// Host limits that containers share: every systemd inside a container takes inotify instances from root's quota.
import { readFileSync, writeFileSync } from 'node:fs';

const INSTANCES = '/proc/sys/fs/inotify/max_user_instances';

// Debian's default of 128 ran out at about 20 containers on one host (measured: systemd in the next
// container fails with "Failed to create control group inotify object: Too many open files").
export const MIN_INOTIFY_INSTANCES = 1024;

/** The current fs.inotify.max_user_instances. */
export function inotifyInstances(): number {
  return Number(readFileSync(INSTANCES, 'utf8').trim());
}

/** Raises fs.inotify.max_user_instances to the minimum when lower (never lowers it); returns the old value when raised. */
export function ensureInotifyInstances(): number | undefined {
  const current = inotifyInstances();
  if (current >= MIN_INOTIFY_INSTANCES) return undefined;
  writeFileSync(INSTANCES, `${MIN_INOTIFY_INSTANCES}\n`);
  return current;
}
