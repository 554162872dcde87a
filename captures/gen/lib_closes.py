#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""How WebSocket libraries end connections (issue 15), on loopback.

Usage: lib_closes.py SCENARIO PORT [MANIFEST]
  codes-aiohttp, codes-tornado, codes-websockets
        a server of that library is asked to close with 1005, 1006 and 1015 (one connection per
        code, path /CODE; a python3-websockets client answers what it receives). Whether the
        library refused (and with what error) or sent the code goes to MANIFEST, one line
        "LIBRARY CODE sent|refused: ERROR"; the capture shows what reached the wire.
  rst-aiohttp-tornado
        an aiohttp client sends a 3,000,000-byte binary message to a tornado echo server and
        resets the connection (SO_LINGER 0) part-way through: no Close, RST mid-frame.
  fin-tornado-aiohttp
        a tornado client receives one message from an aiohttp server that then drops the TCP
        connection (FIN) without a Close frame.
"""
import asyncio
import socket
import struct
import sys

import websockets

CODES = (1005, 1006, 1015)


def record(manifest, lib, code, outcome):
    with open(manifest, "a") as f:
        f.write(f"{lib} {code} {outcome}\n")


async def client_for_codes(port):
    for code in CODES:
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/{code}", open_timeout=5,
                                          close_timeout=2) as ws:
                await ws.recv()
        except (websockets.ConnectionClosed, OSError, asyncio.TimeoutError,
                websockets.InvalidHandshake):
            pass
        await asyncio.sleep(0.2)


async def codes_aiohttp(port, manifest):
    from aiohttp import web

    async def handler(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        code = int(request.path.strip("/"))
        try:
            await ws.close(code=code)
            record(manifest, "aiohttp", code, "sent")
        except Exception as e:  # noqa: BLE001 - what the library says is the result
            record(manifest, "aiohttp", code, f"refused: {type(e).__name__}: {e}")
            await ws.close()
        return ws

    app = web.Application()
    app.router.add_get("/{code}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    await client_for_codes(port)
    await runner.cleanup()


async def codes_tornado(port, manifest):
    import tornado.web
    import tornado.websocket

    class Handler(tornado.websocket.WebSocketHandler):
        def open(self, code):
            try:
                self.close(int(code))
                record(manifest, "tornado", code, "sent")
            except Exception as e:  # noqa: BLE001
                record(manifest, "tornado", code, f"refused: {type(e).__name__}: {e}")
                self.close()

    app = tornado.web.Application([(r"/(\d+)", Handler)])
    server = app.listen(port, "127.0.0.1")
    await client_for_codes(port)
    server.stop()


async def codes_websockets(port, manifest):
    async def handler(ws):
        code = int(ws.path.strip("/"))
        try:
            await ws.close(code)
            record(manifest, "websockets", code, "sent")
        except Exception as e:  # noqa: BLE001
            record(manifest, "websockets", code, f"refused: {type(e).__name__}: {e}")
            await ws.close()

    async with websockets.serve(handler, "127.0.0.1", port, compression=None):
        await client_for_codes(port)


async def rst_aiohttp_tornado(port):
    import aiohttp
    import tornado.web
    import tornado.websocket

    class Echo(tornado.websocket.WebSocketHandler):
        def on_message(self, message):
            self.write_message(message, binary=isinstance(message, bytes))

    app = tornado.web.Application([(r"/echo", Echo)], websocket_max_message_size=1 << 24)
    server = app.listen(port, "127.0.0.1")
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"ws://127.0.0.1:{port}/echo", autoclose=False)
        await ws.send_str("hello")
        await ws.receive()
        sock = ws._response.connection.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16)
        # a 3,000,000-byte binary message: what the kernel takes at once goes on the wire, the
        # rest is still in aiohttp's buffer when the transport is aborted
        send = asyncio.ensure_future(ws.send_bytes(b"\x5a" * 3_000_000))
        await asyncio.sleep(0)
        ws._response.connection.transport.abort()  # RST (SO_LINGER 0), no Close frame
        send.cancel()
        try:
            await send
        except (asyncio.CancelledError, Exception):  # noqa: BLE001
            pass
    await asyncio.sleep(0.5)
    server.stop()


async def fin_tornado_aiohttp(port):
    import tornado.websocket
    from aiohttp import web

    async def handler(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str("bye, without a Close")
        await asyncio.sleep(0.2)
        request.transport.close()  # FIN, no Close frame
        return ws

    app = web.Application()
    app.router.add_get("/drop", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    conn = await tornado.websocket.websocket_connect(f"ws://127.0.0.1:{port}/drop")
    await conn.read_message()
    await conn.read_message()  # None: the connection is gone
    conn.close()
    await asyncio.sleep(0.3)
    await runner.cleanup()


def main():
    scenario, port = sys.argv[1], int(sys.argv[2])
    manifest = sys.argv[3] if len(sys.argv) > 3 else "/dev/null"
    runs = {
        "codes-aiohttp": lambda: codes_aiohttp(port, manifest),
        "codes-tornado": lambda: codes_tornado(port, manifest),
        "codes-websockets": lambda: codes_websockets(port, manifest),
        "rst-aiohttp-tornado": lambda: rst_aiohttp_tornado(port),
        "fin-tornado-aiohttp": lambda: fin_tornado_aiohttp(port),
    }
    asyncio.run(runs[scenario]())


if __name__ == "__main__":
    main()
