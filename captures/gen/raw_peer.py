#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A raw-socket WebSocket peer for what libraries refuse to send: Close frames with reserved,
invalid and undefined codes, malformed close payloads, fragmented messages with interleaved
pings. The other side of each connection is python3-websockets, a real implementation.

Usage: raw_peer.py SCENARIO PORT
"""
import asyncio
import base64
import hashlib
import os
import socket
import time
import struct
import sys
import threading

import websockets

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode, payload=b"", fin=True, mask=False, rsv=0):
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        hdr = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        key = os.urandom(4)
        payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        hdr += key
    return hdr + payload


def recv_until(sock, marker):
    buf = b""
    while marker not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


def drain(sock, seconds=1.0):
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except (socket.timeout, ConnectionError):
        pass


def raw_server_once(lsock, payload_frames, response=None):
    """Accept one connection, answer the handshake, send frames, wait for the peer.
    response(accept) may build a different handshake response."""
    conn, _ = lsock.accept()
    req = recv_until(conn, b"\r\n\r\n")
    key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n")
           if l.lower().startswith(b"sec-websocket-key:")][0]
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    if response:
        conn.sendall(response(accept))
    else:
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    for f in payload_frames:
        conn.sendall(f)
    drain(conn)
    conn.close()


async def lib_client(port, path):
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}{path}", compression=None) as ws:
            while True:
                await ws.recv()
    except (websockets.ConnectionClosed, websockets.InvalidHandshake, OSError):
        pass


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + reason


def server_scenario(port, cases):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(1)
    for case in cases:
        path, frames = case[0], case[1]
        response = case[2] if len(case) > 2 else None
        t = threading.Thread(target=raw_server_once, args=(lsock, frames, response))
        t.start()
        asyncio.run(lib_client(port, path))
        t.join()
    lsock.close()


def raw_client(port, path, frames, wait=1.0, early=b""):
    """A client written by hand; `early` bytes go in the same write as the request, before the
    server's response (RFC 6455 §4.1 says the client MUST wait for it)."""
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16))
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port +
              b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
              b"\r\nSec-WebSocket-Version: 13\r\n\r\n" + early)
    recv_until(s, b"\r\n\r\n")
    for f in frames:
        s.sendall(f)
        if isinstance(f, bytes) and f[0] & 0x0F == 0x9:
            pass
    drain(s, wait)
    s.close()


def lib_server(port, handler):
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def main():
        async with websockets.serve(handler, "127.0.0.1", port, compression=None):
            ready.set()
            await stop
    stop = loop.create_future()
    t = threading.Thread(target=lambda: loop.run_until_complete(main()))
    t.start()
    ready.wait()
    return lambda: (loop.call_soon_threadsafe(stop.set_result, None), t.join())


async def echo(ws):
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass


