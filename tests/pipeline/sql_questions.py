#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""An analyst's three questions, answered from wsaudit's JSON Lines alone (issue 16).

usage: sql_questions.py WSAUDIT CAPTURES_DIR [--show]

Runs wsaudit over every capture of tests/golden/TESTLIST (with its options: key logs), loads every
record into SQLite (one row per record, the JSON kept whole, queried with SQLite's JSON
functions), and answers with plain SQL, never re-reading a pcap:

  Q1 when did a server send close code 1015 (which must never be sent)?
  Q2 which client's message, with which opcode, provoked each 1003 close?
  (a WebSocket over HTTP/2 is a connection and a stream: records join on both)
  Q3 which TLS handshakes failed on an expired certificate, and when?

The answers are compared with the ones below, checked by hand against the captures
(captures/README.md) and tshark. --show prints them.
"""
import json
import os
import sqlite3
import subprocess
import sys

Q1 = """
SELECT DISTINCT json_extract(c.j, '$.file'), json_extract(c.j, '$.conn'), json_extract(c.j, '$.stream'),
       json_extract(c.j, '$.ts'), json_extract(k.j, '$.server')
FROM rec c JOIN rec k ON json_extract(k.j, '$.type') = 'conn'
    AND json_extract(k.j, '$.file') = json_extract(c.j, '$.file')
    AND json_extract(k.j, '$.conn') = json_extract(c.j, '$.conn')
    AND json_extract(k.j, '$.stream') IS json_extract(c.j, '$.stream')
WHERE json_extract(c.j, '$.type') = 'close' AND json_extract(c.j, '$.dir') = 's2c'
  AND json_extract(c.j, '$.code') = 1015
ORDER BY 1, 2"""

Q2 = """
SELECT DISTINCT json_extract(f.j, '$.file'), json_extract(f.j, '$.conn'), json_extract(f.j, '$.stream'),
       json_extract(f.j, '$.ts'), json_extract(k.j, '$.client'),
       json_extract(f.j, '$.offending.opcode_name'), json_extract(f.j, '$.offending.pkt')
FROM rec f JOIN rec k ON json_extract(k.j, '$.type') = 'conn'
    AND json_extract(k.j, '$.file') = json_extract(f.j, '$.file')
    AND json_extract(k.j, '$.conn') = json_extract(f.j, '$.conn')
    AND json_extract(k.j, '$.stream') IS json_extract(f.j, '$.stream')
WHERE json_extract(f.j, '$.type') = 'finding' AND json_extract(f.j, '$.id') = 'ws.close.unsupported_data'
  AND json_extract(f.j, '$.offending.status') = 'observed' AND json_extract(f.j, '$.dir') = 's2c'
ORDER BY 1, 2"""

Q3 = """
SELECT json_extract(t.j, '$.file'), json_extract(t.j, '$.conn'), json_extract(t.j, '$.ts'),
       json_extract(t.j, '$.client_hello.sni'), json_extract(t.j, '$.outcome'),
       json_extract(t.j, '$.certificate.not_after'),
       json_extract(t.j, '$.certificate.days_expired') > 0 AS visible
FROM rec t
WHERE json_extract(t.j, '$.type') = 'tls'
  AND (json_extract(t.j, '$.outcome') IN ('failed', 'abandoned') OR EXISTS (
        SELECT 1 FROM rec r WHERE json_extract(r.j, '$.type') = 'finding'
          AND json_extract(r.j, '$.id') = 'tls.rejected_after_handshake'
          AND json_extract(r.j, '$.file') = json_extract(t.j, '$.file')
          AND json_extract(r.j, '$.conn') = json_extract(t.j, '$.conn')))
  AND (json_extract(t.j, '$.certificate.days_expired') > 0
       OR json_extract(t.j, '$.failure.cause') = 'certificate_expired'
       OR EXISTS (SELECT 1 FROM rec a WHERE json_extract(a.j, '$.type') = 'alert'
          AND json_extract(a.j, '$.name') = 'certificate_expired'
          AND json_extract(a.j, '$.file') = json_extract(t.j, '$.file')
          AND json_extract(a.j, '$.conn') = json_extract(t.j, '$.conn')))
ORDER BY 1, 2"""


def load(wsaudit, capdir):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE rec (j TEXT)")
    testlist = os.path.join(os.path.dirname(__file__), "..", "golden", "TESTLIST")
    for line in open(testlist):
        if not line.strip() or line.startswith("#"):
            continue
        _, cap, *opts = line.split()
        out = subprocess.run([wsaudit, "-F", "jsonl", *opts, cap], cwd=capdir,
                             capture_output=True, text=True).stdout
        db.executemany("INSERT INTO rec VALUES (?)", ((l,) for l in out.splitlines()))
    return db


def main():
    wsaudit, capdir = os.path.abspath(sys.argv[1]), sys.argv[2]
    show = "--show" in sys.argv
    db = load(wsaudit, capdir)
    n = db.execute("SELECT count(*) FROM rec").fetchone()[0]
    answers = {q: [list(r) for r in db.execute(sql)] for q, sql in
               (("Q1", Q1), ("Q2", Q2), ("Q3", Q3))}
    if show:
        print(json.dumps(answers, indent=1))
    expected = json.load(open(os.path.join(os.path.dirname(__file__), "sql_answers.json")))
    bad = 0
    for q in ("Q1", "Q2", "Q3"):
        ok = answers[q] == expected[q]
        bad += not ok
        print(("ok   " if ok else "FAIL ") + f"{q}: {len(answers[q])} rows from {n} records")
        if not ok:
            print("   got      " + json.dumps(answers[q]))
            print("   expected " + json.dumps(expected[q]))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
