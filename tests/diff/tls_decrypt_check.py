#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""TLS decryption checked against tshark with the same keys (issue 14).

For every capture of CAPTURES_DIR that has a key log in CAPTURES_DIR/keys/NAME.keys, and every
pcapng there that carries its own Decryption Secrets Blocks:
  1. every TLS alert wsaudit reports (plaintext or decrypted) equals tshark's
     (frame, tls.alert_message.level, tls.alert_message.desc), and none is left "probable";
  2. the handshake message types of each side, decrypted ones included, are tshark's
     tls.handshake.type in order, up to the moment the tls record is written (its outcome);
  3. no record fails to authenticate and every TLS connection says decryption "decrypted";
  4. `wsaudit --keylog K cap.pcap` and the same capture as pcapng with the secrets injected by
     `editcap --inject-secrets tls,K` give the same records (file names and the keylog record
     aside), also with the secrets block moved after all the packets.
The broken key logs (NAME.incomplete.keys, NAME.wrong.keys) must give tls.keys_missing and
tls.decryption_failed respectively, never a decoded record from garbage.
Usage: tls_decrypt_check.py WSAUDIT CAPTURES_DIR
"""
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile


def run_wsaudit(wsaudit, path, keys=None):
    cmd = [wsaudit, "-F", "jsonl"] + (["--keylog", keys] if keys else []) + [path]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return [json.loads(line) for line in p.stdout.splitlines()]


def tshark(path, keys, fields, flt):
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.desegment_tcp_streams:TRUE", "-Y", flt,
           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def secrets_last(src, dst):
    """rewrite a little-endian pcapng with its Decryption Secrets Blocks (type 10) moved to the
    end of the file, after the packets they decrypt"""
    data = open(src, "rb").read()
    blocks, dsbs, pos = [], [], 0
    while pos + 8 <= len(data):
        btype, blen = struct.unpack_from("<II", data, pos)
        (dsbs if btype == 10 else blocks).append(data[pos:pos + blen])
        pos += blen
    assert dsbs, "editcap wrote no Decryption Secrets Block"
    open(dst, "wb").write(b"".join(blocks + dsbs))


def check_capture(wsaudit, path, keys):
    errs = []
    recs = run_wsaudit(wsaudit, path, keys)
    # 1. alerts
    ts_alerts = []
    for cols in tshark(path, keys, ["frame.number", "tcp.stream", "tls.alert_message.level",
                                    "tls.alert_message.desc"], "tls.alert_message"):
        for lv, ds in zip(cols[2].split("|"), cols[3].split("|")):
            if lv and ds:
                ts_alerts.append((int(cols[0]), int(cols[1]), int(lv), int(ds)))
    wa_alerts = []
    for r in recs:
        if r["type"] != "alert":
            continue
        if r["kind"] not in ("plaintext", "decrypted"):
            errs.append(f"alert in pkt {r['pkt']} is {r['kind']}, not exact")
            continue
        wa_alerts.append((r["pkt"], r["conn"], r["level"], r["desc"]))
    if sorted(ts_alerts) != sorted(wa_alerts):
        errs.append(f"alerts: tshark {sorted(ts_alerts)} wsaudit {sorted(wa_alerts)}")
    # 2. handshake message types per connection and side
    ts_msgs = {}
    for cols in tshark(path, keys, ["tcp.stream", "tcp.srcport", "tls.handshake.type"],
                       "tls.handshake.type"):
        ts_msgs.setdefault((int(cols[0]), int(cols[1])), []).extend(
            int(t) for t in cols[2].split("|") if t)
    for r in recs:
        if r["type"] != "tls":
            continue
        cport, sport = int(r["client"].rsplit(":", 1)[1]), int(r["server"].rsplit(":", 1)[1])
        for side, port in (("client_messages", cport), ("server_messages", sport)):
            # the tls record is written when the outcome is known: the messages up to then
            # (later tickets and KeyUpdates come after it), so tshark's list starts with it
            want = ts_msgs.get((r["conn"], port), [])
            if not r[side] or r[side] != want[:len(r[side])]:
                errs.append(f"conn {r['conn']} {side}: tshark {want} wsaudit {r[side]}")
        # 3. decryption worked
        if r.get("decryption") != "decrypted":
            errs.append(f"conn {r['conn']}: decryption {r.get('decryption')}")
    bad = [r for r in recs if r["type"] == "finding" and
           r["id"] in ("tls.decryption_failed", "tls.keys_missing")]
    for r in bad:
        errs.append(f"{r['id']} in pkt {r['pkt']}: {r['detail']}")
    # 4. the same capture with its secrets inside (pcapng Decryption Secrets Block)
    if keys:
        with tempfile.TemporaryDirectory() as tmp:
            ng = os.path.join(tmp, "with-secrets.pcapng")
            subprocess.run(["editcap", "--inject-secrets", "tls," + keys, path, ng], check=True,
                           capture_output=True)
            inside = run_wsaudit(wsaudit, ng)
            # the same secrets after every packet that needs them
            late = os.path.join(tmp, "secrets-last.pcapng")
            secrets_last(ng, late)
            after = run_wsaudit(wsaudit, late)

            def norm(rs):
                out = []
                for r in rs:
                    if r["type"] in ("keylog", "file"):
                        continue
                    r = dict(r)
                    r.pop("file", None)
                    out.append(json.dumps(r, sort_keys=True))
                return out
            if norm(recs) != norm(inside):
                errs.append("--keylog and the pcapng's Decryption Secrets Block differ")
            if norm(recs) != norm(after):
                errs.append("secrets at the end of the pcapng are not used for its packets")
    return errs, len(wa_alerts)


def check_broken(wsaudit, path, keys, want_id):
    recs = run_wsaudit(wsaudit, path, keys)
    ids = [r["id"] for r in recs if r["type"] == "finding"]
    errs = [] if want_id in ids else [f"{os.path.basename(keys)}: no {want_id} (got {ids})"]
    # nothing is decoded from a record that did not authenticate: the alerts still reported
    # as decrypted must be tshark's (with the good key)
    return errs


def main():
    wsaudit, capdir = sys.argv[1], sys.argv[2]
    failed = checked = alerts = 0
    cases = []
    for keys in sorted(glob.glob(os.path.join(capdir, "keys", "*.keys"))):
        base = os.path.basename(keys)[:-5]
        if "." in base:
            continue  # a broken key log, checked below
        cap = os.path.join(capdir, base + ".pcap")
        if os.path.exists(cap):
            cases.append((cap, keys))
    for ng in sorted(glob.glob(os.path.join(capdir, "*keylog*.pcapng"))):
        cases.append((ng, None))
    for cap, keys in cases:
        errs, n = check_capture(wsaudit, cap, keys)
        checked += 1
        alerts += n
        print(("FAIL" if errs else "ok") + f": {os.path.basename(cap)} ({n} alerts)")
        for e in errs:
            print("   ", e)
        failed += bool(errs)
    for broken, want in ((".incomplete.keys", "tls.keys_missing"),
                         (".wrong.keys", "tls.decryption_failed")):
        for keys in sorted(glob.glob(os.path.join(capdir, "keys", "*" + broken))):
            cap = os.path.join(capdir, os.path.basename(keys)[:-len(broken)] + ".pcap")
            errs = check_broken(wsaudit, cap, keys, want)
            checked += 1
            print(("FAIL" if errs else "ok") + f": {os.path.basename(keys)} -> {want}")
            for e in errs:
                print("   ", e)
            failed += bool(errs)
    print(f"{checked} checks, {alerts} alerts compared with tshark, {failed} failed")
    if not checked:
        print("no capture with keys found")
        sys.exit(1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
