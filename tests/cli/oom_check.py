#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Running out of memory is a report, not an abort (issue 18).

usage: oom_check.py WSAUDIT GEN_STRESS.PY

Two captures that need memory as they go (tests/stress/gen_stress.py): `flows` (connections
held open at once: the analyzer's own allocations) and `hsflood` (unfinished HTTP headers
growing in GLib arrays: GLib's allocator). Each is analysed unlimited, then under a range of
`ulimit -v` limits from the least that lets the program start upwards. Every run must either
end as the unlimited run did (same output, same status), or stop with the out-of-memory error:
status 3 or 4, the error on stderr and as an `error` record naming the packet, the summary as
the last line, and every line before the error exactly the unlimited run's (nothing found
before is lost or changed). No run may die by a signal (GLib and libgcrypt abort on a failed
allocation unless caught). Both kinds of failure (GLib's and the analyzer's own) must be met.
"""
import json
import os
import resource
import subprocess
import sys
import tempfile


def run(cmd, limit_mb):
    def pre():
        if limit_mb:
            b = limit_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (b, b))
    p = subprocess.run(cmd, capture_output=True, preexec_fn=pre, check=False)
    return p.returncode, p.stdout.decode("utf-8", "replace").splitlines(), \
        p.stderr.decode("utf-8", "replace")


def main():
    wsaudit, gen = sys.argv[1], sys.argv[2]
    problems, kinds, stopped, whole = [], set(), 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        caps = {}
        for kind, n in (("flows", "3000"), ("hsflood", "500")):
            caps[kind] = os.path.join(tmp, kind + ".pcap")
            subprocess.run([sys.executable, gen, kind, n, caps[kind]], check=True,
                           capture_output=True)
        for kind, cap in caps.items():
            cmd = [wsaudit, "-q", "-F", "jsonl", cap]
            ref_rc, ref, _ = run(cmd, 0)
            # the least limit at which it starts at all
            lo = 8
            while lo < 2048:
                rc, out, err = run(cmd, lo)
                if out:
                    break
                lo += 4
            for mb in sorted({lo, lo + 1, lo + 2, lo + 4, lo + 8, lo + 16, lo + 32, lo + 64,
                              lo + 128, 4096}):
                rc, out, err = run(cmd, mb)
                where = f"{kind} under {mb} MiB"
                if rc < 0 or rc >= 128:
                    problems.append(f"{where}: killed (status {rc}): {err[-300:]}")
                    continue
                if "out of memory" not in err:
                    whole += 1
                    if rc != ref_rc or out != ref:
                        problems.append(f"{where}: no error, yet not the unlimited output")
                    continue
                stopped += 1
                kinds.add("glib" if "GLib failed to allocate" in err else
                          "own" if "no memory for" in err else "other")
                if rc not in (3, 4):
                    problems.append(f"{where}: status {rc}, expected 3 or 4")
                recs = [json.loads(line) for line in out]
                errs = [i for i, r in enumerate(recs)
                        if r["type"] == "error" and "out of memory" in r["message"]]
                if not errs or not recs[errs[0]].get("pkt"):
                    problems.append(f"{where}: no error record naming the packet")
                    continue
                if recs[-1]["type"] != "summary":
                    problems.append(f"{where}: the last line is not the summary")
                k = errs[0]
                if out[:k] != ref[:k]:
                    problems.append(f"{where}: what was written before the error differs")
                print(f"ok: {where}: stopped at packet {recs[k]['pkt']} (status {rc}), "
                      f"{k} records before it as in the unlimited run")
    for p in problems:
        print("FAIL:", p)
    if not {"glib", "own"} <= kinds:
        print(f"FAIL: not both kinds of allocation failure were met: {sorted(kinds)}")
        problems.append("kinds")
    print(f"{stopped} runs stopped by memory, {whole} ran whole; {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
