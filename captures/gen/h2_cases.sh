#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# h2_cases.sh OUTDIR: the WebSocket-over-HTTP/2 captures (RFC 8441, issue 20), made by python3-h2
# (h2_peers.py) and Node's http2 module (node_h2.js) on loopback; the TLS ones log their
# secrets to OUTDIR/keys/NAME.keys. Needs root (tcpdump) and the packages make_all.sh installs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:?usage: h2_cases.sh OUTDIR}" && pwd)
py=/usr/bin/python3
cap="$here/capture.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
    source <(sed -n '/^make_certs()/,/^}/p' "$here/tls_cases.sh")
    make_certs "$work"
)
mkdir -p "$out/keys"
"$cap" "$out/h2-ws-1003.pcap" 18601 -- $py "$here/h2_peers.py" 1003 18601
"$cap" "$out/h2-ws-many-streams.pcap" 18602 -- $py "$here/h2_peers.py" many 18602
"$cap" "$out/h2-ws-1015-raw.pcap" 18603 -- $py "$here/h2_peers.py" 1015-raw 18603
"$cap" "$out/h2-ws-rfc8441-violations.pcap" 18604 -- $py "$here/h2_peers.py" rules 18604
"$cap" "$out/h2-ws-upgrade-h2c.pcap" 18605 -- $py "$here/h2_peers.py" upgrade 18605
"$cap" "$out/h2-ws-1003-node.pcap" 18606 -- node "$here/node_h2.js" h2c-1003 18606
"$cap" "$out/h2-ws-deflate-1003.pcap" 18609 -- $py "$here/h2_peers.py" deflate 18609
rm -f "$work/keylog.txt"
"$cap" "$out/h2-ws-tls-1003.pcap" 18607 -- $py "$here/h2_peers.py" tls-1003 18607 "$work" "$work/keylog.txt"
cp "$work/keylog.txt" "$out/keys/h2-ws-tls-1003.keys"
rm -f "$work/keylog.txt"
"$cap" "$out/h2-ws-tls-1003-node.pcap" 18608 -- node "$here/node_h2.js" tls-1003 18608 "$work" "$work/keylog.txt"
cp "$work/keylog.txt" "$out/keys/h2-ws-tls-1003-node.keys"
