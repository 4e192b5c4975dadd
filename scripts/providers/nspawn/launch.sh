#!/usr/bin/env bash
# Moves itself into the node's own cgroup, then becomes systemd-nspawn (same pid, which the provider records).
# Why: without systemd as the host's PID 1 every container shares one cgroup, and `systemctl stop`
# inside a container then fails to kill a unit's children (measured).
# usage: launch.sh <cgroup relative path> <systemd-nspawn arguments...>
set -euo pipefail
cgroup=${1:?usage: launch.sh <cgroup> <nspawn args...>}
shift
for hierarchy in systemd unified; do
  root=/sys/fs/cgroup/$hierarchy
  [[ -d $root && -f $root/cgroup.procs ]] || continue
  mkdir -p "$root/$cgroup"
  echo $$ >"$root/$cgroup/cgroup.procs"
done
exec systemd-nspawn "$@"
