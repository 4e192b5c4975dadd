#!/usr/bin/env bash
# Redis helpers for roles/redis.sh and roles/sentinel.sh. The password reaches redis-cli through
# REDISCLI_AUTH, never argv. Sentinels need no password (they listen on the lab network only).
MASTER_NAME=labredis

rcli() { REDISCLI_AUTH=$REDIS_PASSWORD timeout 5 redis-cli --no-auth-warning -h "$1" -p 6379 "${@:2}"; }
scli() { timeout 5 redis-cli -h "$1" -p 26379 "${@:2}"; }

# The primary's address as the Sentinels know it (the first that answers), or nothing.
sentinel_primary() {
  local ip answer
  for ip in $(list_ips "${SENTINEL_NODES:-}"); do
    answer=$(scli "$ip" SENTINEL get-master-addr-by-name "$MASTER_NAME" 2>/dev/null | head -n1) || continue
    [[ $answer =~ ^[0-9.]+$ ]] && { echo "$answer"; return 0; }
  done
  return 0
}

# The only redis node that says role:master, or nothing when none or several do.
reported_primary() {
  local ip found=()
  for ip in $(list_ips "$REDIS_NODES"); do
    rcli "$ip" INFO replication 2>/dev/null | grep -q '^role:master' && found+=("$ip")
  done
  if ((${#found[@]} == 1)); then echo "${found[0]}"; fi
}

# Whom a node should follow when it is configured for the first time: Sentinel's word first (never
# fight a failover), then the one reachable master, then the lab's initial primary.
current_primary() {
  local ip
  ip=$(sentinel_primary)
  [[ -n $ip ]] || ip=$(reported_primary)
  [[ -n $ip ]] || ip=$(ip_of "${REDIS_INITIAL_PRIMARY:-$(first_name "$REDIS_NODES")}" "$REDIS_NODES")
  echo "$ip"
}
