#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A capture whose strings are hostile to output (CONFORMANCE ROB-04): NUL, ESC sequences,
invalid UTF-8, in the places wsaudit prints text from the wire.

usage: hostile_gen.py OUT.pcap

  connection 0  WebSocket: Host "h\\x00st\\x1b[2J" and path "/p\\xff\\x07"; the server closes with
                1000 and the reason "a\\x00b\\x1b[31mred\\xff\\xfe"; the client answers 1000
  connection 1  TLS: a ClientHello whose server_name is "x\\x00y\\x1b]0;t\\x07\\xff.example",
                answered by a fatal unrecognized_name alert (112)

Raw IPv4 (LINKTYPE_IPV4), written with struct only; deterministic.
"""
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/stress")
from gen_stress import Conn, Writer, frame  # noqa: E402


def websocket(w):
    c = Conn(w, 1)
    c.syn()
    c.handshake(1, path=b"/p\xff\x07", host=b"h\x00st\x1b[2J")
    c.send(False, frame(8, struct.pack("!H", 1000) + b"a\x00b\x1b[31mred\xff\xfe"))
    c.send(True, frame(8, struct.pack("!H", 1000), b"\x01\x02\x03\x04"))
    w.ip(c.s, c.c, c.sp, c.cp, c.sseq, c.cseq, 0x11)
    w.ip(c.c, c.s, c.cp, c.sp, c.cseq, c.sseq + 1, 0x11)


def tls(w):
    c = Conn(w, 2)
    c.sp = 443
    c.syn()
    name = b"x\x00y\x1b]0;t\x07\xff.example"
    sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    ext = struct.pack("!HH", 0, len(sni)) + sni
    body = (b"\x03\x03" + bytes(32) + b"\x00" + struct.pack("!H", 2) + b"\x13\x01" + b"\x01\x00"
            + struct.pack("!H", len(ext)) + ext)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    c.send(True, b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs)
    c.send(False, b"\x15\x03\x03\x00\x02\x02\x70")  # fatal unrecognized_name
    w.ip(c.s, c.c, c.sp, c.cp, c.sseq, c.cseq, 0x11)
    w.ip(c.c, c.s, c.cp, c.sp, c.cseq, c.sseq + 1, 0x11)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Writer(sys.argv[1])
    websocket(out)
    tls(out)
    out.close()
