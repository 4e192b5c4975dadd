#!/usr/bin/env bash
# MariaDB Galera data node. Steps (the engine runs them in this order, see provision/README.md):
#   probe      read-only: prints `::lab-state running= primary= seqno= safe= uuid=`
#   bootstrap  on the one node chooseGaleraBootstrap() picked: galera_new_cluster, then users and databases
#   join       on every other db node, one at a time: start and wait for Synced; a healthy node: no change
#   standalone the lab's only db node with placement.standalone: [db]: plain MariaDB, no Galera, no agent
# Inputs: DB_NODES, LAB_NAME, NODE_NAME, NODE_IP, DB_SST_PASSWORD, DB_NEXTCLOUD_PASSWORD, DB_PROBE_PASSWORD,
#   DB_STANDALONE, ROUTER_BIND (127.0.0.1 when this node's router listens there: MariaDB binds NODE_IP).
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
# shellcheck source=../files/db/galera-lib.sh
source "$LAB_PROVISION_DIR/files/db/galera-lib.sh"
# shellcheck source=../lib/exporters.sh
source "$LAB_PROVISION_DIR/lib/exporters.sh"
step=${1:?usage: db.sh probe|bootstrap|join|standalone}
files=$LAB_PROVISION_DIR/files/db

# Galera settings. pc.wait_prim_timeout 10 s (default 30): a node booting with the lab while no Primary
# component exists gives up sooner, so the probe waits less (pc.wait_prim=false is no way out: mariadbd
# then never reports ready and ignores SIGTERM, measured). The gcache must hold the writes a restarting
# node missed so it rejoins by IST, not SST. evs.suspect_timeout 3 s (default 5): after a power cut,
# writes to the survivors stall until the silent node is evicted.
# With placement.router: local the node's router (HAProxy) has 127.0.0.1:3306: MariaDB takes the node's
# lab address, where the routers of every node reach it.
bind_address() { if has_role router && [[ -n ${ROUTER_BIND:-} ]]; then echo "$NODE_IP"; else echo 0.0.0.0; fi; }

render_cnf() {
  local addr
  addr=$(list_ips "$DB_NODES" | paste -sd, -)
  cat <<EOF
# Written by the lab's db role. Nextcloud needs READ-COMMITTED, ROW binlog and utf8mb4; Galera needs
# InnoDB and innodb_autoinc_lock_mode=2.
[mysqld]
bind-address = $(bind_address)
binlog_format = ROW
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
transaction_isolation = READ-COMMITTED
character_set_server = utf8mb4
collation_server = utf8mb4_general_ci
innodb_buffer_pool_size = 128M
# Every PHP-FPM child of a web node holds at most one connection (Nextcloud uses no persistent ones):
# 2 web nodes x (12 user + 2 health children), cron, the probe, the checks and the exporter stay under
# 60. 100 leaves room for a third web node and bounds memory: each connection may take MiBs of buffers.
max_connections = 100
skip_name_resolve = ON
EOF
  [[ -z ${DB_STANDALONE:-} ]] || return 0
  cat <<EOF

[galera]
wsrep_on = ON
wsrep_provider = /usr/lib/galera/libgalera_smm.so
wsrep_cluster_name = $LAB_NAME
wsrep_cluster_address = gcomm://$addr
wsrep_node_name = $NODE_NAME
wsrep_node_address = $NODE_IP
wsrep_sst_method = mariabackup
wsrep_sst_auth = sst:$DB_SST_PASSWORD
wsrep_slave_threads = 2
wsrep_provider_options = "gcache.size=128M; gmcast.listen_addr=tcp://$NODE_IP:4567; ist.recv_addr=$NODE_IP; pc.wait_prim_timeout=PT10S$LAB_GALERA_EVS"
EOF
}

# Config and health agent; CNF_CHANGED=1 when the MariaDB config changed (a running node must restart).
CNF_CHANGED=0
configure() {
  local agent=0
  ensure_role_packages db
  render_cnf | put_file /etc/mysql/mariadb.conf.d/99-lab-galera.cnf 0640 root:mysql && CNF_CHANGED=1
  remove_socket_agent
  put_file /usr/local/lib/lab/dbhealth.pl 0755 <"$files/dbhealth.pl" && agent=1
  put_file /etc/systemd/system/lab-dbhealth.service 0644 <"$files/lab-dbhealth.service" && agent=1
  local unit=0
  if [[ -z ${DB_STANDALONE:-} ]]; then
    put_file /usr/local/lib/lab/galera-start-position 0755 <"$files/galera-start-position" || true
    put_file /etc/systemd/system/mariadb.service.d/lab-start-position.conf 0644 \
      <"$files/mariadb-start-position.conf" && unit=1
  fi
  if [[ $agent == 1 || $unit == 1 ]]; then systemctl daemon-reload; fi
  # Socket activation would start mariadbd on a client's connection, outside the bootstrap order.
  ensure_disabled mariadb.socket mariadb-extra.socket
  ensure_enabled lab-dbhealth.service mariadb
  restart_if "$agent" lab-dbhealth.service
}

