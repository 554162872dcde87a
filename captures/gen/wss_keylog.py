#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""WebSocket-over-TLS scenarios whose TLS secrets are logged, for decryption (issue 14).

Usage: wss_keylog.py SCENARIO PORT CERT_DIR KEYLOG
  1003-chacha-1_2  python3-websockets text-only server, TLS 1.2 with ECDHE-ECDSA-CHACHA20-POLY1305;
                   the client sends text, then binary: Close 1003
  1015-raw         a raw server that upgrades, then sends Close 1015 (which must never be sent)
                   inside wss://; websockets client
  h2-alpn          both sides choose ALPN h2 and exchange the HTTP/2 preface and SETTINGS: no
                   WebSocket there, so no WebSocket finding must come from it
"""
import asyncio
import base64
import hashlib
import os
import socket
import ssl
import struct
import sys
import threading

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ws_peers import text_only_server, text_then_binary  # noqa: E402

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def server_ctx(certs):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{certs}/good.chain.pem", f"{certs}/good.key")
    return ctx


def client_ctx(certs, keylog):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(f"{certs}/root.pem")
    ctx.keylog_filename = keylog
    return ctx


def raw_1015_server(lsock, ctx):
    conn, _ = lsock.accept()
    with ctx.wrap_socket(conn, server_side=True) as s:
        req = b""
        while b"\r\n\r\n" not in req:
            req += s.recv(4096)
        key = [ln.split(b":", 1)[1].strip() for ln in req.split(b"\r\n")
               if ln.lower().startswith(b"sec-websocket-key:")][0]
        accept = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
        s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        payload = struct.pack("!H", 1015) + b"tls failed"
        s.sendall(bytes([0x88, len(payload)]) + payload)
        try:
            s.settimeout(2)
            s.recv(4096)  # the client's answering Close
        except (OSError, ssl.SSLError):
            pass


def h2_pair(port, certs, keylog):
    sctx = server_ctx(certs)
    sctx.set_alpn_protocols(["h2"])
    cctx = client_ctx(certs, keylog)
    cctx.set_alpn_protocols(["h2", "http/1.1"])
    lsock = socket.create_server(("127.0.0.1", port))

    def serve():
        conn, _ = lsock.accept()
        with sctx.wrap_socket(conn, server_side=True) as s:
            s.recv(4096)
            s.sendall(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")  # SETTINGS
            s.recv(4096)

    t = threading.Thread(target=serve)
    t.start()
    with cctx.wrap_socket(socket.create_connection(("127.0.0.1", port)),
                          server_hostname="localhost") as c:
        c.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        c.recv(4096)
        c.sendall(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")  # SETTINGS ack
    t.join()
    lsock.close()


async def run(scenario, port, certs, keylog):
    if scenario == "1003-chacha-1_2":
        sctx = server_ctx(certs)
        sctx.maximum_version = ssl.TLSVersion.TLSv1_2
        sctx.set_ciphers("ECDHE-ECDSA-CHACHA20-POLY1305")
        async with websockets.serve(text_only_server, "127.0.0.1", port, ssl=sctx,
                                    compression=None):
            async with websockets.connect(f"wss://localhost:{port}/chat",
                                          ssl=client_ctx(certs, keylog), compression=None) as ws:
                await text_then_binary(ws)
    elif scenario == "1015-raw":
        lsock = socket.create_server(("127.0.0.1", port))
        t = threading.Thread(target=raw_1015_server, args=(lsock, server_ctx(certs)))
        t.start()
        try:
            async with websockets.connect(f"wss://localhost:{port}/raw",
                                          ssl=client_ctx(certs, keylog), compression=None) as ws:
                await ws.recv()
        except websockets.ConnectionClosed:
            pass
        await asyncio.get_running_loop().run_in_executor(None, t.join)
        lsock.close()
    elif scenario == "h2-alpn":
        await asyncio.get_running_loop().run_in_executor(None, h2_pair, port, certs, keylog)
    else:
        raise SystemExit(f"unknown scenario {scenario}")


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]))
