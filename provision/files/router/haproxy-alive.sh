#!/usr/bin/env bash
# keepalived track script: the router holds the VIP only while its HAProxy answers on the stats socket.
set -uo pipefail
out=$(printf 'show info\n' | timeout 1 nc -U -N /run/haproxy/admin.sock 2>/dev/null)
[[ $out == *"Name: HAProxy"* ]]
