#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""--merge: several files read as ONE capture (issue 16 item 5).

1. Rotated files. Every golden capture is cut into three files with editcap -c (as
   tcpdump -C / dumpcap -b cut a capture). `wsaudit --merge` on the three, named in reverse
   order, must give the records of the whole capture, byte for byte once the file names are
   set aside: the same connections (one conn and one end record each, however many files
   they cross), frames, closes, findings, packet numbers and times. Each record's `file` and
   `file_pkt` must name the part that holds its packet, at the right place.
2. Interleaved files. Two captures whose times overlap (one shifted with editcap -t) are
   merged by mergecap; `wsaudit --merge A B` must give the records of `wsaudit` on mergecap's
   output (mergecap orders packets by time, the earlier file first on a tie, as we do).
3. A directory and --files-from name the same files: the same output as the files named.

usage: merge_check.py WSAUDIT CAPTURES_DIR TESTLIST
"""
import json
import jsonschema
import os
import shutil
import subprocess
import sys
import tempfile

WS, CAPS, TESTLIST = (os.path.abspath(a) for a in sys.argv[1:4])
problems = []
SCHEMA = jsonschema.Draft202012Validator(json.load(open(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "schema", "wsaudit.schema.json"))))


def run(args, cwd=CAPS):
    p = subprocess.run([WS, "-F", "jsonl", "--payload"] + args, cwd=cwd,
                       capture_output=True, text=True)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()]


def packets(path):
    out = subprocess.run(["capinfos", "-M", "-c", "-T", path], capture_output=True,
                         text=True).stdout.strip().splitlines()
    return int(out[-1].split("\t")[1]) if out else 0


def comparable(recs):
    """the records without what names files: the file records, file/file_pkt/merged, and the
    summary's count of files"""
    out = []
    for r in recs:
        if r["type"] == "file":
            continue
        r = dict(r)
        r.pop("file", None)
        r.pop("file_pkt", None)
        if r["type"] == "summary":
            r.pop("files", None)
        out.append(json.dumps(r, sort_keys=True))
    return out


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "record %d:\n  whole:  %s\n  merged: %s" % (i, x[:300], y[:300])
    return "%d records against %d" % (len(a), len(b))


