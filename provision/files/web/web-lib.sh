#!/usr/bin/env bash
# Renderers and small helpers of the web role (sourced by roles/web.sh after lib/common.sh).

# A PHP single-quoted string literal.
php_str() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}

ensure_dir() {
  local path=$1 owner=$2 mode=$3
  if [[ ! -d $path ]]; then
    install -d -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$path"
    changed "created $path"
  elif [[ $(stat -c '%U:%G %a' "$path") != "$owner ${mode#0}" ]]; then
    chown "$owner" "$path" && chmod "$mode" "$path"
    changed "fixed owner and mode of $path"
  fi
}

# a2_* return 0 when they changed something (so the caller restarts Apache), 1 otherwise.
a2_mod_on() { [[ -e /etc/apache2/mods-enabled/$1.load ]] && return 1; a2enmod -q "$1" >&2; changed "enabled apache module $1"; }
a2_mod_off() { [[ -e /etc/apache2/mods-enabled/$1.load ]] || return 1; a2dismod -q -f "$1" >&2; changed "disabled apache module $1"; }
a2_conf_on() { [[ -e /etc/apache2/conf-enabled/$1.conf ]] && return 1; a2enconf -q "$1" >&2; changed "enabled apache conf $1"; }
a2_site_on() { [[ -e /etc/apache2/sites-enabled/$1.conf ]] && return 1; a2ensite -q "$1" >&2; changed "enabled apache site $1"; }
a2_site_off() { [[ -e /etc/apache2/sites-enabled/$1.conf ]] || return 1; a2dissite -q "$1" >&2; changed "disabled apache site $1"; }

# PHP settings from the Nextcloud admin manual (server tuning, big file uploads, memory caching) plus
# Redis-backed sessions: any web node can serve the next request of a session.
render_php_ini() {
  cat <<EOF
; Written by the lab's web role.
memory_limit = 512M
upload_max_filesize = 16G
post_max_size = 16G
max_input_time = 3600
max_execution_time = 3600
output_buffering = Off
opcache.enable = 1
opcache.interned_strings_buffer = 32
opcache.max_accelerated_files = 10000
opcache.memory_consumption = 128
opcache.save_comments = 1
opcache.revalidate_freq = 60
; Compiled scripts also go to disk: a web node that restarts (a drill, a power cut) serves its first
; requests from this cache instead of compiling Nextcloud again in every worker while users wait.
opcache.file_cache = /var/cache/php-opcache
apc.enable_cli = 1
apc.shm_size = 64M
EOF
  [[ $1 == fpm ]] || return 0
  # Locking keeps two parallel requests of one session from overwriting each other; bounded retries
  # (2000 x 10 ms) so a lock left by a dead node cannot hang a request for ever.
  cat <<EOF
session.save_handler = redis
session.save_path = "tcp://$ROUTER_ADDR:6379?auth=$REDIS_PASSWORD&database=1&timeout=2&read_timeout=2"
redis.session.locking_enabled = 1
redis.session.lock_retries = 2000
redis.session.lock_wait_time = 10000
EOF
}

# [www] serves users; [lab-health] serves only the load balancers' checks, so a check never waits behind
# user requests in a saturated pool (measured before: under WebDAV load, /status.php checks timed out on
# both web nodes and HAProxy had no server left). Sizes: a Nextcloud worker takes 40-60 MiB, so 12
# children fit a 1 GiB node beside Apache and the GlusterFS client; HAProxy sends each node at most 10
# requests at a time (roles/lb.sh WEB_MAXCONN) and queues the rest, so the pool never runs out and the
# children left over serve cron and direct probe requests. The health pool is static: 2 children, one
# per lb, forked once, not per check.
render_fpm_pool() {
  cat <<'EOF'
; Written by the lab's web role: overrides of Debian's [www] pool (loaded after www.conf).
[www]
pm = dynamic
pm.max_children = 12
pm.start_servers = 3
pm.min_spare_servers = 2
pm.max_spare_servers = 6
pm.max_requests = 500
request_terminate_timeout = 3600
; Nextcloud needs a PATH in the environment (admin manual, PHP-FPM configuration notes).
env[PATH] = /usr/local/bin:/usr/bin:/bin

[lab-health]
user = www-data
group = www-data
listen = /run/php/lab-health.sock
listen.owner = www-data
listen.group = www-data
pm = static
pm.max_children = 2
pm.max_requests = 5000
request_terminate_timeout = 30
env[PATH] = /usr/local/bin:/usr/bin:/bin
EOF
}

