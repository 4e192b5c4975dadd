#!/usr/bin/env bash
# Renderers of the lb role (sourced by roles/lb.sh after lib/common.sh).

render_haproxy() {
  local health=$1 name ip
  cat <<EOF
# Written by the lab's lb role.
global
  log /dev/log local0
  chroot /var/lib/haproxy
  stats socket /run/haproxy/admin.sock mode 660 level admin
  stats timeout 30s
  user haproxy
  group haproxy
  maxconn 4096
  ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets

defaults
  mode http
  log global
  option httplog
  option dontlognull
  # The web nodes see the client's address in X-Forwarded-For (Nextcloud trusts it from the lbs).
  option forwardfor
  # A request whose connection to a web node fails is sent to another one, up to 3 times.
  retries 3
  option redispatch
  # A queued request whose client gave up is dropped, not sent on: under overload the web nodes work
  # only on requests someone still waits for.
  option abortonclose
  timeout connect 3s
  timeout http-request 30s
  timeout http-keep-alive 10s
  timeout queue 30s
  # Idle timeouts, not total ones: a big WebDAV upload streams for as long as it needs, and Nextcloud
  # may think for minutes before answering the final MOVE of a chunked upload.
  timeout client 5m
  timeout server 1h
  timeout tunnel 1h
  # A check answered late by a busy node is not a dead node: status.php has 3 s.
  timeout check 3s

frontend http
  bind :80
  http-request redirect scheme https code 301

frontend https
  bind :443 ssl crt $PEM alpn h2,http/1.1
  http-request set-header X-Forwarded-Proto https
  # The lab's traffic generator tags each request (X-Lab-Run: <run>.<seq>); the log line carries it in
  # braces, so a load report joins HAProxy's timers (Tw queue, Tc connect, Tr response) to each request.
  capture request header X-Lab-Run len 64
  http-response set-header Strict-Transport-Security "max-age=15552000"
  default_backend web

# Sessions live in Redis, so any web node can serve any request: no stickiness, plain round robin.
backend web
  balance roundrobin
  option httpchk
  http-check send meth GET uri $health ver HTTP/1.1 hdr Host $FRONT_ADDR
  # Nextcloud answers 200 in maintenance mode too; only this string means "serving".
  http-check expect string '"maintenance":false'
  # Overload queues here instead of in PHP-FPM: at most $WEB_MAXCONN requests at a time per web node
  # (its [www] pool has $FPM_CHILDREN children), the rest wait in HAProxy's queue (timeout queue) and
  # go to whichever node frees a slot first. Checks go to the web node's health port (:$HEALTH_PORT,
  # its own PHP-FPM pool), so they never wait behind user requests: a busy node is slow, not DOWN.
  # A power-cut node is marked DOWN by the first user request whose connection fails (observe layer4;
  # retries and redispatch send that request elsewhere), or by 2 failed checks. A node coming back takes
  # its share of requests gradually over 20 s (slowstart).
  default-server check port $HEALTH_PORT inter 2s fastinter 500ms downinter 2s fall 2 rise 2 maxconn $WEB_MAXCONN slowstart 20s observe layer4 error-limit 1 on-error mark-down
EOF
  # Apache's port: 80, or placement.ports.web when Apache shares its node with an lb (WEB_PORT).
  for name in $(list_names "$WEB_NODES"); do
    ip=$(ip_of "$name" "$WEB_NODES")
    echo "  server $name $ip:${WEB_PORT:-80}"
  done
  cat <<EOF

frontend stats
  bind :8404
  http-request use-service prometheus-exporter if { path /metrics }
  stats enable
  stats uri /
  stats refresh 5s
  stats auth admin:$HAPROXY_STATS_PASSWORD

EOF
}

# The node's whole HAProxy config. One HAProxy per node: with placement.router: local a node that is
# lb and router runs the router's listeners (on 127.0.0.1) in the lb's HAProxy, after a defaults
# section of their own; roles/router.sh writes this same file on such a node (lb.sh haproxy).
render_node_haproxy() {
  render_haproxy "$1"
  has_role router || return 0
  printf '# The router role of this node (placement.router: local): web reaches MariaDB and Redis here.
'
  render_router_defaults
  render_mariadb
  render_redis
}

