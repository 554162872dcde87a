#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Rewrite a capture's TCP conversation: every data segment is cut in two at a fixed point
(so frame headers straddle segments), the two halves are sent in reverse order, and every third
segment is sent twice (an exact retransmission). The byte streams stay the same, so the analysis
must too (CONFORMANCE G5, TCP-01, TCP-02).

Usage: resegment.py IN.pcap OUT.pcap
"""
import sys

from scapy.all import IP, TCP, Ether, IPv6, Raw, rdpcap, wrpcap


def rebuild(p, ip, tcp, seq, payload):
    """A fresh packet with the same addresses and TCP fields, and this payload."""
    if ip.version == 4:
        l3 = IP(src=ip.src, dst=ip.dst, ttl=ip.ttl, id=ip.id, flags=ip.flags)
    else:
        l3 = IPv6(src=ip.src, dst=ip.dst, hlim=ip.hlim)
    l4 = TCP(sport=tcp.sport, dport=tcp.dport, seq=seq, ack=tcp.ack, flags=tcp.flags,
             window=tcp.window, options=tcp.options)
    q = Ether(src=p[Ether].src, dst=p[Ether].dst) / l3 / l4 / Raw(payload)
    q = Ether(bytes(q))
    q.time = p.time
    return q


def main(src, dst):
    out = []
    n = 0
    for p in rdpcap(src):
        ip = p.getlayer(IP) or p.getlayer(IPv6)
        tcp = p.getlayer(TCP)
        data = bytes(tcp.payload) if tcp else b""
        if not tcp or len(data) < 4:
            out.append(p)
            continue
        cut = max(1, min(len(data) - 1, 3 if n % 2 else len(data) // 2))
        n += 1
        parts = []
        for off, chunk in ((0, data[:cut]), (cut, data[cut:])):
            parts.append(rebuild(p, ip, tcp, (tcp.seq + off) & 0xFFFFFFFF, chunk))
        parts.reverse()  # out of order
        if n % 3 == 0:
            parts.append(parts[-1].copy())  # duplicate
        out.extend(parts)
    wrpcap(dst, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
