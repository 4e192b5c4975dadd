// The nspawn base image recipe as pure functions: which packages, which mirror, which hash, which units.
import { createHash } from 'node:crypto';

// Bump when the build steps change so every cached image is rebuilt.
export const RECIPE_VERSION = 1;

// The measured debootstrap recipe: enough to boot systemd and accept SSH.
export const DEBOOTSTRAP_INCLUDE = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'iproute2', 'sudo'];

/** The cache key of an image: the recipe version plus the exact package list text. */
export function imageHash(packagesText: string): string {
  return createHash('sha256').update(`recipe ${RECIPE_VERSION}\n${packagesText}`).digest('hex').slice(0, 16);
}

// Units a booted container needs whatever its roles: the rest are enabled by the role that runs them.
const KEEP_UNITS = [
  /^systemd-/,
  /^dbus/,
  /^ssh\.service$/,
  /^sshd\.service$/,
  /^getty@/,
  /^remote-fs\.target$/,
];

/**
 * From `systemctl list-unit-files --state=enabled` output, the units to disable in the image.
 * apt timers go too: the nodes have no route to a mirror.
 */
export function unitsToDisable(listing: string): string[] {
  return listing
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((u) => /\.(service|socket|timer|path|target)$/.test(u))
    .filter((u) => !KEEP_UNITS.some((re) => re.test(u)));
}
