#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""TLS captures: wsaudit against tshark's TLS dissector and against CONFORMANCE.md §8.2.

usage: tls_check.py WSAUDIT CAPTURES_DIR TABLE

For every capture named in TABLE (tests/diff/tls_table.txt):
  1. the outcome, cause and sender wsaudit reports equal the table's row;
  2. every plaintext alert wsaudit reports is one tshark decodes (packet, level,
     tls.alert_message.desc) and the other way round;
  3. every TLS <= 1.2 encrypted alert wsaudit reports is a type-21 record tshark shows without a
     description, and the other way round;
  4. every probable encrypted alert (TLS 1.3) is an application_data record of 19 (or 11) bytes
     in that packet, the last record its sender sent;
  5. the plaintext handshake message types of each direction, in order, equal tshark's
     tls.handshake.type values (tshark decodes no encrypted message without keys either);
  6. the certificate's serial number and SHA-256 fingerprint equal tshark's first certificate.
Exit status 1 on any difference, listing them.
"""
import json
import os
import struct
import subprocess
import tempfile
import sys

TSHARK_FIELDS = ["frame.number", "tcp.srcport", "tls.record.content_type", "tls.record.length",
                 "tls.alert_message.level", "tls.alert_message.desc", "tls.handshake.type",
                 "tls.record.opaque_type", "x509af.serialNumber", "tls.handshake.certificate"]


def without_secrets(src, dst):
    """copy a (little-endian) pcapng file without its Decryption Secrets Blocks (type 10);
    Wireshark 4.0's editcap refuses to write this file type back"""
    data = open(src, "rb").read()
    out, pos = bytearray(), 0
    while pos + 8 <= len(data):
        btype, blen = struct.unpack_from("<II", data, pos)
        if btype != 10:
            out += data[pos:pos + blen]
        pos += blen
    open(dst, "wb").write(bytes(out))


