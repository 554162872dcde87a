#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Command-line behaviour: exit statuses, bad input, stdin, BPF filter, several files, explain.
# Usage: test_cli.sh WSAUDIT CAPTURES_DIR [PCAPNG_DUMP]
set -u
bin=$1 caps=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() { # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); echo "ok: $1"
    else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
run() { # run EXPECTED_STATUS OUTFILE ARGS... ; returns 0 if the status matched
    local want=$1 out=$2; shift 2
    "$bin" "$@" > "$out" 2> "$out.err"
    local rc=$?
    [ "$rc" -eq "$want" ] || { echo "   exit $rc, wanted $want: $*"; return 1; }
}

# --- unreadable input: exit 2, an error record naming the file ---
run 2 "$tmp/o" -F jsonl "$tmp/does-not-exist.pcap"
check "missing file exits 2" $?
grep -q '"type":"error".*does-not-exist.pcap.*"fatal":true' "$tmp/o"
check "missing file: error record names the file" $?
: > "$tmp/empty.pcap"
run 2 "$tmp/o" -F jsonl "$tmp/empty.pcap"; check "empty file exits 2" $?
head -c 24 "$caps/ws-1003-binary-to-text.pcap" > "$tmp/header-only.pcap"
run 0 "$tmp/o" -F jsonl "$tmp/header-only.pcap"; check "header-only file is a valid empty capture" $?
head -c 4096 /dev/urandom > "$tmp/random.pcap"
printf 'xxxx' | dd of="$tmp/random.pcap" conv=notrunc 2>/dev/null
run 2 "$tmp/o" "$tmp/random.pcap"; check "random bytes exit 2" $?
# compressed captures (issue 16): read by their magic bytes, from a file and from stdin, the
# same records as the plain capture; a damaged one is an error, never silently empty
strip_file() { sed 's/"file":"[^"]*",//' "$1"; }
"$bin" -F jsonl "$caps/ws-1003-binary-to-text.pcap" > "$tmp/plain"
for z in gzip zstd xz bzip2 lz4; do
    command -v $z > /dev/null || continue
    $z -c "$caps/ws-1003-binary-to-text.pcap" > "$tmp/cap.$z"
    run 0 "$tmp/o" -F jsonl "$tmp/cap.$z" && diff <(strip_file "$tmp/plain") <(strip_file "$tmp/o") > /dev/null
    check "$z-compressed capture: the same records as the plain one" $?
    "$bin" -F jsonl - < "$tmp/cap.$z" > "$tmp/o" && diff <(strip_file "$tmp/plain") <(strip_file "$tmp/o") > /dev/null
    check "$z-compressed capture on stdin: the same records" $?
done
gzip -c "$caps/ws-pmd-params.pcap" | head -c 600000 > "$tmp/cut.gz"
run 3 "$tmp/o" -F jsonl "$tmp/cut.gz"; check "a cut gzip capture: partial (exit 3)" $?
grep -q '"type":"error".*"fatal":false,"message":"read failed after packet [0-9]*: .*(truncated gzip input)"' "$tmp/o" &&
    grep -q '"type":"conn"' "$tmp/o"
check "a cut gzip capture: what came before the cut, and an error naming the packet and why" $?
printf '\x1f\x8bxxxxxxxxxxxxxxxxxxxxxxx' > "$tmp/bad.gz"
run 2 "$tmp/o" -F jsonl "$tmp/bad.gz"; check "not gzip after its magic: exit 2 with an error" $?

# --- a file cut mid-record: findings before the cut are written, exit 3 ---
head -c 3000 "$caps/ws-close-codes-server.pcap" > "$tmp/cut.pcap"
run 4 "$tmp/o" -F jsonl "$tmp/cut.pcap"; check "truncated file with error findings before the cut exits 4" $?
grep -q '"id":"ws.close.reserved_code"' "$tmp/o"
check "truncated file: findings before the cut are kept" $?
grep -q '"type":"error","ts":"[^"]*","file":"[^"]*cut.pcap","pkt":[1-9][0-9]*,"fatal":false' "$tmp/o"
check "truncated file: error names the file and the packet" $?
tail -n 1 "$tmp/o" | grep -q '"type":"summary".*"exit":4'
check "truncated file: summary is still written last" $?
run 3 "$tmp/o" -F jsonl --fail-on error "$caps/ws-gap-in-payload.pcap"
check "partial without findings at --fail-on: exit 3" $?

# --- an absurd record length and a bogus TCP header length (pcap edited in place) ---
/usr/bin/python3 - "$caps/ws-close-codes-server.pcap" "$tmp" <<'PY'
import struct, sys
src, tmp = sys.argv[1], sys.argv[2]
d = bytearray(open(src, "rb").read())
offs, off = [], 24
while off + 16 <= len(d):
    offs.append(off)
    off += 16 + struct.unpack_from("<I", d, off + 8)[0]
a = bytearray(d)  # record 30 claims 2 GB
struct.pack_into("<I", a, offs[29] + 8, 0x7FFFFFFF)
open(tmp + "/absurd.pcap", "wb").write(a)
b = bytearray(d)  # packet 4 (the Upgrade request): TCP data offset 2 (8 bytes < 20)
b[offs[3] + 16 + 14 + 20 + 12] = 0x20
open(tmp + "/bogus-tcp.pcap", "wb").write(b)
c = bytearray(d)  # packet 4: IPv4 header length 4 words (16 bytes < 20)
c[offs[3] + 16 + 14] = 0x44
open(tmp + "/bogus-ihl.pcap", "wb").write(c)
e = bytearray(d)  # packet 4: IPv4 total length 12, less than its own header
struct.pack_into("!H", e, offs[3] + 16 + 14 + 2, 12)
open(tmp + "/bogus-iplen.pcap", "wb").write(e)
g = bytearray(d)  # packet 4 cut inside its IPv4 header (caplen 24, wire length kept)
struct.pack_into("<I", g, offs[3] + 8, 24)
g = g[:offs[3] + 16 + 24] + g[offs[3] + 16 + struct.unpack_from("<I", d, offs[3] + 8)[0]:]
open(tmp + "/cut-ip.pcap", "wb").write(g)
PY
run 4 "$tmp/o" -F jsonl "$tmp/absurd.pcap"; check "absurd record length exits 4 (partial, findings)" $?
grep -q '"type":"error","ts":"[^"]*","file":"[^"]*absurd.pcap","pkt":30' "$tmp/o" &&
    grep -q '"id":"ws.close.reserved_code"' "$tmp/o" && tail -n 1 "$tmp/o" | grep -q '"type":"summary"'
check "absurd record length: error at packet 30, findings before it kept, summary last" $?
run 4 "$tmp/o" -F jsonl "$tmp/bogus-tcp.pcap"; check "bogus TCP header length: partial with findings (exit 4)" $?
grep -q '"pkt":4,"id":"capture.malformed_packet"' "$tmp/o"
check "bogus TCP header length: capture.malformed_packet names packet 4" $?
for bad in bogus-ihl bogus-iplen; do
    run 4 "$tmp/o" -F jsonl "$tmp/$bad.pcap"; check "$bad: partial with findings (exit 4)" $?
    grep -q '"pkt":4,"id":"capture.malformed_packet".*bogus IPv4 header lengths' "$tmp/o" &&
        grep -q '"type":"close"' "$tmp/o"
    check "$bad: packet 4 named as malformed (bogus IPv4 header lengths), the rest analysed" $?
done
run 4 "$tmp/o" -F jsonl "$tmp/cut-ip.pcap"; check "IPv4 header cut by the snapshot length: exit 4" $?
grep -q '"pkt":4,"id":"capture.truncated".*IPv4 header cut short' "$tmp/o"
check "IPv4 header cut by the snapshot length: capture.truncated names packet 4" $?

# --- pcapng that libpcap refuses: read by our own reader (CAP-03/04/05/09) ---
dump=${3:-} # build/tests/pcapng_dump, when given
# times left out: the generated sections shift and rescale them on purpose
base_records() {
    grep -v '"type":"file"' "$1" |
        sed 's/"file":"[^"]*",//; s/"ts":"[^"]*",//; s/"start":"[^"]*","end":"[^"]*","duration":[0-9.]*,//'
}
"$bin" -F jsonl "$caps/ws-1003-binary-to-text.pcap" > "$tmp/base"
if command -v mergecap >/dev/null; then
    mergecap -a -F pcapng -w "$tmp/mixed.pcapng" "$caps/ws-1003-binary-to-text.pcap" \
        "$caps/variants/ws-1003-binary-to-text.rawip.pcap" 2>/dev/null
    # libpcap 1.10 refuses the second interface ("different from the type of the first
    # interface"); the file is read whole: the same connection twice on its 4-tuple
    run 0 "$tmp/o" -F jsonl "$tmp/mixed.pcapng"; check "pcapng with two link types is read whole" $?
    grep -q '"type":"summary".*"packets":30,.*"ws_conns":2,.*"closes":4' "$tmp/o"
    check "two link types: both copies of the connection analysed (30 packets, 4 closes)" $?
fi
# two sections of opposite byte order; interfaces Ethernet (ns), raw IP (2^-20 s, +100 s
# offset) and Ethernet (µs), packets alternating between them
python3 "$(dirname "$0")/pcapng_gen.py" sections "$caps/ws-1003-binary-to-text.pcap" \
    "$tmp/sections.pcapng"
run 0 "$tmp/o" -F jsonl "$tmp/sections.pcapng"
check "pcapng sections of both byte orders, three link types: exit 0" $?
diff <(base_records "$tmp/base") <(base_records "$tmp/o") > /dev/null
check "pcapng sections: the same analysis as the pcap" $?
if [ -n "$dump" ] && command -v tshark >/dev/null; then
    "$dump" "$tmp/sections.pcapng" > "$tmp/ours"
    tshark -r "$tmp/sections.pcapng" -T fields -e frame.time_epoch -e frame.cap_len -e frame.len \
        2>/dev/null | tr '\t' ' ' > "$tmp/theirs"
    diff "$tmp/ours" "$tmp/theirs" > /dev/null && [ -s "$tmp/ours" ]
    check "pcapng reader: times (if_tsresol, if_tsoffset) and lengths equal tshark's" $?
fi
# damaged blocks: error with the byte offset, exit 3, the first packets still analysed
for how in badlen overrun mismatch; do
    python3 "$(dirname "$0")/pcapng_gen.py" $how "$caps/ws-1003-binary-to-text.pcap" \
        "$tmp/$how.pcapng"
    run 3 "$tmp/o" -F jsonl "$tmp/$how.pcapng"; check "pcapng $how: partial (exit 3)" $?
    grep -q '"type":"error".*"pkt":3,.*block at byte offset 276' "$tmp/o"
    check "pcapng $how: the error names packet 3 and the block's byte offset" $?
done

# --- stdin and several files ---
"$bin" -F jsonl "$caps/ws-1003-binary-to-text.pcap" | grep -v '"type":"file"' |
    sed 's/"file":"[^"]*",//' > "$tmp/a"
"$bin" -F jsonl - < "$caps/ws-1003-binary-to-text.pcap" | grep -v '"type":"file"' |
    sed 's/"file":"[^"]*",//' > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b"; check "stdin ('-') gives the same analysis as the file" $?
"$bin" -F jsonl - < "$caps/ws-1003-binary-to-text.pcap" | head -1 | grep -q '"file":"<stdin>"'
check "stdin is named <stdin>" $?
run 0 "$tmp/o" -F jsonl "$caps/ws-1003-binary-to-text.pcap" "$caps/ws-ipv6-1003.pcap"
check "two files: exit 0" $?
[ "$(grep -c '"type":"file"' "$tmp/o")" -eq 2 ] && tail -n 1 "$tmp/o" | grep -q '"files":2,"packets":30'
check "two files: both read, one summary" $?
grep '"type":"close"' "$tmp/o" | grep -q 'ws-ipv6-1003.pcap","conn":0,"pkt":11'
check "two files: packet numbers restart per file" $?

# --- BPF filter keeps Wireshark's packet numbers ---
mergecap -w "$tmp/two.pcap" "$caps/ws-1003-binary-to-text.pcap" "$caps/ws-1003-text-to-binary-node.pcap"
"$bin" -F jsonl "$tmp/two.pcap" | grep '"type":"close"' | grep '"server":\|18002' > /dev/null
all=$("$bin" -F jsonl "$tmp/two.pcap" | grep -c '"type":"close"')
"$bin" -F jsonl -f 'tcp port 18002' "$tmp/two.pcap" > "$tmp/f"
n=$(grep -c '"type":"close"' "$tmp/f")
[ "$all" -eq 4 ] && [ "$n" -eq 2 ]; check "filter selects one connection's closes" $?
want=$(tshark -r "$tmp/two.pcap" -Y 'tcp.port==18002 && websocket.opcode==8' -T fields -e frame.number 2>/dev/null | tr '\n' ' ')
got=$(grep '"type":"close"' "$tmp/f" | sed 's/.*"pkt_end":\([0-9]*\).*/\1/' | tr '\n' ' ')
[ -n "$want" ] && [ "$want" = "$got" ]; check "filtered packet numbers equal tshark's frame.number ($got)" $?
run 2 "$tmp/o" -f 'not a filter ((' "$caps/ws-1003-binary-to-text.pcap"
check "bad filter exits 2" $?

# --- exit status and --fail-on ---
run 0 "$tmp/o" "$caps/ws-1003-binary-to-text.pcap"; check "notes only: exit 0" $?
run 1 "$tmp/o" --fail-on note "$caps/ws-1003-binary-to-text.pcap"; check "--fail-on note: exit 1" $?
run 1 "$tmp/o" "$caps/ws-close-codes-server.pcap"; check "close 1015 on the wire: exit 1" $?
run 3 "$tmp/o" "$caps/ws-gap-in-payload.pcap"; check "gap: exit 3 (partial)" $?
run 2 "$tmp/o"; check "no file: usage, exit 2" $?
run 2 "$tmp/o" -F xml "$caps/ws-1003-binary-to-text.pcap"; check "bad format: exit 2" $?

# --- the flow table is bounded: past --max-flows the least recent flow is finished, reported ---
t1=$(capinfos -a -S -T -r "$caps/ws-big-message.pcap" | cut -f2)
t2=$(capinfos -a -S -T -r "$caps/ws-fragmented-pings.pcap" | cut -f2)
editcap -t "$(awk "BEGIN{print $t1 - $t2 + 0.0001}")" "$caps/ws-fragmented-pings.pcap" "$tmp/shifted.pcap"
mergecap -w "$tmp/both.pcap" "$caps/ws-big-message.pcap" "$tmp/shifted.pcap"
run 0 "$tmp/o" -F jsonl "$tmp/both.pcap"
check "two overlapping connections: clean by default" $?
[ "$(grep -c '"type":"close"' "$tmp/o")" -eq 4 ]; check "two overlapping connections: 4 closes" $?
run 4 "$tmp/o" -F jsonl --max-flows 1 "$tmp/both.pcap"
check "--max-flows 1 with two connections: partial with findings (exit 4)" $?
grep -q '"id":"capture.flow_memcap"' "$tmp/o"; check "flow table full is reported" $?
run 2 "$tmp/o" --max-flows 0 "$caps/ws-1003-binary-to-text.pcap"; check "--max-flows 0 is a usage error" $?

# --- explain ---
run 0 "$tmp/o" explain 1015 && grep -q "MUST NOT be sent" "$tmp/o" && grep -q reserved_code "$tmp/o"
check "explain 1015" $?
run 0 "$tmp/o" explain 1003 && grep -q "Unsupported Data" "$tmp/o"; check "explain 1003" $?
run 2 "$tmp/o" explain banana; check "explain of a non-code exits 2" $?
run 0 "$tmp/o" explain certificate_expired && grep -q "TLS alert 45" "$tmp/o" &&
    grep -q "Renew the server's certificate" "$tmp/o" && grep -q "1015" "$tmp/o"
check "explain certificate_expired: meaning, fix, and the 1015 a client reports" $?
run 0 "$tmp/o" explain 1015 && grep -q "^  seen: .*tls.handshake_failure" "$tmp/o"
check "explain 1015 says where it is seen (an API, not the wire)" $?
run 0 "$tmp/o" explain unknown_ca bad_certificate &&
    grep -q "GnuTLS clients send bad_certificate" "$tmp/o" && grep -q "TLS alert 42" "$tmp/o"
check "explain of several alert names, with who sends them" $?

# --- TLS (issue 3) ---
run 1 "$tmp/t" "$caps/tls-ossl-expired-1_2.pcap"
check "a failed TLS handshake is an error finding (exit 1)" $?
grep -q 'handshake failed (certificate_expired, client, pkt 8)' "$tmp/t" &&
    grep -q 'expired [0-9]* days before this capture' "$tmp/t" &&
    grep -q 'close status 1015' "$tmp/t"
check "text output: TLS summary, certificate expiry and the 1015 story" $?
run 0 "$tmp/t" --fail-on error "$caps/tls-wss-ok-1_3.pcap" && grep -q 'handshake completed' "$tmp/t" &&
    grep -q 'probably close_notify' "$tmp/t"
check "a completed wss session with close_notify is not a failure (exit 0)" $?
cat "$caps/tls-gnutls-expired-1_3.pcap" | "$bin" -F jsonl - | grep -q '"kind":"probable_encrypted"'
check "TLS 1.3 encrypted alert by position, also from stdin" $?

# --- text output names the same facts ---
"$bin" "$caps/ws-1003-binary-to-text.pcap" > "$tmp/t"
grep -q 'code=1003 (Unsupported Data, standard) reason="text only"' "$tmp/t" &&
    grep -q 'opcode 0x2 (BINARY) from the client, first frame in packet 10' "$tmp/t"
check "text output: close and 1003 annotation" $?
"$bin" "$caps/ws-close-bad-payloads.pcap" | grep -q 'reason="bad \\xff\\xfe reason"'
check "text output escapes invalid UTF-8 instead of dropping it" $?
"$bin" -F jsonl "$caps/ws-close-bad-payloads.pcap" | grep -q '"reason_hex":"0062616420fffe20726561736f6e"\|"reason_hex":"626164'
check "jsonl keeps invalid UTF-8 reason as hex" $?

# --- hostile strings (ROB-04): NUL, ESC sequences and invalid UTF-8 are escaped, never dropped ---
python3 "$(dirname "$0")/hostile_gen.py" "$tmp/hostile.pcap"
"$bin" "$tmp/hostile.pcap" > "$tmp/t"
! grep -q -P '[\x00\x07\x1b]' "$tmp/t"
check "hostile strings: no raw NUL, BEL or ESC reaches the text output" $?
grep -qF 'GET /p\xff\x07 -> 101 host=h\x00st\x1b[2J' "$tmp/t" &&
    grep -qF 'reason="a\x00b\x1b[31mred\xff\xfe"' "$tmp/t" &&
    grep -qF 'sni=x\x00y\x1b]0;t\x07\xff.example;' "$tmp/t" &&
    grep -qF '(SNI "x\x00y\x1b]0;t\x07\xff.example")' "$tmp/t"
check "hostile strings: path, host, close reason and SNI escaped byte for byte in text" $?
"$bin" -F jsonl "$tmp/hostile.pcap" > "$tmp/o"
python3 - "$tmp/o" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]  # every line is JSON
conn = next(r for r in recs if r["type"] == "conn")
close = next(r for r in recs if r["type"] == "close" and r["dir"] == "s2c")
tls = next(r for r in recs if r["type"] == "tls")
ok = (conn["host"] == "h\x00st\x1b[2J" and bytes.fromhex(conn["path_hex"]) == b"/p\xff\x07"
      and bytes.fromhex(close["reason_hex"]) == b"a\x00b\x1b[31mred\xff\xfe"
      # the SNI by the same rule as the reason (issue 18), no \xNN text
      and tls["client_hello"]["sni"] == "x\x00y\x1b]0;t\x07\ufffd.example"
      and bytes.fromhex(tls["client_hello"]["sni_hex"]) == b"x\x00y\x1b]0;t\x07\xff.example")
