#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""-w FILE: the packets of the connections with findings (issue 16 item 6).

For every golden capture, at two levels (note, and the default error):
- the JSONL says which connections have a finding at or above the level; tshark, on the
  original capture, says which packets belong to those TCP streams (tcp.stream is our conn
  number); the evidence file must hold exactly those packets (with the packets of findings
  outside any connection), in order, with the same times, lengths and bytes;
- tshark and capinfos read the evidence file without complaint (an empty one too);
- wsaudit on the evidence file finds the same findings at or above the level.
With --evidence-id, only the connections with that finding are written. With --merge on a
capture cut in three, the evidence file is byte for byte the one of the whole capture.

usage: evidence_check.py WSAUDIT CAPTURES_DIR TESTLIST
"""
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

import jsonschema

from scapy.utils import RawPcapReader

WS, CAPS, TESTLIST = (os.path.abspath(a) for a in sys.argv[1:4])
SEV = {"note": 0, "warning": 1, "error": 2, "degraded": 3}
problems = []
SCHEMA = jsonschema.Draft202012Validator(json.load(open(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "schema", "wsaudit.schema.json"))))


def wsaudit(args):
    p = subprocess.run([WS, "-q", "-F", "jsonl"] + args, cwd=CAPS, capture_output=True,
                       text=True)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()]


def frames(path, extra=()):
    """(time, length, bytes, tcp.stream) of every packet: tshark for the fields, scapy's raw
    reader for the bytes"""
    p = subprocess.run(["tshark", "-2", "-r", path, "-T", "fields", "-e", "frame.time_epoch",
                        "-e", "frame.len", "-e", "tcp.stream", "-e", "ip.reassembled_in",
                        "-e", "ipv6.reassembled.in"] + list(extra),
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()
    rows = [(l.split("\t") + [""] * 5)[:5] for l in p.stdout.splitlines()]
    # a fragment belongs to the stream of the frame that reassembled its datagram
    streams = [r[2] for r in rows]
    for i, r in enumerate(rows):
        at = (r[3] or r[4]).split(",")[0]
        if not r[2] and at and 0 < int(at) <= len(rows):
            streams[i] = rows[int(at) - 1][2]
    rows = [(r[0], r[1], st) for r, st in zip(rows, streams)]
    if extra:
        return [(t, ln, b"", st) for t, ln, st in rows], ""
    try:
        raw = [bytes(pkt) for pkt, _ in RawPcapReader(path)]
    except Exception as e:  # scapy refuses it: not a reference either
        return None, str(e)
    if len(raw) != len(rows):
        return None, "tshark and scapy count %d and %d packets" % (len(rows), len(raw))
    return [(t, ln, b, st) for (t, ln, st), b in zip(rows, raw)], ""


def findings(recs, level):
    return [r for r in recs if r["type"] == "finding" and SEV[r["severity"]] >= level]


tmp = tempfile.mkdtemp(prefix="wsaudit-evidence-")
cases = written = skipped = 0
try:
    def one(line):
        """(cases, written, skipped, problems) of one golden capture"""
        out_problems, cases, written = [], 0, 0
        f = line.split()
        if not f or f[0].startswith("#"):
            return 0, 0, 0, []
        name, cap, opts = f[0], f[1], f[2:]
        if "-" in opts or "-j" in opts or cap.endswith((".gz", ".zst", ".xz", ".bz2", ".lz4")):
            return 0, 0, 0, []
        orig, why = frames(os.path.join(CAPS, cap))
        if orig is None:
            return 0, 0, 1, []  # a capture tshark refuses (the hostile ones): no reference
        for level in ("note", "error"):
            out = os.path.join(tmp, "%s-%s.pcapng" % (name, level))
            rc, recs = wsaudit(opts + ["-w", out, "--evidence-level", level, cap])
            cases += 1
            ev = [r for r in recs if r["type"] == "evidence"]
            want = findings(recs, SEV[level])
            conns = {r["conn"] for r in want if "conn" in r}
            lone = {r["pkt"] for r in want if "conn" not in r}
            expect = [fr[:3] for i, fr in enumerate(orig, 1)
                      if (fr[3] and int(fr[3]) in conns) or i in lone]
            got, why = frames(out)
            if got is None:
                out_problems.append("%s/%s: tshark cannot read the evidence: %s" % (name, level,
                                                                                   why))
                continue
            got = [g[:3] for g in got]
            bad = [e.message for r in ev for e in SCHEMA.iter_errors(r)]
            if bad:
                out_problems.append("%s/%s: schema: %s" % (name, level, bad[0]))
            if len(ev) != 1 or ev[0]["packets"] != len(got) or ev[0]["connections"] != len(conns):
                out_problems.append("%s/%s: evidence record %s, %d packets, %d connections" % (
                    name, level, ev, len(got), len(conns)))
            if got != expect:
                out_problems.append(
                    "%s/%s: %d packets written, %d expected (first difference at %s)" % (
                        name, level, len(got), len(expect),
                        next((i for i, (a, b) in enumerate(zip(got, expect)) if a != b),
                             min(len(got), len(expect)))))
                continue
            written += len(got)
            if got:
                _, again = wsaudit(opts + [out])
                a = collections.Counter(r["id"] for r in want)
                b = collections.Counter(r["id"] for r in findings(again, SEV[level]))
                if a != b:
                    out_problems.append("%s/%s: the evidence file gives %s, the capture %s" % (
                        name, level, dict(b), dict(a)))
        return cases, written, 0, out_problems

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        for c, w, sk, pr in pool.map(one, open(TESTLIST).readlines()):
            cases += c
            written += w
            skipped += sk
            problems.extend(pr)

    # --evidence-id: only the connections with that finding
    cap = "ws-close-codes-server.pcap"
    out = os.path.join(tmp, "ids.pcapng")
    _, recs = wsaudit(["-w", out, "--evidence-id", "ws.close.invalid*", cap])
    conns = {r["conn"] for r in recs if r["type"] == "finding" and
             r["id"].startswith("ws.close.invalid")}
    fr_ids, why = frames(out, ["-Y", "tcp"])
    if fr_ids is None:
        sys.exit("--evidence-id: tshark: " + why)
    streams = {g[3] for g in fr_ids}
    ev = [r for r in recs if r["type"] == "evidence"][0]
    cases += 1
    if not conns or ev["connections"] != len(conns) or len(streams) != len(conns) or \
            ev["ids"] != ["ws.close.invalid*"] or ev["level"] is not None:
        problems.append("--evidence-id: %s for connections %s" % (ev, sorted(conns)))

    # --merge: the evidence of three rotated parts is the evidence of the whole
    cap = os.path.join(CAPS, "ws-close-codes-client.pcap")
    d = os.path.join(tmp, "rot")
    os.mkdir(d)
    n = len(frames(cap)[0])
    subprocess.run(["editcap", "-c", str(n // 3 + 1), cap, os.path.join(d, "p.pcap")],
                   check=True)
    parts = sorted(os.path.join(d, p) for p in os.listdir(d))
    wsaudit(["-w", os.path.join(tmp, "whole.pcapng"), "--evidence-level", "note", cap])
    wsaudit(["-w", os.path.join(tmp, "merged.pcapng"), "--evidence-level", "note", "--merge"]
            + parts)
    cases += 1
    whole = open(os.path.join(tmp, "whole.pcapng"), "rb").read()
    if len(parts) < 3 or whole != open(os.path.join(tmp, "merged.pcapng"), "rb").read() or \
            len(whole) < 1000:
        problems.append("--merge: the evidence of %d parts is not that of the whole" % len(parts))

    # refused: standard input (it cannot be read twice), an unwritable file
    p = subprocess.run([WS, "-w", os.path.join(tmp, "x.pcapng"), "-"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True)
    q = subprocess.run([WS, "-w", "/nonexistent/dir/x.pcapng", cap], capture_output=True,
                       text=True)
    cases += 2
    if p.returncode != 2 or "standard input" not in p.stderr:
        problems.append("-w with stdin: exit %d, %r" % (p.returncode, p.stderr))
    if q.returncode != 2 or "/nonexistent/dir/x.pcapng" not in q.stderr:
        problems.append("-w to an unwritable place: exit %d, %r" % (q.returncode, q.stderr))
finally:
    shutil.rmtree(tmp)

print("evidence: %d cases, %d packets written and checked against tshark; %d captures "
      "tshark or scapy cannot read skipped" % (cases, written, skipped))
for p in problems:
    print("PROBLEM:", p)
sys.exit(1 if problems or written == 0 else 0)
