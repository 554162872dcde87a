#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The zero-copy reader (analyzer/fastpcap.c) against libpcap (issue 19, item 1).

usage: reader_check.py WSAUDIT READER_DIFF CAPTURES_DIR

1. reader_diff, packet by packet, on every pcap capture and variant, and on files made from
   them that exercise every way the zero-copy reader hands over to libpcap or declines:
   the other byte order, nanosecond times, files cut at every kind of place (in the file header,
   a record header, packet data), a record longer than the snapshot length, a record whose
   captured length exceeds its original length, times past 2^31 seconds and fractions of a
   second out of range, another pcap version, a link type libpcap rewrites, pcapng.
2. wsaudit -F jsonl with the fast readers against --reader=libpcap on the same files: the
   standard output, the standard error and the exit status must be byte for byte the same.
   This also covers pcapng files libpcap opens, which wsaudit reads with its own pcapng reader
   while each packet is one it reads exactly as libpcap does: every capture is also written as
   pcapng (microsecond and nanosecond resolution) and as pcapng that hands over to libpcap part
   way (a millisecond interface, if_tsoffset, a Simple Packet Block, caplen > len, a cut block).
"""
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile

wsaudit, reader_diff, caps = sys.argv[1:4]
tmp = tempfile.mkdtemp(prefix="wsaudit-reader-")


def records(data):
    """(endianness, nsec, header bytes, [(rec header fields, packet bytes)]) of a whole file"""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    else:
        e = ">"
    nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    recs, pos = [], 24
    while pos + 16 <= len(data):
        sec, frac, cap, ln = struct.unpack(e + "IIII", data[pos:pos + 16])
        recs.append([sec, frac, cap, ln, data[pos + 16:pos + 16 + cap]])
        pos += 16 + cap
    return e, nsec, data[:24], recs


def build(e, nsec, hdr, recs, snaplen=None, version=None, linktype=None):
    """a pcap file in byte order e (and nsec times) from header fields and records"""
    _, vmaj, vmin, zone, sig, snap, lt = struct.unpack(
        ("<" if hdr[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">") + "IHHiIII",
        hdr)
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    if version:
        vmaj, vmin = version
    out = [struct.pack(e + "IHHiIII", magic, vmaj, vmin, zone, sig,
                       snaplen if snaplen is not None else snap,
                       linktype if linktype is not None else lt)]
    for sec, frac, cap, ln, b in recs:
        out.append(struct.pack(e + "IIII", sec, frac, cap, ln) + b)
    return b"".join(out)


def load_pcap(path):
    """the whole file and records(data) when it is a plain pcap file, else None"""
    data = open(path, "rb").read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
                        b"\xa1\xb2\x3c\x4d"):
        return None
    return (data,) + records(data)


def variants(path):
    """files made from one capture, each (name, bytes)"""
    loaded = load_pcap(path)
    if not loaded:
        return []
    data, e, nsec, hdr, recs = loaded
    other = ">" if e == "<" else "<"
    out = [("swapped", build(other, nsec, hdr, recs))]
    ns = [[s, f * 1000 if not nsec else f, c, ln, b] for s, f, c, ln, b in recs]
    out.append(("nsec", build(e, True, hdr, ns)))
    # cut: inside the file header, inside a record header, inside packet data, one byte short
    n = len(data)
    for at in sorted({10, 24 + 7, 24 + 16 + 3, n // 2, n - 1}):
        if 0 < at < n:
            out.append((f"cut{at}", data[:at]))
    if len(recs) >= 3:
        k = len(recs) // 2
        r = [list(x) for x in recs]
        r[k][3] = max(0, r[k][2] - 1)  # original length shorter than captured
        out.append(("len-lt-cap", build(e, nsec, hdr, r)))
        r = [list(x) for x in recs]
        r[k][0] = 0x80000005  # seconds past 2^31
        out.append(("sec-2-31", build(e, nsec, hdr, r)))
        r = [list(x) for x in recs]
        r[k][1] = 1000000 if not nsec else 1000000000  # fraction out of range
        out.append(("frac-range", build(e, nsec, hdr, r)))
        r = [list(x) for x in recs]
        big = max(x[2] for x in recs)
        if big > 60:
            out.append(("snaplen-60", build(e, nsec, hdr, r, snaplen=60)))
        r = [list(x) for x in recs]
        r[k][2] = 300000  # captured length past any snapshot length (and past the file)
        out.append(("huge-caplen", build(e, nsec, hdr, r)))
    out.append(("version-2-2", build(e, nsec, hdr, recs, version=(2, 2))))
    out.append(("snaplen-0", build(e, nsec, hdr, recs, snaplen=0)))
    out.append(("linktype-nflog", build(e, nsec, hdr, recs, linktype=239)))
    return out


def pcapng_block(btype, body):
    pad = (-len(body)) % 4
    n = 12 + len(body) + pad
    return struct.pack("<II", btype, n) + body + b"\0" * pad + struct.pack("<I", n)


def pcapng_variants(path):
    """the capture written as pcapng, plainly and with the things libpcap must read instead"""
    loaded = load_pcap(path)
    if not loaded:
        return []
    _, e, nsec, hdr, recs = loaded
    lt = struct.unpack(e + "I", hdr[20:24])[0] & 0xFFFF
    snap = struct.unpack(e + "I", hdr[16:20])[0]
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))

    def idb(res=None, offset=None):
        opts = b""
        if res is not None:
            opts += struct.pack("<HH", 9, 1) + bytes([res]) + b"\0\0\0"
        if offset is not None:
            opts += struct.pack("<HHq", 14, 8, offset)
        if opts:
            opts += struct.pack("<HH", 0, 0)
        return pcapng_block(1, struct.pack("<HHI", lt, 0, snap) + opts)

    def epb(sec, frac, cap, ln, b, units):
        t = sec * units + (frac * units // (1000000000 if nsec else 1000000))
        return pcapng_block(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, cap, ln) + b)

    out = []
    for name, res, units in (("ng-usec", None, 10**6), ("ng-nsec", 9, 10**9)):
        out.append((name, shb + idb(res) + b"".join(epb(*r, units) for r in recs)))
    k = len(recs) // 2
    body = [epb(*r, 10**6) for r in recs]
    out.append(("ng-msec", shb + idb(3) + b"".join(epb(*r, 10**3) for r in recs)))
    out.append(("ng-offset", shb + idb(None, 100) + b"".join(body)))
    if recs:
        spb = pcapng_block(3, struct.pack("<I", recs[k][3]) + recs[k][4])
        out.append(("ng-spb", shb + idb() + b"".join(body[:k] + [spb] + body[k + 1:])))
        r = list(recs[k])
        r[3] = max(0, r[2] - 1)
        out.append(("ng-len-lt-cap",
                    shb + idb() + b"".join(body[:k] + [epb(*r, 10**6)] + body[k + 1:])))
        whole = shb + idb() + b"".join(body)
        cut = len(shb) + len(idb()) + sum(len(b) for b in body[:k]) + 10
        out.append(("ng-cut", whole[:cut]))
    return out


def run_wsaudit(path, libpcap):
    cmd = [wsaudit, "-F", "jsonl", "--no-sandbox"] + (["--reader=libpcap"] if libpcap else [])
    p = subprocess.run(cmd + [path], capture_output=True)
    return p.returncode, p.stdout, p.stderr


inputs = sorted(glob.glob(os.path.join(caps, "*.pcap*")) +
                glob.glob(os.path.join(caps, "variants", "*")))
inputs = [p for p in inputs if os.path.isfile(p)]
files = []
for p in inputs:
    files.append(p)
    base = os.path.basename(p)
    for name, b in variants(p) + pcapng_variants(p):
        v = os.path.join(tmp, f"{base}.{name}")
        with open(v, "wb") as f:
            f.write(b)
        files.append(v)

bad = 0
r = subprocess.run([reader_diff] + files, capture_output=True, text=True)
lines = r.stdout.splitlines()
if r.returncode != 0:
    print("\n".join(lines[-5:]))
    print("reader_diff: the readers differ")
    bad = 1
zero = sum("packets, zero-copy" in ln for ln in lines)
handed = sum("libpcap from packet" in ln for ln in lines)
declined = sum("declined" in ln for ln in lines)
pkts = sum(int(ln.split(": ")[1].split()[0]) for ln in lines if " packets, " in ln)
print(f"reader: {len(files)} files ({len(inputs)} captures and {len(files) - len(inputs)} made "
      f"from them), {pkts} packets alike; zero-copy to the end on {zero - handed}, handed to "
      f"libpcap part-way on {handed}, declined (libpcap's) {declined}")
if handed == 0 or declined == 0:
    print("reader: the variants no longer exercise the hand-over and the refusal")
    bad = 1

same = 0
for p in files:
    a, b = run_wsaudit(p, False), run_wsaudit(p, True)
    if a != b:
        print(f"wsaudit output differs between the readers on {p} "
              f"(exit {a[0]} vs {b[0]}, {len(a[1])} vs {len(b[1])} bytes)")
        bad = 1
    else:
        same += 1
print(f"wsaudit: {same} of {len(files)} files give the same output, errors and exit status "
      f"with both readers")
shutil.rmtree(tmp)
sys.exit(bad)
