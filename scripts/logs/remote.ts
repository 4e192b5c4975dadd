// What `lab logs` collects on a node, and the one remote command that sends it back as a tar stream.

/** Role logs on a node; a path that does not exist there is skipped. */
export const ROLE_LOGS = [
  '/var/log/haproxy.log',
  '/var/log/keepalived.log',
  '/var/log/mysql',
  // Galera SST by mariabackup: the donor's and the joiner's logs live in the data directory.
  '/var/lib/mysql/mariabackup.*.log',
  '/var/lib/mysql/*.err',
  '/var/log/garbd',
  '/var/log/redis',
  '/var/log/glusterfs',
  '/var/log/apache2',
  '/var/log/php8.2-fpm.log',
  '/var/log/nextcloud/nextcloud.log',
] as const;

/** The configurations the roles render. */
export const RENDERED_CONFIGS = [
  '/etc/haproxy',
  '/etc/keepalived',
  '/etc/mysql/mariadb.conf.d/99-lab-galera.cnf',
  '/etc/redis',
  '/etc/php/8.2/fpm/pool.d',
  '/etc/apache2/sites-available/lab.conf',
  '/var/www/nextcloud/config/*.php',
] as const;

/** Where the journal lands in a node's part of the bundle. */
export const JOURNAL = 'journal.txt';

// $1 is journalctl's --since ('' for the current boot), the rest are paths or globs, expanded on the
// node. Each path that exists is archived relative to /, symlinks followed (-h) so a config reached
// through a link is there, and a file reached twice stored twice (--hard-dereference). A log written while tar reads it makes tar exit 1: the archive is still
// whole, and a missing or unreadable file is no reason to lose the others (--ignore-failed-read).
// The stream is base64 because the engine's remote exec returns text.
const SCRIPT = `set -u
since=$1; shift
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
if [ -n "$since" ]; then range=(--since="$since"); else range=(-b); fi
journalctl --no-pager -o short-iso-precise "\${range[@]}" >"$tmp/${JOURNAL}" 2>&1
shopt -s nullglob
IFS=$'\\n'
have=()
for pattern in "$@"; do for path in $pattern; do [ -e "$path" ] && have+=("\${path#/}"); done; done
tar -czhf - --hard-dereference --format=pax --ignore-failed-read --warning=none -C / "\${have[@]}" -C "$tmp" ${JOURNAL} 2>/dev/null | base64 -w0`;

/** journalctl's --since for the last `seconds`, relative on the node's own clock (systemd.time: "-5s"). */
export function journalSince(seconds: number | undefined): string {
  return seconds === undefined ? '' : `-${Math.round(seconds)}s`;
}

/** The argv run on each node (as root): one command, the gzipped tar of what exists, base64 on stdout. */
export function logsCommand(sinceS?: number): string[] {
  return ['bash', '-c', SCRIPT, 'lab-logs', journalSince(sinceS), ...ROLE_LOGS, ...RENDERED_CONFIGS];
}