tmp = tempfile.mkdtemp(prefix="wsaudit-merge-")
cases = crossing = 0
skipped = []
try:
    for line in open(TESTLIST):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        name, cap, opts = f[0], f[1], f[2:]
        path = os.path.join(CAPS, cap)
        if cap.endswith((".gz", ".zst", ".xz", ".bz2", ".lz4")) or "-" in opts or \
                "--merge" in opts or "-j" in opts:
            continue
        n = packets(path)
        if n < 3:
            skipped.append(name + " (fewer than 3 packets)")
            continue
        d = os.path.join(tmp, name)
        os.mkdir(d)
        # editcap writes the input's format; a file it cannot read whole is not a rotation case
        ext = ".pcapng" if cap.endswith(".pcapng") else ".pcap"
        e = subprocess.run(["editcap", "-c", str((n + 2) // 3), path,
                            os.path.join(d, "part" + ext)], capture_output=True, text=True)
        parts = sorted(os.path.join(d, p) for p in os.listdir(d))
        if e.returncode != 0 or sum(packets(p) for p in parts) != n:
            skipped.append(name + " (editcap cannot cut it)")
            continue
        rc_w, whole = run(opts + [cap])
        rc_m, merged = run(opts + ["--merge"] + parts[::-1])
        cases += 1
        for r in merged:
            err = jsonschema.exceptions.best_match(SCHEMA.iter_errors(r))
            if err:
                problems.append("%s: schema: %s in %s" % (name, err.message, r["type"]))
                break
        if rc_w != rc_m:
            problems.append("%s: exit %d whole, %d merged" % (name, rc_w, rc_m))
        a, b = comparable(whole), comparable(merged)
        if a != b:
            problems.append("%s: %s" % (name, first_diff(a, b)))
            continue
        # every record's packet in the part that holds it
        first, at = {}, 1
        for p in parts:
            first[p] = at
            at += packets(p)
        bounds = sorted(first.items(), key=lambda kv: kv[1])
        conns = set()
        for r in merged:
            if r["type"] == "file":
                if not r.get("merged"):
                    problems.append("%s: file record without merged" % name)
                continue
            pkt = r.get("pkt", 0)
            if not pkt:
                continue
            holder = [p for p, s in bounds if s <= pkt][-1]
            if r.get("file") != holder or r.get("file_pkt") != pkt - first[holder] + 1:
                problems.append("%s: %s record at packet %d says %s:%s, not %s:%d" % (
                    name, r["type"], pkt, r.get("file"), r.get("file_pkt"),
                    os.path.basename(holder), pkt - first[holder] + 1))
                break
            if r["type"] == "end" and "conn" in r:
                conns.add(r["conn"])
                starts = [x for x in merged if x.get("conn") == r["conn"] and
                          x["type"] in ("conn", "tls")]
                if starts and starts[0]["file"] != r["file"]:
                    crossing += 1

    # 2. interleaved: two captures overlapping in time, against mergecap
    a = os.path.join(CAPS, "ws-1003-big-binary.pcap")
    b = os.path.join(CAPS, "ws-close-codes-server.pcap")
    ta = float(subprocess.run(["capinfos", "-M", "-a", "-S", "-T", a], capture_output=True,
                              text=True).stdout.splitlines()[-1].split("\t")[1])
    tb = float(subprocess.run(["capinfos", "-M", "-a", "-S", "-T", b], capture_output=True,
                              text=True).stdout.splitlines()[-1].split("\t")[1])
    bs = os.path.join(tmp, "shifted.pcap")
    # b starts 5 ms after a: their packets interleave
    subprocess.run(["editcap", "-t", "%.6f" % (ta - tb + 0.005), b, bs], check=True)
    m = os.path.join(tmp, "mergecap.pcap")
    subprocess.run(["mergecap", "-F", "pcap", "-w", m, a, bs], check=True)
    rc1, via_mergecap = run([m])
    rc2, ours = run(["--merge", a, bs])
    cases += 1
    if comparable(via_mergecap) != comparable(ours) or rc1 != rc2:
        problems.append("interleaved: %s" % first_diff(comparable(via_mergecap),
                                                       comparable(ours)))
    files_seen = {r["file"] for r in ours if "conn" in r}
    if files_seen != {a, bs}:
        problems.append("interleaved: frames name %s" % sorted(files_seen))

    # 3. a directory, --files-from and the files named give the same
    d = os.path.join(tmp, "rot")
    os.mkdir(d)
    subprocess.run(["editcap", "-c", "7", a, os.path.join(d, "rot.pcap")], check=True)
    parts = sorted(os.path.join(d, p) for p in os.listdir(d))
    open(os.path.join(d, ".hidden"), "w").write("not a capture\n")
    lst = os.path.join(tmp, "list.txt")
    open(lst, "w").write("# rotated\n" + "\n".join(parts) + "\n\n")
    named = run(["--merge"] + parts)
    for how, args in (("directory", ["--merge", d]), ("--files-from", ["--merge",
                                                                        "--files-from", lst])):
        got = run(args)
        cases += 1
        if got != named:
            problems.append("%s: not the output of the files named" % how)
    ends = [r for r in named[1] if r["type"] == "end"]
    if len(parts) < 3 or len(ends) != 1 or len({r.get("file") for r in named[1]} - {None}) < 3:
        problems.append("rotation: %d parts, %d end records" % (len(parts), len(ends)))
finally:
    shutil.rmtree(tmp)

print("merge: %d cases, %d connections end in another file than they began" % (cases, crossing))
for s in skipped:
    print("  skipped:", s)
for p in problems:
    print("PROBLEM:", p)
if crossing == 0:
    problems.append("no connection crossed a file: the check proves nothing")
    print("PROBLEM: no connection crossed a file")
sys.exit(1 if problems else 0)
