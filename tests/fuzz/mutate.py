#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture mutation campaign (CONFORMANCE FZ-03, like Wireshark's tools/fuzz-test.sh): every
capture is damaged by `editcap -E RATE --seed N` and run through the analyzer (text and JSON
Lines with --payload) and, with --plugin, through `tshark -nr` and `tshark -2 -nVxr` with the
wsaudit plugin loaded, each under limits: CPU seconds, memory, and a wall-clock timeout (a hang
counts as a failure).

usage: mutate.py --wsaudit BIN [--plugin SO] [--rates 0.001,0.02,0.1] [--seeds 3]
                 [--cpu 60] [--mem-mb 1024] [--keep DIR] PATH...

PATH: captures or folders of captures. A run fails when the process dies by a signal, exits
with a status the program does not use (analyzer: not 0-3), prints a sanitizer report
("AddressSanitizer", "runtime error:", "LeakSanitizer"), Wireshark's "Dissector bug" or an
assertion, exceeds the limits, or (analyzer, JSON Lines) does not end with its summary line:
what was found before the damage must always be written out. Failing inputs are copied to
--keep (default: a temporary folder, printed) to become regression captures. When tshark fails,
the same command runs again without the plugin: a failure that stays is Wireshark's own
(reported as UPSTREAM, kept with an "upstream-" prefix, not counted as ours).

With an ASan build of wsaudit the memory limit is given to the sanitizer
(ASAN_OPTIONS=hard_rss_limit_mb), since an address-space limit breaks ASan's shadow memory.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

try:  # schema/wsaudit.schema.json: every record of every mutated capture must follow it
    import jsonschema
    SCHEMA = jsonschema.Draft202012Validator(json.load(open(os.path.join(
        os.path.dirname(__file__), "..", "..", "schema", "wsaudit.schema.json"))))
except ImportError:
    SCHEMA = None

SAN_MARKS = ("AddressSanitizer", "runtime error:", "LeakSanitizer", "Dissector bug",
             "assertion failed", "Assertion", "Segmentation fault")


def is_asan(binary):
    with open(binary, "rb") as f:
        return b"AddressSanitizer" in f.read()


def limits(cpu, mem_mb, asan):
    def set_limits():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, 8 << 20))
        if not asan:
            resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
    return set_limits


def run(cmd, env, cpu, mem_mb, asan):
    try:
        p = subprocess.run(cmd, capture_output=True, env=env, timeout=cpu * 3,
                           preexec_fn=limits(cpu, mem_mb, asan))
    except subprocess.TimeoutExpired:
        return None, b"", b"timeout (hang?)"
    return p.returncode, p.stdout, p.stderr