render_site() {
  local docroot=$1
  cat <<EOF
# Written by the lab's web role. TLS ends on the load balancers; they add X-Forwarded-For/-Proto.
<VirtualHost *:${WEB_PORT:-80}>
  ServerName ${FRONT_ADDR:-$NODE_IP}
  DocumentRoot $docroot
  # Which web node answered, on every response (Nextcloud's too): drill traffic records it.
  Header always set X-Lab-Web-Node "$NODE_NAME"
  # And how long the web node took (mod_headers' %D: "D=<microseconds>" from the request's arrival to
  # its headers): load reports split a request's time between the lb and the web node with it.
  Header always set X-Lab-Web-Time "%D"
  Alias /lab-probe $PROBE_ROOT
  <Directory $PROBE_ROOT>
    Require all granted
    AllowOverride None
    Options None
    DirectoryIndex index.php
  </Directory>
EOF
  [[ -n ${NEXTCLOUD_ARCHIVE:-} ]] && cat <<EOF
  <Directory $NC_ROOT/>
    Require all granted
    AllowOverride All
    Options FollowSymLinks MultiViews
    <IfModule mod_dav.c>
      Dav off
    </IfModule>
  </Directory>
EOF
  cat <<'EOF'
  ErrorLog ${APACHE_LOG_DIR}/error.log
  # combined plus the time taken (%D, microseconds): where a slow request spent its time.
  CustomLog ${APACHE_LOG_DIR}/access.log "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %D"
</VirtualHost>
EOF
  render_health_site "$docroot"
}

# The load balancers' health checks: their own port and PHP-FPM pool ([lab-health]), and only the two
# status pages. Apache's mpm_event keeps its default 150 workers: HAProxy sends a web node at most 10
# user requests at a time, so a thread is always free for a check. Checks are not logged.
# Apache's ports when an lb shares the node (placement.ports.web): HAProxy holds :80 and :443 there.
# Debian's own ports.conf (Listen 80, and 443 with mod_ssl) stays as it is on a node of its own.
render_ports_conf() {
  printf '# Written by the lab'"'"'s web role: an lb on this node holds :80 and :443 (placement.ports.web).\nListen %s\n' "$WEB_PORT"
}

render_health_site() {
  cat <<EOF

Listen $HEALTH_PORT
<VirtualHost *:$HEALTH_PORT>
  ServerName ${FRONT_ADDR:-$NODE_IP}
  DocumentRoot $1
  Alias /lab-probe $PROBE_ROOT
  <FilesMatch "\.php\$">
    SetHandler "proxy:unix:/run/php/lab-health.sock|fcgi://lab-health"
  </FilesMatch>
  <LocationMatch "^/(?!status\.php\$|lab-probe/status\.php\$)">
    Require all denied
  </LocationMatch>
  ErrorLog \${APACHE_LOG_DIR}/error.log
</VirtualHost>
EOF
}

# The GlusterFS mount point, or nothing when the lab has no storage node (data on the node's own disk).
shared_mount() { if [[ -n "${STORAGE_NODES:-}${STORAGE_ARBITER_NODES:-}" ]]; then echo "$MOUNT"; fi; }

# The probe's credentials: outside the web root, readable by PHP-FPM workers (group www-data) only.
render_probe_config() {
  cat <<EOF
<?php
// Written by the lab's web role. Mode 0640 root:www-data; never place this in the web root.
return [
  'node' => $(php_str "$NODE_NAME"),
  'db' => ['host' => $(php_str "$ROUTER_ADDR"), 'port' => 3306, 'user' => 'labprobe', 'password' => $(php_str "$DB_PROBE_PASSWORD"), 'name' => 'labprobe'],
  'redis' => ['host' => $(php_str "$ROUTER_ADDR"), 'port' => 6379, 'password' => $(php_str "$REDIS_PASSWORD")],
  'mount' => $(php_str "$(shared_mount)"),
  'storage' => $(php_str "$MOUNT/lab-probe"),
];
EOF
}

PROBE_WRITES_DDL="CREATE TABLE IF NOT EXISTS writes (id VARCHAR(64) NOT NULL PRIMARY KEY, sha256 CHAR(64) NOT NULL, size INT UNSIGNED NOT NULL, web VARCHAR(64) NOT NULL, db VARCHAR(64) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))"

# probe_sql SQL: runs SQL as labprobe through the router (password in the environment, not argv).
probe_sql() {
  MYSQL_PWD=$DB_PROBE_PASSWORD timeout 20 mysql --connect-timeout=5 -h "$ROUTER_ADDR" -P 3306 -u labprobe -N -B labprobe -e "$1"
}
