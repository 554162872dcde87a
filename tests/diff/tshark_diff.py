#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential test against tshark's built-in WebSocket dissector (Wireshark 4.0).

For every capture in captures/ and, when present, ../shared/corpus/ (third-party traces), it
compares frame by frame: the packet where the frame completes (tshark shows a frame in the
packet that completed its reassembly; wsaudit reports that as pkt_end), the TCP stream (wsaudit's
conn is numbered like tcp.stream), opcode, FIN, payload length and close status code.

Where the two legitimately differ, KNOWN_DIFFERENCES says who is right and why; any other
difference fails the test. Usage: tshark_diff.py WSAUDIT CAPTURES_DIR [CORPUS_DIR]
"""
import glob
import json
import os
import subprocess
import sys

# capture basename -> (who is right and why, frames only wsaudit may show, frames only tshark
# may show). Every other capture must agree exactly.
KNOWN_DIFFERENCES = {
    # The client's frame with a 64-bit length whose MSB is set (RFC 6455 §5.2 MUST be 0): tshark
    # shows it as a frame of 2^63+5 bytes; wsaudit reports ws.violation.length_msb_set and stops
    # the direction, since no frame boundary after it can be trusted. wsaudit is right not to
    # present a frame it cannot delimit.
    "ws-framing-violations.pcap": ("msb-length frame shown by tshark only", 0, 1),
    # A client segment inside the payload of a 70000-byte frame is missing. tshark's TCP
    # reassembly waits for it forever, so it shows neither that frame nor the client's Close
    # after it. wsaudit reports stream.gap, knows the gap lies inside the payload (the next
    # header is where the length says) and decodes both: the Close 1000 is really there.
    "ws-gap-in-payload.pcap": ("tshark stalls at the hole; wsaudit resyncs in the payload", 2, 0),
    # wss:// with keys: the raw server's 101 and its Close 1015 travel in two TLS records of one
    # packet (13). tshark's HTTP dissector takes the first record and does not hand the second
    # to its WebSocket dissector, so it shows no frame there; wsaudit decodes the Close 1015,
    # and the client's answering Close 1002 (packet 15, which tshark shows) proves it arrived.
    "tls-dec-wss-1015-raw.pcap": ("tshark skips a frame in the record after the 101's", 1, 0),
    # The capture starts after the handshake. tshark shows TCP only; wsaudit's mid-stream
    # heuristic (a run of plausible frames, the masked side being the client) decodes the
    # binary message and both Closes (tshark agrees with `-d tcp.port==18001,websocket`).
    "ws-midstream.pcap": ("wsaudit decodes without the handshake", 5, 0),
    # A client sends a masked text frame in the same segment as its Upgrade request, before the
    # 101 (RFC 6455 §4.1: it MUST wait). tshark shows those bytes as "HTTP Continuation"; wsaudit
    # decodes the frame and reports ws.violation.early_data. The server really received and
    # echoed it (the echo is in the capture), so it is a frame.
    "ws-handshake-cases.pcap": ("early frame: tshark shows HTTP continuation", 1, 0),
}

FIELDS = ["frame.number", "tcp.stream", "websocket.opcode", "websocket.fin",
          "websocket.payload_length", "websocket.payload_length_ext_16",
          "websocket.payload_length_ext_64", "websocket.payload.close.status_code"]


def keylog_of(path):
    """captures/keys/NAME.keys: the secrets of a capture (tls_decrypt.sh), given to both tools"""
    k = os.path.join(os.path.dirname(path), "keys",
                     os.path.basename(path).rsplit(".", 1)[0] + ".keys")
    return k if os.path.exists(k) else None


def tshark_frames(path):
    keys = keylog_of(path)
    cmd = ["tshark", "-n", "-r", path] + (["-o", "tls.keylog_file:" + keys] if keys else []) + [ "-o", "tcp.desegment_tcp_streams:TRUE",
           "-o", "tcp.reassemble_out_of_order:TRUE",
           "-Y", "websocket", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    frames = []
    for line in out.splitlines():
        cols = line.split("\t")
        pkt, stream = int(cols[0]), int(cols[1])
        ops = cols[2].split("|") if cols[2] else []
        fins = cols[3].split("|")
        l7 = cols[4].split("|")
        l16 = [x for x in cols[5].split("|") if x]
        l64 = [x for x in cols[6].split("|") if x]
        codes = [x for x in cols[7].split("|") if x]
        for i, op in enumerate(ops):
            n = int(l7[i])
            if n == 126:
                n = int(l16.pop(0))
            elif n == 127:
                n = int(l64.pop(0))
            code = None
            if int(op, 0) == 8 and n >= 2 and codes:
                code = int(codes.pop(0))
            fin = fins[i] in ("1", "True", "true")
            frames.append((pkt, stream, int(op, 0), fin, n, code))
    return frames


def wsaudit_frames(binary, path):
    keys = keylog_of(path)
    out = subprocess.run([binary, "-F", "jsonl"] + (["--keylog", keys] if keys else []) + [path],
                         capture_output=True, text=True).stdout
    frames = []
    for line in out.splitlines():
        o = json.loads(line)
        if o["type"] in ("frame", "close") and o["complete"]:
            code = o.get("code") if o["type"] == "close" else None
            frames.append((o["pkt_end"], o["conn"], o["opcode"], o["fin"], o["len"], code))
    return frames


def main():
    binary, capdir = sys.argv[1], sys.argv[2]
    corpus = sys.argv[3] if len(sys.argv) > 3 else None
    files = sorted(glob.glob(os.path.join(capdir, "*.pcap*")))
    if corpus and os.path.isdir(corpus):
        files += sorted(glob.glob(os.path.join(corpus, "**", "*.pcap*"), recursive=True))
    else:
        print("note: third-party corpus not found; only captures/ compared")
    failed = compared = 0
    for path in files:
        name = os.path.basename(path)
        if name.startswith("h2-"):
            # WebSocket over HTTP/2: Wireshark 4.0 shows the streams' DATA undecoded, so these
            # are compared through its HTTP/2 dissector by h2_diff.py instead
            print(f"skip {name}: WebSocket over HTTP/2 (h2_diff.py)")
            continue
        ts, wa = tshark_frames(path), wsaudit_frames(binary, path)
        if name in KNOWN_DIFFERENCES:
            why, only_wa, only_ts = KNOWN_DIFFERENCES[name]
            extra_ts = [f for f in ts if f not in wa]
            extra_wa = [f for f in wa if f not in ts]
            ok = len(extra_wa) == only_wa and len(extra_ts) == only_ts
            status = "ok (known: %s)" % why if ok else "FAIL"
        else:
            ok = sorted(ts) == sorted(wa)
            status = "ok" if ok else "FAIL"
        compared += len(ts)
        print(f"{status}: {name}: tshark {len(ts)} frames, wsaudit {len(wa)} frames")
        if not ok:
            failed += 1
            sts, swa = set(ts), set(wa)
            for f in sorted(sts - swa)[:10]:
                print("   only tshark :", f)
            for f in sorted(swa - sts)[:10]:
                print("   only wsaudit:", f)
    print(f"{len(files)} captures, {compared} tshark frames compared, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
