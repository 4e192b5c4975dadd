#!/usr/bin/env bash
# Galera helpers for roles/db.sh: state of the local node, the probe line, and idempotent SQL objects.
# SQL goes to the client on stdin, never in argv, so passwords stay out of the process list.

# sql STATEMENT: runs as root over the unix socket; prints rows tab-separated without headers.
sql() { timeout 30 mysql --connect-timeout=5 -N -B <<<"$1"; }

# Escapes a value for a single-quoted SQL string.
sql_quote() { local v=${1//\\/\\\\}; printf "'%s'" "${v//\'/\'\'}"; }

wsrep_status() { sql "SHOW GLOBAL STATUS LIKE '$1'" 2>/dev/null | awk '{ print $2 }'; }

# A unit still activating may be waiting for a Primary component that nobody has bootstrapped (the lab
# booted after a whole-lab stop): it fails after pc.wait_prim_timeout. After a crash of the whole
# cluster the nodes may instead restore it by themselves from gvwstate.dat (pc.recovery). Either way,
# deciding before the unit settles would race it.
settle_mariadb() {
  local deadline=$((SECONDS + 90))
  while [[ $(systemctl is-active mariadb 2>/dev/null) == activating ]] && ((SECONDS < deadline)); do sleep 0.5; done
}

# primary | nonprimary | standalone (running without Galera, e.g. started by the package) | down
galera_state() {
  settle_mariadb
  systemctl is-active --quiet mariadb || { echo down; return; }
  local status
  status=$(wsrep_status wsrep_cluster_status) || die "mariadb is active on $NODE_NAME but does not answer on its socket"
  case $status in
    Primary) echo primary ;;
    non-Primary) echo nonprimary ;;
    *) echo standalone ;;
  esac
}

grastate() { awk -v k="$1:" '$1 == k { print $2 }' /var/lib/mysql/grastate.dat 2>/dev/null || true; }

# uuid:seqno of a stopped node from InnoDB, for a grastate.dat that says -1 after a crash (read-only).
recovered_position() { galera_recovery 2>/dev/null | sed -n 's/^--wsrep_start_position=//p'; }

probe_line() {
  local state uuid seqno safe pos
  state=$(galera_state)
  safe=$([[ $(grastate safe_to_bootstrap) == 1 ]] && echo 1 || echo 0)
  if [[ $state != down ]]; then
    uuid=$(wsrep_status wsrep_cluster_state_uuid)
    seqno=$(wsrep_status wsrep_last_committed)
    echo "::lab-state running=1 primary=$([[ $state == primary ]] && echo 1 || echo 0) seqno=${seqno:--1} safe=$safe uuid=${uuid:--}"
    return
  fi
  uuid=$(grastate uuid)
  seqno=$(grastate seqno)
  if [[ -n $uuid && ${seqno:--1} == -1 ]]; then
    pos=$(recovered_position)
    [[ -n $pos ]] && { uuid=${pos%%:*}; seqno=${pos##*:}; }
  fi
  echo "::lab-state running=0 primary=0 seqno=${seqno:--1} safe=$safe uuid=${uuid:--}"
}

# galera_new_cluster refuses a node whose grastate.dat says safe_to_bootstrap: 0 (it did not leave last);
# the engine chose this node for its seqno, so it is safe.
mark_safe_to_bootstrap() {
  [[ $(grastate safe_to_bootstrap) == 0 ]] || return 0
  sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' /var/lib/mysql/grastate.dat
  changed "set safe_to_bootstrap: 1 in grastate.dat"
}

# Both are polled through wait_until.
# shellcheck disable=SC2317
is_primary() { [[ $(wsrep_status wsrep_cluster_status) == Primary ]]; }

# shellcheck disable=SC2317
synced() { [[ $(wsrep_status wsrep_local_state) == 4 && $(wsrep_status wsrep_ready) == ON ]]; }

wait_synced() { wait_until 600 "$NODE_NAME to be Synced (wsrep_local_state=4)" synced; }

ensure_database() {
  [[ $(sql "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='$1'") == 0 ]] || return 0
  sql "CREATE DATABASE IF NOT EXISTS \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
  changed "created database $1"
}

# ensure_user USER HOST PASSWORD [DATABASE]: creates, resets a changed password, grants ALL on DATABASE.
ensure_user() {
  local who pw where
  who="$(sql_quote "$1")@$(sql_quote "$2")"
  pw=$(sql_quote "$3")
  where="User=$(sql_quote "$1") AND Host=$(sql_quote "$2")"
  if [[ $(sql "SELECT COUNT(*) FROM mysql.user WHERE $where") == 0 ]]; then
    sql "CREATE USER $who IDENTIFIED BY $pw"
    changed "created user $1@$2"
  elif [[ $(sql "SELECT authentication_string = PASSWORD($pw) FROM mysql.user WHERE $where") != 1 ]]; then
    sql "ALTER USER $who IDENTIFIED BY $pw"
    changed "reset the password of $1@$2"
  fi
  [[ -n ${4:-} ]] || return 0
  [[ $(sql "SELECT COUNT(*) FROM mysql.db WHERE $where AND Db='$4'") == 0 ]] || return 0
  sql "GRANT ALL PRIVILEGES ON \`$4\`.* TO $who"
  changed "granted $1@$2 all on $4"
}

# mariabackup SST connects to the donor as this user (wsrep_sst_auth).
ensure_sst_user() {
  ensure_user sst localhost "$DB_SST_PASSWORD"
  local where="User='sst' AND Host='localhost' AND Reload_priv='Y' AND Process_priv='Y' AND Lock_tables_priv='Y' AND Repl_client_priv='Y'"
  [[ $(sql "SELECT COUNT(*) FROM mysql.user WHERE $where") == 0 ]] || return 0
  sql "GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'sst'@'localhost'"
  changed "granted the SST privileges to sst@localhost"
}

# The table the data checks write through the router and read back on every node.
ensure_probe_table() {
  [[ $(sql "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='labprobe' AND TABLE_NAME='checks'") == 0 ]] || return 0
  sql "CREATE TABLE IF NOT EXISTS labprobe.checks (id VARCHAR(64) PRIMARY KEY, written_via VARCHAR(64) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))"
  changed "created table labprobe.checks"
}

ensure_sql_objects() {
  ensure_database nextcloud
  ensure_database labprobe
  ensure_user nextcloud % "$DB_NEXTCLOUD_PASSWORD" nextcloud
  ensure_user labprobe % "$DB_PROBE_PASSWORD" labprobe
  ensure_sst_user
  ensure_exporter_user
  ensure_probe_table
}

# Prometheus's mysqld exporter: the OS user prometheus through the socket, no password; SHOW GLOBAL
# STATUS needs no privilege.
ensure_exporter_user() {
  [[ $(sql "SELECT COUNT(*) FROM mysql.user WHERE User='prometheus' AND Host='localhost'") == 0 ]] || return 0
  sql "CREATE USER IF NOT EXISTS 'prometheus'@'localhost' IDENTIFIED VIA unix_socket"
  changed "created user prometheus@localhost (unix_socket, for the mysqld exporter)"
}
