#!/usr/bin/env bash
# Router: HAProxy in TCP mode sends MariaDB :3306 to exactly one Synced Galera node and Redis :6379 to the
# current Redis primary; keepalived floats ROUTER_VIP between routers when there are two or more.
# Step: apply. Inputs: DB_NODES, REDIS_NODES, ROUTER_NODES, ROUTER_VIP, REDIS_PASSWORD,
# HAPROXY_STATS_PASSWORD, NODE_NAME, NODE_IP, LAB_PREFIX, ROUTER_BIND (127.0.0.1 with placement.router:
# local: the listeners bind there, for this node's web role). On a node that is also an lb, the node's one
# HAProxy is the lb's (lb.sh haproxy renders both roles' listeners) and the lb role runs keepalived.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
# shellcheck source=../files/router/router-lib.sh
source "$LAB_PROVISION_DIR/files/router/router-lib.sh"
step=${1:?usage: router.sh apply}
[[ $step == apply ]] || die "router.sh: unknown step '$step' (apply)"

haproxy_restart=0
ensure_role_packages router
# An image with every role's packages may have MariaDB's socket unit or Redis listening on the ports
# HAProxy needs; they do not belong on a router.
has_role db || ensure_disabled mariadb.socket mariadb-extra.socket mariadb
has_role redis || ensure_disabled redis-server
if has_role lb; then
  bash "$LAB_PROVISION_DIR/roles/lb.sh" haproxy
else
  render_router_haproxy | put_file /etc/haproxy/haproxy.cfg 0640 root:haproxy && haproxy_restart=1
  apply_haproxy "$haproxy_restart"
fi
wait_until 20 "HAProxy's stats socket" haproxy_answers
# HAProxy starts with every server "UP 1/2" (still taking traffic) until its first check: a client
# arriving then may reach a Redis replica. (MariaDB's backups are never used while the first node is
# UP.) The router is ready once exactly one Redis server, the primary, takes traffic (sole_up).
one_up() { printf 'show stat\n' | timeout 2 nc -U -N /run/haproxy/admin.sock | sole_up "$1"; }
[[ -z ${REDIS_NODES:-} ]] || wait_until 60 "HAProxy to send Redis to exactly one node (the primary)" one_up redis

if has_role lb; then
  : # keepalived belongs to the lb role here (the front VIP); the router has no VIP of its own.
elif [[ -n ${ROUTER_VIP:-} ]]; then
  keepalived_restart=0
  bind_keepalived_to_haproxy && keepalived_restart=1
  render_vrrp router "$ROUTER_VIP" "$ROUTER_NODES" | put_file /etc/keepalived/keepalived.conf 0640 && keepalived_restart=1
  ensure_enabled keepalived
  restart_if "$keepalived_restart" keepalived
else
  # One router (tp): its own address is the router address; no VIP to float.
  unbind_keepalived
fi
