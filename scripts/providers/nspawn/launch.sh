#!/usr/bin/env bash
# Moves itself into the node's own cgroup, then becomes systemd-nspawn (same pid, which the provider records).
# Why: without systemd as the host's PID 1 every container shares one cgroup, and `systemctl stop`
# inside a container then fails to kill a unit's children (measured). The v2 cgroup also freezes the
# lab for a snapshot (cgroup.freeze); v1's memory hierarchy, where there is one, counts its memory.
# usage: launch.sh <cgroup relative path> <systemd-nspawn arguments...>
set -euo pipefail
cgroup=${1:?usage: launch.sh <cgroup> <nspawn args...>}
shift
roots=()
[[ -f /sys/fs/cgroup/cgroup.controllers ]] && roots+=(/sys/fs/cgroup)
for hierarchy in unified systemd memory; do
  [[ -f /sys/fs/cgroup/$hierarchy/cgroup.procs ]] && roots+=("/sys/fs/cgroup/$hierarchy")
done
for root in "${roots[@]}"; do
  mkdir -p "$root/$cgroup"
  echo $$ >"$root/$cgroup/cgroup.procs"
done
exec systemd-nspawn "$@"
