#!/usr/bin/env bash
# GlusterFS: `apply` runs glusterd on storage (and, through storage-arbiter.sh, arbiter) nodes;
# `volume` runs on the first storage node only: peers, then the `labdata` volume, once.
# Inputs: STORAGE_NODES, STORAGE_ARBITER_NODES, NODE_NAME, NODE_IP.
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"

VOLUME=labdata
BRICK=/srv/gluster/$VOLUME/brick
# Silent loss (power cut) of a brick node freezes client I/O until the client gives the brick up.
# Measured on web-dev (nspawn, fsync'd 4 KiB writes from web1 every ~0.2 s): 75 s at the 42 s default
# (architecture.md), 9.5 s at 5 s, 5.4 s at 3 s, with no failed write. Lower still would make a brick
# that is merely slow on a busy 2-core host look dead (a reconnect and a heal each time).
PING_TIMEOUT=3
# The self-heal daemon crawls its index every cluster.heal-timeout seconds (600 by default). A brick
# coming back triggers a heal at once, but a client power-cut mid-write leaves the file marked dirty on
# every brick, and nothing triggers that heal: a drill of web1 left "1 pending" for the full 10 minutes.
# A 10 s crawl of a lab-sized index is cheap.
HEAL_TIMEOUT=10

gluster_cli() { timeout 60 gluster --mode=script "$@"; }

apply() {
  ensure_role_packages "${LAB_GLUSTER_ROLE:-storage}"
  [[ -d $BRICK ]] || { install -d -m 0755 "$BRICK"; changed "created brick directory $BRICK"; }
  without_georep
  ensure_enabled glusterd
  ensure_started glusterd
  wait_until 30 "glusterd to answer" gluster_cli pool list
  brick_metrics
}

# Every start of glusterd runs geo-replication's gsyncd (Python) a dozen times, one after another, to
# write a config the lab never reads: 3 s of an idle restart, 10 s and 4-5 CPU seconds per storage node
# of a whole-lab boot on 2 cores (nspawn full-ha reset, 2026-12-04). The lab has no geo-replication.
# With gsyncd moved aside (a dpkg diversion: an upgrade of glusterfs-common keeps it there), glusterd
# logs "geo-replication module not installed in the system" and skips it; `dpkg-divert --rename
# --remove PATH` brings it back.
without_georep() {
  local files gsyncd
  # Not `dpkg -L | grep -m1`: with pipefail, grep leaving early made dpkg's SIGPIPE fail the pipeline
  # now and then, and the diversion waited for the next `up` (which then changed something: CI).
  files=$(dpkg -L glusterfs-common 2>/dev/null) || return 0
  gsyncd=$(grep -m1 '/glusterfs/gsyncd$' <<<"$files") || return 0
  [[ -e $gsyncd ]] || return 0
  dpkg-divert --quiet --local --rename --divert "$gsyncd.lab-off" --add "$gsyncd"
  changed "moved geo-replication's $gsyncd aside: glusterd starts without running it"
}

# This node's brick state for Prometheus (files/storage/gluster-metrics.sh), fed by a 10 s timer.
brick_metrics() {
  local files=$LAB_PROVISION_DIR/files/storage restart=0
  put_file /usr/local/lib/lab/gluster-metrics.sh 0755 <"$files/gluster-metrics.sh" || true
  printf 'VOLUME=%s\nBRICK=%s\nBRICK_NAME=%s\nOUT=/var/lib/prometheus/node-exporter/gluster.prom\n' "$VOLUME" "$BRICK" "$NODE_IP:$BRICK" |
    put_file /etc/default/lab-gluster-metrics 0644 || true
  put_file /etc/systemd/system/lab-gluster-metrics.service 0644 <"$files/lab-gluster-metrics.service" && restart=1
  put_file /etc/systemd/system/lab-gluster-metrics.timer 0644 <"$files/lab-gluster-metrics.timer" && restart=1
  if [[ $restart == 1 ]]; then systemctl daemon-reload; fi
  ensure_enabled lab-gluster-metrics.timer
  restart_if "$restart" lab-gluster-metrics.timer
}

