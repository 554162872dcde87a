#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Times and Community IDs of the analyzer's records against tshark's (issue 16).

usage: time_cid_check.py WSAUDIT PATH...   (captures, or folders of them)

For each capture, tshark gives every packet's time (frame.time_epoch), TCP stream and Community
ID (its communityid dissector, seed 0). Every JSONL record must agree:
  - an "end" record's packets and payload bytes per side equal tshark's count of that TCP
    stream's packets up to the record's "pkt" (its last packet) and the sum of their tcp.len
    (not for an HTTP/2 stream's end record: its counts are the stream's DATA, which
    h2_diff.py compares with tshark's);
  - "community_id" equals tshark's for the packet the record points to ("pkt");
  - "ts" is a packet's time in the capture's precision (6 or 9 digits): for a conn or tls
    record the first packet of that TCP stream (the connection's start), or for the conn record
    of a WebSocket over HTTP/2 ("stream") its request's packet; for any other record
    a packet at or after "pkt" (records are stamped when they are made: a frame with the time
    of the packet that completed it, counted and reported).
"""
import datetime
import glob
import json
import os
import subprocess
import sys


def iso_ns(ts):
    """ISO 8601 UTC with 6 or 9 digits -> (ns since the epoch, digits)"""
    date, frac = ts[:-1].split(".")
    d = datetime.datetime.strptime(date, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 10**9 + int(frac.ljust(9, "0")), len(frac)


def tshark_packets(cap):
    out = subprocess.run(["tshark", "-n", "-r", cap, "--enable-protocol", "communityid",
                          "-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields",
                          "-e", "frame.number", "-e", "frame.time_epoch", "-e", "tcp.stream",
                          "-e", "communityid", "-e", "tcp.srcport", "-e", "tcp.len"],
                         capture_output=True, text=True).stdout
    pk = {}
    for line in out.splitlines():
        num, t, stream, cid, sport, tlen = (line.split("\t") + [""] * 6)[:6]
        sec, _, frac = t.partition(".")
        pk[int(num)] = (int(sec) * 10**9 + int(frac.ljust(9, "0")[:9]),
                        int(stream) if stream else None, cid.split(",")[0],
                        int(sport.split(",")[0]) if sport else None,
                        int(tlen.split(",")[0]) if tlen else 0)
    return pk


def check(wsaudit, cap):
    bad = []
    pk = tshark_packets(cap)
    if not pk:
        return bad, 0, 0, 0
    first_of_stream = {}
    for num in sorted(pk):
        s = pk[num][1]
        if s is not None and s not in first_of_stream:
            first_of_stream[s] = pk[num][0]
    out = subprocess.run([wsaudit, "-F", "jsonl", "--payload", cap], capture_output=True,
                         text=True).stdout
    n = frames = at_end = 0
    name = os.path.basename(cap)
    for line in out.splitlines():
        r = json.loads(line)
        if "pkt" not in r or r["pkt"] not in pk:
            continue
        n += 1
        p = pk[r["pkt"]]
        what = f"{name}: {r['type']} {r.get('id', '')} at pkt {r['pkt']}"
        if "community_id" in r and p[2] and r["community_id"] != p[2]:
            bad.append(f"{what}: community_id {r['community_id']}, tshark {p[2]}")
        if "ts" not in r:
            bad.append(f"{what}: no ts")
            continue
        ns, digits = iso_ns(r["ts"])
        unit = 10 ** (9 - digits)
        same = lambda t: t // unit == ns // unit
        if r["type"] == "end" and p[1] is not None and "stream" not in r:
            # packets and payload bytes per side, up to the connection's last packet
            got = (r["client_pkts"], r["client_bytes"], r["server_pkts"], r["server_bytes"])
            mine = [k for k in pk if pk[k][1] == p[1] and k <= r["pkt"]]
            cl = [k for k in mine if pk[k][3] == r["client_port"]]
            sv = [k for k in mine if pk[k][3] != r["client_port"]]
            want = (len(cl), sum(pk[k][4] for k in cl), len(sv), sum(pk[k][4] for k in sv))
            if got != want and r["client_port"] != r["server_port"]:
                bad.append(f"{what}: packets/bytes {got}, tshark {want}")
        if r["type"] == "conn" and "stream" in r:
            ok = same(p[0])  # a WebSocket over HTTP/2 starts with its request
        elif r["type"] in ("conn", "tls"):
            ok = p[1] is not None and same(first_of_stream[p[1]])
        else:
            ok = any(same(pk[k][0]) for k in pk if k >= r["pkt"])
            if r["type"] in ("frame", "close"):
                frames += 1
                at_end += same(pk[r["pkt_end"]][0])
        if not ok:
            bad.append(f"{what}: ts {r['ts']} is not the expected packet's time")
    return bad, n, frames, at_end


def main():
    wsaudit, paths = sys.argv[1], sys.argv[2:]
    caps = []
    for p in paths:
        caps += sorted(glob.glob(os.path.join(p, "*.pcap")) + glob.glob(os.path.join(p, "*.pcapng"))) \
            if os.path.isdir(p) else [p]
    problems, records, frames, at_end = [], 0, 0, 0
    for cap in caps:
        bad, n, f, e = check(wsaudit, cap)
        problems += bad
        records += n
        frames += f
        at_end += e
    for p in problems[:50]:
        print("FAIL " + p)
    print(f"time/community_id: {records} records over {len(caps)} captures, {len(problems)} "
          f"problems; {at_end} of {frames} frames stamped with the time of the packet that "
          f"completed them (the others were made later: a frame cut by the end, mid-stream "
          f"detection)")
    sys.exit(1 if problems or not records else 0)


if __name__ == "__main__":
    main()
