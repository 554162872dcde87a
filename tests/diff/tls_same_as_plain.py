#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Decrypted wss:// is decoded exactly as plain ws:// (issue 14).

gen_capture writes the same WebSocket connections twice: inside TLS 1.3 with their key log
(--tls), and in plaintext (--conns N). wsaudit --keylog on the first and wsaudit on the second
must report the same WebSocket connections, frames, closes, messages and WebSocket findings (what
differs by construction is left out: packet numbers, and the TLS records of the first).
Usage: tls_same_as_plain.py WSAUDIT GEN_CAPTURE
"""
import json
import os
import subprocess
import sys
import tempfile


def facts(wsaudit, cap, extra):
    out = subprocess.run([wsaudit, "-F", "jsonl", "--payload"] + extra + [cap],
                         capture_output=True, text=True).stdout
    got = []
    for line in out.splitlines():
        r = json.loads(line)
        t = r["type"]
        if t in ("frame", "close", "message"):
            got.append((t, r["conn"], r["dir"], r["opcode"], r.get("len", r.get("size")),
                        r.get("fin"), r.get("code"), r.get("sha1")))
        elif t == "conn":
            got.append((t, r["conn"], r["path"], r["status"], r["websocket"], r["accept_ok"]))
        elif t == "finding" and r["id"].startswith("ws."):
            off = r.get("offending", {})
            got.append((t, r.get("conn"), r["id"], off.get("status"), off.get("opcode")))
    return sorted(got, key=repr)


def main():
    wsaudit, gen = sys.argv[1:3]
    with tempfile.TemporaryDirectory() as tmp:
        tls, keys, plain = (os.path.join(tmp, n) for n in ("tls.pcap", "tls.keys", "plain.pcap"))
        subprocess.run([gen, "--tls", keys, "--conns", "60", "0", tls], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([gen, "--conns", "60", "0", plain], check=True, stdout=subprocess.DEVNULL)
        a = facts(wsaudit, tls, ["--keylog", keys])
        b = facts(wsaudit, plain, [])
        nothing = facts(wsaudit, tls, [])  # without keys: no WebSocket is seen inside TLS
    kinds = {t[0] for t in a}
    print(f"decrypted: {len(a)} facts, plaintext: {len(b)} facts ({', '.join(sorted(kinds))})")
    ok = a == b and len(a) > 100 and "close" in kinds and not any(
        f[0] in ("frame", "close") for f in nothing)
    if a != b:
        sa, sb = set(a), set(b)
        for f in sorted(sa - sb, key=repr)[:10]:
            print("  only decrypted:", f)
        for f in sorted(sb - sa, key=repr)[:10]:
            print("  only plaintext:", f)
    print("1 passed, 0 failed" if ok else "0 passed, 1 failed")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
