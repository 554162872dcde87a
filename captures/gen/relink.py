#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the packets of an Ethernet capture again under other link types and file formats, with
the same IP packets inside: Linux cooked (SLL, SLL2), BSD loopback (NULL little-endian, LOOP),
raw IP, 802.1ad+802.1Q (QinQ) Ethernet, big-endian pcap, nanosecond pcap. pcapng comes from
editcap. The analysis of every variant must equal the original's (CAPTURES.md).

Usage: relink.py IN.pcap OUTDIR
"""
import os
import struct
import sys

from scapy.all import Ether, rdpcap


def write_pcap(path, linktype, records, endian="<", nsec=False):
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype))
        for ts, data in records:
            sec = int(ts)
            frac = int(round((ts - sec) * (1e9 if nsec else 1e6)))
            f.write(struct.pack(endian + "IIII", sec, frac, len(data), len(data)))
            f.write(data)


def main(src, outdir):
    base = os.path.splitext(os.path.basename(src))[0]
    pkts = rdpcap(src)
    ip = [(float(p.time), bytes(p[Ether].payload), p[Ether].type) for p in pkts]
    eth = [(float(p.time), bytes(p)) for p in pkts]

    def sll(proto, data):  # DLT_LINUX_SLL: type, ARPHRD, addr len, addr(8), protocol
        return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, proto) + data

    def sll2(proto, data):  # DLT_LINUX_SLL2: protocol, reserved, ifindex, ARPHRD, type, len, addr
        return struct.pack("!HHIHBB8s", proto, 0, 1, 772, 0, 6, b"\0" * 8) + data

    def null(proto, data):  # AF_INET 2 / AF_INET6 (Linux 10; BSDs 24/28/30) in host order
        return struct.pack("<I", 2 if proto == 0x0800 else 30) + data

    def loop(proto, data):  # DLT_LOOP: the same in network byte order
        return struct.pack("!I", 2 if proto == 0x0800 else 30) + data

    def qinq(frame):
        return frame[:12] + struct.pack("!HHHH", 0x88A8, 100, 0x8100, 200) + frame[12:]

    out = lambda suffix: os.path.join(outdir, f"{base}.{suffix}.pcap")
    write_pcap(out("sll"), 113, [(t, sll(pr, d)) for t, d, pr in ip])
    write_pcap(out("sll2"), 276, [(t, sll2(pr, d)) for t, d, pr in ip])
    write_pcap(out("null"), 0, [(t, null(pr, d)) for t, d, pr in ip])
    write_pcap(out("loop"), 108, [(t, loop(pr, d)) for t, d, pr in ip])
    write_pcap(out("rawip"), 101, [(t, d) for t, d, pr in ip])
    write_pcap(out("qinq"), 1, [(t, qinq(f)) for t, f in eth])
    write_pcap(out("be"), 1, eth, endian=">")
    write_pcap(out("nsec"), 1, eth, nsec=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
