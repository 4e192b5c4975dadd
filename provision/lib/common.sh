#!/usr/bin/env bash
# Helpers every role script sources. Roles are idempotent: a second run prints no `::lab-changed`.
# Markers the engine reads on stdout:
#   ::lab-changed <what>     one line per change made (the engine counts them; a re-run must print none)
#   ::lab-output <key>=<v>   a value later roles need (stored with the lab's secrets, never logged)
#   ::lab-skip <reason>      the step could not do its work for a reason the user must see (e.g. no archive)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C.UTF-8

changed() { echo "::lab-changed $*"; }
output() { echo "::lab-output $1=$2"; }
skipped() { echo "::lab-skip $*"; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "ERROR: $*" >&2; exit 1; }

# put_file PATH MODE [OWNER]: content from stdin; writes and reports only when it differs. Returns 0
# when written, 1 when already identical, so callers can restart a service on change:
#   render_conf | put_file /etc/x.conf 0644 && restart=1 || true
put_file() {
  local path=$1 mode=$2 owner=${3:-root:root} tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [[ -f $path ]] && cmp -s "$tmp" "$path" && [[ $(stat -c %a "$path") == "${mode#0}" ]]; then
    rm -f "$tmp"
    return 1
  fi
  install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$tmp" "$path"
  rm -f "$tmp"
  changed "wrote $path"
  return 0
}

# Installs the packages that are missing; a box or image with them preinstalled needs no network.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
    apt-get update -q >&2 || die "packages ${missing[*]} are missing and apt-get update failed: this node has no package mirror. Use a box or image with the packages preinstalled (npm run lab:box), or give the machine network access."
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
  changed "installed ${missing[*]}"
}

# Packages of one role, read from provision/packages.txt (the list the image and the box also use).
role_packages() {
  awk -v r="$1" '$1 !~ /^#/ && NF >= 2 && $1 == r { for (i = 2; i <= NF; i++) print $i }' "$LAB_PROVISION_DIR/packages.txt"
}

