#!/usr/bin/env bash
# Web node: Apache (mpm_event) + PHP-FPM 8.2, PHP sessions in Redis through the router, the GlusterFS
# volume mounted at /srv/labdata, the lab probe under /lab-probe/, and Nextcloud when an archive is given.
# Without storage nodes (all-in-one, one web node) /srv/labdata is a directory on the node's own disk.
# Inputs: ROUTER_ADDR, REDIS_PASSWORD, DB_PROBE_PASSWORD, STORAGE_NODES, STORAGE_ARBITER_NODES, WEB_PORT,
#   WEB_FIRST (1 on the first web node), NEXTCLOUD_ARCHIVE or NEXTCLOUD_SKIP_REASON, and for Nextcloud
#   FRONT_ADDR, LB_NODES, DB_NEXTCLOUD_PASSWORD, NEXTCLOUD_ADMIN_USER, NEXTCLOUD_ADMIN_PASSWORD, OUT_NEXTCLOUD_*.
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
# shellcheck source=../files/web/web-lib.sh
source "$LAB_PROVISION_DIR/files/web/web-lib.sh"
# shellcheck source=../files/web/nextcloud.sh
source "$LAB_PROVISION_DIR/files/web/nextcloud.sh"

MOUNT=/srv/labdata
PROBE_ROOT=/var/www/lab-probe
PHP_ETC=/etc/php/8.2
# The lbs check each web node here (roles/lb.sh HEALTH_PORT), served by the [lab-health] pool.
HEALTH_PORT=8081
SKIP_NOTE=/var/lib/lab/nextcloud-skip-reason

setup_php() {
  local restart=0
  ensure_dir /var/cache/php-opcache www-data:www-data 0700
  render_php_ini fpm | put_file "$PHP_ETC/fpm/conf.d/90-lab.ini" 0640 && restart=1
  render_php_ini cli | put_file "$PHP_ETC/cli/conf.d/90-lab.ini" 0644 || true
  render_fpm_pool | put_file "$PHP_ETC/fpm/pool.d/zz-lab.conf" 0644 && restart=1
  ensure_enabled php8.2-fpm
  restart_if "$restart" php8.2-fpm
}

setup_apache() {
  local restart=0 docroot=/var/www/html
  [[ -n ${NEXTCLOUD_ARCHIVE:-} ]] && docroot=$NC_ROOT
  a2_mod_off mpm_prefork && restart=1
  for mod in mpm_event proxy proxy_fcgi setenvif rewrite headers env dir mime; do a2_mod_on "$mod" && restart=1; done
  a2_conf_on php8.2-fpm && restart=1
  render_site "$docroot" | put_file /etc/apache2/sites-available/lab.conf 0644 && restart=1
  a2_site_off 000-default && restart=1
  a2_site_on lab && restart=1
  if [[ ${WEB_PORT:-80} != 80 ]]; then render_ports_conf | put_file /etc/apache2/ports.conf 0644 && restart=1; fi
  apache2ctl configtest >/dev/null 2>&1 || die "apache2ctl configtest failed: $(apache2ctl configtest 2>&1 | tail -n3)"
  ensure_enabled apache2
  restart_if "$restart" apache2
}

