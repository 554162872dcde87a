#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check wsaudit's verdicts on the Autobahn-style capture against tests/autobahn/expect.txt.

usage: check.py WSAUDIT CAPTURE EXPECT
Every case must be present as a connection (request path /ab/CASE) and carry exactly the
expected set of finding ids; every connection must be an expected case.
"""
import collections
import json
import subprocess
import sys


def main():
    wsaudit, cap, expect_file = sys.argv[1:4]
    expect = {}
    for line in open(expect_file):
        if line.strip() and not line.startswith("#"):
            name, *ids = line.split()
            expect[name] = set() if ids == ["-"] else set(ids)
    out = subprocess.run([wsaudit, "-q", "-F", "jsonl", cap], capture_output=True,
                         text=True).stdout
    paths, found = {}, collections.defaultdict(set)
    for line in out.splitlines():
        o = json.loads(line)
        if o["type"] == "conn":
            paths[o["conn"]] = o["path"].removeprefix("/ab/")
        elif o["type"] == "finding" and "conn" in o:
            found[o["conn"]].add(o["id"])
    bad = 0
    seen = set()
    for conn, name in sorted(paths.items()):
        seen.add(name)
        if name not in expect:
            print(f"FAIL {name}: not in {expect_file}")
            bad += 1
        elif found[conn] != expect[name]:
            print(f"FAIL {name}: got {sorted(found[conn]) or '-'}, expected "
                  f"{sorted(expect[name]) or '-'}")
            bad += 1
    for name in expect.keys() - seen:
        print(f"FAIL {name}: no such connection in the capture")
        bad += 1
    print(f"{len(expect)} Autobahn-style cases, {bad} failing")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
