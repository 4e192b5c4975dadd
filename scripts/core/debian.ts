// What both machine images read: the role package list and the Debian mirror the host's apt uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './model.ts';

// Used when the host's apt sources name no bookworm mirror.
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/** provision/packages.txt, the one package list of the roles, the nspawn image and the offline box. */
export function readPackagesText(): string {
  return readFileSync(join(REPO_ROOT, 'provision/packages.txt'), 'utf8');
}

/** Parses packages.txt (`<role> pkg...` per line, `#` comments) into packages per role. */
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

/** Every package packages.txt names, once each, sorted: what the image and the box preinstall. */
export function allPackages(text: string): string[] {
  return [...new Set([...parsePackages(text).values()].flat())].sort();
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

/** The host's apt sources as text (either may be missing). */
export function hostSources(): { deb822?: string; sourcesList?: string } {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  return {
    deb822: read('/etc/apt/sources.list.d/debian.sources'),
    sourcesList: read('/etc/apt/sources.list'),
  };
}
