#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerate every capture in captures/ (needs root for tcpdump on lo). Loopback only.
# Ports are fixed per capture so captures can be filtered; each run makes new captures (new
# ports of the clients, keys, timestamps), so expected outputs must be reviewed again after it.
set -euo pipefail
for p in tcpdump tshark python3-scapy python3-websockets python3-aiohttp python3-tornado python3-h2 nodejs node-ws openssl gnutls-bin nginx-light; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null; }
done
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/.." && pwd)
cap="$here/capture.sh"
py=/usr/bin/python3
export NODE_PATH=/usr/share/nodejs

"$cap" "$out/ws-1003-binary-to-text.pcap" 18001 -- $py "$here/ws_peers.py" binary-to-text-server 18001
"$cap" "$out/ws-1003-text-to-binary-node.pcap" 18002 -- node "$here/node_peers.js" text-to-binary-server 18002
"$cap" "$out/ws-close-codes-server.pcap" 18003 -- $py "$here/raw_peer.py" server-close-codes 18003
"$cap" "$out/ws-close-bad-payloads.pcap" 18004 -- $py "$here/raw_peer.py" server-bad-close-payloads 18004
"$cap" "$out/ws-close-codes-client.pcap" 18005 -- $py "$here/raw_peer.py" client-reserved-codes 18005
"$cap" "$out/ws-fragmented-pings.pcap" 18006 -- $py "$here/raw_peer.py" fragmented-pings 18006
"$cap" "$out/ws-big-message.pcap" 18007 -- $py "$here/ws_peers.py" big-message 18007
"$cap" "$out/ws-1003-big-binary.pcap" 18030 -- $py "$here/ws_peers.py" big-binary-to-text 18030
"$cap" "$out/ws-ipv6-1003.pcap" 18008 -- $py "$here/ws_peers.py" binary-to-text-server 18008 ::1
"$cap" "$out/ws-framing-violations.pcap" 18009 -- $py "$here/raw_peer.py" framing-violations 18009
"$cap" "$out/ws-handshake-cases.pcap" 18010 -- $py "$here/raw_peer.py" handshake-cases 18010
"$cap" "$out/ws-1003-deflate.pcap" 18011 -- $py "$here/ws_peers.py" binary-to-text-deflate 18011
"$cap" "$out/ws-pmd-params.pcap" 18014 -- $py "$here/ws_peers.py" pmd-params 18014 127.0.0.1 "$out/ws-pmd-params.manifest"
"$cap" "$out/ws-big-frame-violations.pcap" 18031 -- $py "$here/raw_peer.py" big-frame-violations 18031
"$cap" "$out/ws-autobahn-1-7.pcap" 18013 -- $py "$here/raw_peer.py" autobahn 18013
"$cap" "$out/ws-deflate-takeover-node.pcap" 18015 -- node "$here/node_peers.js" deflate-takeover 18015 "$out/ws-deflate-takeover-node.manifest"
"$cap" "$out/ws-deflate-no-context-node.pcap" 18012 -- node "$here/node_peers.js" deflate-no-context 18012
# the same streams reordered and with duplicated segments, and in other link types
$py "$here/resegment.py" "$out/ws-1003-binary-to-text.pcap" "$out/ws-1003-reordered-dup.pcap"
# TCP-level variants (CONFORMANCE.md §10): sequence numbers across 2^32, a lost segment inside a
# payload and one holding frame headers, a reused 4-tuple, a capture starting mid-connection,
# a short snap length (checked to give these captures byte for byte from their sources)
$py "$here/tcp_variants.py" wrap "$out/ws-fragmented-pings.pcap" "$out/ws-fragmented-pings-seqwrap.pcap"
$py "$here/tcp_variants.py" drop "$out/ws-big-message.pcap" "$out/ws-gap-in-payload.pcap" 9
$py "$here/tcp_variants.py" drop "$out/ws-fragmented-pings.pcap" "$out/ws-gap-at-header.pcap" 9
$py "$here/tcp_variants.py" reuse "$out/ws-1003-binary-to-text.pcap" "$out/ws-4tuple-reuse.pcap"
editcap -r "$out/ws-1003-binary-to-text.pcap" "$out/ws-midstream.pcap" 7-15
editcap -s 80 "$out/ws-1003-binary-to-text.pcap" "$out/ws-snaplen-80.pcap"
mkdir -p "$out/variants"
$py "$here/relink.py" "$out/ws-1003-binary-to-text.pcap" "$out/variants"
$py "$here/relink.py" "$out/ws-ipv6-1003.pcap" "$out/variants"
editcap -F pcapng "$out/ws-1003-binary-to-text.pcap" "$out/variants/ws-1003-binary-to-text.pcapng.pcapng"
# the same streams as IP fragments: in and out of order, IPv6, overlapping, missing, oversized
$py "$here/ip_fragments.py" ipv4 "$out/ws-1003-binary-to-text.pcap" "$out/ws-frag-ipv4.pcap"
$py "$here/ip_fragments.py" ipv6 "$out/ws-ipv6-1003.pcap" "$out/ws-frag-ipv6.pcap"
$py "$here/ip_fragments.py" overlap "$out/ws-1003-binary-to-text.pcap" "$out/ws-frag-overlap.pcap" 10
$py "$here/ip_fragments.py" missing "$out/ws-1003-binary-to-text.pcap" "$out/ws-frag-missing.pcap" 10
$py "$here/ip_fragments.py" oversize "$out/ws-1003-binary-to-text.pcap" "$out/ws-frag-oversize.pcap"
# TLS handshakes: OpenSSL and GnuTLS failures and successes (issue 3)
bash "$here/tls_cases.sh" "$out"
# TLS with the secrets logged, for decryption (issue 14): captures/tls-dec-*.pcap + captures/keys/
bash "$here/tls_decrypt.sh" "$out"
# how libraries end connections (issue 15): asked to send 1005/1006/1015 (what they did goes to
# ws-lib-codes.manifest), a reset in the middle of a frame, a FIN without a Close
rm -f "$out/ws-lib-codes.manifest"
for s in codes-aiohttp:18023:ws-close-codes-aiohttp codes-tornado:18024:ws-close-codes-tornado \
    codes-websockets:18025:ws-close-codes-websockets-refuses \
    rst-aiohttp-tornado:18026:ws-rst-mid-frame-aiohttp fin-tornado-aiohttp:18027:ws-fin-without-close-aiohttp; do
    IFS=: read -r scen port name <<<"$s"
    "$cap" "$out/$name.pcap" "$port" -- $py "$here/lib_closes.py" "$scen" "$port" "$out/ws-lib-codes.manifest"
done
"$cap" "$out/ws-close-codes-node-refuses.pcap" 18028 -- node "$here/node_peers.js" close-codes 18028 "$out/ws-lib-codes.manifest"
# WebSocket over HTTP/2 (RFC 8441, issue 20): python3-h2 and Node's http2, h2c and TLS
bash "$here/h2_cases.sh" "$out"