class Plugin:
    """tshark with the plugin, set up as the plugin test does (tests/plugin/plugin_check.py:
    a throwaway HOME; as root, tshark runs as nobody), with Wireshark's fuzz-test settings"""

    def __init__(self, so):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                        "plugin"))
        from plugin_check import Tshark
        self.ts = Tshark(so)
        self.env = dict(os.environ, HOME=self.ts.home, WIRESHARK_DEBUG_WMEM_OVERRIDE="strict",
                        G_SLICE="debug-blocks", MALLOC_CHECK_="3")
        # the same tshark without the plugin, to tell Wireshark's own crashes from ours
        self.bare_home = tempfile.mkdtemp(prefix="wsaudit-mutate-bare-")
        os.chmod(self.bare_home, 0o777)
        self.bare_env = dict(self.env, HOME=self.bare_home)

    def commands(self, cap):
        base = self.ts.prefix + ["tshark", "-o", "tcp.desegment_tcp_streams:TRUE",
                                 "-o", "tcp.reassemble_out_of_order:TRUE"]
        return [base + ["-nr", cap], base + ["-2", "-nVxr", cap]]

    def close(self):
        self.ts.close()
        shutil.rmtree(self.bare_home, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wsaudit", required=True)
    ap.add_argument("--plugin")
    ap.add_argument("--rates", default="0.001,0.02,0.1")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=60)
    ap.add_argument("--mem-mb", type=int, default=1024)
    ap.add_argument("--keep")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()

    caps = []
    for p in a.paths:
        if os.path.isdir(p):
            caps += sorted(os.path.join(p, f) for f in os.listdir(p)
                           if f.endswith((".pcap", ".pcapng")))
        else:
            caps.append(p)
    rates = [float(r) for r in a.rates.split(",")]
    asan = is_asan(a.wsaudit)
    env = dict(os.environ)
    if asan:
        env["ASAN_OPTIONS"] = (f"hard_rss_limit_mb={a.mem_mb}:detect_leaks=1:"
                               "allocator_may_return_null=1")
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    keep = a.keep or tempfile.mkdtemp(prefix="wsaudit-mutate-keep-")
    os.makedirs(keep, exist_ok=True)
    work = tempfile.mkdtemp(prefix="wsaudit-mutate-")
    os.chmod(work, 0o755)
    plugin = Plugin(a.plugin) if a.plugin else None
    runs = failures = upstream = 0
    try:
        for cap in caps:
            name = os.path.basename(cap)
            for rate in rates:
                for seed in range(1, a.seeds + 1):
                    m = os.path.join(work, f"{rate}-{seed}-{name}")
                    e = subprocess.run(["editcap", "-E", str(rate), "--seed", str(seed), cap, m],
                                       capture_output=True)
                    if e.returncode != 0:
                        continue
                    os.chmod(m, 0o644)
                    problems = []
                    # a capture with a key log (captures/keys/NAME.keys) is mutated and then
                    # decrypted with it: damaged records must fail authentication, not crash
                    k = os.path.join(os.path.dirname(cap), "keys", name.rsplit(".", 1)[0] + ".keys")
                    keys = ["--keylog", k] if os.path.exists(k) else []
                    for fmt in ("jsonl", "text"):
                        rc, out, err = run([a.wsaudit, "-F", fmt, "--payload"] + keys + [m], env,
                                           a.cpu, a.mem_mb, asan)
                        runs += 1
                        text = err.decode(errors="replace")
                        if rc is None or rc < 0 or rc > 4:
                            problems.append(f"wsaudit -F {fmt}: exit {rc}: {text[-300:]}")
                        elif any(s in text for s in SAN_MARKS):
                            problems.append(f"wsaudit -F {fmt}: {text[-300:]}")
                        elif fmt == "jsonl":
                            lines = out.decode(errors="replace").splitlines()
                            try:
                                recs = [json.loads(x) for x in lines]
                                if not recs or recs[-1].get("type") != "summary":
                                    problems.append("wsaudit: the output does not end with its "
                                                    "summary")
                                for rec in recs if SCHEMA else []:  # the record contract holds
                                    err = next(SCHEMA.iter_errors(rec), None)
                                    if err is not None:
                                        problems.append(f"wsaudit: a {rec.get('type')} record "
                                                        f"breaks the schema: {err.message[:200]}")
                                        break
                            except ValueError as ex:
                                problems.append(f"wsaudit: a line is not JSON ({ex})")
                    if plugin:
                        for cmd in plugin.commands(m):
                            rc, out, err = run(cmd, plugin.env, a.cpu, a.mem_mb, False)
                            runs += 1
                            text = err.decode(errors="replace") + out.decode(errors="replace")
                            bad = None
                            if rc is None or rc < 0 or rc not in (0, 2):
                                bad = f"{' '.join(cmd[-2:])}: exit {rc}: " + \
                                    err.decode(errors="replace")[-300:]
                            elif any(s in text for s in SAN_MARKS):
                                bad = f"{' '.join(cmd[-2:])}: dissector bug/assert"
                            if bad:
                                rc2, _, _ = run(cmd, plugin.bare_env, a.cpu, a.mem_mb, False)
                                if rc2 == rc:  # Wireshark fails the same way without us
                                    upstream += 1
                                    shutil.copy(m, os.path.join(keep, "upstream-" + os.path.basename(m)))
                                    print(f"UPSTREAM {name} -E {rate} --seed {seed}: {bad} "
                                          "(tshark without the plugin fails the same way)")
                                else:
                                    problems.append(bad)
                    if problems:
                        failures += 1
                        shutil.copy(m, keep)
                        print(f"FAIL {name} -E {rate} --seed {seed} (kept in {keep}):")
                        for p in problems:
                            print("   ", p)
                    os.unlink(m)
    finally:
        if plugin:
            plugin.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"mutate: {len(caps)} captures x {len(rates)} rates x {a.seeds} seeds, {runs} runs "
          f"({'ASan+UBSan ' if asan else ''}wsaudit{', tshark with the plugin' if plugin else ''}"
          f"), {failures} failing inputs"
          + (f", {upstream} failures of tshark itself (without the plugin too)" if upstream
             else ""))
    if not a.keep and not failures and not upstream:
        shutil.rmtree(keep, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