def wsaudit(binary, cap):
    # The keyless judgement is what this test checks: a pcapng whose own secrets wsaudit would
    # read is given to it without them, while tshark decrypts with them (TLS-18); the
    # decryption itself is checked by tls_decrypt_check.py.
    if cap.endswith(".pcapng"):
        with tempfile.TemporaryDirectory() as tmp:
            plain = os.path.join(tmp, os.path.basename(cap))
            without_secrets(cap, plain)
            out = subprocess.run([binary, "-F", "jsonl", plain], capture_output=True,
                                 text=True).stdout
        return [json.loads(line) for line in out.splitlines()]
    out = subprocess.run([binary, "-F", "jsonl", cap], capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def tshark(cap):
    cmd = ["tshark", "-n", "-r", cap, "-o", "tcp.desegment_tcp_streams:TRUE",
           "-o", "tls.desegment_ssl_records:TRUE", "-T", "fields", "-E", "separator=|"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        v = line.split("|")
        split = [x.split(",") if x else [] for x in v]
        rows.append({"pkt": int(v[0]), "port": int(v[1]) if v[1] else 0, "types": split[2],
                     "lens": [int(x) for x in split[3]], "levels": split[4],
                     "descs": split[5], "hs": split[6], "opaque": split[7],
                     "serials": split[8], "certs": split[9]})
    return rows


def check(binary, cap, row):
    problems = []
    recs = wsaudit(binary, cap)
    tls = [r for r in recs if r["type"] == "tls"]
    alerts = [r for r in recs if r["type"] == "alert"]
    findings = [r["id"] for r in recs if r["type"] == "finding"]
    outcome, cause, by = row
    if outcome == "-":  # not a TLS connection: a finding names what happened
        if cause not in findings:
            problems.append(f"expected finding {cause}, got {findings}")
        return problems
    if len(tls) != 1:
        return [f"expected one tls record, got {len(tls)}"]
    t = tls[0]
    got = (t["outcome"], t["failure"]["cause"] if t["failure"] else "-",
           t["failure"]["by"] if t["failure"] else "-")
    if got != (outcome, cause, by):
        problems.append(f"outcome/cause/by {got}, table says {(outcome, cause, by)}")
    if outcome in ("failed", "abandoned") and "tls.handshake_failure" not in findings:
        problems.append("no tls.handshake_failure finding")
    if findings.count("tls.handshake_failure") > 1:
        problems.append("more than one tls.handshake_failure finding")

    rows = tshark(cap)
    client_port = int(t["client"].rsplit(":", 1)[1])
    # 2. plaintext alerts
    ts_plain = set()
    ts_enc21 = set()
    for r in rows:
        n_alert_records = r["types"].count("21")
        for i in range(len(r["descs"])):
            ts_plain.add((r["pkt"], int(r["levels"][i]), int(r["descs"][i])))
        if n_alert_records > len(r["descs"]):
            ts_enc21.add(r["pkt"])
    # TLS-18: where tshark decrypted (key log in the pcapng), a probable encrypted alert must be
    # what tshark reads inside: close_notify when wsaudit said so, an error alert otherwise
    probable = {a["pkt"]: a for a in alerts if a["kind"] == "probable_encrypted"}
    for pkt, level, desc in sorted(ts_plain):
        if pkt in probable:
            want_close = probable[pkt]["likely"] == "close_notify"
            if want_close != (desc == 0):
                problems.append(f"probable alert pkt {pkt}: wsaudit says {probable[pkt]['likely']},"
                                f" decrypted it is {desc}")
            ts_plain.discard((pkt, level, desc))
            print(f"     {os.path.basename(cap)}: decrypted alert in pkt {pkt} is {desc}, wsaudit "
                  f"said {probable[pkt]['likely']}")
    ws_plain = {(a["pkt"], a["level"], a["desc"]) for a in alerts if a["kind"] == "plaintext"}
    if ws_plain != ts_plain:
        problems.append(f"plaintext alerts: wsaudit {sorted(ws_plain)}, tshark {sorted(ts_plain)}")
    ws_enc = {a["pkt"] for a in alerts if a["kind"] == "encrypted"}
    if ws_enc != ts_enc21:
        problems.append(f"encrypted alerts: wsaudit {sorted(ws_enc)}, tshark {sorted(ts_enc21)}")
    # 4. probable encrypted alerts
    for a in alerts:
        if a["kind"] != "probable_encrypted":
            continue
        sender_port = client_port if a["sender"] == "client" else None
        pkt_rows = [r for r in rows if r["pkt"] == a["pkt"]]
        # TLS 1.3 protected records: tshark 4.0 names their outer type tls.record.opaque_type
        if not pkt_rows or "23" not in pkt_rows[0]["types"] + pkt_rows[0]["opaque"] or \
                not {11, 19} & set(pkt_rows[0]["lens"]):
            problems.append(f"probable alert pkt {a['pkt']}: tshark shows no 19/11-byte "
                            f"application_data record there")
            continue
        port = pkt_rows[0]["port"]
        if sender_port is not None and port != sender_port:
            problems.append(f"probable alert pkt {a['pkt']}: sender mismatch")
        later = [r for r in rows
                 if r["port"] == port and r["pkt"] > a["pkt"] and (r["types"] or r["opaque"])]
        if later:
            problems.append(f"probable alert pkt {a['pkt']}: its sender sent records after it")
    # 6. the server certificate's serial number and SHA-256 fingerprint (Zeek's and Wireshark's
    # join keys) equal those of the first certificate tshark decodes
    if t.get("certificate"):
        first = next((r for r in rows if r["certs"]), None)
        if not first:
            problems.append("wsaudit decoded a certificate tshark does not show")
        else:
            import hashlib
            sha = hashlib.sha256(bytes.fromhex(first["certs"][0])).hexdigest()
            serial = first["serials"][0].upper().lstrip("0") if first["serials"] else ""
            got_serial = t["certificate"]["serial"].lstrip("0")
            if t["certificate"]["sha256"] != sha or got_serial != serial:
                problems.append(f"certificate serial/sha256 {got_serial}/{t['certificate']['sha256']}"
                                f", tshark {serial}/{sha}")
    # 5. handshake message types per direction (without keys: tshark decrypting a TLS 1.3
    # flight shows encrypted_extensions (8), which no observer without keys can see)
    decrypted = any("8" in r["hs"] for r in rows)
    for side, key in (("client", "client_messages"), ("server", "server_messages")):
        if decrypted:
            break
        seq = []
        for r in rows:
            if (r["port"] == client_port) == (side == "client"):
                seq += [int(x) for x in r["hs"]]
        if seq != t[key]:
            problems.append(f"{side} handshake types: wsaudit {t[key]}, tshark {seq}")
    return problems


def main():
    binary, capdir, table = sys.argv[1:4]
    failed = 0
    checked = 0
    for line in open(table):
        if not line.strip() or line.startswith("#"):
            continue
        name, outcome, cause, by = line.split()[:4]
        cap = f"{capdir}/{name}.pcap"
        if not os.path.exists(cap):
            cap += "ng"
        problems = check(binary, cap, (outcome, cause, by))
        checked += 1
        if problems:
            failed += 1
            for p in problems:
                print(f"FAIL {name}: {p}")
        else:
            print(f"ok   {name}")
    print(f"{checked} captures checked, {failed} with differences")
    sys.exit(1 if failed or not checked else 0)


if __name__ == "__main__":
    main()
