#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every WebSocket connection in the reviewed goldens says how it ended (issue 15).

usage: status_check.py EXPECTED_DIR

For each captures/expected/*.jsonl: every `conn` record with "websocket": true has exactly one
`status` record, then one `end` record last (its close codes those of the connection's Close
records, `close_handshake` exactly when both sides sent one), with both sides' statuses
(a close code, or null only when the capture ended first or lost bytes: then `how` is
`capture_end` or a direction has a stream.gap / ws.direction_stopped / stream.memcap finding),
and `ws.close.abnormal` exactly when the capture saw the connection end with no Close at all.
"""
import glob
import json
import os
import sys

LOSS = {"stream.gap", "ws.direction_stopped", "stream.memcap", "stream.midstream"}


def check(path):
    bad = []
    recs = [json.loads(line) for line in open(path)]
    by_conn = {}
    for i, r in enumerate(recs):
        if "conn" in r and "file" in r:
            # a WebSocket over HTTP/2 is a stream of its connection (RFC 8441)
            by_conn.setdefault((r["file"], r["conn"], r.get("stream")), []).append((i, r))
    for key, rs in by_conn.items():
        if not any(r["type"] == "conn" and r.get("websocket") for _, r in rs):
            continue
        where = f"{os.path.basename(path)} conn {key[1]}" + (f" stream {key[2]}" if key[2] else "")
        st = [(i, r) for i, r in rs if r["type"] == "status"]
        if len(st) != 1:
            bad.append(f"{where}: {len(st)} status records")
            continue
        i, s = st[0]
        ends = [(k, r) for k, r in rs if r["type"] == "end"]
        if len(ends) != 1 or ends[0][0] != rs[-1][0]:
            bad.append(f"{where}: not exactly one end record, last")
        elif i != rs[-2][0]:
            bad.append(f"{where}: the status record is not the last before the end record")
        else:
            e = ends[0][1]
            sent = {"c2s": None, "s2c": None}
            for _, r in rs:
                if r["type"] == "close" and sent[r["dir"]] is None:
                    sent[r["dir"]] = r
            for d, who in (("c2s", "client"), ("s2c", "server")):
                c = sent[d]
                if e[f"{who}_close"] != (c is not None) or \
                        (c is not None and e[f"{who}_close_code"] != c.get("code")):
                    bad.append(f"{where}: end record's {who} close disagrees with its Close")
            both = sent["c2s"] is not None and sent["s2c"] is not None
            if (e["ended"] == "close_handshake") != (both and s["how"] in ("fin", "rst")):
                bad.append(f"{where}: ended {e['ended']} with closes {sent}")
        ids = {r.get("id") for _, r in rs if r["type"] == "finding"}
        lost = bool(ids & LOSS)
        for side in ("client_saw", "server_saw"):
            if s[side] is None and s["how"] != "capture_end" and not lost:
                bad.append(f"{where}: {side} unknown without a loss or the capture's end")
        closes = [r for _, r in rs if r["type"] == "close"]
        ended = s["how"] in ("fin", "rst")
        if ended and not lost and not closes and "ws.close.abnormal" not in ids:
            bad.append(f"{where}: ended by {s['how']} without a Close, no ws.close.abnormal")
        if closes and "ws.close.abnormal" in ids and all(c["complete"] for c in closes) and \
                not any(r.get("complete") is False for _, r in rs if r["type"] == "frame"):
            bad.append(f"{where}: ws.close.abnormal although Close frames were exchanged")
    return bad, sum(1 for rs in by_conn.values()
                    if any(r["type"] == "conn" and r.get("websocket") for _, r in rs))


def main():
    problems, conns = [], 0
    for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.jsonl"))):
        bad, n = check(path)
        problems += bad
        conns += n
    for p in problems:
        print("FAIL " + p)
    print(f"status: {conns} WebSocket connections, {len(problems)} problems")
    sys.exit(1 if problems or not conns else 0)


if __name__ == "__main__":
    main()
