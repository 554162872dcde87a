#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Segmentation differential (CONFORMANCE FZ-02, like Suricata's fuzz_tcpsplit): the same
conversations written one byte per segment, as joined bursts (each run of one direction's data
in one segment), one protocol unit per segment (HTTP header block, WebSocket frame, TLS record)
and as 8-byte IP fragments (last first) must give the same frames, closes,
messages and findings as the capture itself.

usage: segdiff.py WSAUDIT RESEGMENT PATH...

For every capture (PATH is a capture, or a folder: all its *.pcap and *.pcapng, not recursive)
it runs
`wsaudit -F jsonl --payload` on the capture and on each `resegment MODE` rewrite, and compares
the records as multisets after removing what packetization changes by definition: packet
numbers (every "pkt"-like field, "packet N" in texts), packet counts, and the file name.
Captures with packets cut by the snapshot length are skipped (reported): their missing bytes
cannot be placed in other segments.

Known, explained differences are listed in EXPECTED below (the findings named there are left
out of that comparison, everything else must still match); any other difference fails.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

MODES = ("bytes", "whole", "frames", "frag")

# capture -> (modes, finding ids left out of the comparison, why); everything else must match
IP_LAYER = {"capture.ip_fragment", "capture.ip_fragment_overlap", "capture.malformed_packet"}
EXPECTED = {
    "ws-frag-missing.pcap": (MODES, IP_LAYER, "the rewrite holds the reassembled TCP segments, "
                             "so the IP layer's own findings are not in it (the TCP gap is)"),
    "ws-frag-overlap.pcap": (MODES, IP_LAYER, "as above"),
    "ws-frag-oversize.pcap": (MODES, IP_LAYER, "as above"),
    "ws-gap-at-header.pcap": (("bytes",), {"stream.gap", "stream.memcap"},
                              "one-byte segments after the hole pass the 4096-segment limit "
                              "before the receiver's ACK shows the hole: the same bytes are "
                              "skipped, as stream.memcap instead of stream.gap"),
    "ws-gap-in-payload.pcap": (("bytes",), {"stream.gap", "stream.memcap"}, "as above"),
}

PKT_KEY = re.compile(r"(^|_)pkt(_end)?$|^packets$|^tcp_packets$|^frames_pkt$")
PKT_TEXT = re.compile(r"\b(packets?|pkt) \d+(-\d+)?")


def norm(v):
    if isinstance(v, dict):
        # a finding has pkt_end only when its frame spans packets: packetization decides that
        # and the rewrites carry their own packet times
        # (an end record's packet counts and times too)
        drop = {"file", "ts", "pkt_end"} if v.get("type") == "finding" else \
            {"file", "ts", "start", "end", "duration", "client_pkts", "server_pkts"} \
            if v.get("type") == "end" else {"file", "ts"}
        return {k: ("N" if PKT_KEY.search(k) else norm(x)) for k, x in v.items() if k not in drop}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, str):
        # "packet 10" and "packets 10-20" (a frame spread over segments) are the same place
        return PKT_TEXT.sub(lambda m: ("pkt" if m.group(1) == "pkt" else "packet") + " N", v)
    return v


def keys_for(src, tmp):
    """the TLS secrets of a capture: captures/keys/NAME.keys, or the Decryption Secrets Blocks of
    a (little-endian) pcapng, which the rewrites do not carry; None when it has none"""
    k = os.path.join(os.path.dirname(src), "keys", os.path.basename(src).rsplit(".", 1)[0] + ".keys")
    if os.path.exists(k):
        return k
    if not src.endswith(".pcapng"):
        return None
    data, pos, secrets = open(src, "rb").read(), 0, b""
    while pos + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, pos)
        if blen < 12:
            break
        if btype == 10:
            slen = struct.unpack_from("<I", data, pos + 12)[0]
            secrets += data[pos + 16:pos + 16 + slen]
        pos += blen
    if not secrets:
        return None
    k = os.path.join(tmp, os.path.basename(src) + ".keys")
    open(k, "wb").write(secrets)
    return k


def records(wsaudit, path, skip_ids=(), keys=None):
    p = subprocess.run([wsaudit, "-F", "jsonl", "--payload"] + (["--keylog", keys] if keys else [])
                       + [path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = []
    for line in p.stdout.splitlines():
        rec = json.loads(line)
        if rec.get("type") in ("file", "keylog"):
            continue  # link type differs by construction (raw IP); where the keys came from
        if rec.get("id") in skip_ids:
            continue
        if rec.get("type") == "summary" and skip_ids:
            rec["findings"] = {k: v for k, v in rec["findings"].items() if k not in skip_ids}
            del rec["exit"]  # the left-out findings may be what made it partial
        out.append(json.dumps(norm(rec), sort_keys=True))
    return (None if skip_ids else p.returncode), sorted(out)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    wsaudit, reseg = sys.argv[1:3]
    caps = []
    for path in sys.argv[3:]:
        if os.path.isdir(path):
            caps += sorted(os.path.join(path, f) for f in os.listdir(path)
                           if f.endswith((".pcap", ".pcapng")))
        elif os.path.exists(path):
            caps.append(path)
    tmp = tempfile.mkdtemp(prefix="wsaudit-segdiff-")
    bad = compared = skipped = 0
    for src in caps:
        cap = os.path.basename(src)
        for mode in MODES:
            out = os.path.join(tmp, f"{mode}-{cap}.pcap")
            r = subprocess.run([reseg, mode, src, out]).returncode
            if r == 3:
                print(f"skip {cap}: packets cut by the snapshot length")
                skipped += 1
                break
            if r != 0:
                print(f"FAIL {cap} {mode}: resegment exit {r}")
                bad += 1
                continue
            modes, skip_ids, why = EXPECTED.get(cap, ((), (), ""))
            if mode not in modes:
                skip_ids = ()
            keys = keys_for(src, tmp)
            rc0, base = records(wsaudit, src, skip_ids, keys)
            rc, got = records(wsaudit, out, skip_ids, keys)
            compared += 1
            if got == base and rc == rc0:
                if skip_ids:
                    print(f"ok {cap} {mode} without {', '.join(sorted(skip_ids))}: {why}")
                continue
            bad += 1
            print(f"FAIL {cap} {mode}: exit {rc0} -> {rc}")
            b, g = set(base), set(got)
            for line in sorted(b - g)[:6]:
                print("   only in the capture:  ", line[:300])
            for line in sorted(g - b)[:6]:
                print(f"   only with {mode:6}:    ", line[:300])
    print(f"segdiff: {compared} comparisons over {len(caps)} captures, {skipped} skipped, "
          f"{bad} failure(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
