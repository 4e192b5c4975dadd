// An app password for the drills' WebDAV traffic, as Nextcloud's desktop and mobile clients use after
// their login flow. Nextcloud checks an app password against a token hash; the account password is
// checked against its Argon2 hash on every request that carries it (measured: a 4 KiB WebDAV GET took
// 0.55 s with the admin password and 0.10 s with an app password, idle lab): drill traffic with the
// account password was a password-hashing benchmark that overloaded a 2-core host by itself.
import { randomBytes } from 'node:crypto';
import type { Remote } from '../engine/remote.ts';
import { type DavAccess, DRILL_DIR } from './traffic.ts';

const OCS = '/ocs/v2.php/core';

/** A curl config line `user = "name:secret"` (never argv, which `ps` shows), quoted as curl reads it. */
export function curlUserLine(user: string, secret: string): string {
  const quoted = `${user}:${secret}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `user = "${quoted}"\n`;
}

// One OCS request from the client node through the front address, authenticated as `user:secret`.
async function ocs(
  remote: Remote,
  client: string,
  dav: DavAccess,
  secret: string,
  method: 'GET' | 'DELETE',
  path: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const conf = `${DRILL_DIR}/ocs-${randomBytes(4).toString('hex')}.conf`;
  await remote.exec(client, ['install', '-d', '-m', '0700', DRILL_DIR]);
  await remote.put(client, conf, curlUserLine(dav.user, secret), 0o600);
  try {
    const url = `${new URL(dav.base).origin}${OCS}/${path}?format=json`;
    const argv = ['curl', '-sS', '--fail', '--max-time', '60', '-K', conf, '-X', method];
    argv.push('-H', 'OCS-APIRequest: true', '--cacert', '/opt/lab/tls/ca.crt', url);
    return await remote.exec(client, argv, { timeoutMs: 70_000 });
  } finally {
    await remote.exec(client, ['rm', '-f', conf]);
  }
}

/** Trades the account password for an app password, or says why Nextcloud gave none. */
export async function createAppPassword(
  remote: Remote,
  client: string,
  dav: DavAccess,
): Promise<{ access: DavAccess } | { error: string }> {
  const r = await ocs(remote, client, dav, dav.password, 'GET', 'getapppassword');
  if (r.code !== 0) return { error: `getapppassword failed: ${r.stderr.trim() || `curl exit ${r.code}`}` };
  try {
    const answer = JSON.parse(r.stdout) as { ocs?: { data?: { apppassword?: string } } };
    const token = answer.ocs?.data?.apppassword;
    return token
      ? { access: { ...dav, password: token } }
      : { error: 'getapppassword answered no apppassword' };
  } catch {
    return { error: `getapppassword answered no JSON: ${r.stdout.slice(0, 200)}` };
  }
}

/** Deletes the app password (it authenticates its own deletion); a failure only leaves a stale token. */
export async function revokeAppPassword(remote: Remote, client: string, dav: DavAccess): Promise<void> {
  await ocs(remote, client, dav, dav.password, 'DELETE', 'apppassword').catch(() => undefined);
}