ensure_role_packages() {
  local pkgs
  mapfile -t pkgs < <(role_packages "$1")
  ((${#pkgs[@]} == 0)) || ensure_packages "${pkgs[@]}"
}

ensure_enabled() {
  local unit
  for unit in "$@"; do
    systemctl is-enabled --quiet "$unit" 2>/dev/null || { systemctl enable --quiet "$unit"; changed "enabled $unit"; }
  done
}

ensure_disabled() {
  local unit
  for unit in "$@"; do
    if systemctl is-enabled --quiet "$unit" 2>/dev/null; then systemctl disable --quiet "$unit"; changed "disabled $unit"; fi
    if systemctl is-active --quiet "$unit" 2>/dev/null; then systemctl stop "$unit"; changed "stopped $unit"; fi
  done
}

ensure_started() {
  local unit
  for unit in "$@"; do
    systemctl is-active --quiet "$unit" || { systemctl start "$unit"; changed "started $unit"; }
  done
}

# restart_if FLAG UNIT: restarts (or starts) UNIT when FLAG is 1, e.g. after its config changed.
restart_if() {
  if [[ $1 == 1 ]]; then systemctl restart "$2"; changed "restarted $2"; else ensure_started "$2"; fi
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls every 0.5 s until COMMAND succeeds or time runs out.
wait_until() {
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${limit}s waiting for $what"
    sleep 0.5
  done
}

# Names and addresses from "name=ip name=ip" lists such as $DB_NODES.
list_ips() { local e; for e in $1; do echo "${e#*=}"; done; }
list_names() { local e; for e in $1; do echo "${e%%=*}"; done; }
first_name() { list_names "$1" | head -n1; }
first_ip() { list_ips "$1" | head -n1; }
ip_of() { local e; for e in $2; do [[ ${e%%=*} == "$1" ]] && { echo "${e#*=}"; return 0; }; done; return 1; }
has_role() { [[ " $NODE_ROLES " == *" $1 "* ]]; }

# Failure-detection timings. QEMU without KVM (TCG) runs fork-heavy work ~30x slower: the short timeouts
# measured on nspawn then take a slow node for a dead one (a TCG guest's DB health agent answered in
# 0.6-3 s). `systemd-detect-virt --vm` says "qemu" only for such a guest ("kvm" with KVM).
slow_host() { [[ $(systemd-detect-virt --vm 2>/dev/null || true) == qemu ]]; }
# shellcheck disable=SC2034 # read by the role scripts that source this file
if slow_host; then
  LAB_CHECK_INTER=2s LAB_CHECK_FAST=1s LAB_CHECK_TIMEOUT=4s LAB_CONNECT_TIMEOUT=3s LAB_VRRP_ADVERT=1 LAB_SENTINEL_DOWN_MS=5000 LAB_GALERA_EVS=""
else
  # A check's connection times out after min(LAB_CONNECT_TIMEOUT, inter): a power-cut node is seen at
  # once. An answer may then take LAB_CHECK_TIMEOUT: a busy node answers late, it is not dead.
  LAB_CHECK_INTER=500ms LAB_CHECK_FAST=250ms LAB_CHECK_TIMEOUT=2s LAB_CONNECT_TIMEOUT=500ms LAB_VRRP_ADVERT=0.1 LAB_SENTINEL_DOWN_MS=1500
  LAB_GALERA_EVS="; evs.suspect_timeout=PT3S; evs.inactive_timeout=PT10S"
fi

# The interface that carries NODE_IP: keepalived sends adverts and adds the VIP there.
lab_interface() { ip -o -4 addr show | awk -v ip="$NODE_IP" '{ split($4, a, "/") } a[1] == ip { print $2; exit }'; }

# render_vrrp INSTANCE VIP NODES: keepalived.conf floating VIP between NODES ("name=ip ..."), the one
# design of the lbs and the routers. VRRPv3 unicast (multicast may not cross every network), advert_int
# from LAB_VRRP_ADVERT (0.1 s: a power-cut master lost the VIP in 0.6 s, against 3.2 s with VRRPv2's
# 1 s; drills at 0.2 s measured 1.8 % failed requests when the lb holding the VIP died). Every node
# starts as BACKUP with nopreempt: a recovered node does not take the VIP back, so a failure moves
# client connections once, not twice. The VIP follows HAProxy through systemd (bind_keepalived_to_haproxy),
# not a track script: a script forks a process every interval on every node, for ever.
render_vrrp() {
  local instance=$1 vip=$2 nodes=$3 iface index peers
  iface=$(lab_interface)
  [[ -n $iface ]] || die "no interface carries $NODE_IP"
  index=$(list_names "$nodes" | grep -nx "$NODE_NAME" | cut -d: -f1)
  peers=$(list_ips "$nodes" | grep -vx "$NODE_IP" | sed 's/^/    /')
  cat <<EOF
# Written by the lab's $instance VRRP instance.
global_defs {
  router_id $NODE_NAME
  vrrp_version 3
}

vrrp_instance $instance {
  state BACKUP
  nopreempt
  interface $iface
  virtual_router_id $((${vip##*.} % 255 + 1))
  priority $((160 - 10 * ${index:-1}))
  advert_int $LAB_VRRP_ADVERT
  unicast_src_ip $NODE_IP
  unicast_peer {
$peers
  }
  virtual_ipaddress {
    $vip/$LAB_PREFIX dev $iface
  }
}
EOF
}

# apply_haproxy CHANGED: HAProxy with the /etc/haproxy/haproxy.cfg a role just wrote (CHANGED 1: the file
# or a certificate changed). The file is checked first; a running HAProxy reloads, which keeps
# established connections (long WebDAV uploads) on the old process (master-worker), else it starts.
apply_haproxy() {
  local changed_files=$1
  haproxy -c -q -f /etc/haproxy/haproxy.cfg >&2 || die "haproxy -c rejected /etc/haproxy/haproxy.cfg (see above)"
  ensure_enabled haproxy
  if [[ $changed_files == 1 ]] && systemctl is-active --quiet haproxy; then
    systemctl reload haproxy
    changed "reloaded haproxy"
  else
    ensure_started haproxy
  fi
}

# keepalived runs only while HAProxy's unit runs: systemd stops it the moment HAProxy stops or dies
# (keepalived then sends priority 0 and the peer takes the VIP at once), and starting HAProxy starts it.
# Costs nothing between failures. A hung HAProxy that still runs keeps the VIP (a track script would
# see it, at the price of a process per second on every lb and router). Returns 0 when a file changed.
bind_keepalived_to_haproxy() {
  local rc=1 old
  printf '# Written by the lab: keepalived (and so the VIP) lives only while HAProxy runs.\n[Unit]\nBindsTo=haproxy.service\nAfter=haproxy.service\n' |
    put_file /etc/systemd/system/keepalived.service.d/lab-haproxy.conf 0644 && rc=0
  printf '# Written by the lab: starting HAProxy starts keepalived.\n[Unit]\nWants=keepalived.service\n' |
    put_file /etc/systemd/system/haproxy.service.d/lab-keepalived.conf 0644 && rc=0
  # The track scripts of labs provisioned before.
  for old in /etc/keepalived/check-haproxy.sh /usr/local/lib/lab/haproxy-alive.sh; do
    if [[ -e $old ]]; then rm -f "$old" && changed "removed $old"; fi
  done
  if [[ $rc == 0 ]]; then systemctl daemon-reload; fi
  return $rc
}

# A node without a VIP runs no keepalived, and HAProxy must not pull it in.
unbind_keepalived() {
  local f
  for f in /etc/systemd/system/keepalived.service.d/lab-haproxy.conf /etc/systemd/system/haproxy.service.d/lab-keepalived.conf; do
    if [[ -e $f ]]; then rm -f "$f" && changed "removed $f" && systemctl daemon-reload; fi
  done
  ensure_disabled keepalived
}
