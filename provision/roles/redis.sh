#!/usr/bin/env bash
# Redis server: the lab's settings live in /etc/redis/lab.conf (ours, always kept); /etc/redis/redis.conf
# includes it and belongs to Redis afterwards: Sentinel rewrites its replicaof line on failover (CONFIG
# REWRITE), so this role writes that file only once and never touches replication on a re-run.
# Step: apply. Inputs: REDIS_NODES, SENTINEL_NODES, REDIS_INITIAL_PRIMARY, REDIS_PASSWORD, NODE_IP,
#   ROUTER_BIND (127.0.0.1 when this node's router listens there: Redis then binds NODE_IP only).
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
# shellcheck source=../files/redis/redis-lib.sh
source "$LAB_PROVISION_DIR/files/redis/redis-lib.sh"
# shellcheck source=../lib/exporters.sh
source "$LAB_PROVISION_DIR/lib/exporters.sh"
step=${1:?usage: redis.sh apply}
[[ $step == apply ]] || die "redis.sh: unknown step '$step' (apply)"

# Sentinel promotes the replica with the lowest replica-priority. The first db node is the Galera writer
# HAProxy prefers, so it is the last choice: a failover never moves the Redis primary onto the machine
# whose loss also costs the Galera writer (after --all it had: db1's drill then cost both failovers).
replica_priority() { [[ $NODE_NAME == "$(first_name "${DB_NODES:-}")" ]] && echo 100 || echo 50; }

# With placement.router: local the node's router (HAProxy) has 127.0.0.1:6379.
bind_addresses() { if has_role router && [[ -n ${ROUTER_BIND:-} ]]; then echo "$NODE_IP"; else echo "$NODE_IP 127.0.0.1"; fi; }

# Redis holds only Nextcloud's cache, its file locks and the PHP sessions, and keeps none of them on
# disk, in every lab. An RDB brings back, after a power cut, the file locks of requests that died with
# the machine: Nextcloud then answered HTTP 423 (Locked) on those files until the locks' TTL (an hour).
# All-in-one's single Redis did so after its power cut; full-ha's three did after the drills' whole-lab
# power cycle (a replica's snapshot held the exclusive lock of a PUT in flight when it was taken). The
# price is that users log in again after every Redis was down at once. A replica that restarts resyncs
# from the primary Sentinel names; rdb-del-sync-files removes the RDB such a resync writes on its disk.
persistence() { printf '%s\n' 'save ""' 'rdb-del-sync-files yes'; }

render_lab_conf() {
  cat <<EOF
# Written by the lab's redis role; replication is in redis.conf, which Sentinel owns.
bind $(bind_addresses)
port 6379
protected-mode yes
pidfile /run/redis/redis-server.pid
logfile /var/log/redis/redis-server.log
dir /var/lib/redis
requirepass $REDIS_PASSWORD
masterauth $REDIS_PASSWORD
replica-announce-ip $NODE_IP
replica-read-only yes
replica-priority $(replica_priority)
maxmemory 128mb
maxmemory-policy volatile-lru
$(persistence)
EOF
}

# The first redis.conf: include ours, and follow the current primary unless this node is it.
render_main_conf() {
  local primary=$1
  echo "# Written once by the lab's redis role; Redis and Sentinel rewrite replication below (CONFIG REWRITE)."
  echo "include /etc/redis/lab.conf"
  if [[ $primary != "$NODE_IP" ]]; then echo "replicaof $primary 6379"; fi
}

# What redis-follow.sh (ExecStartPre) needs: the Sentinels on other nodes, and this node's address.
render_follow_conf() {
  local others
  others=$(list_ips "${SENTINEL_NODES:-}" | grep -vx "$NODE_IP" | paste -sd' ' -)
  printf 'MASTER_NAME=%s\nSELF_IP=%s\nOTHER_SENTINELS="%s"\n' "$MASTER_NAME" "$NODE_IP" "$others"
}

ours() { grep -qx 'include /etc/redis/lab.conf' /etc/redis/redis.conf 2>/dev/null; }

restart=0
ensure_role_packages redis
render_lab_conf | put_file /etc/redis/lab.conf 0640 redis:redis && restart=1
render_follow_conf | put_file /etc/redis/lab-follow.conf 0644 || true
put_file /usr/local/lib/lab/redis-follow.sh 0755 <"$LAB_PROVISION_DIR/files/redis/redis-follow.sh" || true
if put_file /etc/systemd/system/redis-server.service.d/lab.conf 0644 <"$LAB_PROVISION_DIR/files/redis/redis-server-lab.conf"; then
  systemctl daemon-reload
  restart=1
fi
if ! ours; then
  primary=$(current_primary)
  [[ -n $primary ]] || die "no primary known for Redis: REDIS_INITIAL_PRIMARY is not in REDIS_NODES"
  render_main_conf "$primary" | put_file /etc/redis/redis.conf 0640 redis:redis || true
  restart=1
fi
ensure_enabled redis-server
restart_if "$restart" redis-server
wait_until 30 "redis-server to answer PING" rcli "$NODE_IP" PING
# A replica is done when its link to the primary is up (a full resync takes a moment after a start):
# checks and web nodes that run next then see the replication they expect.
replica_linked() { rcli "$NODE_IP" INFO replication | tr -d '\r' | grep -Eqx 'role:master|master_link_status:up'; }
wait_until 60 "this replica's link to the Redis primary" replica_linked
ensure_redis_exporter
