#!/usr/bin/env bash
# The Prometheus exporters the tier roles run (sourced after lib/common.sh). Each is one long-running
# Debian-packaged process answering scrapes from memory or with one query: nothing forks per scrape.
# GOMAXPROCS=1: an exporter's Go runtime then keeps one busy thread, not one per core, at idle.
# GOGC=50: the heap grows to 1.5 times what is live instead of twice. On full-ha (Nextcloud installed)
# the 13 node exporters went from 100 to 78 MiB PSS and every monitoring process together from 297 to
# 251 MiB, CPU unchanged (0.034 and 0.035 of a core over 120 s); GOGC=25 saved nothing more.
LAB_GO_ENV='Environment=GOMAXPROCS=1 GOGC=50'

# lab_dropin ENVIRONMENT-LINE: the lab's drop-in for a monitoring unit. Each binds its node's lab
# address, which systemd-networkd may configure a moment after the unit starts when a whole lab boots
# at once (`lab reset`: 2 of 13 nodes, "bind: cannot assign requested address"); systemd's default of
# 5 restarts in 10 s, 100 ms apart, then gave up. So: again every second, without a start limit.
lab_dropin() {
  printf '# Written by the lab.\n[Unit]\nStartLimitIntervalSec=0\n[Service]\n%s\nRestart=on-failure\nRestartSec=1\n' "$1"
}

# ensure_exporter UNIT: ARGS (and other lines) for /etc/default/UNIT on stdin; restarts on change.
ensure_exporter() {
  local unit=$1 restart=0
  put_file "/etc/default/$unit" 0640 root:prometheus && restart=1
  lab_dropin "$LAB_GO_ENV" |
    put_file "/etc/systemd/system/$unit.service.d/lab.conf" 0644 && { systemctl daemon-reload; restart=1; }
  ensure_enabled "$unit"
  restart_if "$restart" "$unit"
}

# Every node: the host's CPU, memory, load, filesystems and network (with each interface's addresses,
# which is how Prometheus sees who holds a VIP), plus the textfile collector for what a role's timer
# writes (GlusterFS bricks). Only these collectors: the defaults read ~40 subsystems on every scrape.
# Filesystems: the root one (overlay on nspawn, which the default list leaves out) and real disks, not
# tmpfs, and no FUSE: a statfs of the web nodes' GlusterFS mount asks the storage nodes over the network
# on every scrape, and a GlusterFS client waiting out a dead brick could hold the whole scrape past its
# 3 s timeout (the collector gives a mount 5 s): the web node would look down for storage's fault.
NODE_FS_EXCLUDE='^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fuse[.].*|fusectl|hugetlbfs|iso9660|mqueue|nsfs|proc|procfs|pstore|ramfs|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tmpfs|tracefs)$'
NODE_TEXTFILE_DIR=/var/lib/prometheus/node-exporter
ensure_node_exporter() {
  [[ -d $NODE_TEXTFILE_DIR ]] || { install -d -m 0755 -o prometheus -g prometheus "$NODE_TEXTFILE_DIR"; changed "created $NODE_TEXTFILE_DIR"; }
  cat <<ARGS | ensure_exporter prometheus-node-exporter
# Written by the lab's base role.
ARGS="--web.listen-address=$NODE_IP:9100 --collector.disable-defaults --collector.cpu --collector.meminfo --collector.loadavg --collector.stat --collector.time --collector.filesystem --collector.filesystem.fs-types-exclude=$NODE_FS_EXCLUDE --collector.netdev --collector.netdev.address-info --collector.textfile --collector.textfile.directory=$NODE_TEXTFILE_DIR"
ARGS
}

# db nodes: SHOW GLOBAL STATUS only (wsrep_* included), as MariaDB user prometheus@localhost through the
# socket (unix_socket authentication: the exporter runs as the OS user prometheus, no password anywhere).
# The user is created with the other SQL objects (files/db/galera-lib.sh).
ensure_mysqld_exporter() {
  cat <<ARGS | ensure_exporter prometheus-mysqld-exporter
# Written by the lab's db role.
DATA_SOURCE_NAME="prometheus@unix(/run/mysqld/mysqld.sock)/"
ARGS="--web.listen-address=$NODE_IP:9104 --collect.global_status --no-collect.global_variables --no-collect.slave_status --no-collect.info_schema.innodb_cmp --no-collect.info_schema.innodb_cmpmem --no-collect.info_schema.query_response_time"
ARGS
}

# Nodes with Redis or Sentinel: one exporter serves both through its multi-target endpoint
# (/scrape?target=redis://NODE_IP:6379 and :26379). The password file maps the Redis URI to its
# password; Sentinel has none, so it gets none.
ensure_redis_exporter() {
  local pwfile=/etc/prometheus/lab-redis-passwords.json
  printf '{"redis://%s:6379": "%s"}\n' "$NODE_IP" "$REDIS_PASSWORD" | put_file "$pwfile" 0640 root:prometheus || true
  cat <<ARGS | ensure_exporter prometheus-redis-exporter
# Written by the lab's redis and sentinel roles.
ARGS="-web.listen-address=$NODE_IP:9121 -redis.addr=redis://$NODE_IP:6379 -redis.password-file=$pwfile -redis-only-metrics -connection-timeout=2s"
ARGS
}
