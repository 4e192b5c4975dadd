// The nspawn base image recipe as pure functions: which packages, which mirror, which hash, which units.
import { createHash } from 'node:crypto';

// Bump when the build steps change so every cached image is rebuilt.
export const RECIPE_VERSION = 1;

// The measured debootstrap recipe: enough to boot systemd and accept SSH.
export const DEBOOTSTRAP_INCLUDE = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'iproute2', 'sudo'];

// Used when the host's apt sources name no bookworm mirror.
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/** Parses provision/packages.txt (`<role> pkg...` per line, `#` comments) into packages per role. */
export function parsePackages(text: string): Map<string, string[]> {
  const roles = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const [role, ...pkgs] = line.split(/\s+/);
    if (!role || pkgs.length === 0) continue;
    roles.set(role, [...(roles.get(role) ?? []), ...pkgs]);
  }
  return roles;
}

/** Every package packages.txt names, once each, sorted: what the image preinstalls. */
export function allPackages(text: string): string[] {
  return [...new Set([...parsePackages(text).values()].flat())].sort();
}

/** The cache key of an image: the recipe version plus the exact package list text. */
export function imageHash(packagesText: string): string {
  return createHash('sha256').update(`recipe ${RECIPE_VERSION}\n${packagesText}`).digest('hex').slice(0, 16);
}

/**
 * The Debian mirror the host's apt uses for the main archive (not security), from deb822
 * (debian.sources) or one-line (sources.list) text; the default mirror when neither names one.
 */
export function hostMirror(deb822?: string, sourcesList?: string): string {
  for (const stanza of (deb822 ?? '').split(/\n\s*\n/)) {
    const field = (name: string) => stanza.match(new RegExp(`^${name}:\\s*(.+)$`, 'mi'))?.[1]?.trim();
    const suites = field('Suites')?.split(/\s+/) ?? [];
    const uri = field('URIs')?.split(/\s+/)[0];
    if (uri && /^deb\b/.test(field('Types') ?? 'deb') && suites.includes('bookworm')) return uri;
  }
  for (const line of (sourcesList ?? '').split('\n')) {
    const m = line.trim().match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/);
    if (m?.[1]) return m[1];
  }
  return DEFAULT_MIRROR;
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
