#!/usr/bin/env bash
# Renders the router's HAProxy and keepalived configs (roles/router.sh).

# MariaDB goes to one node only: the first Synced db node, the others `backup` (HAProxy uses the first
# available backup, never several, without `option allbackups`): Nextcloud on several Galera writers
# hits certification conflicts. `on-marked-up shutdown-backup-sessions` ends sessions on a backup when the
# preferred node returns, so old and new connections never write to two nodes at once.
#
# A power-cut writer is seen by the connections that try it before its health checks fail: each waits
# for `timeout connect`, fails, and (observe layer4, error-limit 1) marks the node DOWN at once; the
# retry is redispatched to the next node. The web node sees a slower connect, not an error.
# The checks ask each node's health agent (provision/files/db/dbhealth.pl: one process that answers from
# its latest sample). Cutting every session of a server (shutdown-sessions) takes 3 failed checks in a
# row, each allowed LAB_CHECK_TIMEOUT: an answer that is late because the host is busy is not a death.
render_mariadb() {
  local name ip first=1
  printf '\nlisten mariadb\n  bind %s:3306\n  mode tcp\n  option tcpka\n' "${ROUTER_BIND:-}"
  printf '  timeout connect %s\n  retries 2\n  option redispatch 1\n' "$LAB_CONNECT_TIMEOUT"
  printf '  option httpchk\n  http-check send meth GET uri /\n  http-check expect status 200\n'
  printf '  default-server port 9200 inter %s fastinter %s downinter 2s fall 3 rise 3 on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions observe layer4 error-limit 1 on-error mark-down\n' "$LAB_CHECK_INTER" "$LAB_CHECK_FAST"
  for name in $(list_names "$DB_NODES"); do
    ip=$(ip_of "$name" "$DB_NODES")
    printf '  server %s %s:3306 check%s\n' "$name" "$ip" "$([[ $first == 1 ]] || echo ' backup')"
    first=0
  done
}

# Redis goes to whichever node says role:master (Sentinel moves that role); the check authenticates.
# The replicas are DOWN here; `downinter` checks them often, so a promoted one takes traffic at once.
render_redis() {
  local name
  printf '\nlisten redis\n  bind %s:6379\n  mode tcp\n  option tcpka\n  option tcp-check\n' "${ROUTER_BIND:-}"
  printf '  tcp-check connect\n  tcp-check send "AUTH %s\\r\\n"\n  tcp-check expect string +OK\n' "$REDIS_PASSWORD"
  # QUIT goes with INFO: Redis answers both and closes, so a replica's answer fails the check as soon as
  # it is read, not after the check timeout (2 s measured on a router restart, the replica taking
  # traffic meanwhile).
  printf '  tcp-check send "INFO replication\\r\\nQUIT\\r\\n"\n  tcp-check expect string role:master\n'
  printf '  tcp-check expect string +OK\n'
  printf '  default-server inter %s downinter %s fall 2 rise 1 on-marked-down shutdown-sessions\n' "$LAB_CHECK_INTER" "$LAB_CHECK_FAST"
  for name in $(list_names "$REDIS_NODES"); do
    printf '  server %s %s:6379 check\n' "$name" "$(ip_of "$name" "$REDIS_NODES")"
  done
}

# The defaults of the router's TCP proxies (also in the lb's HAProxy on a shared node).
render_router_defaults() {
  cat <<EOF

defaults
  mode tcp
  log global
  option tcplog
  option dontlognull
  timeout connect 3s
  timeout client 1h
  timeout server 1h
  timeout check $LAB_CHECK_TIMEOUT
EOF
}

render_router_haproxy() {
  cat <<EOF
# Written by the lab's router role.
global
  log stdout format short daemon
  stats socket /run/haproxy/admin.sock mode 660 level admin
  stats timeout 30s
  user haproxy
  group haproxy
EOF
  render_router_defaults
  cat <<EOF

listen stats
  bind $NODE_IP:8404
  mode http
  # HAProxy's built-in Prometheus exporter, served before (and without) the stats page's login.
  http-request use-service prometheus-exporter if { path /metrics }
  stats enable
  stats uri /
  stats refresh 5s
  stats auth admin:$HAPROXY_STATS_PASSWORD
EOF
  render_mariadb
  render_redis
}

# While provisioning only: HAProxy answers on its stats socket.
# sole_up PROXY, `show stat` on stdin: true when exactly one server of PROXY takes traffic (a status
# beginning with UP: "UP", or "UP 1/2" while a check is failing or has not run yet) and its own check
# has passed ("UP").
sole_up() {
  awk -F, -v p="$1" '$1 == p && $2 != "FRONTEND" && $2 != "BACKEND" && $18 ~ /^UP/ { up++; if ($18 == "UP") full++ }
    END { exit !(up == 1 && full == 1) }'
}

haproxy_answers() { [[ $(printf 'show info\n' | timeout 1 nc -U -N /run/haproxy/admin.sock 2>/dev/null) == *"Name: HAProxy"* ]]; }

