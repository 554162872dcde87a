#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""wsaudit benchmark: speed and memory against the libpcap floor and tshark.

usage: bench.py [--build DIR] [--dir CACHE] [--sizes 100,1000] [--runs N] [--no-tshark]
                [--plugin] [--profile] [--no-wss] [--no-h2]

One command: `python3 tests/bench/bench.py` (it runs `bash tests/dev.sh build` first when the
tools are not built yet).
For each size (MB) it generates, once (cached in CACHE), a WebSocket-heavy capture, one with
small frames only (gen_capture --small) and a mixed one (most bytes other TCP) with
build/tests/gen_capture, then measures on each:
  floor        build/tests/pcap_floor: a bare libpcap read loop (the floor for any libpcap tool)
  wsaudit-q    wsaudit -j 1 -q -F jsonl (connections, messages' ends, findings; no frame
               records), on one thread
  wsaudit-q/jN the same on all N cores (-j N: one capture shared by N threads)
  wsaudit-q/lp the same with --reader=libpcap (what the zero-copy reader gains)
  wsaudit-text wsaudit, text output with every frame, to /dev/null
  wsaudit-jsonl wsaudit -F jsonl, every frame, to /dev/null (and /jN: on all N cores; the
               two outputs are compared, untimed, and must be byte-identical)
  wsaudit-jsonl/lp the same with --reader=libpcap
  tshark       tshark -r F -Y websocket.opcode==8 -T fields -e frame.number -e
               websocket.payload.close.status_code (the close frames)
  tshark+plugin the same with the wsaudit plugin loaded (--plugin)
wss (unless --no-wss): the WebSocket-heavy traffic with every WebSocket connection inside TLS 1.3
(AES-128-GCM, gen_capture --tls, its key log beside it), and the same connections in plaintext
(gen_capture --conns N): wsaudit --keylog on the first vs wsaudit on the second (the cost of
decryption, as a time ratio for the same WebSocket traffic), and tshark -o tls.keylog_file on
the first; both tools must count the same close frames in both.
h2 (unless --no-h2): the WebSocket-heavy traffic with every WebSocket connection carried by
HTTP/2 with prior knowledge, one extended CONNECT stream each (RFC 8441, gen_capture --h2), and
the same connections over HTTP/1.1 (gen_capture --conns N): wsaudit on both, the time ratio for
the same WebSocket traffic, and the close frames both count.
Wall time is the best of --runs runs (page cache warm); peak RSS is the child's ru_maxrss. It
prints MB/s, packets/s, peak RSS and the ratios wsaudit/floor and tshark/wsaudit, and checks
that wsaudit and tshark counted the same close frames. Nothing here passes or fails a test.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RSS_RUN = None


