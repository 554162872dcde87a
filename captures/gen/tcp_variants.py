#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""TCP-level variants of real captures (CONFORMANCE.md §10), written with scapy:

  wrap IN OUT       shift every sequence and ACK number of the connection so that the data
                    crosses 2^32 (TCP-06); the analysis must not change
  drop IN OUT N     remove packet N (1-based): a segment lost by the capture (TCP-04/05)
  reuse IN OUT      the same connection twice in a row on the same 4-tuple (TCP-11)

Usage: tcp_variants.py MODE IN OUT [ARG]
"""
import sys

from scapy.all import IP, TCP, IPv6, rdpcap, wrpcap


def fix(p):
    for layer in (p.getlayer(IP), p.getlayer(IPv6), p.getlayer(TCP)):
        if layer is None:
            continue
        for field in ("len", "plen", "chksum"):
            if field in layer.fields:
                del layer.fields[field]
    q = p.__class__(bytes(p))
    q.time = p.time
    return q


def wrap(pkts):
    # choose the shift so the client's stream crosses 2^32 a few bytes after its first byte
    first = next(p for p in pkts if p.haslayer(TCP))
    client = first[TCP].sport
    isn_c = first[TCP].seq
    shift_c = (0xFFFFFFF0 - isn_c) & 0xFFFFFFFF
    syn_ack = next(p for p in pkts if p.haslayer(TCP) and p[TCP].sport != client)
    shift_s = (0xFFFFFF80 - syn_ack[TCP].seq) & 0xFFFFFFFF
    out = []
    for p in pkts:
        if p.haslayer(TCP):
            t = p[TCP]
            mine, theirs = (shift_c, shift_s) if t.sport == client else (shift_s, shift_c)
            t.seq = (t.seq + mine) & 0xFFFFFFFF
            if t.flags & 0x10:
                t.ack = (t.ack + theirs) & 0xFFFFFFFF
            p = fix(p)
        out.append(p)
    return out


def main():
    mode, src, dst = sys.argv[1:4]
    pkts = rdpcap(src)
    if mode == "wrap":
        out = wrap(pkts)
    elif mode == "drop":
        n = int(sys.argv[4])
        out = [p for i, p in enumerate(pkts, 1) if i != n]
    elif mode == "reuse":
        last = float(pkts[-1].time)
        second = []
        for p in pkts:
            q = p.copy()
            if q.haslayer(TCP):  # a new connection has new initial sequence numbers
                q[TCP].seq = (q[TCP].seq + 0x10000000) & 0xFFFFFFFF
                if q[TCP].flags & 0x10:
                    q[TCP].ack = (q[TCP].ack + 0x10000000) & 0xFFFFFFFF
                q = fix(q)
            q.time = float(p.time) - float(pkts[0].time) + last + 1.0
            second.append(q)
        out = list(pkts) + second
    else:
        raise SystemExit("unknown mode " + mode)
    wrpcap(dst, out)


if __name__ == "__main__":
    main()
