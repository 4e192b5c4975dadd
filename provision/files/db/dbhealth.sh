#!/usr/bin/env bash
# Galera health agent for the routers' `option httpchk`: one HTTP request per connection (systemd socket
# with Accept=yes), 200 only when this node is Synced (wsrep_local_state=4) and wsrep_ready=ON, else 503.
# Debian ships no clustercheck. The file /etc/lab/db-maintenance takes the node out of the router by hand.
set -uo pipefail
# Drain the request (request line and headers) so closing the socket does not reset it under HAProxy.
while IFS= read -r -t 2 line; do [[ ${line%$'\r'} == '' ]] && break; done
status=$(timeout 3 mysql --connect-timeout=2 -N -B -e \
  "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state','wsrep_ready')" 2>/dev/null)
state=$(awk '$1 == "wsrep_local_state" { print $2 }' <<<"$status")
ready=$(awk '$1 == "wsrep_ready" { print $2 }' <<<"$status")
if [[ -e /etc/lab/db-maintenance ]]; then
  code='503 Service Unavailable' body="maintenance: /etc/lab/db-maintenance exists"
elif [[ $state == 4 && $ready == ON ]]; then
  code='200 OK' body="synced: wsrep_local_state=4 wsrep_ready=ON"
else
  code='503 Service Unavailable' body="not synced: wsrep_local_state=${state:-unknown} wsrep_ready=${ready:-unknown}"
fi
printf 'HTTP/1.1 %s\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s\n' \
  "$code" $((${#body} + 1)) "$body"
