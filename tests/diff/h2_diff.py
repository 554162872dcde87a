#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""WebSocket over HTTP/2 (RFC 8441) against tshark's HTTP/2 dissector (issue 20).

Wireshark 4.0 shows an extended CONNECT stream's DATA as opaque bytes: it does not decode the
WebSocket frames inside. So this compares, for every captures/h2-*.pcap* (with its key log from
captures/keys/ when there is one):
  1. HTTP/2 frames: `wsaudit --h2-frames` against tshark's frames, as (packet that completed
     the frame, tcp.stream, stream id, type, length); a multiset, exactly.
  2. WebSocket streams: the streams tshark shows with `:protocol websocket` in a CONNECT and a
     2xx answer are exactly the (conn, stream) of wsaudit's conn records with websocket true.
  3. WebSocket frames: tshark's DATA payload of each such stream, joined in order and cut into
     RFC 6455 frames here (an independent reader: header, lengths, mask, close code), against
     wsaudit's frame and close records (packet that completed the frame, conn, stream, opcode,
     FIN, length, close code).
  4. The end record of each stream: its DATA bytes per side equal tshark's.
Exit 1 on any difference, or when no capture was compared.

usage: h2_diff.py WSAUDIT CAPTURES_DIR
"""
import glob
import json
import os
import struct
import subprocess
import sys


def keylog_of(path):
    k = os.path.join(os.path.dirname(path), "keys",
                     os.path.basename(path).rsplit(".", 1)[0] + ".keys")
    return k if os.path.exists(k) else None


def as_list(x):
    return x if isinstance(x, list) else [x]


def tshark_json(path, extra):
    keys = keylog_of(path)
    cmd = ["tshark", "-n", "-r", path, "--no-duplicate-keys", "-T", "json", "-J", "frame tcp http2",
           "-o", "tcp.desegment_tcp_streams:TRUE"] + extra
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def server_port(path):
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y", "tcp.flags.syn==1 && tcp.flags.ack==0",
                          "-T", "fields", "-e", "tcp.dstport", "-c", "1"],
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0]


def tshark_h2(path):
    """[(pkt, tcp.stream, dir, stream id, type, length, flags, data bytes, headers)] in order"""
    pk = tshark_json(path, [])
    if not any("http2" in p["_source"]["layers"] for p in pk):  # prior knowledge: no heuristic
        pk = tshark_json(path, ["-d", "tcp.port==%s,http2" % server_port(path)])
    out = []
    for p in pk:
        lay = p["_source"]["layers"]
        if "http2" not in lay:
            continue
        num = int(lay["frame"]["frame.number"])
        tcp = as_list(lay["tcp"])[0]
        srv = tcp["tcp.srcport"] == SERVER[0]
        for h in as_list(lay["http2"]):
            for s in as_list(h.get("http2.stream", [])):
                if "http2.type" not in s:
                    continue  # the preface
                data = s.get("http2.data.data")
                raw = bytes.fromhex(data.replace(":", "")) if isinstance(data, str) else b""
                hdrs = {}
                for hd in as_list(s.get("http2.header", [])):
                    hdrs[hd.get("http2.header.name")] = hd.get("http2.header.value")
                out.append((num, int(tcp["tcp.stream"]), 1 if srv else 0,
                            int(s["http2.streamid"]), int(s["http2.type"]),
                            int(s["http2.length"]), int(s["http2.flags"], 16), raw, hdrs))
    return out


SERVER = [None]


def ws_frames(chunks):
    """RFC 6455 frames out of [(pkt, bytes)]: (pkt that completed it, opcode, fin, len, code)"""
    buf, pkts, out = b"", [], []
    for pkt, b in chunks:
        buf += b
        pkts += [pkt] * len(b)
        while len(buf) >= 2:
            n, off = buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, off = struct.unpack("!H", buf[2:4])[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, off = struct.unpack("!Q", buf[2:10])[0], 10
            mask = buf[off:off + 4] if buf[1] & 0x80 else None
            off += 4 if mask else 0
            if len(buf) < off + n:
                break
            payload = buf[off:off + n]
            if mask:
                payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
            op = buf[0] & 0x0F
            code = struct.unpack("!H", payload[:2])[0] if op == 8 and n >= 2 else None
            out.append((pkts[off + n - 1], op, bool(buf[0] & 0x80), n, code))
            buf, pkts = buf[off + n:], pkts[off + n:]
    return out


def wsaudit_records(binary, path):
    keys = keylog_of(path)
    cmd = [binary, "-F", "jsonl", "--h2-frames"] + (["--keylog", keys] if keys else []) + [path]
    return [json.loads(x) for x in
            subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()]


def compare(binary, path):
    SERVER[0] = server_port(path)
    th = tshark_h2(path)
    recs = wsaudit_records(binary, path)
    bad = []
    # 1. frames
    t_frames = sorted((f[0], f[1], f[3], f[4], f[5]) for f in th)
    w_frames = sorted((r["pkt_end"], r["conn"], r["stream"], r["frame_type"], r["len"])
                      for r in recs if r["type"] == "h2_frame")
    if t_frames != w_frames:
        bad.append("HTTP/2 frames differ: only tshark %s, only wsaudit %s" % (
            sorted(set(t_frames) - set(w_frames))[:5], sorted(set(w_frames) - set(t_frames))[:5]))
    # 2. WebSocket streams
    req = {(f[1], f[3]) for f in th if f[8].get(":protocol") == "websocket"
           and f[8].get(":method") == "CONNECT"}
    ok = {(f[1], f[3]) for f in th if f[2] == 1 and (f[1], f[3]) in req
          and f[8].get(":status", "").startswith("2")}
    w_ws = {(r["conn"], r["stream"]) for r in recs if r["type"] == "conn" and r["websocket"]}
    if ok != w_ws:
        bad.append(f"WebSocket streams: tshark {sorted(ok)}, wsaudit {sorted(w_ws)}")
    # 3. frames inside, 4. bytes per stream
    t_ws, t_bytes = [], {}
    for conn, sid in sorted(ok):
        for d in (0, 1):
            chunks = [(f[0], f[7]) for f in th if (f[1], f[3], f[2]) == (conn, sid, d)
                      and f[4] == 0]
            t_bytes[(conn, sid, d)] = sum(len(c[1]) for c in chunks)
            t_ws += [(p, conn, sid, d, op, fin, n, code) for p, op, fin, n, code in ws_frames(chunks)]
    w_wsf = [(r["pkt_end"], r["conn"], r["stream"], 0 if r["dir"] == "c2s" else 1, r["opcode"],
              r["fin"], r["len"], r.get("code") if r["type"] == "close" else None)
             for r in recs if r["type"] in ("frame", "close") and r["complete"]]
    if sorted(t_ws) != sorted(w_wsf):
        bad.append("WebSocket frames: only tshark %s, only wsaudit %s" % (
            sorted(set(t_ws) - set(w_wsf))[:5], sorted(set(w_wsf) - set(t_ws))[:5]))
    for r in recs:
        if r["type"] == "end" and "stream" in r and r["websocket"]:
            got = (r["client_bytes"], r["server_bytes"])
            want = (t_bytes.get((r["conn"], r["stream"], 0)), t_bytes.get((r["conn"], r["stream"], 1)))
            if got != want:
                bad.append(f"stream {r['stream']}: DATA bytes {got}, tshark {want}")
    return bad, len(t_frames), len(t_ws), len(ok)


def main():
    binary, capdir = sys.argv[1], sys.argv[2]
    caps = sorted(glob.glob(os.path.join(capdir, "h2-*.pcap*")))
    failed = frames = wsf = streams = 0
    for cap in caps:
        bad, nf, nw, ns = compare(binary, cap)
        frames += nf
        wsf += nw
        streams += ns
        name = os.path.basename(cap)
        print(("FAIL: " if bad else "ok: ") + f"{name}: {nf} HTTP/2 frames, {ns} WebSocket "
              f"streams, {nw} WebSocket frames")
        for b in bad:
            print("   " + b)
        failed += bool(bad)
    print(f"{len(caps)} captures, {frames} HTTP/2 frames, {streams} WebSocket streams, "
          f"{wsf} WebSocket frames compared with tshark; {failed} failed")
    sys.exit(1 if failed or not caps or not wsf else 0)


if __name__ == "__main__":
    main()
