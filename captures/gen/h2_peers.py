#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""WebSocket over HTTP/2 (RFC 8441) between python3-h2 peers (issue 20). The HTTP/2 layer is
python3-h2's; the WebSocket frames inside each stream are python3-websockets' sans-I/O
Connection (opened without an HTTP/1.1 handshake, as RFC 8441 does), except where a scenario
needs bytes no library sends.

Usage: h2_peers.py SCENARIO PORT [CERT_DIR KEYLOG]
  1003         h2c prior knowledge: a text-only WebSocket stream; the client sends text, then
               binary: the server closes with 1003; a GET on another stream meanwhile
  many         h2c: six WebSocket streams and four GETs interleaved on one connection; stream
               outcomes: clean 1000 closes, a 1003, a RST_STREAM in the middle of a message,
               an END_STREAM without a Close
  1015-raw     h2c: the server sends a Close with 1015 (never legal on the wire): raw frame bytes
  rules        h2c: a client that breaks RFC 8441: extended CONNECT before the server's SETTINGS,
               without :path, with a Sec-WebSocket-Key; the server refuses what it must
  upgrade      HTTP/1.1 "Upgrade: h2c" (RFC 7540 §3.2), then a WebSocket stream on stream 3
  deflate      h2c: permessage-deflate negotiated in the extended CONNECT (RFC 8441 §4 keeps
               Sec-WebSocket-Extensions); compressed text echoed, then compressed binary: 1003
  tls-1003     the 1003 scenario inside TLS with ALPN h2, the client's secrets in KEYLOG
"""
import os
import socket
import struct
import sys
import threading
import time

import h2.config
import h2.errors
import h2.exceptions
import h2.connection
import h2.events
import h2.settings
from websockets.connection import Connection, Side, State
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wss_keylog import client_ctx, server_ctx  # noqa: E402

ECP = h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL


class Peer:
    """One side: an H2Connection over a socket, pumped until a condition holds."""

    def __init__(self, sock, client, validate=True):
        cfg = h2.config.H2Configuration(client_side=client, header_encoding=None,
                                        validate_outbound_headers=validate,
                                        validate_inbound_headers=validate)
        self.sock, self.h2 = sock, h2.connection.H2Connection(cfg)
        self.ws = {}        # stream id -> websockets Connection
        self.events = []    # every h2 event, in order
        self.ended = set()  # streams the peer ended or reset
        self.on_event = None

    def flush(self):
        out = self.h2.data_to_send()
        if out:
            self.sock.sendall(out)

    def pump(self, until, timeout=5.0):
        end = time.time() + timeout
        while not until() and time.time() < end:
            self.sock.settimeout(max(0.05, end - time.time()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            for ev in self.h2.receive_data(data):
                self.events.append(ev)
                if isinstance(ev, h2.events.DataReceived):
                    self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                if isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                    self.ended.add(ev.stream_id)
                if self.on_event:
                    self.on_event(self, ev)
            self.flush()

    def ws_send(self, sid, end=False):
        """What the stream's WebSocket has to send, as DATA; its end of stream as END_STREAM."""
        ws = self.ws[sid]
        for chunk in ws.data_to_send():
            if chunk:
                self.h2.send_data(sid, chunk)
            elif not end:
                self.h2.end_stream(sid)
        self.flush()


def ws_headers(path, extra=()):
    return [(b":method", b"CONNECT"), (b":protocol", b"websocket"), (b":scheme", b"http"),
            (b":path", path.encode()), (b":authority", b"127.0.0.1"),
            (b"sec-websocket-version", b"13")] + list(extra)


# ---- the server: a text-only WebSocket on /text, an echo on /echo, a page on GET ----

