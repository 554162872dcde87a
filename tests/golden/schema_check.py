#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every JSON Lines record follows schema/wsaudit.schema.json (issue 16).

usage: schema_check.py SCHEMA [--wsaudit BIN CAPTURE...] [JSONL_FILE_OR_DIR...]

Validates every line of the given .jsonl files (a folder: all its *.jsonl), and, with
--wsaudit, the output of `BIN -F jsonl --payload` on each CAPTURE (with its key log from
captures/keys/ when there is one). Exit 1 when a record does not validate.
"""
import glob
import json
import os
import subprocess
import sys

import jsonschema


def main():
    args = sys.argv[1:]
    schema = json.load(open(args.pop(0)))
    validator = jsonschema.Draft202012Validator(schema)
    streams, wsaudit = [], None
    if args and args[0] == "--wsaudit":
        wsaudit = args[1]
        args = args[2:]
    for a in args:
        if os.path.isdir(a):
            streams += [(p, open(p).read()) for p in sorted(glob.glob(os.path.join(a, "*.jsonl")))]
        elif a.endswith((".pcap", ".pcapng")) and wsaudit:
            keys = os.path.join(os.path.dirname(a), "keys",
                                os.path.basename(a).rsplit(".", 1)[0] + ".keys")
            cmd = [wsaudit, "-F", "jsonl", "--payload"] + (["--keylog", keys] if os.path.exists(keys) else []) + [a]
            streams.append((a, subprocess.run(cmd, capture_output=True, text=True).stdout))
        else:
            streams.append((a, open(a).read()))
    bad = records = 0
    seen = set()
    for name, text in streams:
        for n, line in enumerate(text.splitlines(), 1):
            records += 1
            rec = json.loads(line)
            seen.add(rec.get("type"))
            errs = sorted(validator.iter_errors(rec), key=lambda e: list(e.path))
            if errs:
                bad += 1
                if bad <= 20:
                    best = jsonschema.exceptions.best_match(errs)
                    print(f"FAIL {os.path.basename(name)}:{n}: {rec.get('type')}: {best.message[:300]}")
    print(f"schema: {records} records of {len(seen)} types ({', '.join(sorted(seen))}) from "
          f"{len(streams)} outputs, {bad} invalid")
    sys.exit(1 if bad or not records else 0)


if __name__ == "__main__":
    main()
