#!/usr/bin/env bash
# ExecStartPre of redis-server (run with full privileges): a node that was primary when it went down
# must not come back as a second primary with stale data (the routers would send writes to it until
# Sentinel demotes it). Ask the other Sentinels who the primary is now; when they agree on another node,
# start as its replica. Sentinels unreachable or disagreeing: start as configured, Sentinel decides.
set -uo pipefail
# Redis keeps nothing across a start (roles/redis.sh, persistence()): an RDB left by a full resync cut
# short, or saved on the way down by a Redis that still had save points (a lab provisioned before), would
# bring back the file locks of requests that died with the machine.
rm -f /var/lib/redis/dump.rdb
conf=/etc/redis/lab-follow.conf
out=/run/redis-lab-follow.env
: >"$out"
[[ -r $conf ]] || exit 0
# shellcheck source=/dev/null
source "$conf"
# At boot the address may not be configured yet (network.target does not wait for it).
for _ in $(seq 30); do ip -o -4 addr show | grep -q " ${SELF_IP:-none}/" && break; sleep 0.5; done
answers=()
for ip in ${OTHER_SENTINELS:-}; do
  a=$(timeout 2 redis-cli -h "$ip" -p 26379 SENTINEL get-master-addr-by-name "${MASTER_NAME:-labredis}" 2>/dev/null | head -n1)
  [[ $a =~ ^[0-9.]+$ ]] && answers+=("$a")
done
((${#answers[@]} > 0)) || exit 0
first=${answers[0]}
for a in "${answers[@]}"; do [[ $a == "$first" ]] || exit 0; done
[[ $first == "${SELF_IP:-}" ]] && exit 0
echo "REDIS_FOLLOW=--replicaof $first 6379" >"$out"
# redis.conf says so too: with the command line alone the file still named this node primary, and a
# later start at which no Sentinel answered yet (every node booting at once) made it a second primary.
conf_file=/etc/redis/redis.conf
if [[ -w $conf_file ]] && ! grep -qx "replicaof $first 6379" "$conf_file"; then
  sed -i '/^replicaof /d' "$conf_file"
  echo "replicaof $first 6379" >>"$conf_file"
fi
echo "redis-follow: Sentinels name $first as primary: starting as its replica" >&2