def timed(cmd, runs, env=None, capture=False):
    """best wall time over runs, peak RSS (KiB, measured by rss_run), stdout of the last run"""
    best = None
    rss = 0
    out = None
    rssfile = os.path.join(tempfile.gettempdir(), f"wsaudit-bench-rss-{os.getpid()}")
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run([RSS_RUN, rssfile] + cmd, env=env, stderr=subprocess.DEVNULL,
                           stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        best = wall if best is None else min(best, wall)
        with open(rssfile) as f:
            rss = max(rss, int(f.read()))
        if capture:
            out = p.stdout.decode()
    os.unlink(rssfile)
    return best, rss, out


def same_output(cmd, cores):
    """cmd's output with -j 1 and with -j cores, byte for byte (untimed)"""
    digests = []
    for j in (1, cores):
        h = hashlib.sha256()
        with subprocess.Popen(cmd[:1] + ["-j", str(j)] + cmd[1:], stdout=subprocess.PIPE) as p:
            for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
                h.update(chunk)
        digests.append(h.digest())
    return digests[0] == digests[1]


def plugin_env(build):
    so = os.path.join(build, "plugins", "4.0", "epan", "wsaudit.so")
    if not os.path.exists(so):
        return None, None
    home = tempfile.mkdtemp(prefix="wsaudit-bench-home-")
    d = os.path.join(home, ".local/lib/wireshark/plugins/4.0/epan")
    os.makedirs(d)
    shutil.copy(so, d)
    prefix = []
    if os.geteuid() == 0:  # Wireshark ignores personal plugins when run as root
        subprocess.run(["chown", "-R", "nobody:nogroup", home], check=True)
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    return dict(os.environ, HOME=home), prefix


def bench_wss(a, size, gen, floor, wsaudit):
    """the same WebSocket traffic inside TLS 1.3 (with its key log) and in plaintext"""
    tls = os.path.join(a.dir, f"bench-wss-{size}MB.pcap")
    keys = tls + ".keys"
    plain = os.path.join(a.dir, f"bench-wss-plain-{size}MB.pcap")
    if not os.path.exists(plain + ".meta"):
        with open(tls + ".meta", "w") as f:
            subprocess.run([gen, "--tls", keys, str(size), tls], stdout=f, check=True)
        conns = dict(line.split() for line in open(tls + ".meta"))["connections"]
        with open(plain + ".meta", "w") as f:
            subprocess.run([gen, "--conns", conns, "0", plain], stdout=f, check=True)
        for x in (tls, plain, keys):
            os.chmod(x, 0o644)
    res = {}
    for label, cap, extra in (("wss+keys", tls, ["--keylog", keys]), ("ws plain", plain, [])):
        info = dict(line.split() for line in open(cap + ".meta"))
        mb, pk = int(info["bytes"]) / 1e6, int(info["packets"])
        fl, _, _ = timed([floor, cap], a.runs)
        for tool, cmd in (("wsaudit -q", [wsaudit, "-j", "1", "-q"] + extra + [cap]),
                          ("wsaudit-jsonl", [wsaudit, "-j", "1", "-F", "jsonl"] + extra + [cap])):
            w, r, _ = timed(cmd, a.runs)
            res[(label, tool)] = w
            print(f"{label + ' ' + str(size) + ' MB':<22} {tool:<14} {w:8.3f} {mb / w:8.0f} "
                  f"{pk / w / 1e3:8.0f} {r / 1024:8.1f} {fl / w * 100:8.0f}%")
        out = subprocess.run([wsaudit, "-q", "-F", "jsonl"] + extra + [cap], capture_output=True,
                             text=True).stdout.rstrip("\n").rsplit("\n", 1)[-1]
        res[(label, "closes")] = int(out.split('"closes":')[1].split(",")[0])
        if not a.no_tshark and label == "wss+keys":
            ts = ["tshark", "-n", "-r", cap, "-o", "tls.keylog_file:" + keys, "-Y",
                  "websocket.opcode==8", "-T", "fields", "-e", "frame.number"]
            w, r, tout = timed(ts, 1, capture=True)
            n = sum(len(l.split(",")) for l in tout.splitlines() if l)
            res["tshark"] = w
            print(f"{label + ' ' + str(size) + ' MB':<22} {'tshark+keys':<14} {w:8.3f} "
                  f"{mb / w:8.0f} {pk / w / 1e3:8.0f} {r / 1024:8.1f} {'':>9} {n:>8}")
            res["tshark closes"] = n
    for tool in ("wsaudit -q", "wsaudit-jsonl"):
        print(f"  {tool}: decrypting costs {res[('wss+keys', tool)] / res[('ws plain', tool)]:.2f}x "
              f"the time of the same WebSocket traffic in plaintext")
    if "tshark" in res:
        print(f"  tshark decrypting / wsaudit decrypting (-F jsonl): "
              f"{res['tshark'] / res[('wss+keys', 'wsaudit-jsonl')]:.1f}x")
    same = res[("wss+keys", "closes")] == res[("ws plain", "closes")] == \
        res.get("tshark closes", res[("ws plain", "closes")])
    print(f"  close frames {'agree' if same else 'DIFFER'}: decrypted "
          f"{res[('wss+keys', 'closes')]}, plaintext {res[('ws plain', 'closes')]}"
          + (f", tshark {res['tshark closes']}" if "tshark closes" in res else ""))
    print()


def bench_h2(a, size, gen, floor, wsaudit):
    """the same WebSocket traffic over HTTP/2 (RFC 8441) and over HTTP/1.1"""
    h2 = os.path.join(a.dir, f"bench-h2-{size}MB.pcap")
    plain = os.path.join(a.dir, f"bench-h2-plain-{size}MB.pcap")
    if not os.path.exists(plain + ".meta"):
        with open(h2 + ".meta", "w") as f:
            subprocess.run([gen, "--h2", str(size), h2], stdout=f, check=True)
        conns = dict(line.split() for line in open(h2 + ".meta"))["connections"]
        with open(plain + ".meta", "w") as f:
            subprocess.run([gen, "--conns", conns, "0", plain], stdout=f, check=True)
        for x in (h2, plain):
            os.chmod(x, 0o644)
    res = {}
    for label, cap in (("ws over h2", h2), ("ws over h1", plain)):
        info = dict(line.split() for line in open(cap + ".meta"))
        mb, pk = int(info["bytes"]) / 1e6, int(info["packets"])
        fl, _, _ = timed([floor, cap], a.runs)
        for tool, cmd in (("wsaudit -q", [wsaudit, "-j", "1", "-q", "-F", "jsonl", cap]),
                          ("wsaudit-jsonl", [wsaudit, "-j", "1", "-F", "jsonl", cap])):
            w, r, _ = timed(cmd, a.runs)
            res[(label, tool)] = w
            print(f"{label + ' ' + str(size) + ' MB':<22} {tool:<14} {w:8.3f} {mb / w:8.0f} "
                  f"{pk / w / 1e3:8.0f} {r / 1024:8.1f} {fl / w * 100:8.0f}%")
        out = subprocess.run([wsaudit, "-q", "-F", "jsonl", cap], capture_output=True,
                             text=True).stdout.rstrip("\n").rsplit("\n", 1)[-1]
        res[(label, "closes")] = int(out.split('"closes":')[1].split(",")[0])
        res[(label, "gen")] = int(info["close_frames"])
    for tool in ("wsaudit -q", "wsaudit-jsonl"):
        print(f"  {tool}: HTTP/2 costs {res[('ws over h2', tool)] / res[('ws over h1', tool)]:.2f}x "
              f"the time of the same WebSocket traffic over HTTP/1.1")
    same = res[("ws over h2", "closes")] == res[("ws over h1", "closes")] == \
        res[("ws over h2", "gen")]
    print(f"  close frames {'agree' if same else 'DIFFER'}: over HTTP/2 "
          f"{res[('ws over h2', 'closes')]}, over HTTP/1.1 {res[('ws over h1', 'closes')]}, "
          f"generator {res[('ws over h2', 'gen')]}")
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "wsaudit-bench"))
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-tshark", action="store_true")
    ap.add_argument("--tshark-runs", type=int, default=1,
                    help="runs of tshark (and tshark+plugin, alternating); best is kept")
    ap.add_argument("--plugin", action="store_true")
    ap.add_argument("--profile", action="store_true", help="perf record wsaudit on the largest")
    ap.add_argument("--no-wss", action="store_true", help="skip the TLS (wss) pair")
    ap.add_argument("--no-h2", action="store_true", help="skip the HTTP/2 pair")
    a = ap.parse_args()
    global RSS_RUN
    RSS_RUN = os.path.join(a.build, "tests", "rss_run")
    wsaudit = os.path.join(a.build, "wsaudit")
    gen = os.path.join(a.build, "tests", "gen_capture")
    floor = os.path.join(a.build, "tests", "pcap_floor")
    if not all(os.path.exists(x) for x in (wsaudit, gen, floor, RSS_RUN)):
        # one command: install what is missing and build, as the quick start does
        subprocess.run(["bash", os.path.join(ROOT, "tests", "dev.sh"), "build"], check=True)
    os.makedirs(a.dir, exist_ok=True)
    os.chmod(a.dir, 0o755)
    penv, pprefix = plugin_env(a.build) if a.plugin else (None, None)

    cores = len(os.sched_getaffinity(0))
    print(f"{cores} cores; -j 1: one thread, -j {cores}: all cores on one capture")
    print(f"{'capture':<22} {'tool':<16} {'time s':>8} {'MB/s':>8} {'kpkt/s':>8} "
          f"{'RSS MiB':>8} {'vs floor':>9} {'closes':>8}")
    for size in [int(x) for x in a.sizes.split(",")]:
        for kind in ("ws", "small", "mixed"):
            cap = os.path.join(a.dir, f"bench-{kind}-{size}MB.pcap")
            meta = cap + ".meta"
            if not os.path.exists(meta):
                args = [gen] + ({"mixed": ["--mixed"], "small": ["--small"]}.get(kind, [])) + \
                    [str(size), cap]
                with open(meta, "w") as f:
                    subprocess.run(args, stdout=f, check=True)
                os.chmod(cap, 0o644)
            info = dict(line.split() for line in open(meta))
            mb = int(info["bytes"]) / 1e6
            pk = int(info["packets"])
            name = f"{kind} {size} MB"
            results = {}

            def show(tool, wall, rss, closes=""):
                ratio = results["floor"][0] / wall if "floor" in results else 1.0
                print(f"{name:<22} {tool:<16} {wall:8.3f} {mb / wall:8.0f} {pk / wall / 1e3:8.0f} "
                      f"{rss / 1024:8.1f} {ratio * 100:8.0f}% {closes:>8}")

            w, r, _ = timed([floor, cap], a.runs)
            results["floor"] = (w, r)
            show("floor", w, r)
            one = [wsaudit, "-j", "1"]
            w, r, _ = timed(one + ["-q", "-F", "jsonl", cap], a.runs)
            show("wsaudit-q", w, r)
            w, r, _ = timed([wsaudit, "-j", str(cores), "-q", "-F", "jsonl", cap], a.runs)
            show(f"wsaudit-q/j{cores}", w, r)
            w, r, _ = timed(one + ["-q", "-F", "jsonl", "--reader=libpcap", cap], a.runs)
            show("wsaudit-q/lp", w, r)
            w, r, out = timed(one + ["-F", "text", cap], a.runs)
            results["text"] = (w, r)
            show("wsaudit-text", w, r)
            w, r, _ = timed([wsaudit, "-j", str(cores), "-F", "jsonl", cap], a.runs)
            show(f"wsaudit-jsonl/j{cores}", w, r)
            same = same_output([wsaudit, "-F", "jsonl", cap], cores)
            w, r, _ = timed(one + ["-F", "jsonl", cap], a.runs)
            # the close count from a separate, untimed run (piping the whole output to Python
            # would measure the pipe, not wsaudit)
            out = subprocess.run([wsaudit, "-q", "-F", "jsonl", cap], capture_output=True,
                                 text=True).stdout
            last = out.rstrip("\n").rsplit("\n", 1)[-1]
            ws_closes = int(last.split('"closes":')[1].split(",")[0])
            results["jsonl"] = (w, r)
            show("wsaudit-jsonl", w, r, str(ws_closes))
            w, r, _ = timed(one + ["-F", "jsonl", "--reader=libpcap", cap], a.runs)
            show("wsaudit-jsonl/lp", w, r)
            print(f"  full JSONL with -j {cores} and -j 1: "
                  f"{'byte-identical' if same else 'DIFFERENT'}")
            gen_closes = int(info["close_frames"])
            if ws_closes != gen_closes:
                print(f"  !! wsaudit counted {ws_closes} close frames, the generator wrote "
                      f"{gen_closes}")
            if not a.no_tshark:
                ts = ["tshark", "-n", "-r", cap, "-Y", "websocket.opcode==8", "-T", "fields",
                      "-e", "frame.number", "-e", "websocket.payload.close.status_code"]
                # tshark and tshark+plugin alternate, so drift in the machine hits both alike
                w = w2 = None
                r = r2 = 0
                for _ in range(a.tshark_runs):
                    t1, m1, out = timed(ts, 1, capture=True)
                    w, r = (t1 if w is None else min(w, t1)), max(r, m1)
                    if penv:
                        t2, m2, _ = timed(pprefix + ts, 1, env=penv, capture=True)
                        w2, r2 = (t2 if w2 is None else min(w2, t2)), max(r2, m2)
                ts_closes = sum(len(l.split("\t")[0].split(",")) for l in out.splitlines() if l)
                results["tshark"] = (w, r)
                show("tshark", w, r, str(ts_closes))
                print(f"  tshark/wsaudit time ratio: {w / results['jsonl'][0]:.1f}x; close frames "
                      f"{'agree' if ts_closes == ws_closes else 'DIFFER'} "
                      f"(tshark {ts_closes}, wsaudit {ws_closes}, generator {gen_closes})")
                if penv:
                    show("tshark+plugin", w2, r2)
                    print(f"  plugin adds {(w2 / w - 1) * 100:.0f}% to tshark's time "
                          f"(best of {a.tshark_runs})")
            print()
        if not a.no_wss:
            bench_wss(a, size, gen, floor, wsaudit)
        if not a.no_h2:
            bench_h2(a, size, gen, floor, wsaudit)
    if a.profile and not shutil.which("perf"):
        print("--profile: perf is not installed (Debian package linux-perf)")
    elif a.profile:
        sizes = [int(x) for x in a.sizes.split(",")]
        cap = os.path.join(a.dir, f"bench-ws-{max(sizes)}MB.pcap")
        data = os.path.join(a.dir, "perf.data")
        subprocess.run([wsaudit, "-F", "jsonl", cap], stdout=subprocess.DEVNULL)  # warm cache
        subprocess.run(["perf", "record", "-o", data, wsaudit, "-F", "jsonl", cap],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio",
                              "--percent-limit", "1.5"],
                             capture_output=True, text=True).stdout
        print("perf report (self time, >= 1.5%):")
        print("\n".join(l for l in rep.splitlines() if l and not l.startswith("#")))
    if penv:
        shutil.rmtree(penv["HOME"], ignore_errors=True)


if __name__ == "__main__":
    main()
