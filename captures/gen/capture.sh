#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# capture.sh OUT.pcap PORT [iface] -- CMD...: run CMD while tcpdump records loopback traffic on
# PORT into OUT.pcap. Loopback only; bounded in time (CMD gets 30 s).
set -euo pipefail
out=$1 port=$2; shift 2
iface=lo
if [ "$1" != "--" ]; then iface=$1; shift; fi
shift # --
tcpdump -i "$iface" -U -s 0 -w "$out" "tcp port $port" 2>/dev/null &
tp=$!
sleep 1
rc=0
timeout 30 "$@" || rc=$?
sleep 1
kill -INT "$tp"; wait "$tp" || true
exit $rc
