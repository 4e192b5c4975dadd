#!/usr/bin/env bash
# Nextcloud on a web node (sourced by roles/web.sh), following the Nextcloud 32 admin manual:
# command line installation, config.php parameters, reverse proxy, memory caching, background jobs.
# The first web node installs once and reports its config.php; every other node writes the identical
# file (instanceid, passwordsalt and secret must match: the session cookie name is the instanceid).

NC_ROOT=/var/www/nextcloud
NC_MARKER=/var/lib/lab/nextcloud-archive.sha256

occ() { (cd "$NC_ROOT" && timeout 600 runuser -u www-data -- php occ --no-interaction "$@"); }
nc_config_value() { php -r 'include $argv[1]; echo $CONFIG[$argv[2]] ?? "";' "$NC_ROOT/config/config.php" "$1"; }
nc_installed() { [[ -f $NC_ROOT/config/config.php && $(nc_config_value installed) == 1 ]]; }

# Unpacks the archive unless this exact archive (by sha256) is already in place; keeps the config.
nextcloud_unpack() {
  local sum tmp
  # The engine passes the checksum it verified; hashing 250 MB again costs seconds on every run.
  sum=${NEXTCLOUD_ARCHIVE_SHA256:-$(sha256sum "$NEXTCLOUD_ARCHIVE" | cut -d' ' -f1)}
  [[ -f $NC_MARKER && $(<"$NC_MARKER") == "$sum" && -f $NC_ROOT/version.php ]] && return 0
  tmp=$(mktemp -d /var/www/.nextcloud-unpack.XXXXXX)
  tar -xjf "$NEXTCLOUD_ARCHIVE" -C "$tmp" || die "cannot unpack $NEXTCLOUD_ARCHIVE"
  [[ -f $tmp/nextcloud/version.php ]] || die "$NEXTCLOUD_ARCHIVE is not a Nextcloud release (no nextcloud/version.php)"
  if [[ -d $NC_ROOT ]]; then
    cp -a "$NC_ROOT"/config/*.php "$tmp/nextcloud/config/" 2>/dev/null || true
    rm -rf "$NC_ROOT"
  fi
  mv "$tmp/nextcloud" "$NC_ROOT"
  rm -rf "$tmp"
  chown -R www-data:www-data "$NC_ROOT"
  install -D -m 0644 /dev/null "$NC_MARKER" && echo "$sum" >"$NC_MARKER"
  NC_RELOAD=1
  changed "unpacked Nextcloud $(php -r 'include $argv[1]; echo $OC_VersionString;' "$NC_ROOT/version.php") into $NC_ROOT"
}

# A Nextcloud tree without the font of generated avatars (the rebuilt release of the lab's own tests
# lacks its files over 4 MiB): `occ user:add` then fails drawing the new user's avatar, and avatars
# answer 500. Debian's DejaVu Sans (installed with php-gd's fontconfig) stands in; a real release has it.
nextcloud_font() {
  local font=$NC_ROOT/core/fonts/NotoSans-Regular.ttf dejavu=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
  [[ -e $font || ! -e $dejavu ]] && return 0
  ln -s "$dejavu" "$font"
  changed "linked $dejavu as $font (the archive has no avatar font)"
}

# The passwords go as --opt=VALUE: a value that begins with "-" (base64url has it) given as its own
# word is read by occ as an option ("The "-4" option does not exist", e2e 2026-12-04).
nextcloud_install() {
  local admin=${NEXTCLOUD_ADMIN_USER:-admin}
  log "installing Nextcloud against MariaDB at $ROUTER_ADDR:3306 (data in $NC_DATA)"
  occ maintenance:install --database mysql --database-host "$ROUTER_ADDR" --database-port 3306 \
    --database-name nextcloud --database-user nextcloud --database-pass="$DB_NEXTCLOUD_PASSWORD" \
    --admin-user "$admin" --admin-pass="$NEXTCLOUD_ADMIN_PASSWORD" --data-dir "$NC_DATA" >&2 ||
    die "occ maintenance:install failed (see above); the database nextcloud may need emptying before a retry"
  changed "installed Nextcloud (admin user $admin)"
}

# Writes the first node's config.php as reported in OUT_NEXTCLOUD_CONFIG_B64.
nextcloud_config_from_first() {
  [[ -n ${OUT_NEXTCLOUD_CONFIG_B64:-} ]] || die "the first web node reported no Nextcloud config (OUT_NEXTCLOUD_CONFIG_B64): run web apply on it first"
  base64 -d <<<"$OUT_NEXTCLOUD_CONFIG_B64" | put_file "$NC_ROOT/config/config.php" 0640 www-data:www-data && NC_RELOAD=1
  return 0
}

render_nc_config() {
  local ip proxies='' domains
  domains="$(php_str "$FRONT_ADDR"), $(php_str "$LAB_NAME"), $(php_str localhost)"
  for ip in $(list_ips "$LB_NODES"); do
    proxies+="$(php_str "$ip"), "
    [[ $ip == "$FRONT_ADDR" ]] || domains+=", $(php_str "$ip")"
  done
  cat <<EOF
<?php
// Written by the lab's web role, identical on every web node; it overrides config.php.
\$CONFIG = [
  'trusted_domains' => [$domains],
  'trusted_proxies' => [$proxies],
  'forwarded_for_headers' => ['HTTP_X_FORWARDED_FOR'],
  'overwriteprotocol' => 'https',
  'overwrite.cli.url' => $(php_str "https://$FRONT_ADDR"),
  'memcache.local' => '\\OC\\Memcache\\APCu',
  'memcache.distributed' => '\\OC\\Memcache\\Redis',
  'memcache.locking' => '\\OC\\Memcache\\Redis',
  'redis' => ['host' => $(php_str "$ROUTER_ADDR"), 'port' => 6379, 'password' => $(php_str "$REDIS_PASSWORD"), 'timeout' => 1.5, 'read_timeout' => 1.5, 'dbindex' => 0],
  // One connection per request, not phpredis's persistent ones: after a snapshot froze the lab for
  // 1.6 s, both web nodes' PHP workers kept answering "NOAUTH Authentication required" on every
  // request (phpredis can reconnect a pooled socket without its AUTH: phpredis issues 403, 1757), and
  // login and WebDAV failed on two verify runs minutes apart. The price: a connect and an AUTH through
  // the router on each request.
  'redis.persistent' => false,
  'appstoreenabled' => false,
  // The lab has no route off the machine: no update checks, app store or federation lookups (each
  // waited for a DNS answer that never comes).
  'has_internet_connection' => false,
  // Load tests log in many times from one client address: throttling would measure the throttle.
  // Passwords hashed with bcrypt (PHP's default), not Argon2id: Nextcloud checks the account password
  // on every login, and 20 load-test users logging in at once took 28 s of a 2-core host with Argon2id
  // (64 MiB and ~0.5 s of CPU per check); app passwords and sessions are unaffected.
  'hashing_default_password' => true,
  'auth.bruteforce.protection.enabled' => false,
  'skeletondirectory' => '',
  'templatedirectory' => '',
  'maintenance_window_start' => 1,
  // Each node logs locally: the data directory is shared.
  'logfile' => '/var/log/nextcloud/nextcloud.log',
];
EOF
}

# Background jobs every 5 minutes on every node with the admin manual's systemd timer (the images
# carry no cron daemon); jobs are claimed in the database, so two nodes never run the same job.
nextcloud_cron_timer() {
  local changed_units=0
  put_file /etc/systemd/system/nextcloudcron.service 0644 <"$LAB_PROVISION_DIR/files/web/nextcloudcron.service" && changed_units=1
  put_file /etc/systemd/system/nextcloudcron.timer 0644 <"$LAB_PROVISION_DIR/files/web/nextcloudcron.timer" && changed_units=1
  [[ $changed_units == 1 ]] && systemctl daemon-reload
  ensure_enabled nextcloudcron.timer
  ensure_started nextcloudcron.timer
}

nextcloud_report() {
  local key
  for key in instanceid passwordsalt secret version; do output "nextcloud_$key" "$(nc_config_value "$key")"; done
  output nextcloud_config_b64 "$(base64 -w0 "$NC_ROOT/config/config.php")"
}

nextcloud_apply() {
  NC_DATA=$MOUNT/nextcloud-data
  NC_RELOAD=0
  nextcloud_unpack
  nextcloud_font
  ensure_dir "$NC_DATA" www-data:www-data 0770
  ensure_dir /var/log/nextcloud www-data:www-data 0750
  if [[ ${WEB_FIRST:-0} == 1 ]] && ! nc_installed; then
    # Installed before by this lab (e.g. web1 rebuilt): the database has it, restore the config.
    if [[ -n ${OUT_NEXTCLOUD_CONFIG_B64:-} ]]; then nextcloud_config_from_first; else nextcloud_install; fi
  elif [[ ${WEB_FIRST:-0} != 1 ]]; then
    nextcloud_config_from_first
  fi
  render_nc_config | put_file "$NC_ROOT/config/lab.config.php" 0640 www-data:www-data && NC_RELOAD=1
  # OPcache (revalidate_freq 60 s) would keep serving the old configuration for up to a minute.
  [[ $NC_RELOAD == 1 ]] && systemctl reload php8.2-fpm
  if [[ ${WEB_FIRST:-0} == 1 ]]; then
    # A newer archive than the installed version: the first node migrates the database once.
    if [[ $(occ status --output=json 2>/dev/null | jq -r .needsDbUpgrade) == true ]]; then
      occ upgrade >&2 || die "occ upgrade failed (see above)"
      changed "upgraded Nextcloud to the archive's version"
    fi
    [[ $(occ config:app:get core backgroundjobs_mode 2>/dev/null) == cron ]] || { occ background:cron >&2; changed "set background jobs to cron"; }
    nextcloud_report
  fi
  nextcloud_cron_timer
}