# Labs provisioned before the long-running agent had a socket-activated one (a process per check).
remove_socket_agent() {
  [[ -e /etc/systemd/system/lab-dbhealth.socket ]] || return 0
  ensure_disabled lab-dbhealth.socket
  rm -f /etc/systemd/system/lab-dbhealth.socket /etc/systemd/system/lab-dbhealth@.service /usr/local/lib/lab/dbhealth.sh
  systemctl daemon-reload
  changed "removed the socket-activated db health agent"
}

# A running node whose config changed restarts only when others keep the cluster Primary meanwhile;
# otherwise a marker remembers the restart for a later run (e.g. once the other nodes joined).
PENDING=/var/lib/lab/db-restart-pending
apply_config_change() {
  local size
  size=$(wsrep_status wsrep_cluster_size)
  if [[ ${size:-0} -gt 1 ]]; then
    systemctl restart mariadb
    rm -f "$PENDING"
    changed "restarted mariadb (config changed)"
    wait_synced
  else
    [[ -e $PENDING ]] || { mkdir -p "${PENDING%/*}"; touch "$PENDING"; changed "marked mariadb for a restart"; }
    skipped "MariaDB's config changed on $NODE_NAME but it is the only cluster member: the next lab:up restarts it"
  fi
}

do_bootstrap() {
  local state
  configure
  state=$(galera_state)
  case $state in
    primary) if [[ $CNF_CHANGED == 1 || -e $PENDING ]]; then apply_config_change; fi ;;
    nonprimary)
      sql "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'"
      changed "bootstrapped the running non-Primary component from $NODE_NAME"
      ;;
    standalone | down)
      [[ $state == down ]] || { systemctl stop mariadb; changed "stopped standalone mariadb"; }
      mark_safe_to_bootstrap
      log "galera_new_cluster on $NODE_NAME"
      galera_new_cluster
      changed "bootstrapped a new Primary component on $NODE_NAME"
      ;;
  esac
  wait_synced
  ensure_sql_objects
  ensure_mysqld_exporter
}

start_joiner() {
  log "starting mariadb on $NODE_NAME: it joins by IST or SST"
  systemctl start mariadb
  changed "started mariadb (joined the cluster)"
}

do_join() {
  local state
  configure
  state=$(galera_state)
  case $state in
    primary) if [[ $CNF_CHANGED == 1 || -e $PENDING ]]; then apply_config_change; fi ;;
    nonprimary)
      # Part of the component the bootstrap node just made Primary, or about to join it.
      wait_until 120 "$NODE_NAME to join the Primary component" is_primary
      changed "joined the Primary component"
      ;;
    standalone)
      systemctl stop mariadb
      changed "stopped standalone mariadb"
      start_joiner
      ;;
    down) start_joiner ;;
  esac
  wait_synced
  ensure_sql_objects
  ensure_mysqld_exporter
}

# One MariaDB without Galera (all-in-one): nothing to bootstrap or join, the web nodes reach it directly.
do_standalone() {
  [[ -n ${DB_STANDALONE:-} ]] || die "db.sh standalone runs only with placement.standalone: [db] (DB_STANDALONE=1)"
  ensure_role_packages db
  render_cnf | put_file /etc/mysql/mariadb.conf.d/99-lab-galera.cnf 0640 root:mysql && CNF_CHANGED=1
  ensure_disabled mariadb.socket mariadb-extra.socket
  ensure_enabled mariadb
  restart_if "$CNF_CHANGED" mariadb
  wait_until 60 "mariadb to answer on its socket" sql "SELECT 1"
  ensure_database nextcloud
  ensure_database labprobe
  ensure_user nextcloud % "$DB_NEXTCLOUD_PASSWORD" nextcloud
  ensure_user labprobe % "$DB_PROBE_PASSWORD" labprobe
  ensure_probe_table
}

case $step in
  standalone) do_standalone ;;
  probe) probe_line ;;
  bootstrap) do_bootstrap ;;
  join) do_join ;;
  *) die "db.sh: unknown step '$step' (probe, bootstrap, join, standalone)" ;;
esac
