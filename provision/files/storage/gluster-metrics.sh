#!/usr/bin/env bash
# Writes this node's GlusterFS brick state for node exporter's textfile collector (run by
# lab-gluster-metrics.timer every 10 s). No gluster CLI: it takes glusterd's cluster-wide lock, which
# would collide with the lab's own checks and provisioning. Instead:
#   lab_gluster_brick_online   1 while this node's brick process (glusterfsd) runs
#   lab_gluster_heal_pending   entries in the brick's xattrop index: what `heal info` lists as pending
# Usage: gluster-metrics.sh VOLUME BRICK_PATH BRICK_NAME OUT_FILE
set -euo pipefail
volume=$1 brick=$2 name=$3 out=$4
online=0
if pgrep -f -- "--brick-name $brick( |$)" >/dev/null; then online=1; fi
shopt -s nullglob
pending=0
for entry in "$brick/.glusterfs/indices/xattrop"/*; do
  # The index's base file (xattrop-<uuid>) is always there; every other entry is a gfid waiting to heal.
  [[ ${entry##*/} == xattrop-* ]] || pending=$((pending + 1))
done
labels="volume=\"$volume\",brick=\"$name\""
printf '# HELP lab_gluster_brick_online 1 while the brick process of this node runs.\n# TYPE lab_gluster_brick_online gauge\nlab_gluster_brick_online{%s} %d\n# HELP lab_gluster_heal_pending Entries in the brick index waiting to heal.\n# TYPE lab_gluster_heal_pending gauge\nlab_gluster_heal_pending{%s} %d\n' \
  "$labels" "$online" "$labels" "$pending" >"$out.tmp"
mv -f "$out.tmp" "$out"