# The volume is mounted from fstab with _netdev, so systemd mounts it again at boot once the network is
# up, and lab-labdata-mount.service tries again until it is mounted (storage may boot after this node).
setup_mount() {
  local servers first backups line unit
  servers=$(list_ips "$STORAGE_NODES $STORAGE_ARBITER_NODES")
  if [[ -z $servers ]]; then
    setup_local_data
    return 0
  fi
  first=$(head -n1 <<<"$servers")
  backups=$(tail -n +2 <<<"$servers" | paste -sd:)
  line="$first:/labdata $MOUNT glusterfs defaults,_netdev,backup-volfile-servers=$backups 0 0"
  { awk -v m="$MOUNT" '$2 != m' /etc/fstab; echo "$line"; } | put_file /etc/fstab 0644 && systemctl daemon-reload
  put_file /etc/systemd/system/lab-labdata-mount.service 0644 <"$LAB_PROVISION_DIR/files/web/lab-labdata-mount.service" &&
    systemctl daemon-reload
  ensure_enabled lab-labdata-mount.service
  # A FUSE mount whose client died answers ENOTCONN: unmount it so it can be mounted again.
  if grep -q " $MOUNT fuse.glusterfs " /proc/mounts && ! stat "$MOUNT" >/dev/null 2>&1; then
    umount -l "$MOUNT"
    changed "unmounted the dead mount $MOUNT"
  fi
  [[ -d $MOUNT ]] || install -d -m 0755 "$MOUNT"
  if ! mountpoint -q "$MOUNT"; then
    # Through the mount unit, as at boot: the GlusterFS client then runs in the mount's own cgroup, not
    # in this SSH session's (ssh.service), so a snapshot can freeze its users first and it last
    # (cgroups.ts). lab-labdata-mount.service may mount it meanwhile: that is not a failure.
    unit=$(systemd-escape -p --suffix=mount "$MOUNT")
    timeout 60 systemctl start "$unit" || mountpoint -q "$MOUNT" ||
      die "mounting the GlusterFS volume labdata at $MOUNT failed (storage up?): $(journalctl -u "$unit" -n 3 --no-pager -o cat 2>&1 | tr '\n' ' ')"
    changed "mounted labdata at $MOUNT"
  fi
  ensure_dir "$MOUNT/lab-probe/writes" www-data:www-data 0770
  ensure_dir "$MOUNT/lab-probe/health" www-data:www-data 0770
}

# The lab's model allows no storage node only with one web node: its data stays on its own disk.
setup_local_data() {
  if grep -q " $MOUNT glusterfs " /etc/fstab 2>/dev/null; then
    awk -v m="$MOUNT" '$2 != m' /etc/fstab | put_file /etc/fstab 0644 || true
  fi
  if [[ -e /etc/systemd/system/lab-labdata-mount.service ]]; then
    systemctl disable --quiet lab-labdata-mount.service
    rm -f /etc/systemd/system/lab-labdata-mount.service
    systemctl daemon-reload
    changed "removed lab-labdata-mount.service (no storage nodes)"
  fi
  ensure_dir "$MOUNT" root:root 0755
  ensure_dir "$MOUNT/lab-probe" root:root 0755
  ensure_dir "$MOUNT/lab-probe/writes" www-data:www-data 0770
  ensure_dir "$MOUNT/lab-probe/health" www-data:www-data 0770
}

setup_probe() {
  local src restart=0
  ensure_dir "$PROBE_ROOT" root:root 0755
  for src in "$LAB_PROVISION_DIR"/files/probe/*.php; do
    put_file "$PROBE_ROOT/${src##*/}" 0644 <"$src" && restart=1
  done
  render_probe_config | put_file /etc/lab-probe/config.php 0640 root:www-data && restart=1
  # OPcache would keep serving the old code or config for up to revalidate_freq (60 s).
  [[ $restart == 1 ]] && systemctl reload php8.2-fpm
  [[ ${WEB_FIRST:-0} == 1 ]] && ensure_probe_writes_table
  return 0
}

ensure_probe_writes_table() {
  local exists
  exists=$(probe_sql "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='labprobe' AND TABLE_NAME='writes'") ||
    die "the lab probe cannot reach MariaDB through the router at $ROUTER_ADDR:3306 as labprobe"
  [[ $exists == 0 ]] || return 0
  probe_sql "$PROBE_WRITES_DDL"
  changed "created table labprobe.writes"
}

apply() {
  ensure_role_packages web
  setup_php
  setup_apache
  setup_mount
  setup_probe
  if [[ -n ${NEXTCLOUD_ARCHIVE:-} ]]; then
    [[ -f $SKIP_NOTE ]] && rm -f "$SKIP_NOTE" && changed "removed $SKIP_NOTE"
    nextcloud_apply
  else
    local reason="Nextcloud not installed on $NODE_NAME: ${NEXTCLOUD_SKIP_REASON:-NEXTCLOUD_ARCHIVE is empty}"
    # The Nextcloud checks read this to say why they skip.
    echo "$reason" | put_file "$SKIP_NOTE" 0644 || true
    skipped "$reason"
  fi
}

case ${1:-} in
  apply) apply ;;
  *) die "usage: web.sh apply" ;;
esac
