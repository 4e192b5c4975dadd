#!/usr/bin/env bash
# Every node: hostname, /etc/hosts naming every lab node, the base packages and Prometheus's node
# exporter (provision/lib/exporters.sh). Step: apply.
# No net.ipv4.ip_nonlocal_bind: every HAProxy binds wildcard addresses (:80, :443, :3306, :6379), so a
# node that does not hold the VIP yet still accepts its traffic the moment keepalived moves it there.
# Inputs: NODE_NAME, every <ROLE>_NODES list, FRONT_VIP, ROUTER_VIP.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
# shellcheck source=../lib/exporters.sh
source "$LAB_PROVISION_DIR/lib/exporters.sh"
step=${1:?usage: base.sh apply}
[[ $step == apply ]] || die "base.sh: unknown step '$step' (apply)"

ROLE_LISTS=(CLIENT_NODES LB_NODES WEB_NODES ROUTER_NODES DB_NODES DB_ARBITER_NODES REDIS_NODES SENTINEL_NODES
  STORAGE_NODES STORAGE_ARBITER_NODES MONITOR_NODES)

# Every lab node once ("ip name"), in the order the role lists name them.
lab_hosts() {
  local var entry
  for var in "${ROLE_LISTS[@]}"; do
    for entry in ${!var:-}; do echo "${entry#*=} ${entry%%=*}"; done
  done | awk '!seen[$2]++'
  if [[ -n ${FRONT_VIP:-} ]]; then echo "$FRONT_VIP front-vip"; fi
  if [[ -n ${ROUTER_VIP:-} ]]; then echo "$ROUTER_VIP router-vip"; fi
}

# Keeps whatever else /etc/hosts holds (the provider's own lines) and replaces only the lab's block.
render_hosts() {
  grep -qE '^127\.0\.0\.1[[:space:]]' /etc/hosts 2>/dev/null || echo "127.0.0.1 localhost"
  awk '/^# lab:begin/ { skip = 1 } !skip && !/^127\.0\.1\.1[ \t]/ { print } /^# lab:end/ { skip = 0 }' /etc/hosts 2>/dev/null || true
  echo "# lab:begin (written by the base role)"
  lab_hosts
  echo "# lab:end"
}

ensure_hostname() {
  [[ $(cat /etc/hostname 2>/dev/null) == "$NODE_NAME" ]] || { echo "$NODE_NAME" >/etc/hostname; changed "wrote /etc/hostname"; }
  [[ $(hostname) == "$NODE_NAME" ]] || { hostname "$NODE_NAME"; changed "set hostname $NODE_NAME"; }
}

ensure_hostname
render_hosts | put_file /etc/hosts 0644 || true
ensure_role_packages base
ensure_node_exporter
