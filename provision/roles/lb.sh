#!/usr/bin/env bash
# Load balancer: HAProxy terminates TLS with the lab's certificate and spreads requests over the web
# nodes; keepalived floats FRONT_VIP between the lb nodes when the lab has one (none in tp).
# Steps: apply (HAProxy and keepalived); haproxy (HAProxy only: roles/router.sh runs it on a node that is
# lb and router with placement.router: local, whose one HAProxy carries both roles' listeners).
# Inputs: WEB_NODES, LB_NODES, FRONT_ADDR, FRONT_VIP, LAB_PREFIX, HAPROXY_STATS_PASSWORD, NEXTCLOUD_ARCHIVE,
#   WEB_PORT, the TLS files the engine uploads to /opt/lab/tls/{server.crt,server.key}, and on a shared
#   node the router's inputs (DB_NODES, REDIS_NODES, REDIS_PASSWORD, ROUTER_BIND).
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
# shellcheck source=../files/lb/lb-lib.sh
source "$LAB_PROVISION_DIR/files/lb/lb-lib.sh"
# shellcheck source=../files/router/router-lib.sh
source "$LAB_PROVISION_DIR/files/router/router-lib.sh"

PEM=/etc/haproxy/certs/lab.pem
# The web nodes' health port and [www] pool size (provision/files/web/web-lib.sh): HAProxy sends each web
# node at most WEB_MAXCONN requests at a time, fewer than its PHP-FPM children, and queues the rest.
HEALTH_PORT=8081
FPM_CHILDREN=12
WEB_MAXCONN=10

setup_haproxy() {
  local restart=0 health=/status.php
  [[ -f /opt/lab/tls/server.crt && -f /opt/lab/tls/server.key ]] || die "/opt/lab/tls/server.crt or server.key is missing: the engine uploads them before the lb phase"
  # Without Nextcloud the lab probe's status.php answers the same `"maintenance":false` contract.
  [[ -n ${NEXTCLOUD_ARCHIVE:-} ]] || health=/lab-probe/status.php
  cat /opt/lab/tls/server.crt /opt/lab/tls/server.key | put_file "$PEM" 0640 root:haproxy && restart=1
  render_node_haproxy "$health" | put_file /etc/haproxy/haproxy.cfg 0640 root:haproxy && restart=1
  apply_haproxy "$restart"
}

setup_keepalived() {
  if [[ -z ${FRONT_VIP:-} ]]; then
    unbind_keepalived
    return 0
  fi
  local restart=0
  bind_keepalived_to_haproxy && restart=1
  render_vrrp front "$FRONT_VIP" "$LB_NODES" | put_file /etc/keepalived/keepalived.conf 0640 && restart=1
  ensure_enabled keepalived
  restart_if "$restart" keepalived
}

apply() {
  ensure_role_packages lb
  setup_haproxy
  setup_keepalived
}

case ${1:-} in
  apply) apply ;;
  haproxy)
    ensure_role_packages lb
    setup_haproxy
    ;;
  *) die "usage: lb.sh apply|haproxy" ;;
esac
