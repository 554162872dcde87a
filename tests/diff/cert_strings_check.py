#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Certificate and hello strings in JSON follow the rule of close reasons (issue 18).

For every capture whose `tls` record names a certificate: each attribute value of the subject
and issuer (the RFC 4514 string, from `subject_hex` when the name is not UTF-8, else from
`subject`) must be, byte for byte, one of the directory strings tshark's X.509 dissector shows
in that packet (x509sat.*String_raw), and the JSON string must be what tshark's own JSON gives
for it (control characters as JSON escapes, U+FFFD for bytes that are not UTF-8, never
wsaudit's \\xNN text). `*_hex` must be there exactly when the bytes are not UTF-8; the SNI and
the names in `dns` likewise. Usage: cert_strings_check.py WSAUDIT CAPTURES_DIR
"""
import glob
import json
import os
import re
import subprocess
import sys


def rfc4514_values(dn: bytes):
    """attribute values of an RFC 4514 string, unescaped (\\X and \\HH)"""
    values, cur, i, in_value = [], bytearray(), 0, False
    while i < len(dn):
        c = dn[i:i + 1]
        if c == b"\\" and i + 1 < len(dn):
            nxt = dn[i + 1:i + 3]
            if re.fullmatch(rb"[0-9a-fA-F]{2}", nxt):
                cur.append(int(nxt, 16))
                i += 3
                continue
            cur += dn[i + 1:i + 2]
            i += 2
            continue
        if c == b"=" and not in_value:
            cur, in_value = bytearray(), True
        elif c in (b",", b"+"):
            values.append(bytes(cur))
            cur, in_value = bytearray(), False
        else:
            cur += c
        i += 1
    if in_value:
        values.append(bytes(cur))
    return values


class Pairs(list):
    """a JSON object as its (key, value) pairs, repeated keys kept"""


def tshark_strings(path, pkt):
    """{raw bytes: tshark's string} of the directory strings in packet pkt"""
    out = subprocess.run(["tshark", "-r", path, "-Y", f"frame.number == {pkt}", "-T", "json",
                          "-x", "-o", "tcp.desegment_tcp_streams:TRUE"],
                         capture_output=True, text=True, check=False).stdout
    found = {}

    # tshark repeats keys inside one object (one per RDN), so the objects are read as pairs
    def walk(node):
        if isinstance(node, Pairs):
            raw = {}
            for k, v in node:
                if k.endswith("_raw") and isinstance(v, list) and v and isinstance(v[0], str):
                    raw[k[:-4]] = v[0]
                elif re.fullmatch(r"x509sat\.\w+String", k) and isinstance(v, str) and k in raw:
                    found[bytes.fromhex(raw.pop(k))] = v
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    try:
        walk(json.loads(out or "[]", object_pairs_hook=Pairs))
    except json.JSONDecodeError:
        pass
    return found


def check_field(problems, where, obj, key):
    val = obj.get(key)
    if val is None:
        return None
    hexv = obj.get(key + "_hex")
    if isinstance(val, list):
        raw = [bytes.fromhex(h) for h in hexv] if hexv else [v.encode() for v in val]
        for v, r in zip(val, raw):
            if "\\x" in v:
                problems.append(f"{where}: {key} element {v!r} carries \\xNN text")
            if r.decode("utf-8", "replace") != v:
                problems.append(f"{where}: {key} element {v!r} is not its bytes {r.hex()}")
        if hexv is not None and all(_utf8(r) for r in raw):
            problems.append(f"{where}: {key}_hex although every element is UTF-8")
        return raw
    raw = bytes.fromhex(hexv) if hexv is not None else val.encode()
    if hexv is not None and _utf8(raw):
        problems.append(f"{where}: {key}_hex although the bytes are UTF-8")
    if hexv is None and not _utf8(raw):
        problems.append(f"{where}: {key} not UTF-8 but no {key}_hex")
    if "\\x" in val:
        problems.append(f"{where}: {key} {val!r} carries \\xNN text")
    if raw.decode("utf-8", "replace") != val:
        problems.append(f"{where}: {key} {val!r} is not its bytes {raw.hex()}")
    return raw


def _utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def main():
    wsaudit, cap_dir = sys.argv[1], sys.argv[2]
    problems, certs, values = [], 0, 0
    for path in sorted(glob.glob(os.path.join(cap_dir, "*.pcap*"))):
        out = subprocess.run([wsaudit, "-q", "-F", "jsonl", path], capture_output=True,
                             text=True, check=False).stdout
        for line in out.splitlines():
            rec = json.loads(line)
            if rec.get("type") != "tls":
                continue
            where = f"{os.path.basename(path)} conn {rec['conn']}"
            if rec.get("client_hello"):
                check_field(problems, where, rec["client_hello"], "sni")
                check_field(problems, where, rec["client_hello"], "alpn")
            cert = rec.get("certificate")
            if not cert:
                continue
            certs += 1
            check_field(problems, where, cert, "dns")
            strings = tshark_strings(path, cert["pkt"])
            for key in ("subject", "issuer"):
                raw = check_field(problems, where, cert, key)
                for v in rfc4514_values(raw):
                    values += 1
                    if v not in strings:
                        problems.append(f"{where}: {key} value {v!r} is none of tshark's "
                                        f"strings in packet {cert['pkt']}")
                    elif strings[v] != v.decode("utf-8", "replace"):
                        problems.append(f"{where}: {key} value {v!r}: tshark shows "
                                        f"{strings[v]!r}")
    for p in problems:
        print("FAIL:", p)
    print(f"{certs} certificates, {values} name values checked against tshark, "
          f"{len(problems)} problems")
    sys.exit(1 if problems or not certs else 0)


if __name__ == "__main__":
    main()
