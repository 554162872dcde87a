#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""permessage-deflate with several parameter sets (Autobahn 12/13 re-expressed): every message
wsaudit inflates must have the SHA-1 the generator recorded for it, and nothing may be reported.

usage: check_pmd.py WSAUDIT CAPTURE MANIFEST
"""
import json
import subprocess
import sys


def main():
    wsaudit, cap, manifest = sys.argv[1:4]
    want = sorted(line.strip() for line in open(manifest) if line.strip())
    out = subprocess.run([wsaudit, "-q", "--payload", "-F", "jsonl", cap], capture_output=True,
                         text=True).stdout
    got, findings = [], []
    for line in out.splitlines():
        o = json.loads(line)
        if o["type"] == "message":
            got.append(f"{o['dir']} {o.get('sha1', 'none')}")
            if not o["compressed"]:
                findings.append(f"message in pkt {o['pkt']} was not compressed")
        elif o["type"] == "finding":
            findings.append(f"{o['id']} in pkt {o['pkt']}")
    got.sort()
    ok = got == want and not findings
    missing = [x for x in want if x not in got]
    extra = [x for x in got if x not in want]
    print(f"{len(want)} messages expected, {len(got)} inflated; {len(missing)} missing, "
          f"{len(extra)} unexpected; findings: {findings or 'none'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
