// Per-lab secrets: generated once, kept in .lab/<lab>/secrets.json (mode 0600), never logged.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const SECRET_NAMES = [
  'DB_ROOT_PASSWORD',
  'DB_NEXTCLOUD_PASSWORD',
  'DB_PROBE_PASSWORD',
  'DB_SST_PASSWORD',
  'REDIS_PASSWORD',
  'HAPROXY_STATS_PASSWORD',
  'NEXTCLOUD_ADMIN_PASSWORD',
  'KEEPALIVED_PASSWORD',
] as const;

export type SecretName = (typeof SECRET_NAMES)[number];

export interface Secrets {
  values: Record<SecretName, string>;
  /** Values roles reported back (e.g. Nextcloud's instanceid), fed to later roles as environment. */
  outputs: Record<string, string>;
}

/**
 * A new random secret. Never one that begins with "-": base64url has that character, and a password
 * given to a command as its own word then reads as an option (occ maintenance:install failed on one).
 */
export function generate(name: SecretName): string {
  // VRRP authentication takes at most 8 characters.
  const length = name === 'KEEPALIVED_PASSWORD' ? 6 : 18;
  for (;;) {
    const value = randomBytes(length)
      .toString('base64url')
      .slice(0, length === 6 ? 8 : 24);
    if (!value.startsWith('-')) return value;
  }
}

/** Loads the lab's secrets, generating any that are missing, and saves them back with mode 0600. */
export function loadSecrets(file: string): Secrets {
  const stored: Partial<Secrets> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const values = { ...stored.values } as Record<SecretName, string>;
  let changed = !existsSync(file);
  for (const name of SECRET_NAMES) {
    if (!values[name]) {
      values[name] = generate(name);
      changed = true;
    }
  }
  const secrets = { values, outputs: stored.outputs ?? {} };
  if (changed) saveSecrets(file, secrets);
  return secrets;
}

export function saveSecrets(file: string, secrets: Secrets): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
}

/** Replaces every secret value in a text (logs, evidence) with a placeholder naming it. */
export function redact(text: string, secrets: Secrets): string {
  let out = text;
  for (const [name, value] of [...Object.entries(secrets.values), ...Object.entries(secrets.outputs)]) {
    if (value && value.length >= 6) out = out.split(value).join(`<${name}>`);
  }
  return out;
}
