#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""-j: one capture on several threads writes exactly what one thread writes (issue 19 item 2).

usage: threads_check.py WSAUDIT GEN_CAPTURE CAPTURES_DIR

For each input and each set of options, `wsaudit -j 1` and `wsaudit -j 2`, `-j 3` must give the
same bytes on standard output, the same standard error and the same exit status:
  - every capture in CAPTURES_DIR (pcap and pcapng, with its key log when it has one), as JSON
    Lines and as text, and with --payload, --h2-frames and --time where they matter;
  - the stress captures of tests/stress/gen_stress.py (thousands of connections open at once,
    out-of-order segments), with the default limits and with limits that bind: --memcap,
    --max-flows (where threads must hand the capture to one thread: their limits are global);
  - connections whose packets share one timestamp and all expire at one later packet (their
    end records from every thread in the order of their last packets);
  - the IP fragment captures, with --flow-timeout short enough that flows expire by time
    mid-capture (expiry records interleave with other threads' records);
  - benchmark captures of gen_capture (WebSocket-heavy, small frames, mixed, HTTP/2, TLS with
    its key log), a few MB each;
  - a capture whose wire strings hold the bytes the merge uses as marks (0x01, 0x02) and
    bytes >= 0x80, in text output where they are written raw;
  - one expiry whose records take megabytes (two connections and --max-flows 1: the evicted
    flow's buffered segments each make a finding), a thread's output item far larger than its
    output blocks;
  - a BPF filter (each thread compiles its own: libpcap >= 1.8 allows it);
  - inputs that fail (missing, not a capture, empty, cut inside a record) and a gzip file;
  - several files (-j 2 runs two files at once), stdin, --merge and -w (one thread each).
Any difference fails, with the first differing line.
"""
import glob
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "stress"))
from gen_stress import Conn, Writer, frame  # noqa: E402

WSAUDIT, GEN, CAPS = sys.argv[1:4]
failures = []
runs = 0


def run(args, stdin=None):
    p = subprocess.run([WSAUDIT] + args, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout, p.stderr


def first_diff(a, b):
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}:\n  -j1: {x[:300]!r}\n  -jN: {y[:300]!r}"
    return f"lengths {len(la)} and {len(lb)} lines"


def same(label, args, threads=(2, 3), stdin_path=None):
    """-j 1 against -j N for N in threads"""
    global runs

    def once(j):
        if stdin_path:
            with open(stdin_path, "rb") as f:
                return run(["-j", str(j)] + args, stdin=f)
        return run(["-j", str(j)] + args)

    want = once(1)
    for j in threads:
        got = once(j)
        runs += 1
        if got != want:
            what = "exit status" if got[0] != want[0] else "stdout" if got[1] != want[1] else "stderr"
            k = 1 if what == "stdout" else 2
            detail = f"{want[0]} vs {got[0]}" if what == "exit status" else first_diff(want[k], got[k])
            failures.append(f"{label} -j {j}: {what} differs: {detail}")
            return
    if not want[1] and want[0] not in (0, 1, 3):
        failures.append(f"{label}: no output (exit {want[0]}): {want[2][:300]!r}")


def keys_of(path):
    k = os.path.splitext(path)[0] + ".keys"
    return ["--keylog", k] if os.path.exists(k) else []


def hostile_marks(path):
    """wire strings with 0x01/0x02 and high bytes, in a Host, a path and a Close reason"""
    w = Writer(path)
    for i in range(1, 4):
        c = Conn(w, i)
        c.syn()
        c.handshake(1, path=b"/\x01\x80\x81\x82\x83\x84\x85" + bytes([i]) + b"\x02",
                    host=b"\x01\xff\xfe\xfd\xfc\xfb\xfa9\x02")
        c.send(False, frame(8, struct.pack("!H", 1000) + b"\x01\x90\x91\x92\x93\x94\x957\x02"))
        c.send(True, frame(8, struct.pack("!H", 1000), b"\x01\x02\x03\x04"))
        w.ip(c.s, c.c, c.sp, c.cp, c.sseq, c.cseq, 0x11)
        w.ip(c.c, c.s, c.cp, c.sp, c.cseq, c.sseq + 1, 0x11)
    w.close()


class FrozenWriter(Writer):
    """a Writer whose clock stands still until moved: many packets with one timestamp"""

    def ip(self, *a, **k):
        t = self.t
        super().ip(*a, **k)
        self.t = t


def same_time_expiry(path, n=300):
    """n WebSocket connections whose packets all have one timestamp, their last packets in an
    order that is neither their creation's nor their shards', then a packet 1000 s later:
    every flow expires at that packet with the same due time, so the order of their end records
    is that of their last packets alone"""
    w = FrozenWriter(path)
    conns = [Conn(w, i) for i in range(n)]
    for i, c in enumerate(conns):
        c.syn()
        c.handshake(i)
    for i in range(n):
        c = conns[(i * 7919) % n]
        c.send(True, frame(1, b"hi", b"\x01\x02\x03\x04"))
    w.t += 1000 * 1000000
    late = Conn(w, n + 1)
    late.syn()
    w.close()


def main():
    caps = sorted(glob.glob(os.path.join(CAPS, "*.pcap")) + glob.glob(os.path.join(CAPS, "*.pcapng")))
    if len(caps) < 50:
        sys.exit(f"only {len(caps)} captures in {CAPS}")
    for c in caps:
        name = os.path.basename(c)
        k = keys_of(c)
        same(name + " jsonl", ["-F", "jsonl"] + k + [c])
        same(name + " text", k + [c], threads=(2,))
        if name.startswith("h2-"):
            same(name + " --h2-frames", ["--h2-frames", "-F", "jsonl"] + k + [c], threads=(3,))
        if name.startswith(("ws-1003", "h2-ws-many", "tls-wss")):
            same(name + " --payload --time", ["--payload", "--time"] + k + [c], threads=(3,))
    for c in sorted(glob.glob(os.path.join(CAPS, "ws-frag-*.pcap"))):
        same(os.path.basename(c) + " --flow-timeout 0.001",
             ["-F", "jsonl", "--flow-timeout", "0.001", c])

    tmp = tempfile.mkdtemp(prefix="wsaudit-threads-")
    gen_stress = os.path.join(os.path.dirname(HERE), "stress", "gen_stress.py")
    stress = []
    for kind, n in (("flows", 3000), ("ooo", 3000), ("hole", 3000), ("hsflood", 300)):
        out = os.path.join(tmp, f"{kind}.pcap")
        subprocess.run([sys.executable, gen_stress, kind, str(n), out], check=True,
                       stdout=subprocess.DEVNULL)
        stress.append(out)
    for s in stress:
        name = os.path.basename(s)
        same(name, ["-q", "-F", "jsonl", s])
        same(name + " --memcap 16", ["-F", "jsonl", "--memcap", "16", s])
        same(name + " --max-flows 100", ["-F", "jsonl", "--max-flows", "100", s])
        same(name + " --flow-timeout 0.01", ["-F", "jsonl", "--flow-timeout", "0.01", s])

    frozen = os.path.join(tmp, "same-time.pcap")
    same_time_expiry(frozen)
    same("same-time expiry", ["-F", "jsonl", frozen], threads=(2, 3, 5))
    same("same-time expiry text", [frozen], threads=(2,))

    bench = []
    for opts, name in ((["--small"], "small"), (["--mixed"], "mixed"), ([], "ws"),
                       (["--h2"], "h2")):
        out = os.path.join(tmp, f"bench-{name}.pcap")
        subprocess.run([GEN] + opts + ["3", out], check=True, stdout=subprocess.DEVNULL)
        bench.append((out, []))
    tls = os.path.join(tmp, "bench-tls.pcap")
    subprocess.run([GEN, "--tls", tls + ".keys", "--conns", "60", "3", tls], check=True,
                   stdout=subprocess.DEVNULL)
    bench.append((tls, ["--keylog", tls + ".keys"]))
    for b, k in bench:
        name = os.path.basename(b)
        same(name, ["-F", "jsonl"] + k + [b], threads=(2, 4))
        same(name + " text -q", ["-q"] + k + [b])
    same("bench-small -f", ["-F", "jsonl", "-f", "tcp and not (tcp[13] & 4 != 0)", bench[0][0]])

    # one expiry that writes megabytes of records (an evicted flow's buffered segments, each a
    # finding): a thread's output item far larger than a block, moved as it grows (this once
    # took gigabytes: the item was copied at every write)
    big = os.path.join(CAPS, "ws-big-message.pcap")
    pings = os.path.join(CAPS, "ws-fragmented-pings.pcap")
    t1, t2 = (float(subprocess.run(["capinfos", "-a", "-S", "-T", "-r", c], check=True,
                                   capture_output=True, text=True).stdout.split("\t")[1])
              for c in (big, pings))
    shifted = os.path.join(tmp, "shifted.pcap")
    both = os.path.join(tmp, "both.pcap")
    subprocess.run(["editcap", "-t", f"{t1 - t2 + 0.0001:.6f}", pings, shifted], check=True)
    subprocess.run(["mergecap", "-w", both, big, shifted], check=True)
    same("one expiry, megabytes of records (--max-flows 1)",
         ["-F", "jsonl", "--max-flows", "1", both], threads=(2, 3))

    marks = os.path.join(tmp, "marks.pcap")
    hostile_marks(marks)
    same("marks text", [marks], threads=(2, 3, 8))
    same("marks jsonl", ["-F", "jsonl", marks])

    # inputs that fail: missing, not a capture, empty, cut inside a record, compressed
    cut = os.path.join(tmp, "cut.pcap")
    whole = open(os.path.join(CAPS, "ws-1003-binary-to-text.pcap"), "rb").read()
    open(cut, "wb").write(whole[:len(whole) * 2 // 3 + 5])
    notcap = os.path.join(tmp, "notcap.txt")
    open(notcap, "w").write("hello\n")
    empty = os.path.join(tmp, "empty.pcap")
    open(empty, "w").close()
    gz = os.path.join(tmp, "h2.pcap.gz")
    subprocess.run(["gzip", "-c", os.path.join(CAPS, "h2-ws-many-streams.pcap")],
                   stdout=open(gz, "wb"), check=True)
    for f in (cut, notcap, empty, gz, os.path.join(tmp, "missing.pcap")):
        same(os.path.basename(f), ["-F", "jsonl", f])
        same(os.path.basename(f) + " text", [f], threads=(2,))

    several = caps[:12]
    same("12 files", ["-F", "jsonl"] + several)
    same("stdin", ["-F", "jsonl", "-"], stdin_path=caps[0])
    same("--merge", ["-F", "jsonl", "--merge"] + several[:4])
    ev = os.path.join(tmp, "evidence.pcap")
    a = run(["-j", "1", "-F", "jsonl", "-w", ev] + several[:4])
    ev_a = open(ev, "rb").read()
    b = run(["-j", "2", "-F", "jsonl", "-w", ev] + several[:4])
    if a != b or open(ev, "rb").read() != ev_a:
        failures.append("-w: output or evidence file differs")

    for f in glob.glob(os.path.join(tmp, "*")):
        os.unlink(f)
    os.rmdir(tmp)
    print(f"{runs} runs with threads, each against -j 1")
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print("identical: stdout, stderr and exit status")


main()
