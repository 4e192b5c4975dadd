#!/usr/bin/env bash
# ExecStartPre of redis-sentinel: wait, $1 seconds at most, until the primary this Sentinel last knew
# accepts connections. When every node boots at once (a power cut of the whole lab, a snapshot restore)
# the Sentinels started before the primary's Redis, judged it down 1.5 s later, failed over to a replica
# that happened to be up first, and the old primary came back as a second primary until Sentinel demoted
# it, about 10 s later (CI, 2026-12-04). A primary that is really gone costs this Sentinel's start the
# wait; the Sentinels that kept running elsewhere fail over without it. Never fails the start.
set -uo pipefail
limit=${1:-20}
read -r ip port < <(awk '$1 == "sentinel" && $2 == "monitor" { print $4, $5; exit }' /etc/redis/sentinel.conf 2>/dev/null)
[[ ${ip:-} =~ ^[0-9.]+$ && ${port:-} =~ ^[0-9]+$ ]] || exit 0
deadline=$((SECONDS + limit))
while ((SECONDS < deadline)); do
  # shellcheck disable=SC2016 # the inner bash expands its own $0 and $1
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$ip" "$port" 2>/dev/null && exit 0
  sleep 0.5
done
echo "sentinel-wait: $ip:$port did not accept connections in $limit s: starting anyway" >&2
exit 0