def server_event(peer, ev):
    if isinstance(ev, h2.events.RequestReceived):
        hdr = dict(ev.headers)
        if hdr.get(b":method") == b"CONNECT" and hdr.get(b":protocol") == b"websocket":
            if b":path" not in hdr or b"sec-websocket-key" in hdr:
                peer.h2.reset_stream(ev.stream_id, h2.errors.ErrorCodes.PROTOCOL_ERROR)
                return
            ws = Connection(Side.SERVER)
            answer = [(b":status", b"200")]
            if b"permessage-deflate" in hdr.get(b"sec-websocket-extensions", b""):
                answer.append((b"sec-websocket-extensions", b"permessage-deflate"))
                ws.extensions = [PerMessageDeflate(False, False, 15, 15)]
            peer.h2.send_headers(ev.stream_id, answer)
            peer.ws[ev.stream_id] = (ws, hdr[b":path"])
        else:
            body = b"<p>hello over h2</p>\n"
            peer.h2.send_headers(ev.stream_id, [(b":status", b"200"),
                                                (b"content-type", b"text/html"),
                                                (b"content-length", str(len(body)).encode())])
            peer.h2.send_data(ev.stream_id, body, end_stream=True)
    elif isinstance(ev, h2.events.DataReceived) and ev.stream_id in peer.ws:
        ws, path = peer.ws[ev.stream_id]
        ws.receive_data(ev.data)
        for fr in ws.events_received():
            if fr.opcode == Opcode.TEXT and fr.fin:
                ws.send_text(fr.data)
            elif fr.opcode == Opcode.BINARY and path == b"/text":
                ws.send_close(1003, "this endpoint takes text only")
            elif fr.opcode == Opcode.BINARY:
                ws.send_binary(fr.data)
        for chunk in ws.data_to_send():
            if chunk:
                peer.h2.send_data(ev.stream_id, chunk)
            elif ev.stream_id not in peer.ended:
                peer.h2.end_stream(ev.stream_id)
    elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id in peer.ws:
        try:
            peer.h2.end_stream(ev.stream_id)
        except h2.exceptions.StreamClosedError:
            pass


def serve(lsock, ctx=None, upgrade=False, settings_first=True):
    conn, _ = lsock.accept()
    if ctx:
        conn = ctx.wrap_socket(conn, server_side=True)
    peer = Peer(conn, client=False, validate=False)
    peer.on_event = server_event
    peer.h2.local_settings = h2.settings.Settings(client=False, initial_values={ECP: 1})
    if upgrade:
        req = b""
        while b"\r\n\r\n" not in req:
            req += conn.recv(4096)
        settings = [ln.split(b":", 1)[1].strip() for ln in req.split(b"\r\n")
                    if ln.lower().startswith(b"http2-settings:")][0]
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                     b"Upgrade: h2c\r\n\r\n")
        peer.h2.initiate_upgrade_connection(settings)
        body = b"upgraded\n"
        peer.h2.send_headers(1, [(b":status", b"200"), (b"content-length", b"9")])
        peer.h2.send_data(1, body, end_stream=True)
    elif settings_first:
        peer.h2.initiate_connection()
    peer.flush()
    if not settings_first:
        # answer only after the client's first request: its CONNECT went out before our SETTINGS
        peer.pump(lambda: any(isinstance(e, h2.events.RequestReceived) for e in peer.events), 3)
        peer.h2.initiate_connection()
        peer.flush()
    peer.pump(lambda: any(isinstance(e, h2.events.ConnectionTerminated) for e in peer.events), 8)
    conn.close()


# ---- clients ----

def client_peer(port, ctx=None):
    s = socket.create_connection(("127.0.0.1", port))
    if ctx:
        s = ctx.wrap_socket(s, server_hostname="localhost")
    peer = Peer(s, client=True)
    peer.h2.initiate_connection()
    peer.flush()
    peer.pump(lambda: peer.h2.remote_settings.enable_connect_protocol == 1)
    return peer


def open_ws(peer, path, extra=()):
    sid = peer.h2.get_next_available_stream_id()
    peer.h2.send_headers(sid, ws_headers(path, extra))
    peer.flush()
    peer.ws[sid] = Connection(Side.CLIENT)
    peer.pump(lambda: any(isinstance(e, h2.events.ResponseReceived) and e.stream_id == sid
                          for e in peer.events))
    return sid


def get(peer, path, wait=True):
    sid = peer.h2.get_next_available_stream_id()
    peer.h2.send_headers(sid, [(b":method", b"GET"), (b":scheme", b"http"),
                               (b":path", path.encode()), (b":authority", b"127.0.0.1")],
                         end_stream=True)
    peer.flush()
    if wait:
        peer.pump(lambda: sid in peer.ended)
    return sid


def client_reads(peer, sid):
    """Feed the stream's DATA to its WebSocket (it answers a Close by itself)."""
    def on(p, ev):
        if isinstance(ev, h2.events.DataReceived) and ev.stream_id in p.ws:
            ws = p.ws[ev.stream_id]
            ws.receive_data(ev.data)
            ws.events_received()
            p.ws_send(ev.stream_id)
    peer.on_event = on


