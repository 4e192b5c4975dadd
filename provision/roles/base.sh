#!/usr/bin/env bash
# Every node: hostname, /etc/hosts naming every lab node, non-local bind (HAProxy and keepalived bind
# VIPs the node may not hold yet), the base packages. Step: apply.
# Inputs: NODE_NAME, every <ROLE>_NODES list, FRONT_VIP, ROUTER_VIP.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
step=${1:?usage: base.sh apply}
[[ $step == apply ]] || die "base.sh: unknown step '$step' (apply)"

ROLE_LISTS=(CLIENT_NODES LB_NODES WEB_NODES ROUTER_NODES DB_NODES DB_ARBITER_NODES REDIS_NODES SENTINEL_NODES
  STORAGE_NODES STORAGE_ARBITER_NODES)

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

ensure_sysctl() {
  printf 'net.ipv4.ip_nonlocal_bind = 1\n' | put_file /etc/sysctl.d/60-lab.conf 0644 || true
  [[ $(sysctl -n net.ipv4.ip_nonlocal_bind) == 1 ]] && return 0
  if sysctl -q -w net.ipv4.ip_nonlocal_bind=1 >/dev/null; then
    changed "set net.ipv4.ip_nonlocal_bind=1"
  else
    skipped "cannot set net.ipv4.ip_nonlocal_bind on $NODE_NAME: HAProxy cannot bind a VIP this node does not hold"
  fi
}

ensure_hostname
render_hosts | put_file /etc/hosts 0644 || true
ensure_sysctl
ensure_role_packages base