def main():
    scenario, port = sys.argv[1], int(sys.argv[2])
    if scenario == "server-close-codes":
        # RFC 6455 §7.4: reserved (1005, 1006, 1015), invalid (0, 999, 1004, 1016, 2999),
        # undefined (5000, 65535) and valid (1000, 1012-1014, 3000, 4999) codes
        codes = [1015, 1005, 1006, 0, 999, 1004, 1016, 2999, 5000, 65535,
                 1000, 1012, 1013, 1014, 3000, 4999]
        server_scenario(port, [(f"/code/{c}", [frame(8, close_payload(c, b"sent by raw peer"))])
                               for c in codes])
    elif scenario == "server-bad-close-payloads":
        server_scenario(port, [
            ("/len1", [frame(8, b"\x03")]),
            ("/badutf8", [frame(8, close_payload(1000, b"bad \xff\xfe reason"))]),
            ("/len126", [frame(8, close_payload(1000, b"r" * 124))]),
            ("/empty", [frame(8, b"")]),
        ])
    elif scenario == "client-reserved-codes":
        stop = lib_server(port, echo)
        for c in (1015, 1005, 1006):
            raw_client(port, f"/client/{c}",
                       [frame(1, b"hi", mask=True),
                        frame(8, close_payload(c, b"client says"), mask=True)])
        stop()
    elif scenario == "fragmented-pings":
        # RFC 6455 §5.4: control frames MAY be injected between fragments
        stop = lib_server(port, echo)
        raw_client(port, "/frag", [
            frame(1, b"Hello, ", fin=False, mask=True),
            frame(9, b"ping-1", mask=True),
            frame(0, b"fragmented ", fin=False, mask=True),
            frame(9, b"ping-2", mask=True),
            frame(0, b"world", fin=True, mask=True),
            frame(2, b"\x00" * 300, fin=False, mask=True),
            frame(0, b"\x01" * 70000, fin=True, mask=True),
            frame(8, close_payload(1000, b"bye"), mask=True),
        ])
        stop()
    elif scenario == "framing-violations":
        # RFC 6455 §5: one violation per connection, against a library server
        stop = lib_server(port, echo)
        cases = {
            "unmasked": [frame(1, b"no mask", mask=False)],
            "rsv": [frame(1, b"rsv1", mask=True, rsv=4)],
            "opcode3": [frame(3, b"", mask=True)],
            "ping126": [frame(9, b"p" * 126, mask=True)],
            "ping-nofin": [frame(9, b"p", fin=False, mask=True)],
            "cont-nostart": [frame(0, b"orphan", mask=True)],
            "interleaved": [frame(1, b"a", fin=False, mask=True), frame(2, b"b", mask=True)],
            "msb-length": [b"\x82\xff\x80\x00\x00\x00\x00\x00\x00\x05" + os.urandom(4) + b"hello"],
            "nonminimal": [b"\x81\xfe\x00\x05" + b"\x00\x00\x00\x00" + b"hello"],
            "data-after-close": [frame(8, close_payload(1000), mask=True),
                                 frame(1, b"late", mask=True)],
        }
        for name, frames in cases.items():
            raw_client(port, f"/v/{name}", frames, wait=0.5)
        stop()
    elif scenario == "big-frame-violations":
        # RFC 6455 §5.1, §5.2 broken by a frame of 200,000 bytes (several TCP segments on
        # loopback): unmasked from the client, with RSV2 set. The findings point at the frame's
        # first packet and name the packet that completed it.
        stop = lib_server(port, echo)
        raw_client(port, "/v/big", [frame(2, b"\x5a" * 200000, mask=False, rsv=2)], wait=0.5)
        stop()
    elif scenario == "autobahn":
        # Autobahn|Testsuite groups 1-7 re-expressed (CONFORMANCE.md §6): one connection per
        # case, the raw client as the fuzzer, a websockets echo server as the peer; every case
        # ends with a Close 1000 unless it is about closing. Expected verdicts per case are in
        # tests/autobahn/expect.txt.
        stop = lib_server(port, echo)
        t = lambda p, **k: frame(1, p, mask=True, **k)
        b = lambda p, **k: frame(2, p, mask=True, **k)
        c = lambda code=1000, reason=b"": frame(8, close_payload(code, reason), mask=True)
        cases = {}
        for n in (0, 125, 126, 127, 128, 65535, 65536):          # 1.1, 1.2: payload sizes
            cases[f"1.1-{n}"] = [t(b"*" * n)]
            cases[f"1.2-{n}"] = [b(b"\xfe" * n)]
        cases["2.1"] = [frame(9, b"", mask=True)]                 # empty ping
        cases["2.3"] = [frame(9, bytes(range(8)), mask=True)]     # binary ping
        cases["2.4"] = [frame(9, b"*" * 125, mask=True)]          # largest ping
        cases["2.5"] = [frame(9, b"*" * 126, mask=True)]          # too long: FAIL
        cases["2.7"] = [frame(10, b"", mask=True)]                # unsolicited pong
        cases["2.10"] = [frame(9, b"p%d" % i, mask=True) for i in range(10)]
        for rsv in range(1, 8):                                   # 3.x: reserved bits
            cases[f"3-rsv{rsv}"] = [t(b"rsv", rsv=rsv)]
        for op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):            # 4.x: reserved opcodes
            cases[f"4-op{op:x}"] = [frame(op, b"", mask=True)]
        cases["5.1"] = [frame(9, b"a", fin=False, mask=True), frame(0, b"b", mask=True)]
        cases["5.3"] = [t(b"frag", fin=False), frame(0, b"ment", mask=True)]
        cases["5.6"] = [t(b"fr", fin=False), frame(9, b"", mask=True), frame(0, b"ag", mask=True)]
        cases["5.9"] = [frame(0, b"orphan", mask=True)]
        cases["5.18"] = [t(b"a", fin=False), t(b"b")]
        cases["6.2-split"] = [t("κόσμε".encode()[:3], fin=False),  # split inside a code point
                              frame(0, "κόσμε".encode()[3:], mask=True)]
        cases["6.3-invalid"] = [t(b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited")]
        cases["6.6-overlong"] = [t(b"\xc0\xaf")]
        cases["6.8-f5"] = [t(b"\xf5\x80\x80\x80")]
        cases["6.x-nonchar"] = [t("\ufffe\uffff\u0000".encode("utf-8", "surrogatepass"))]
        cases["7.1.2"] = [c(), c()]                               # two closes
        cases["7.1.3"] = [c(), frame(9, b"", mask=True)]          # ping after close
        cases["7.1.4"] = [c(), t(b"late")]                        # text after close: FAIL
        cases["7.3.2"] = [frame(8, b"\x03", mask=True)]          # 1-byte close payload
        cases["7.5.1"] = [c(1000, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")]
        for code in (999, 1004, 1005, 1006, 1015, 1016, 2999):    # 7.9: invalid codes
            cases[f"7.9-{code}"] = [c(code)]
        for code in (1000, 1001, 1002, 1003, 1007, 1011, 1012, 3000, 4999):  # 7.7: valid
            cases[f"7.7-{code}"] = [c(code)]
        for name, frames in cases.items():
            closing = any(f[0] & 0x0F == 8 for f in frames)
            raw_client(port, f"/ab/{name}", frames + ([] if closing else [c()]), wait=0.3)
        stop()
    elif scenario == "handshake-cases":
        # RFC 6455 §4.1: what a client must check in the server's response
        def resp(*lines):
            return lambda acc: (b"\r\n".join(l.replace(b"ACCEPT", acc) for l in lines) +
                                b"\r\n\r\n")
        server_scenario(port, [
            ("/wrong-accept", [], resp(b"HTTP/1.1 101 Switching Protocols", b"Upgrade: websocket",
                                      b"Connection: Upgrade",
                                      b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), ),
            ("/no-accept", [], resp(b"HTTP/1.1 101 Switching Protocols", b"Upgrade: websocket",
                                   b"Connection: Upgrade")),
            ("/bad-connection", [], resp(b"HTTP/1.1 101 Switching Protocols",
                                        b"Upgrade: websocket", b"Connection: keep-alive",
                                        b"Sec-WebSocket-Accept: ACCEPT")),
            ("/protocol-not-offered", [], resp(b"HTTP/1.1 101 Switching Protocols",
                                              b"Upgrade: websocket", b"Connection: Upgrade",
                                              b"Sec-WebSocket-Accept: ACCEPT",
                                              b"Sec-WebSocket-Protocol: chat")),
            ("/extension-not-offered", [], resp(b"HTTP/1.1 101 Switching Protocols",
                                               b"Upgrade: websocket", b"Connection: Upgrade",
                                               b"Sec-WebSocket-Accept: ACCEPT",
                                               b"Sec-WebSocket-Extensions: permessage-deflate")),
            # HS-01: a refusal whose body looks like a Close 1015 frame must not be read as one
            ("/refused", [], lambda acc: b"HTTP/1.1 400 Bad Request\r\nContent-Length: 4\r\n"
                                         b"Connection: close\r\n\r\n\x88\x02\x03\xf7"),
        ])
        stop = lib_server(port, echo)
        raw_client(port, "/early-data", [frame(8, close_payload(1000), mask=True)],
                   early=frame(1, b"too early", mask=True))
        stop()
    elif scenario == "silent-close-server":
        # a server that reads the ClientHello and closes without answering (no alert)
        lsock = socket.socket()
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(("127.0.0.1", port))
        lsock.listen(1)
        lsock.settimeout(10)
        conn, _ = lsock.accept()
        conn.recv(65536)
        time.sleep(0.2)
        conn.close()
        lsock.close()
    elif scenario == "silent-client":
        # a TLS client that reads the server's flight and closes without any alert, as clients
        # that reject a certificate silently do (the ClientHello is made by Python's ssl module)
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(out.read())
        drain(s, 1.0)
        s.close()
    elif scenario == "plain-upgrade-client":
        # a ws:// client pointed at a TLS (wss://) port: the request goes out in plaintext
        s = socket.create_connection(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16))
        s.sendall(b"GET /chat HTTP/1.1\r\nHost: localhost:%d\r\n" % port +
                  b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                  b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
        drain(s, 2.0)
        s.close()
    else:
        raise SystemExit(f"unknown scenario {scenario}")


if __name__ == "__main__":
    main()
