#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pcapng files libpcap refuses or that are damaged (CONFORMANCE CAP-03/04/05/09), written from
the packets of a classic pcap file (Ethernet or raw IP).

usage: pcapng_gen.py MODE IN.pcap OUT.pcapng
  sections   the first half of the packets in a little-endian section (Ethernet, if_tsresol 9,
             nanoseconds), the rest in a big-endian section with two interfaces (raw IP with
             if_tsresol 2^-20 and if_tsoffset 100 s; Ethernet), packets alternating between
             them. Every packet keeps its time.
  badlen     the sections file with the 5th block's length made 13 (not a multiple of 4)
  overrun    the sections file with the 5th block's length larger than the rest of the file
  mismatch   the sections file with the 5th block's trailing length changed
"""
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = struct.unpack(end + "I", data[:4])[0] == 0xA1B23C4D
    linktype = struct.unpack(end + "I", data[20:24])[0]
    pkts, off = [], 24
    while off + 16 <= len(data):
        sec, frac, cap, orig = struct.unpack(end + "IIII", data[off:off + 16])
        ns = sec * 10**9 + (frac if nano else frac * 1000)
        pkts.append((ns, orig, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return linktype, pkts


def block(e, btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def shb(e):
    return block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(e, linktype, tsresol=None, tsoffset=None):
    opts = b""
    if tsresol is not None:
        opts += struct.pack(e + "HH", 9, 1) + bytes([tsresol]) + b"\0\0\0"
    if tsoffset is not None:
        opts += struct.pack(e + "HHq", 14, 8, tsoffset)
    if opts:
        opts += struct.pack(e + "HH", 0, 0)
    return block(e, 1, struct.pack(e + "HHI", linktype, 0, 262144) + opts)


def epb(e, iface, units, data, orig):
    return block(e, 6, struct.pack(e + "IIIII", iface, units >> 32, units & 0xFFFFFFFF,
                                   len(data), orig) + data)


def strip_ethernet(frame):
    return frame[14:] if struct.unpack("!H", frame[12:14])[0] in (0x0800, 0x86DD) else None


def sections(linktype, pkts):
    if linktype != 1:
        sys.exit("sections: needs an Ethernet capture")
    half = len(pkts) // 2
    out = [shb("<"), idb("<", 1, tsresol=9)]
    for ns, orig, data in pkts[:half]:
        out.append(epb("<", 0, ns, data, orig))
    out += [shb(">"), idb(">", 101, tsresol=0x80 | 20, tsoffset=100), idb(">", 1)]
    for k, (ns, orig, data) in enumerate(pkts[half:]):
        raw = strip_ethernet(data)
        if k % 2 == 0 and raw is not None:
            # 2^-20 s units, counted from 100 s after the epoch
            units = ((ns - 100 * 10**9) << 20) // 10**9
            out.append(epb(">", 0, units, raw, orig - 14))
        else:
            out.append(epb(">", 1, ns // 1000, data, orig))  # default resolution: µs
    return b"".join(out)


def damage(blob, how):
    # find the 5th block
    off = 0
    end = "<"
    for _ in range(4):
        btype, n = struct.unpack(end + "II", blob[off:off + 8])
        off += n
    n = struct.unpack("<I", blob[off + 4:off + 8])[0]
    if how == "badlen":
        return blob[:off + 4] + struct.pack("<I", 13) + blob[off + 8:]
    if how == "overrun":
        return blob[:off + 4] + struct.pack("<I", len(blob) + 64 - off) + blob[off + 8:]
    # mismatch: trailing length of that block
    t = off + n - 4
    return blob[:t] + struct.pack("<I", n + 4) + blob[t + 4:]


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("sections", "badlen", "overrun", "mismatch"):
        sys.exit(__doc__)
    linktype, pkts = read_pcap(sys.argv[2])
    blob = sections(linktype, pkts)
    if sys.argv[1] != "sections":
        blob = damage(blob, sys.argv[1])
    with open(sys.argv[3], "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main()