# The peers the first node probes: every other storage node, then the arbiter node(s).
peer_ips() { list_ips "$STORAGE_NODES $STORAGE_ARBITER_NODES" | grep -vxF "$NODE_IP"; }

# Bricks in volume order: data bricks first, the storage-arbiter's brick last (gluster makes the last
# brick of each replica set the arbiter).
bricks() {
  local ip
  for ip in $(list_ips "$STORAGE_NODES") $(list_ips "$STORAGE_ARBITER_NODES"); do echo "$ip:$BRICK"; done
}

peer_connected() { gluster_cli pool list | awk -v ip="$1" '$2 == ip && $3 == "Connected" { found = 1 } END { exit !found }'; }

all_peers_connected() {
  local ip
  for ip in $(peer_ips); do peer_connected "$ip" || return 1; done
}

ensure_peers() {
  local ip
  for ip in $(peer_ips); do
    gluster_cli pool list | awk '{ print $2 }' | grep -qxF "$ip" && continue
    gluster_cli peer probe "$ip" >&2
    changed "probed gluster peer $ip"
  done
  wait_until 90 "every gluster peer to be connected" all_peers_connected
}

ensure_volume() {
  local -a brick_list layout=(replica 3)
  mapfile -t brick_list < <(bricks)
  # Three data bricks (mini-ha) are plain replica 3; two and a storage-arbiter are replica 3 arbiter 1.
  [[ -z ${STORAGE_ARBITER_NODES:-} ]] || layout+=(arbiter 1)
  if ! gluster_cli volume info "$VOLUME" >/dev/null 2>&1; then
    # `force`: the bricks live on the machine's root filesystem (no separate brick disk in a lab).
    gluster_cli volume create "$VOLUME" "${layout[@]}" "${brick_list[@]}" force >&2
    changed "created gluster volume $VOLUME (${layout[*]})"
  fi
}

volume_option() { gluster_cli volume get "$VOLUME" "$1" | awk -v k="$1" '$1 == k { print $2 }'; }

ensure_option() {
  [[ $(volume_option "$1") == "$2" ]] && return 0
  gluster_cli volume set "$VOLUME" "$1" "$2" >&2
  changed "set $VOLUME $1=$2"
}

bricks_online() {
  local online
  online=$(gluster_cli volume status "$VOLUME" detail | awk '$1 == "Online" && $3 == "Y"' | wc -l)
  ((online == $(bricks | wc -l)))
}

volume() {
  [[ $NODE_NAME == "$(first_name "$STORAGE_NODES")" ]] || die "storage volume runs on the first storage node, not $NODE_NAME"
  ensure_peers
  ensure_volume
  # Client quorum: writes need 2 of 3 bricks, so a lone brick never accepts writes (no split brain).
  ensure_option cluster.quorum-type auto
  ensure_option network.ping-timeout "$PING_TIMEOUT"
  ensure_option cluster.heal-timeout "$HEAL_TIMEOUT"
  # Every web node reads what another just wrote: Nextcloud replaces a file by renaming its upload over
  # it. The clients' content caches (quick-read, io-cache) kept serving the old bytes for up to a second
  # (measured: a .docx read back through the other web node right after its PUT had the old content);
  # metadata caches stay, invalidated by the bricks (upcall) instead of by a timeout.
  ensure_option performance.quick-read off
  ensure_option performance.io-cache off
  ensure_option features.cache-invalidation on
  ensure_option performance.cache-invalidation on
  if ! gluster_cli volume info "$VOLUME" | grep -q '^Status: Started'; then
    gluster_cli volume start "$VOLUME" >&2
    changed "started gluster volume $VOLUME"
  fi
  wait_until 60 "every brick of $VOLUME to be online" bricks_online
}

case ${1:-} in
  apply) apply ;;
  volume) volume ;;
  *) die "usage: storage.sh apply|volume" ;;
esac
