#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed inputs for the fuzz targets, cut from the bundled captures (tests/fuzz/run_fuzz.sh).

Each stream target takes its own input format (chunks.h: a control byte per chunk, bit 0 the
direction, bits 1-7 the length), so a pcap file is a poor seed for it. This script reads every
TCP connection of the captures with tshark and writes, per connection:
  tls/        the whole TCP conversation as chunks, when it starts with a TLS record
  ws/         the bytes after the HTTP Upgrade in each direction as chunks, after an options byte
              (bit 0: permessage-deflate when the response accepted it)
  handshake/  the Upgrade request, a NUL, the response
  h2/         an HTTP/2 conversation as chunks (direction 0: the side that sent the preface),
              after an options byte 0; from prior-knowledge and "Upgrade: h2c" connections
  pcap/       the small capture files themselves
Usage: make_seeds.py CAPTURES_DIR OUT_DIR
"""
import hashlib
import os
import subprocess
import sys

MAX_LEN = 4096   # the stream targets' inputs are kept short: fast execs, small corpus
MAX_PCAP = 16384


def chunks(segments):
    """[(dir, bytes)] -> chunk-format bytes (at most 127 data bytes a chunk)"""
    out = bytearray()
    for d, data in segments:
        for i in range(0, len(data), 127):
            piece = data[i:i + 127]
            out.append(d | (len(piece) << 1))
            out += piece
            if len(out) >= MAX_LEN:
                return bytes(out[:MAX_LEN])
    return bytes(out)


def conversations(path):
    """{stream: [(dir, payload)]} in packet order, dir 0 = the side that spoke first"""
    r = subprocess.run(["tshark", "-r", path, "-n", "-Y", "tcp.len > 0", "-T", "fields",
                        "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.payload"],
                       capture_output=True, text=True, check=False)
    convs, first = {}, {}
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2]:
            continue
        stream, sport, payload = parts
        first.setdefault(stream, sport)
        convs.setdefault(stream, []).append((0 if sport == first[stream] else 1,
                                             bytes.fromhex(payload.replace(":", ""))))
    return convs


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def h2_conversation(segs):
    """the HTTP/2 part of a conversation, direction 0 being the preface's sender, or None"""
    for k, (d, data) in enumerate(segs):
        at = data.find(PREFACE)
        if at < 0:
            continue
        out = []
        for j, (d2, data2) in enumerate(segs):
            if j < k and d2 == d:
                continue  # the client's HTTP/1.1 upgrade request
            if j < k and data2.startswith(b"HTTP/1.1 101"):
                data2 = data2[data2.find(b"\r\n\r\n") + 4:]  # the server's 101
            if j == k:
                data2 = data2[at:]
            if data2:
                out.append((0 if d2 == d else 1, data2))
        return out
    return None


def write(out_dir, kind, data, seen):
    if not data or data in seen:
        return
    seen.add(data)
    d = os.path.join(out_dir, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def main():
    cap_dir, out_dir = sys.argv[1], sys.argv[2]
    seen = set()
    for name in sorted(os.listdir(cap_dir)):
        if not name.endswith((".pcap", ".pcapng")):
            continue
        path = os.path.join(cap_dir, name)
        if os.path.getsize(path) <= MAX_PCAP:
            with open(path, "rb") as f:
                write(out_dir, "pcap", f.read(), seen)
        for segs in conversations(path).values():
            if segs[0][1][:1] == b"\x16":
                write(out_dir, "tls", chunks(segs), seen)
                continue
            h2 = h2_conversation(segs)
            if h2:
                write(out_dir, "h2", b"\0" + chunks(h2), seen)
                continue
            head, done, after = {0: b"", 1: b""}, {0: False, 1: False}, []
            for d, data in segs:
                if done[d]:
                    after.append((d, data))
                    continue
                head[d] += data
                end = head[d].find(b"\r\n\r\n")
                if end >= 0:
                    done[d] = True
                    rest, head[d] = head[d][end + 4:], head[d][:end + 4]
                    if rest:
                        after.append((d, rest))
            if head[0].startswith(b"GET") and head[1].startswith(b"HTTP/1.1"):
                write(out_dir, "handshake", head[0] + b"\0" + head[1], seen)
                pmd = 1 if b"permessage-deflate" in head[1] else 0
                if after and head[1].startswith(b"HTTP/1.1 101"):
                    write(out_dir, "ws", bytes([pmd]) + chunks(after), seen)
    for kind in ("pcap", "tls", "ws", "handshake", "h2"):
        d = os.path.join(out_dir, kind)
        print(kind, len(os.listdir(d)) if os.path.isdir(d) else 0)


if __name__ == "__main__":
    main()
