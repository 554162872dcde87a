#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Stress captures for the memory limits (CONFORMANCE TCP-16), written directly as pcap
(LINKTYPE_IPV4, so no link header) and deterministic.

usage: gen_stress.py flows N OUT     N WebSocket connections open at once: every connection does
                                     its handshake and sends a binary message first, then every
                                     one is closed by the server with 1003 (N closes expected)
       gen_stress.py hsflood N OUT   N connections each sending 60 KB of an HTTP Upgrade request
                                     whose header never ends, all open at once (the handshake
                                     buffers must count against --memcap)
       gen_stress.py hole N OUT      the same, but the segments come in order except the
                                     first, which comes last
       gen_stress.py ooo N OUT       one WebSocket connection whose client sends an N-byte
                                     binary message as N one-byte segments in reverse order,
                                     then a text message in order; the server closes with 1003
                                     (the out-of-order buffer must hit its cap, be reported as
                                     stream.memcap, and the 1003 must still be found)
"""
import base64
import hashlib
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 228))
        self.t = 1_700_000_000_000_000  # microseconds

    def ip(self, src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0)
        total = 20 + len(tcp) + len(payload)
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
        pkt = iph + tcp + payload
        self.t += 10
        self.f.write(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000,
                                 len(pkt), len(pkt)))
        self.f.write(pkt)

    def close(self):
        self.f.close()


def frame(opcode, payload, mask=None):
    n = len(payload)
    b0 = 0x80 | opcode
    if n < 126:
        hdr = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return hdr + payload
    return hdr + mask + bytes(c ^ mask[i & 3] for i, c in enumerate(payload))


class Conn:
    """one TCP connection 10.x.y.z:port -> 127.0.0.1:80 with its sequence numbers"""

    def __init__(self, w, i):
        self.w = w
        self.c = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
        self.s = bytes([127, 0, 0, 1])
        self.cp, self.sp = 1024 + (i % 60000), 80
        self.cseq, self.sseq = 1000 + i, 5000 + i

    def syn(self):
        w = self.w
        w.ip(self.c, self.s, self.cp, self.sp, self.cseq, 0, 0x02)
        w.ip(self.s, self.c, self.sp, self.cp, self.sseq, self.cseq + 1, 0x12)
        self.cseq += 1
        self.sseq += 1
        w.ip(self.c, self.s, self.cp, self.sp, self.cseq, self.sseq, 0x10)

    def send(self, from_client, data):
        if from_client:
            self.w.ip(self.c, self.s, self.cp, self.sp, self.cseq, self.sseq, 0x18, data)
            self.cseq += len(data)
        else:
            self.w.ip(self.s, self.c, self.sp, self.cp, self.sseq, self.cseq, 0x18, data)
            self.sseq += len(data)

    def handshake(self, i, path=b"/s", host=b"127.0.0.1"):
        key = base64.b64encode(struct.pack("!QQ", i, i * 7 + 1))
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
        self.send(True, b"GET " + path + b" HTTP/1.1\r\nHost: " + host +
                  b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                  b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.send(False, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")


def gen_flows(n, out):
    w = Writer(out)
    conns = [Conn(w, i) for i in range(n)]
    for i, c in enumerate(conns):
        c.syn()
        c.handshake(i)
        c.send(True, frame(2, b"\x01\x02\x03\x04", b"\x11\x22\x33\x44"))
    for c in conns:
        c.send(False, frame(8, struct.pack("!H", 1003) + b"binary not accepted"))
        c.send(True, frame(8, struct.pack("!H", 1003), b"\x55\x66\x77\x88"))
        # ACK the closes, then both FINs
        w.ip(c.s, c.c, c.sp, c.cp, c.sseq, c.cseq, 0x11)
        w.ip(c.c, c.s, c.cp, c.sp, c.cseq, c.sseq + 1, 0x11)
    w.close()


def gen_hsflood(n, out):
    w = Writer(out)
    conns = [Conn(w, i) for i in range(n)]
    filler = b"X-Filler: " + b"a" * 1400 + b"\r\n"
    for c in conns:
        c.syn()
        c.send(True, b"GET /s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
    for _ in range(42):  # 42 x 1412 bytes: about 60 KB each, below the 64 KiB header limit
        for c in conns:
            c.send(True, filler)
    w.close()


def gen_ooo(n, out, hole=False):
    w = Writer(out)
    c = Conn(w, 1)
    c.syn()
    c.handshake(1)
    msg = frame(2, bytes(i & 255 for i in range(n)), b"\x01\x02\x03\x04")
    base = c.cseq
    order = list(range(1, len(msg))) + [0] if hole else range(len(msg) - 1, -1, -1)
    for k in order:
        w.ip(c.c, c.s, c.cp, c.sp, base + k, c.sseq, 0x10, msg[k:k + 1])
    c.cseq += len(msg)
    c.send(True, frame(1, b"after the storm", b"\x09\x08\x07\x06"))
    c.send(False, frame(8, struct.pack("!H", 1003) + b"no binary"))
    c.send(True, frame(8, struct.pack("!H", 1003), b"\x55\x66\x77\x88"))
    w.ip(c.s, c.c, c.sp, c.cp, c.sseq, c.cseq, 0x11)
    w.ip(c.c, c.s, c.cp, c.sp, c.cseq, c.sseq + 1, 0x11)
    w.close()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("flows", "ooo", "hole", "hsflood"):
        sys.exit(__doc__)
    n, out = int(sys.argv[2]), sys.argv[3]
    if sys.argv[1] == "flows":
        gen_flows(n, out)
    elif sys.argv[1] == "hsflood":
        gen_hsflood(n, out)
    else:
        gen_ooo(n, out, hole=sys.argv[1] == "hole")
