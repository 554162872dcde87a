#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Scenarios with python3-websockets (10.x) on loopback, one per sub-command.

Each scenario runs a server and a client in one process and exits when the connection is over.
Usage: ws_peers.py SCENARIO PORT [HOST [TLS_VERSION CERT_DIR]]
"""
import asyncio
import ssl
import sys

import websockets


async def text_only_server(ws):
    # A text-only endpoint: binary data is "a type of data it cannot accept" (RFC 6455 §7.4.1).
    async for msg in ws:
        if isinstance(msg, bytes):
            await ws.close(1003, "text only")
            return
        await ws.send("echo: " + msg)


async def text_then_binary(ws):
    # a text message (echoed), then 4 bytes of binary: a text-only server closes with 1003
    await ws.send("hello")
    await ws.recv()
    await ws.send(b"\x00\x01\x02\x03")
    try:
        await ws.recv()
    except websockets.ConnectionClosed:
        pass


async def echo_server(ws):
    async for msg in ws:
        await ws.send(msg)


async def run(scenario, port, host):
    if scenario == "binary-to-text-server":
        async with websockets.serve(text_only_server, host, port, compression=None):
            async with websockets.connect(f"ws://{fmt(host)}:{port}/chat", compression=None,
                                          subprotocols=["chat.v1"]) as ws:
                await text_then_binary(ws)
    elif scenario == "big-binary-to-text":
        # the 1003 story with an offending message of 300,000 bytes: on loopback (MTU 65536)
        # its one frame spans several TCP segments, so the finding names a multi-packet frame
        async with websockets.serve(text_only_server, host, port, compression=None,
                                    max_size=2**20):
            async with websockets.connect(f"ws://{fmt(host)}:{port}/chat", compression=None) as ws:
                await ws.send("hello")
                await ws.recv()
                await ws.send(bytes(range(256)) * 1171 + b"\xff" * 224)
                try:
                    await ws.recv()
                except websockets.ConnectionClosed:
                    pass
    elif scenario == "big-message":
        # 70000 bytes: needs the 64-bit length form (RFC 6455 §5.2), echoed back
        async with websockets.serve(echo_server, host, port, compression=None,
                                    max_size=2**20):
            async with websockets.connect(f"ws://{fmt(host)}:{port}/big", compression=None,
                                          max_size=2**20) as ws:
                await ws.send(bytes(range(256)) * 273 + b"x" * 112)
                await ws.recv()
                await ws.close(1000, "done")
    elif scenario == "wss-echo":
        # a successful wss:// session: TLS (version from argv), upgrade, one echo, close 1000
        version = {"1_2": ssl.TLSVersion.TLSv1_2, "1_3": ssl.TLSVersion.TLSv1_3}[sys.argv[4]]
        certs = sys.argv[5]
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(f"{certs}/good.chain.pem", f"{certs}/good.key")
        sctx.set_alpn_protocols(["http/1.1"])
        cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cctx.load_verify_locations(f"{certs}/root.pem")
        cctx.set_alpn_protocols(["http/1.1"])
        for c in (sctx, cctx):
            c.minimum_version = c.maximum_version = version
        async with websockets.serve(echo_server, host, port, ssl=sctx, compression=None):
            async with websockets.connect(f"wss://localhost:{port}/secure", ssl=cctx,
                                          compression=None) as ws:
                await ws.send("hello over TLS")
                await ws.recv()
                await ws.close(1000, "done")
    elif scenario == "binary-to-text-deflate":
        # the 1003 story with permessage-deflate negotiated (websockets' default), small window
        # on the server, and text that compresses well
        from websockets.extensions.permessage_deflate import (ClientPerMessageDeflateFactory,
                                                              ServerPerMessageDeflateFactory)
        sext = [ServerPerMessageDeflateFactory(server_max_window_bits=11,
                                               client_no_context_takeover=True)]
        cext = [ClientPerMessageDeflateFactory(client_max_window_bits=True)]
        async with websockets.serve(text_only_server, host, port, compression=None,
                                    extensions=sext):
            async with websockets.connect(f"ws://{fmt(host)}:{port}/deflate", compression=None,
                                          extensions=cext) as ws:
                for i in range(3):
                    await ws.send("héllo wörld, " * (20 + i))
                    await ws.recv()
                await ws.send(bytes(range(256)) * 8)
                try:
                    await ws.recv()
                except websockets.ConnectionClosed:
                    pass
    elif scenario == "pmd-params":
        # Autobahn 12/13 re-expressed: permessage-deflate with several parameter sets, texts
        # and binaries of 16 B to 128 KiB, echoed; the SHA-1 of every message is written to the
        # manifest (argv[4]) so the test can check what wsaudit inflates.
        import hashlib
        import random
        from websockets.extensions.permessage_deflate import (ClientPerMessageDeflateFactory,
                                                              ServerPerMessageDeflateFactory)
        rnd = random.Random(12)
        word = "{\"id\": %d, \"name\": \"wsaudit\", \"tags\": [\"a\", \"b\"]} "
        sets = [dict(), dict(server_no_context_takeover=True, client_no_context_takeover=True),
                dict(server_max_window_bits=9, client_max_window_bits=9),
                dict(server_no_context_takeover=True, client_no_context_takeover=True,
                     server_max_window_bits=9, client_max_window_bits=9)]
        manifest = []
        for n, params in enumerate(sets):
            sext = [ServerPerMessageDeflateFactory(**params)]
            cext = [ClientPerMessageDeflateFactory(**params)]
            async with websockets.serve(echo_server, host, port, compression=None,
                                        extensions=sext, max_size=2**20):
                async with websockets.connect(f"ws://{fmt(host)}:{port}/pmd/{n}",
                                              compression=None, extensions=cext,
                                              max_size=2**20) as ws:
                    for size in (16, 256, 4096, 32768, 131072):
                        text = "".join(word % i for i in range(size // 40 + 1))[:size]
                        data = bytes(rnd.getrandbits(8) for _ in range(size // 4)) * 4
                        for msg in (text, data):
                            await ws.send(msg)
                            await ws.recv()
                            raw = msg.encode() if isinstance(msg, str) else msg
                            h = hashlib.sha1(raw).hexdigest()
                            manifest += [f"c2s {h}", f"s2c {h}"]
                    await ws.close(1000, "done")
        with open(sys.argv[4], "w") as f:
            f.write("\n".join(sorted(manifest)) + "\n")
    elif scenario == "wss-binary-to-text-keylog":
        # the 1003 story over wss://, with the TLS secrets logged so Wireshark can decrypt it
        certs = sys.argv[5]
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(f"{certs}/good.chain.pem", f"{certs}/good.key")
        cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cctx.load_verify_locations(f"{certs}/root.pem")
        cctx.keylog_filename = f"{certs}/keylog.txt"
        async with websockets.serve(text_only_server, host, port, ssl=sctx, compression=None):
            async with websockets.connect(f"wss://localhost:{port}/chat", ssl=cctx,
                                          compression=None) as ws:
                await text_then_binary(ws)
    elif scenario == "asyncio-client":
        # a python3-websockets (asyncio) client that verifies the server's certificate, against
        # a server whose certificate it must reject: asyncio closes without sending the alert
        cctx = ssl.create_default_context(cafile=f"{sys.argv[5]}/root.pem")
        cctx.maximum_version = {"1_2": ssl.TLSVersion.TLSv1_2, "1_3": ssl.TLSVersion.TLSv1_3}[sys.argv[4]]
        try:
            async with websockets.connect(f"wss://localhost:{port}/", ssl=cctx, open_timeout=5):
                pass
        except (ssl.SSLError, OSError, websockets.InvalidHandshake, asyncio.TimeoutError):
            pass
    elif scenario == "plain-to-tls":
        # a ws:// client pointed at a TLS port (nginx answers 400 in plain HTTP)
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/", open_timeout=5):
                pass
        except (OSError, websockets.InvalidHandshake, asyncio.TimeoutError):
            pass
    elif scenario == "wss-to-plain":
        # a wss:// client pointed at a plain ws:// server: the server reads the ClientHello as HTTP
        cctx = ssl.create_default_context(cafile=f"{sys.argv[5]}/root.pem")
        async with websockets.serve(echo_server, host, port, compression=None):
            try:
                async with websockets.connect(f"wss://localhost:{port}/", ssl=cctx,
                                              open_timeout=5):
                    pass
            except (ssl.SSLError, OSError, websockets.InvalidHandshake, asyncio.TimeoutError):
                pass
    else:
        raise SystemExit(f"unknown scenario {scenario}")


def fmt(host):
    return f"[{host}]" if ":" in host else host


if __name__ == "__main__":
    host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    asyncio.run(run(sys.argv[1], int(sys.argv[2]), host))
