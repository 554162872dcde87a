#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# analyzer/pgo_train.sh WSAUDIT GEN_CAPTURE CAPTURES_DIR WORK_DIR PROFILE_DIR
#
# The training run of the profile-guided build (CMakeLists.txt, WSAUDIT_PGO): an instrumented
# wsaudit reads what the benchmark reads (tests/bench/gen_capture's WebSocket-heavy,
# small-frame, mixed, HTTP/2 and wss:// captures, 8-16 MB each, and 320 MB of small frames) with
# the options people use (text, -q, JSON Lines with every frame, one thread and all, decryption),
# then the bundled captures (handshake refusals, TLS alerts, decryption, findings of every
# kind), so that the code the profile calls cold is cold in use too. The compiler then lays out and inlines by these
# counts. wsaudit's exit status is its verdict (findings, partial input) and is not checked
# here; a crash is. -Z root: run as root (a build as root), wsaudit would otherwise become
# nobody, who cannot write the profiles.
set -eu
wsaudit=$1 gen=$2 captures=$3 work=$4 profile=$5
rm -rf "$work" "$profile"
mkdir -p "$work"

run() {
    rc=0
    "$wsaudit" --no-sandbox -Z root "$@" >/dev/null 2>&1 || rc=$?
    if [ "$rc" -ge 128 ]; then
        echo "pgo_train.sh: wsaudit $* died (status $rc)" >&2
        exit 1
    fi
}

"$gen" 16 "$work/ws.pcap" >/dev/null
"$gen" --small 16 "$work/small.pcap" >/dev/null
"$gen" --mixed 16 "$work/mixed.pcap" >/dev/null
"$gen" --h2 8 "$work/h2.pcap" >/dev/null
"$gen" --tls "$work/wss.keys" 8 "$work/wss.pcap" >/dev/null
# numbers as large as long captures have (packets past 10^6, connections past 10^4): paths
# never taken in training are compiled as cold, and a 16 MB capture's numbers have fewer digits
# (the first training left the writing of a connection id of five digits in a cold section)
"$gen" --small 320 "$work/big.pcap" >/dev/null
# (the generator is built with the instrumented core: what it ran is not the analyzer's profile)
rm -rf "$profile"

for c in ws small mixed h2; do
    run "$work/$c.pcap"
    run -j 1 -q -F jsonl "$work/$c.pcap"
    run -j 1 -F jsonl "$work/$c.pcap"
    run -j 2 -F jsonl "$work/$c.pcap"
done
run -j 1 -F jsonl "$work/big.pcap"
run -F jsonl "$work/big.pcap"
run -F jsonl --keylog "$work/wss.keys" "$work/wss.pcap"
run -q --keylog "$work/wss.keys" "$work/wss.pcap"

for p in "$captures"/*.pcap "$captures"/*.pcapng; do
    [ -e "$p" ] || continue
    keys="$captures/keys/$(basename "${p%.*}").keys"
    if [ -e "$keys" ]; then
        run -F jsonl --keylog "$keys" "$p"
        run --keylog "$keys" "$p"
    else
        run -F jsonl "$p"
        run "$p"
    fi
done
rm -rf "$work"
