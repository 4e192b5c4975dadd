#!/usr/bin/env bash
# Redis Sentinel: elects the Redis primary. Sentinel rewrites sentinel.conf itself (known replicas,
# epochs, the current master), so this role writes it only while it does not monitor the master yet.
# Step: apply. Inputs: SENTINEL_NODES, REDIS_NODES, REDIS_PASSWORD, NODE_IP.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
# shellcheck source=../files/redis/redis-lib.sh
source "$LAB_PROVISION_DIR/files/redis/redis-lib.sh"
# shellcheck source=../lib/exporters.sh
source "$LAB_PROVISION_DIR/lib/exporters.sh"
step=${1:?usage: sentinel.sh apply}
[[ $step == apply ]] || die "sentinel.sh: unknown step '$step' (apply)"

# down-after 1.5 s: the 30 s default leaves web nodes without sessions that long. Drills measured 3 s
# as ~6 s of failed session requests when the primary dies; below ~1 s a busy 2-core host (SST, load
# tests) makes Sentinels see a slow primary as dead and fail over for nothing.
DOWN_AFTER_MS=$LAB_SENTINEL_DOWN_MS
render_conf() {
  cat <<EOF
# Written by the lab's sentinel role before Sentinel took it over; Sentinel rewrites what follows.
port 26379
bind $NODE_IP 127.0.0.1
protected-mode no
pidfile /run/sentinel/redis-sentinel.pid
logfile /var/log/redis/redis-sentinel.log
dir /var/lib/redis
sentinel announce-ip $NODE_IP
sentinel monitor $MASTER_NAME $1 6379 2
sentinel auth-pass $MASTER_NAME $REDIS_PASSWORD
sentinel down-after-milliseconds $MASTER_NAME $DOWN_AFTER_MS
sentinel failover-timeout $MASTER_NAME 15000
sentinel parallel-syncs $MASTER_NAME 1
EOF
}

monitors() { grep -q "^sentinel monitor $MASTER_NAME " /etc/redis/sentinel.conf 2>/dev/null; }

restart=0
ensure_role_packages sentinel
if ! monitors; then
  primary=$(current_primary)
  [[ -n $primary ]] || die "no Redis primary to monitor: run the redis role first"
  render_conf "$primary" | put_file /etc/redis/sentinel.conf 0640 redis:redis || true
  restart=1
fi
put_file /usr/local/lib/lab/sentinel-wait.sh 0755 <"$LAB_PROVISION_DIR/files/redis/sentinel-wait.sh" || true
if put_file /etc/systemd/system/redis-sentinel.service.d/lab.conf 0644 <"$LAB_PROVISION_DIR/files/redis/redis-sentinel-lab.conf"; then
  systemctl daemon-reload
fi
ensure_enabled redis-sentinel
restart_if "$restart" redis-sentinel
wait_until 30 "redis-sentinel to answer PING" scli "$NODE_IP" PING
# Sentinels find each other through hello messages on the primary (every 2 s): until then a failover
# could not be authorised. Ready once enough of them see each other (the others start in this phase too).
ckquorum() { scli "$NODE_IP" SENTINEL CKQUORUM "$MASTER_NAME" | grep -q '^OK'; }
wait_until 60 "Sentinel quorum (SENTINEL CKQUORUM)" ckquorum
# Sentinel owns its file once it monitors: a changed setting is applied through Sentinel itself.
if [[ $(scli "$NODE_IP" SENTINEL MASTER "$MASTER_NAME" | awk 'prev == "down-after-milliseconds" { print; exit } { prev = $0 }') != "$DOWN_AFTER_MS" ]]; then
  scli "$NODE_IP" SENTINEL SET "$MASTER_NAME" down-after-milliseconds "$DOWN_AFTER_MS" >/dev/null
  changed "set Sentinel down-after-milliseconds to $DOWN_AFTER_MS"
fi
ensure_redis_exporter