def finish(peer):
    peer.h2.close_connection()
    peer.flush()
    time.sleep(0.2)
    peer.sock.close()


def text_then_binary(peer, sid, texts, binary, between=None):
    """texts (echoed by /text), then a binary message: the server closes with 1003"""
    for text in texts:
        peer.ws[sid].send_text(text)
        peer.ws_send(sid)
        peer.pump(lambda: False, 0.1)
    if between:
        between()
    peer.ws[sid].send_binary(binary)
    peer.ws_send(sid)
    peer.pump(lambda: sid in peer.ended)
    finish(peer)


def scenario_1003(port, ctx=None):
    peer = client_peer(port, ctx)
    client_reads(peer, None)
    sid = open_ws(peer, "/text")
    text_then_binary(peer, sid, [b"hello"], b"\x00\x01\x02\x03binary",
                     lambda: get(peer, "/index.html"))


def scenario_many(port):
    peer = client_peer(port)
    client_reads(peer, None)
    sids = [open_ws(peer, p) for p in ("/echo", "/text", "/echo", "/echo", "/text", "/echo")]
    get(peer, "/a", wait=False)
    for i, sid in enumerate(sids):
        peer.ws[sid].send_text(f"message {i} on stream {sid}".encode())
        peer.ws_send(sid)
    get(peer, "/b", wait=False)
    peer.pump(lambda: False, 0.3)
    peer.ws[sids[1]].send_binary(b"\x89PNG\r\n\x1a\n")  # -> 1003 from the text-only endpoint
    peer.ws_send(sids[1])
    peer.ws[sids[2]].send_binary(b"\x01\x02\x03")
    peer.ws_send(sids[2])
    get(peer, "/c", wait=False)
    # a message's first fragment, then the stream is reset in its middle
    peer.ws[sids[3]].send_frame(Frame(Opcode.TEXT, b"part one", fin=False))
    peer.ws_send(sids[3])
    peer.pump(lambda: False, 0.2)
    peer.h2.reset_stream(sids[3], h2.errors.ErrorCodes.CANCEL)
    peer.flush()
    # an END_STREAM without a Close
    peer.h2.end_stream(sids[5])
    peer.flush()
    for sid in (sids[0], sids[2]):
        peer.ws[sid].send_close(1000, "done")
        peer.ws_send(sid)
    peer.pump(lambda: {sids[0], sids[1], sids[2], sids[5]} <= peer.ended, 3)
    get(peer, "/d")
    peer.ws[sids[4]].send_close(1001, "going away")
    peer.ws_send(sids[4])
    peer.pump(lambda: sids[4] in peer.ended, 3)
    finish(peer)


def scenario_deflate(port):
    peer = client_peer(port)
    client_reads(peer, None)
    sid = open_ws(peer, "/text", [(b"sec-websocket-extensions", b"permessage-deflate")])
    peer.ws[sid].extensions = [PerMessageDeflate(False, False, 15, 15)]
    text_then_binary(peer, sid, [b"compressed hello " * 8, b"compressed again " * 8],
                     bytes(range(256)) * 2)


def scenario_1015(port):
    peer = client_peer(port)
    client_reads(peer, None)
    sid = open_ws(peer, "/echo")
    peer.ws[sid].send_text(b"hello")
    peer.ws_send(sid)
    peer.pump(lambda: False, 0.3)
    finish(peer)


def serve_1015(lsock):
    """A raw server: after the echo, a Close frame carrying 1015 written by hand."""
    conn, _ = lsock.accept()
    peer = Peer(conn, client=False)
    peer.h2.local_settings = h2.settings.Settings(client=False, initial_values={ECP: 1})
    peer.h2.initiate_connection()
    peer.flush()

    def on(p, ev):
        if isinstance(ev, h2.events.RequestReceived):
            p.h2.send_headers(ev.stream_id, [(b":status", b"200")])
        elif isinstance(ev, h2.events.DataReceived) and ev.stream_id not in p.ended:
            p.ended.add(ev.stream_id)
            payload = struct.pack("!H", 1015) + b"tls handshake failed"
            p.h2.send_data(ev.stream_id, bytes([0x81, 5]) + b"hello")
            p.h2.send_data(ev.stream_id, bytes([0x88, len(payload)]) + payload,
                           end_stream=True)
    peer.on_event = on
    peer.pump(lambda: any(isinstance(e, h2.events.ConnectionTerminated) for e in peer.events), 8)
    conn.close()


