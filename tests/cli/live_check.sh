#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's live example, as written: tcpdump on loopback piped into wsaudit, a WebSocket
# conversation, then Ctrl-C (SIGINT to both, as a terminal sends it). Every packet tcpdump
# wrote is analysed (the conversation's records are there), the summary is written and the
# exit status is 3 (interrupted) or 0 (tcpdump's end of file came first). Needs root and tcpdump; skipped (exit 0, said) without them.
# Usage: live_check.sh WSAUDIT
set -u
bin=$1
if [ "$(id -u)" != 0 ] || ! command -v tcpdump > /dev/null; then
    echo "skip: needs root and tcpdump"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
port=18995
# the README's example, with JSON Lines
tcpdump -i lo -U -w - "tcp port $port" 2> "$tmp/tcpdump.err" | "$bin" -F jsonl - > "$tmp/out" 2> "$tmp/err" &
pipeline=$!
# traffic only once tcpdump captures (it says so on stderr); a busy machine can take seconds
for _ in $(seq 1 100); do grep -q "listening on" "$tmp/tcpdump.err" 2> /dev/null && break; sleep 0.1; done
sleep 0.3
python3 - "$port" <<'PY'
import base64, hashlib, os, socket, struct, sys, threading
port = int(sys.argv[1])
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(1)
def server():
    c, _ = ls.accept()
    req = b""
    while b"\r\n\r\n" not in req:
        req += c.recv(4096)
    key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key")][0]
    acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
    c.recv(4096)                                   # the client's text frame
    c.sendall(b"\x88\x02" + struct.pack("!H", 1000))  # Close 1000
    c.recv(4096)                                   # the client's Close
    c.close()
t = threading.Thread(target=server); t.start()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: " + base64.b64encode(os.urandom(16)) + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
resp = b""
while b"\r\n\r\n" not in resp:
    resp += s.recv(4096)
m = os.urandom(4)
s.sendall(b"\x81\x82" + m + bytes(c ^ m[i % 4] for i, c in enumerate(b"hi")))
s.recv(4096)                                       # the server's Close
s.sendall(b"\x88\x82" + m + bytes(c ^ m[i % 4] for i, c in enumerate(struct.pack("!H", 1000))))
s.close(); t.join(); ls.close()
PY
sleep 1
# Ctrl-C: the terminal signals the whole foreground pipeline
pkill -INT -f "tcpdump -i lo -U -w - tcp port $port"
pkill -INT -f "$bin -F jsonl -"
for _ in $(seq 1 100); do kill -0 "$pipeline" 2> /dev/null || break; sleep 0.1; done
if kill -0 "$pipeline" 2> /dev/null; then
    echo "FAIL: the pipeline is still running 10 s after Ctrl-C"; kill -9 "$pipeline"; exit 1
fi
wait "$pipeline"; rc=$?
fail=0
grep -q '"type":"conn".*"path":"/live".*"websocket":true' "$tmp/out" || { echo "FAIL: no conn record"; fail=1; }
[ "$(grep -c '"type":"close".*"code":1000' "$tmp/out")" = 2 ] || { echo "FAIL: not both Close 1000 records"; fail=1; }
grep -q '"type":"status".*"closing_handshake":true' "$tmp/out" || { echo "FAIL: no status record"; fail=1; }
tail -n 1 "$tmp/out" | grep -q '"type":"summary"' || { echo "FAIL: no summary last"; fail=1; }
# 3 (interrupted) when the signal came first, 0 when tcpdump's end of file did
[ "$rc" = 3 ] || [ "$rc" = 0 ] || { echo "FAIL: exit $rc, want 3 (interrupted) or 0"; fail=1; }
[ $fail = 0 ] && echo "ok: live tcpdump | wsaudit: the whole conversation and the summary after Ctrl-C (exit $rc)"
[ $fail = 0 ] || { cat "$tmp/out" "$tmp/err" "$tmp/tcpdump.err"; exit 1; }
