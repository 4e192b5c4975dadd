#!/usr/bin/env bash
# Galera arbitrator (garbd): a vote without data, so two db nodes keep a majority when one is lost.
# Steps: apply; pause (stops garbd while the engine bootstraps the cluster after a whole-lab stop: a
# garbd that kept the old cluster's view then made the joining node fail to reach a primary view).
# Inputs: DB_NODES, LAB_NAME (the Galera cluster name), NODE_IP.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
step=${1:?usage: db-arbiter.sh apply|pause}
[[ $step == apply || $step == pause ]] || die "db-arbiter.sh: unknown step '$step' (apply, pause)"
if [[ $step == pause ]]; then
  if systemctl is-active --quiet garb; then
    systemctl stop garb
    changed "stopped garbd while the cluster is bootstrapped"
  fi
  exit 0
fi

render_default() {
  cat <<EOF
# Written by the lab's db-arbiter role: garbd joins the Galera cluster named like the lab.
GALERA_NODES="$(list_ips "$DB_NODES" | sed 's/$/:4567/' | paste -sd' ' -)"
GALERA_GROUP="$LAB_NAME"
GALERA_OPTIONS="gmcast.listen_addr=tcp://$NODE_IP:4567$LAB_GALERA_EVS"
LOG_FILE="/var/log/garbd/garbd.log"
EOF
}

# garbd exits when no db node answers (e.g. it boots before them after a whole-lab stop): keep retrying.
render_dropin() {
  printf '[Service]\nRestart=always\nRestartSec=3\nLogsDirectory=garbd\nLogsDirectoryMode=0755\n'
}

# Connected when it holds a Galera connection to a db node.
garbd_connected() { ss -Htn state established "( dport = :4567 or sport = :4567 )" | grep -q .; }

# A member once a db node counts it: wsrep_cluster_size there reaches the db nodes that answer on 4567
# plus the arbitrators (a TCP connection alone came before the view that includes garbd).
cluster_size() { MYSQL_PWD=$DB_PROBE_PASSWORD timeout 5 mysql --connect-timeout=3 -h "$1" -u labprobe -N -B -e "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | awk '{ print $2 }'; }
garbd_member() {
  local ip want size=''
  want=$(list_ips "$DB_ARBITER_NODES" | wc -l)
  for ip in $(list_ips "$DB_NODES"); do
    timeout 1 bash -c ">/dev/tcp/$ip/4567" 2>/dev/null && want=$((want + 1))
  done
  for ip in $(list_ips "$DB_NODES"); do
    size=$(cluster_size "$ip") && [[ -n $size ]] && break
  done
  [[ -n $size && $size -ge $want ]]
}

restart=0
ensure_role_packages db-arbiter
render_default | put_file /etc/default/garb 0644 && restart=1
if render_dropin | put_file /etc/systemd/system/garb.service.d/lab.conf 0644; then
  systemctl daemon-reload
  restart=1
fi
ensure_enabled garb
restart_if "$restart" garb
wait_until 60 "garbd to connect to the Galera cluster" garbd_connected
# The mysql client is there when the arbitrator shares a node with the router (tp); else TCP must do.
if command -v mysql >/dev/null; then wait_until 60 "garbd to be counted in the Galera cluster" garbd_member; fi
