// The Nextcloud accounts of a load run: created with occ on the first running web node (the way the
// web role runs occ), removed afterwards with their files. Passwords travel on stdin, never on argv.
import { randomBytes } from 'node:crypto';
import { LabError } from '../core/errors.ts';
import { type Lab, nodesWithRole } from '../core/model.ts';
import type { Account } from '../drills/traffic.ts';
import type { Remote } from '../engine/remote.ts';

/** `<prefix>-01` ... with random passwords long enough for Nextcloud's password policy (10+). */
export function makeAccounts(prefix: string, n: number): Account[] {
  const width = Math.max(2, String(n).length);
  return Array.from({ length: n }, (_, i) => ({
    name: `${prefix}-${String(i + 1).padStart(width, '0')}`,
    password: randomBytes(18).toString('base64url'),
  }));
}

/** Where occ runs: the first running web node. */
export function occNode(lab: Lab, running: Set<string>): string {
  const web = nodesWithRole(lab, 'web').find((n) => running.has(n.name));
  if (!web)
    throw new LabError('LOAD_NO_WEB', 'No running web node to create the load test users on', {
      hint: '`npm run lab:status` shows the nodes; `npm run lab:up` starts them.',
    });
  return web.name;
}

// One occ per account, each reading "name password" lines from stdin; OC_PASS is how occ user:add
// takes a password without a prompt (--password-from-env).
const ADD = `set -euo pipefail
cd /var/www/nextcloud
while read -r name pass; do
  if ! out=$(OC_PASS=$pass runuser -u www-data -- php occ --no-interaction user:add --password-from-env -- "$name" 2>&1); then
    echo "occ user:add $name: $out" >&2; exit 1
  fi
done`;
const DELETE = `cd /var/www/nextcloud
rc=0
while read -r name; do
  out=$(runuser -u www-data -- php occ --no-interaction user:delete -- "$name" 2>&1) || { echo "$name: $out" >&2; rc=1; }
done
exit $rc`;

// occ starts all of Nextcloud each time: about a second per account on a busy host.
const perAccountMs = 20_000;

export async function createUsers(remote: Remote, node: string, accounts: Account[]): Promise<void> {
  const r = await remote.exec(node, ['bash', '-c', ADD], {
    stdin: `${accounts.map((a) => `${a.name} ${a.password}`).join('\n')}\n`,
    timeoutMs: 60_000 + accounts.length * perAccountMs,
  });
  if (r.code !== 0)
    throw new LabError('LOAD_USERS', `Could not create the load test users on ${node}`, {
      hint: `Look at the Nextcloud log on ${node} (/var/log/nextcloud/nextcloud.log); users already created are removed again.`,
      details: r.stderr.trim().split('\n').slice(-5),
    });
}

/** Removes the accounts (missing ones included, quietly); returns what could not be removed. */
export async function removeUsers(remote: Remote, node: string, accounts: Account[]): Promise<string[]> {
  const r = await remote.exec(node, ['bash', '-c', DELETE], {
    stdin: `${accounts.map((a) => a.name).join('\n')}\n`,
    timeoutMs: 60_000 + accounts.length * perAccountMs,
  });
  return r.code === 0
    ? []
    : r.stderr
        .trim()
        .split('\n')
        .filter((l) => l && !/does not exist/i.test(l));
}