def scenario_rules(port):
    s = socket.create_connection(("127.0.0.1", port))
    peer = Peer(s, client=True, validate=False)
    client_reads(peer, None)
    peer.h2.initiate_connection()
    # before the server's SETTINGS: python3-h2 would refuse (it checks the remote setting), so
    # the HEADERS are sent while h2 still believes the setting is on
    peer.h2.remote_settings = h2.settings.Settings(client=True, initial_values={ECP: 1})
    sid = peer.h2.get_next_available_stream_id()
    peer.h2.send_headers(sid, ws_headers("/echo"))
    peer.ws[sid] = Connection(Side.CLIENT)
    peer.flush()
    peer.pump(lambda: sid in peer.ended or any(isinstance(e, h2.events.ResponseReceived)
                                               for e in peer.events))
    # no :path, no :scheme
    sid2 = peer.h2.get_next_available_stream_id()
    peer.h2.send_headers(sid2, [(b":method", b"CONNECT"), (b":protocol", b"websocket"),
                                (b":authority", b"127.0.0.1"), (b"sec-websocket-version", b"13")])
    peer.flush()
    peer.pump(lambda: sid2 in peer.ended)
    # a Sec-WebSocket-Key (an HTTP/1.1 habit)
    sid3 = peer.h2.get_next_available_stream_id()
    peer.h2.send_headers(sid3, ws_headers("/echo", [(b"sec-websocket-key",
                                                     b"dGhlIHNhbXBsZSBub25jZQ==")]))
    peer.flush()
    peer.pump(lambda: sid3 in peer.ended)
    if sid in peer.ws and sid not in peer.ended:
        peer.ws[sid].send_close(1000, "")
        peer.ws_send(sid)
        peer.pump(lambda: sid in peer.ended, 2)
    finish(peer)


def scenario_upgrade(port):
    s = socket.create_connection(("127.0.0.1", port))
    peer = Peer(s, client=True)
    settings = peer.h2.initiate_upgrade_connection()
    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
              b"Upgrade: h2c\r\nHTTP2-Settings: " + settings + b"\r\n\r\n")
    resp = b""
    while b"\r\n\r\n" not in resp:
        resp += s.recv(4096)
    rest = resp.split(b"\r\n\r\n", 1)[1]
    peer.flush()  # the preface and SETTINGS
    if rest:
        for ev in peer.h2.receive_data(rest):
            peer.events.append(ev)
        peer.flush()
    client_reads(peer, None)
    peer.pump(lambda: peer.h2.remote_settings.enable_connect_protocol == 1 and 1 in peer.ended)
    sid = open_ws(peer, "/text")
    peer.ws[sid].send_text(b"after the upgrade")
    peer.ws_send(sid)
    peer.ws[sid].send_binary(b"\xff\xfe")
    peer.ws_send(sid)
    peer.pump(lambda: sid in peer.ended)
    finish(peer)


def main():
    scenario, port = sys.argv[1], int(sys.argv[2])
    lsock = socket.create_server(("127.0.0.1", port))
    sctx = cctx = None
    if scenario.startswith("tls-"):
        sctx, cctx = server_ctx(sys.argv[3]), client_ctx(sys.argv[3], sys.argv[4])
        for c in (sctx, cctx):
            c.set_alpn_protocols(["h2"])
    if scenario == "1015-raw":
        srv = threading.Thread(target=serve_1015, args=(lsock,))
    else:
        srv = threading.Thread(target=serve, args=(lsock, sctx),
                               kwargs={"upgrade": scenario == "upgrade",
                                       "settings_first": scenario != "rules"})
    srv.start()
    run = {"1003": lambda: scenario_1003(port), "many": lambda: scenario_many(port),
           "1015-raw": lambda: scenario_1015(port), "rules": lambda: scenario_rules(port),
           "upgrade": lambda: scenario_upgrade(port),
           "deflate": lambda: scenario_deflate(port),
           "tls-1003": lambda: scenario_1003(port, cctx)}[scenario]
    run()
    srv.join(10)
    lsock.close()


if __name__ == "__main__":
    main()
