#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""IP-fragmented variants of real captures (CONFORMANCE.md CAP-15), written with scapy. Every
TCP packet that carries data is sent as IP fragments; the byte streams stay the same.

  ipv4 IN OUT        IPv4: the first fragment holds only 8 bytes (it splits the TCP header),
                     the rest comes in two more; every other datagram's fragments are sent in
                     reverse order
  ipv6 IN OUT        the same with IPv6 Fragment headers
  overlap IN OUT N   like ipv4, but packet N's datagram gets an extra fragment that overlaps
                     bytes already received with different data (then the real rest): the
                     first copy must be kept, and the conflict reported
  missing IN OUT N   like ipv4, but the middle fragment of packet N's datagram is not written
  oversize IN OUT    like ipv4, plus a stray fragment ending past byte 65535 after the
                     third packet

Usage: ip_fragments.py MODE IN OUT [N]
"""
import sys

from scapy.all import IP, TCP, Ether, IPv6, IPv6ExtHdrFragment, Raw, rdpcap, wrpcap


def pieces(n):
    """fragment boundaries: 8 bytes, then the rest cut at a multiple of 8 near its middle"""
    mid = 8 + max(8, ((n - 8) // 2) // 8 * 8)
    if mid >= n:
        return [(0, 8), (8, n)]
    return [(0, 8), (8, mid), (mid, n)]


def frag4(p, ident, lo, hi, payload, last, data=None):
    ip = p[IP]
    q = Ether(src=p[Ether].src, dst=p[Ether].dst) / IP(
        src=ip.src, dst=ip.dst, ttl=ip.ttl, id=ident, proto=6, flags=0 if last else "MF",
        frag=lo // 8) / Raw(data if data is not None else payload[lo:hi])
    q = Ether(bytes(q))
    q.time = p.time
    return q


def frag6(p, ident, lo, hi, payload, last, data=None):
    ip = p[IPv6]
    q = Ether(src=p[Ether].src, dst=p[Ether].dst) / IPv6(
        src=ip.src, dst=ip.dst, hlim=ip.hlim) / IPv6ExtHdrFragment(
        nh=6, offset=lo // 8, m=0 if last else 1, id=ident) / Raw(
        data if data is not None else payload[lo:hi])
    q = Ether(bytes(q))
    q.time = p.time
    return q


def stray(p):
    """a lone fragment (offset 65528, 16 bytes) that would end past byte 65535"""
    ip = p[IP]
    q = Ether(src=p[Ether].src, dst=p[Ether].dst) / IP(
        src=ip.src, dst=ip.dst, id=0x7777, proto=6, frag=65528 // 8) / Raw(b"x" * 16)
    q = Ether(bytes(q))
    q.time = p.time
    return q


def main(mode, src, dst, n=None):
    out = []
    k = 0
    for i, p in enumerate(rdpcap(src), 1):
        if mode == "oversize" and i == 4:
            out.append(stray(out[-1]))
        tcp = p.getlayer(TCP)
        if not tcp or not len(tcp.payload):
            out.append(p)
            continue
        six = mode == "ipv6"
        make = frag6 if six else frag4
        payload = bytes(p[IPv6].payload if six else p[IP].payload)
        ident = 0x4000 + i
        cuts = pieces(len(payload))
        frags = [make(p, ident, lo, hi, payload, hi == len(payload)) for lo, hi in cuts]
        if mode == "overlap" and i == n:
            # bytes 0..15, then 8..23 with 8..15 altered (the first copy must win), then the rest
            if len(payload) <= 24:
                sys.exit(f"overlap: packet {n} is too short")
            bad = bytes(b ^ 0xFF for b in payload[8:16]) + payload[16:24]
            frags = [make(p, ident, 0, 16, payload, False),
                     make(p, ident, 8, 24, payload, False, data=bad),
                     make(p, ident, 16, len(payload), payload, True)]
        elif mode == "missing" and i == n:
            del frags[1]
        elif k % 2:
            frags.reverse()
        k += 1
        out.extend(frags)
    wrpcap(dst, out)


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("ipv4", "ipv6", "overlap", "missing", "oversize"):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else None)