sys.exit(0 if ok else 1)
PY
check "hostile strings: JSONL parses; NUL/ESC as \\u escapes, invalid UTF-8 kept as *_hex" $?

# --- --payload: one record per message, inflated ---
"$bin" --payload -q "$caps/ws-1003-deflate.pcap" > "$tmp/t"
grep -q 'c->s message TEXT 300 bytes (22 compressed): "héllo wörld, ' "$tmp/t" &&
    grep -q 'c->s message BINARY 2048 bytes (290 compressed)' "$tmp/t"
check "--payload: messages inflated to the sizes the generator sent, with a preview" $?
"$bin" --payload -F jsonl "$caps/ws-1003-binary-to-text.pcap" |
    grep -q '"type":"message".*"opcode_name":"BINARY","size":4,"compressed":false,"preview":"\\u0000\\u0001\\u0002\\u0003","preview_hex":"00010203"'
check "--payload in JSONL: escaped preview and hex" $?
"$bin" -F jsonl "$caps/ws-1003-binary-to-text.pcap" | grep -q '"type":"message"'
[ $? -ne 0 ]; check "no message records without --payload" $?

# --- -j N: files in parallel, output identical to a serial run ---
all=$(ls "$caps"/*.pcap "$caps"/*.pcapng)
for fmt in text jsonl; do
    "$bin" -F "$fmt" $all "$tmp/missing.pcap" > "$tmp/serial"; s1=$?
    "$bin" -j 4 -F "$fmt" $all "$tmp/missing.pcap" > "$tmp/parallel"; s2=$?
    cmp -s "$tmp/serial" "$tmp/parallel" && [ "$s1" = "$s2" ]
    r=$? # (taken before the message's command substitution resets $?)
    check "-j 4 over $(echo $all | wc -w) captures and a missing file: $fmt output and exit status as serial" $r
done
run 2 "$tmp/o" -j 0 "$caps/ws-1003-binary-to-text.pcap"; check "-j 0 is a usage error" $?

# --- TLS key logs: the ways to give them, bad lines, -j, stdin ---
wss="$caps/tls-dec-wss-1003-chacha-1_2.pcap" keys="$caps/keys/tls-dec-wss-1003-chacha-1_2.keys"
"$bin" -F jsonl --keylog "$keys" "$wss" > "$tmp/k1"
grep -q '"id":"ws.close.unsupported_data"' "$tmp/k1"; check "--keylog: the 1003 inside wss:// is found" $?
"$bin" -F jsonl -o "tls.keylog_file:$keys" "$wss" | cmp -s - "$tmp/k1"
check "-o tls.keylog_file:FILE (as tshark takes it) gives the same records" $?
SSLKEYLOGFILE="$keys" "$bin" -F jsonl --sslkeylogfile "$wss" | cmp -s - "$tmp/k1"
check "--sslkeylogfile reads the file SSLKEYLOGFILE names" $?
env -u SSLKEYLOGFILE "$bin" --sslkeylogfile "$wss" > /dev/null 2>&1
[ $? -eq 2 ]; check "--sslkeylogfile without SSLKEYLOGFILE is a usage error" $?
run 2 "$tmp/o" --keylog "$tmp/no-such.keys" "$wss"; check "unreadable key log exits 2" $?
grep -q "no-such.keys" "$tmp/o.err"; check "unreadable key log: stderr names it" $?
{ echo "# a comment"; echo; echo "CLIENT_RANDOM nothex 00"; cat "$keys"; echo "CLIENT_RANDOM abc"; } > "$tmp/bad.keys"
"$bin" -F jsonl --keylog "$tmp/bad.keys" "$wss" > "$tmp/k2" 2> "$tmp/k2.err"
grep -q "bad.keys:3: the client random is not 64 hex digits; line skipped" "$tmp/k2.err" &&
    grep -q 'bad.keys:[0-9]*: expected LABEL CLIENT_RANDOM SECRET' "$tmp/k2.err" &&
    grep -q '"type":"keylog".*"bad_lines":2' "$tmp/k2" &&
    grep -q '"id":"ws.close.unsupported_data"' "$tmp/k2"
check "bad key log lines: reported with their numbers, skipped, the good ones used" $?
"$bin" -F jsonl --keylog "$keys" < "$wss" - | grep -q '"id":"ws.close.unsupported_data"'
check "--keylog with a capture on stdin" $?
"$bin" -F jsonl "$wss" | grep -q '"id":"tls.keys_missing"'
[ $? -ne 0 ]; check "no keys given: no tls.keys_missing note" $?
"$bin" -F jsonl --keylog "$caps/keys/tls-dec-gnutls-1_2.keys" "$wss" | grep -q '"id":"tls.keys_missing"'
check "keys given, none for this connection: tls.keys_missing" $?
"$bin" -F jsonl --keylog "$keys" "$wss" "$caps/tls-wss-1003-keylog.pcapng" > "$tmp/k3"
"$bin" -j 2 -F jsonl --keylog "$keys" "$wss" "$caps/tls-wss-1003-keylog.pcapng" | cmp -s - "$tmp/k3"
check "-j 2 with key logs and pcapng secrets: output as serial" $?

# --- a client that rejects the certificate without an alert: the probable cause from it ---
for c in "hostname-mismatch:does not name the host the client asked for (SNI .*localhost.*; subjectAltName DNS: other.example)" \
         "self-signed:the certificate is self-signed" "expired:expired 21[0-9][0-9] days before this capture"; do
    "$bin" -F jsonl "$caps/tls-asyncio-${c%%:*}-1_2.pcap" | grep '"id":"tls.handshake_failure"' |
        grep -q "without sending any alert.*Python's asyncio.*Probable cause: .*${c#*:}"
    check "asyncio's silent reject (${c%%:*}): probable cause and fix from the certificate" $?
done

# --- ws:// to a TLS port that answers in plain HTTP (nginx's 400) ---
"$bin" -F jsonl "$caps/tls-nginx-ws-to-tls-port.pcap" |
    grep -q '"id":"tls.plaintext_to_tls_port".*The plain HTTP request was sent to HTTPS port.*wss://'
check "nginx's 400 to a ws:// client on its TLS port: tls.plaintext_to_tls_port with the fix" $?

# --- pipes (issue 16): a full disk, a reader that goes away, Ctrl-C on an idle stdin ---
if [ -w /dev/full ]; then
    for args in "$caps/ws-1003-binary-to-text.pcap" "explain 1015" "--help" "--version"; do
        # shellcheck disable=SC2086
        "$bin" $args > /dev/full 2> "$tmp/err"; rc=$?
        [ $rc = 2 ] && grep -q "cannot write the output" "$tmp/err"
        check "output to /dev/full ($args): status 2 and a message on stderr (got $rc)" $?
    done
fi
gen="$(dirname "$bin")/tests/gen_capture"
if [ -x "$gen" ]; then
    "$gen" 20 "$tmp/big.pcap" > /dev/null
    "$bin" "$tmp/big.pcap" | head -1 > /dev/null
    [ "${PIPESTATUS[0]}" = 141 ]
    check "| head -1: wsaudit stops on SIGPIPE at once, quietly (status 141)" $?
    rm -f "$tmp/big.pcap"
fi
{ cat "$caps/ws-1003-binary-to-text.pcap"; sleep 30; } | "$bin" -F jsonl - > "$tmp/o" 2> "$tmp/err" &
pipe=$!
sleep 1.5
pkill -INT -f "^$bin -F jsonl -\$"
for _ in $(seq 1 100); do kill -0 $pipe 2> /dev/null || break; sleep 0.1; done
if kill -0 $pipe 2> /dev/null; then
    check "SIGINT with stdin idle: wsaudit ends" 1
    pkill -f "sleep 30"; kill $pipe 2> /dev/null
else
    grep -q '"type":"close".*"code":1003' "$tmp/o" && grep -q '"message":"interrupted' "$tmp/o" &&
        tail -n 1 "$tmp/o" | grep -q '"type":"summary"' && grep -q "interrupted" "$tmp/err"
    check "SIGINT with stdin idle: the packets read are analysed, interrupted, summary last" $?
    pkill -f "sleep 30"
fi
wait 2> /dev/null

# SIGINT during a BPF compilation that takes minutes (1500 hosts): honoured at once, the
# summary written, status 3 (partial)
hosts=$(for i in $(seq 0 1499); do printf 'host 10.0.%d.%d or ' $((i / 256)) $((i % 256)); done)
"$bin" -F jsonl -f "${hosts% or }" "$caps/ws-1003-binary-to-text.pcap" > "$tmp/o" 2> "$tmp/err" &
slow=$!
sleep 1
kill -INT $slow
for _ in $(seq 1 100); do kill -0 $slow 2> /dev/null || break; sleep 0.1; done
if kill -0 $slow 2> /dev/null; then
    check "SIGINT during a long filter compilation: wsaudit ends within 10 s" 1
    kill -9 $slow
    wait $slow 2> /dev/null
else
    wait $slow
    st=$?
    [ "$st" = 3 ] && grep -q '"message":"interrupted while compiling the filter' "$tmp/o" &&
        tail -n 1 "$tmp/o" | grep -q '"type":"summary"'
    r=$?
    check "SIGINT during a long filter compilation: ends at once, summary last, status 3 ($st)" $r
fi

run 0 "$tmp/o" -F jsonl -r "$caps/ws-1003-binary-to-text.pcap" &&
    diff <(strip_file "$tmp/plain") <(strip_file "$tmp/o") > /dev/null
check "-r FILE as tcpdump takes it" $?

# --- time and join keys (issue 16) ---
if command -v tshark >/dev/null; then
    want=$(tshark -r "$caps/ws-1003-binary-to-text.pcap" --enable-protocol communityid \
        -o communityid.seed:1 -T fields -e communityid -c 1 2>/dev/null)
    got=$("$bin" -F jsonl --community-id-seed 1 "$caps/ws-1003-binary-to-text.pcap" |
        grep -o '"community_id":"[^"]*"' | sort -u | cut -d'"' -f4)
    [ -n "$want" ] && [ "$got" = "$want" ]
    check "--community-id-seed 1: the Community ID tshark computes with seed 1 ($got)" $?
fi
run 2 "$tmp/o" --community-id-seed 65536 "$caps/ws-1003-binary-to-text.pcap"
check "--community-id-seed out of range: usage error" $?
"$bin" --time -q "$caps/ws-1003-binary-to-text.pcap" > "$tmp/o"
grep -q '^2026-11-24T07:18:19\.767432Z #0 pkt 11 ' "$tmp/o" && grep -q '^== ' "$tmp/o"
check "--time: text lines start with the capture time (UTC, ISO 8601)" $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
