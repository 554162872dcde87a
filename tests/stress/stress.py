#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Memory limits under stress (CONFORMANCE TCP-16): many flows, many tiny out-of-order segments.

usage: stress.py --build DIR [--check] [--sizes 10000,100000]

For each size N it writes (gen_stress.py) `flows` (N WebSocket connections open at once, each
closed with 1003), `ooo` (an N-byte message in N one-byte segments, reverse order), `hole`
(the same in order but the first byte last) and, for N <= 2000, `hsflood` (N connections
holding 60 KB of unfinished HTTP header each), runs `wsaudit -q -F jsonl` on each (flows and
hsflood also with --memcap 16) and reads the summary.

Always checked (these make the ctest `stress_limits`, run with --check at a small N):
  - every close frame written is reported (2N for flows, with or without --memcap; the
    server's 1003 for the out-of-order captures),
  - a reached limit is reported: stream.memcap for the out-of-order captures and for flows
    under --memcap, with exit status 3 (partial),
  - no limit finding when nothing was limited (flows at the default memcap).
Without --check it also prints wall time, peak RSS (build/tests/rss_run) and, between the sizes,
the time ratio (linear time: ratio of sizes). Timings are reported, never asserted.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(build, args, pcap):
    rssf = tempfile.mktemp(prefix="wsaudit-stress-rss-")
    cmd = [os.path.join(build, "tests", "rss_run"), rssf, os.path.join(build, "wsaudit"), "-q",
           "-F", "jsonl"] + args + [pcap]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    with open(rssf) as f:
        rss = int(f.read())
    os.unlink(rssf)
    summary = None
    for line in p.stdout.splitlines():
        rec = json.loads(line)
        if rec.get("type") == "summary":
            summary = rec
    return p.returncode, summary, wall, rss


def count(summary, fid):
    return summary.get("findings", {}).get(fid, 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--sizes", default=None)
    a = ap.parse_args()
    sizes = [int(x) for x in (a.sizes or ("6000,600" if a.check else "2000,10000,100000")).split(",")]
    tmp = tempfile.mkdtemp(prefix="wsaudit-stress-")
    bad = 0
    prev = {}

    def expect(cond, what):
        nonlocal bad
        if not cond:
            bad += 1
            print("FAIL:", what)

    for n in sizes:
        for mode in ("flows", "ooo", "hole", "hsflood"):
            if mode == "hsflood" and n > 2000:
                continue  # 60 KB per connection: 2000 are 120 MB of capture already
            pcap = os.path.join(tmp, f"{mode}{n}.pcap")
            subprocess.run([sys.executable, os.path.join(HERE, "gen_stress.py"), mode, str(n),
                            pcap], check=True)
            variants = [("", [])]
            if mode in ("flows", "hsflood"):
                variants.append(("--memcap 16", ["--memcap", "16"]))
            for label, args in variants:
                rc, s, wall, rss = run(a.build, args, pcap)
                name = f"{mode} N={n} {label}".strip()
                if s is None:
                    expect(False, f"{name}: no summary (exit {rc})")
                    continue
                memcap = count(s, "stream.memcap")
                # is a limit certainly reached? (flows: about 4 KiB each against 16 MiB;
                # one-byte segments: 4096 per direction; hsflood: 60 KB each against 16 MiB)
                reach = {"flows": n >= 6000, "ooo": n > 4096, "hole": n > 4096,
                         "hsflood": n >= 300}[mode]
                if mode == "hsflood":
                    if args and reach:
                        expect(memcap > 0 and rc == 3, f"{name}: no stream.memcap (exit {rc})")
                    else:
                        expect(memcap == 0, f"{name}: stream.memcap without a limit reached")
                elif mode == "flows":
                    expect(s["closes"] == 2 * n,
                           f"{name}: {s['closes']} close frames reported, {2 * n} written")
                    if args and reach:
                        expect(memcap > 0, f"{name}: no stream.memcap reported")
                        expect(rc == 3, f"{name}: exit {rc}, want 3")
                    else:
                        expect(memcap == 0 and rc == 0, f"{name}: exit {rc}, memcap {memcap}")
                else:
                    # the client's direction stops at the skipped hole; the server's close is
                    # still decoded and annotated
                    expect(s["closes"] >= 1, f"{name}: the server's close was lost")
                    expect(count(s, "ws.close.unsupported_data") >= 1, f"{name}: 1003 lost")
                    if reach:
                        expect(memcap >= 1, f"{name}: no stream.memcap reported")
                        expect(rc == 3, f"{name}: exit {rc}, want 3")
                line = (f"{name:28} {s['packets']:8} pkts  {wall:7.3f} s  {rss / 1024:7.1f} MiB"
                        f"  stream.memcap={memcap}")
                key = (mode, label)
                if key in prev:
                    pn, pw = prev[key]
                    line += f"  time x{wall / pw:.1f} for x{n / pn:.0f} input"
                prev[key] = (n, wall)
                if not a.check:
                    print(line)
    print("stress:", "ok" if not bad else f"{bad} failure(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
