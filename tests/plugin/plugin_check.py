#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Wireshark plugin, run inside the real tshark, against the analyzer.

usage: plugin_check.py PLUGIN_SO WSAUDIT CAPTURES_DIR [CORPUS_DIR] [--fuzz N]

tshark loads the freshly built plugin from a throwaway HOME (its personal plugin folder,
.local/lib/wireshark/plugins/4.0/epan/). Wireshark does not load personal plugins when it runs
with special privileges (as root), so as root tshark runs as `nobody` through setpriv.

Checks:
  1. `tshark -G plugins` lists wsaudit.so with the analyzer's version;
  2. fields and expert infos on known captures (illegal closes, the 1003 annotation, TLS
     failures, the statistics tree);
  3. one pass and two passes (-2) give the same wsaudit fields on every capture;
  4. cross-check: every finding the analyzer reports, the plugin reports with the same content
     (id, the packet it is about, the packet that completed a multi-packet frame, the detail
     text with its sizes and codes, the 1003 annotation's status and opcode), and vice versa,
     except the differences listed in KNOWN with their reason;
  5. --fuzz N: N `editcap -E` mutations of every capture through tshark with the plugin: no crash,
     no "Dissector bug", no assertion.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

# Findings the plugin cannot report, by design: they come from the analyzer's own capture
# reading and TCP reassembly, which the plugin leaves to Wireshark (Wireshark shows its own
# expert infos for those: "previous segment not captured", "[Packet size limited during
# capture]", ...).
ANALYZER_ONLY = {"stream.gap", "stream.memcap", "stream.midstream", "stream.overlap_conflict",
                 "capture.truncated", "capture.malformed_packet", "capture.ip_fragment",
                 "capture.ip_fragment_overlap", "capture.flow_memcap", "ws.incomplete_frame",
                 "ws.handshake_too_large"}

# (capture, finding id): why analyzer and plugin differ there
KNOWN = {
    # Wireshark's reassembly stalls at a hole inside a payload; nothing after it is dissected
    ("ws-gap-in-payload.pcap", "ws.close.unanswered"): "tshark stops dissecting after the hole",
    # a frame sent before the 101: Wireshark shows it as HTTP continuation, not WebSocket
    ("ws-handshake-cases.pcap", "ws.violation.early_data"): "Wireshark decodes it as HTTP",
    # 64-bit length with the MSB set: Wireshark waits for 2^63 bytes that never come
    ("ws-framing-violations.pcap", "ws.violation.length_msb_set"): "Wireshark keeps reassembling",
    # after bytes acknowledged but never captured, the plugin stops the direction at Wireshark's
    # "ACKed unseen segment" (the first ACK past the hole); the analyzer keeps a direction in
    # sync when the hole lies inside a payload, and stops at the end of its own reassembly wait
    ("ws-gap-in-payload.pcap", "ws.direction_stopped"): "the plugin stops, the analyzer resyncs",
    ("ws-gap-at-header.pcap", "ws.direction_stopped"): "stopped at the ACK (9) vs reassembly (11)",
    ("ws-frag-missing.pcap", "ws.direction_stopped"): "ACK past the hole (22) vs next data (26)",
    # the analyzer decodes a capture without the handshake by its mid-stream heuristic; in
    # Wireshark that takes Decode As WebSocket (checked separately above)
    ("ws-midstream.pcap", "ws.close.unsupported_data"): "analyzer heuristic; Wireshark: Decode As",
    ("ws-midstream.pcap", "status"): "as above",
    # the plugin stopped the client's direction at the hole, so it never reads the client's
    # Close: the server's status is unknown there
    ("ws-gap-in-payload.pcap", "status"): "the plugin stops, the analyzer resyncs",
    # same finding at the same packet, but Wireshark never dissects the frame the RST cut (its
    # reassembly waits for bytes that never come), so the plugin cannot say what was in flight
    ("ws-rst-mid-frame-aiohttp.pcap", "ws.close.abnormal"): "no in-flight frame in the detail",
}


class Tshark:
    def __init__(self, plugin):
        self.home = tempfile.mkdtemp(prefix="wsaudit-plugin-home-")
        d = os.path.join(self.home, ".local/lib/wireshark/plugins/4.0/epan")
        os.makedirs(d)
        shutil.copy(plugin, d)
        self.prefix = []
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "nobody:nogroup", self.home], check=True)
            subprocess.run(["chmod", "-R", "a+rX", self.home], check=True)
            self.prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]

    def run(self, args, cap=None):
        cmd = self.prefix + ["tshark"]
        if args[:1] != ["-G"]:  # -G must come first
            cmd += ["-n", "-o", "tcp.desegment_tcp_streams:TRUE",
                    "-o", "tcp.reassemble_out_of_order:TRUE",
                    "-o", "tls.desegment_ssl_records:TRUE"]
        if cap:
            cmd += ["-r", cap] + h2_decode_as(cap)
        env = dict(os.environ, HOME=self.home)
        p = subprocess.run(cmd + args, capture_output=True, text=True, env=env, cwd="/")
        return p

    def fields(self, cap, fields, two_pass=False, dfilter="wsaudit"):
        args = (["-2"] if two_pass else []) + ["-Y", dfilter, "-T", "fields",
                                               "-E", "separator=|", "-E", "occurrence=a"]
        for f in fields:
            args += ["-e", f]
        p = self.run(args, cap)
        return p.stdout, p.stderr

    def readable(self, path):
        """tshark may run as nobody, who may not read the source tree: give it a copy"""
        d = os.path.join(self.home, "captures")
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
        dst = os.path.join(d, os.path.basename(path))
        shutil.copy(path, dst)
        os.chmod(dst, 0o644)
        return dst

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)


_H2_PORTS = {}


def h2_decode_as(cap):
    """Wireshark has no heuristic for HTTP/2 with prior knowledge (the client's first bytes are
    the preface, RFC 9113 §3.3): a user says Decode As; so do these runs, for such captures"""
    if cap not in _H2_PORTS:
        _H2_PORTS[cap] = []
        out = subprocess.run(["tshark", "-n", "-r", cap, "-Y",
                              "(tcp.flags.syn == 1 && tcp.flags.ack == 0) || tcp.len > 0",
                              "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.dstport",
                              "-e", "tcp.payload", "-o", "tcp.desegment_tcp_streams:FALSE"],
                             capture_output=True, text=True).stdout
        client = None
        for line in out.splitlines():
            sport, dport, payload = (line.split("\t") + ["", ""])[:3]
            if client is None:
                client = sport  # the SYN's sender
            elif sport == client and payload:  # the client's first bytes
                if payload.startswith("505249202a20485454502f322e30"):  # "PRI * HTTP/2.0"
                    _H2_PORTS[cap] = ["-d", f"tcp.port=={dport},http2"]
                break
    return _H2_PORTS[cap]


def analyzer_h2(wsaudit, cap, keys):
    """closes (packet that completed the frame, stream, code), findings (id, packet, stream)
    and frames (packet that completed it, stream, opcode, FIN, length, direction) of the
    WebSocket streams of an HTTP/2 capture"""
    out = subprocess.run([wsaudit, "-F", "jsonl"] + (["--keylog", keys] if keys else []) + [cap],
                         capture_output=True, text=True).stdout
    closes, findings, frames = set(), set(), []
    for r in (json.loads(line) for line in out.splitlines()):
        if r["type"] == "close" and r.get("code") is not None:
            closes.add((r["pkt_end"], r.get("stream", 0), r["code"]))
        elif r["type"] == "finding":
            findings.add((r["id"], r["pkt"], r.get("stream", 0)))
        if r["type"] in ("frame", "close") and r["complete"] and "stream" in r:
            frames.append((r["pkt_end"], r["stream"], r["opcode"], r["fin"], r["len"], r["dir"]))
    return closes, findings, sorted(frames)


def plugin_h2(ts, cap, keys):
    """the same from the plugin's tree: each wsaudit.h2.stream item names the stream of the
    items after it"""
    p = ts.run((["-o", "tls.keylog_file:" + keys] if keys else []) +
               ["-Y", "wsaudit", "-T", "pdml", "-J", "frame wsaudit"], cap)
    closes, findings, frames = set(), set(), []
    for pkt in ET.fromstring(p.stdout).iter("packet"):
        num = int(next(f.get("show") for f in pkt.iter("field") if f.get("name") == "frame.number"))
        for proto in pkt.iter("proto"):
            if proto.get("name") != "wsaudit":
                continue
            stream = 0
            for f in proto:
                name = f.get("name")
                if name == "wsaudit.h2.stream":
                    stream = int(f.get("show"))
                elif name == "wsaudit.close.code":
                    closes.add((num, stream, int(f.get("show"))))
                elif name == "wsaudit.finding":
                    kids = {k.get("name"): k.get("show") for k in f.iter("field") if k is not f}
                    about = kids.get("wsaudit.frame")
                    findings.add((f.get("show"), int(about) if about else num, stream))
                elif name == "wsaudit.h2.ws":
                    k = {x.get("name"): x.get("show") for x in f.iter("field") if x is not f}
                    frames.append((num, stream, int(k["wsaudit.h2.ws.opcode"]),
                                   k["wsaudit.h2.ws.fin"] in ("1", "True"),
                                   int(k["wsaudit.h2.ws.len"]), k["wsaudit.h2.ws.dir"]))
    return closes, findings, sorted(frames)


def analyzer_findings(wsaudit, cap):
    """the analyzer's findings, as dicts: id, pkt, pkt_end (None unless the finding is about a
    frame spread over packets), detail, and for a 1003 the offending message; and its status
    records for connections that ended in the capture, as tuples"""
    out = subprocess.run([wsaudit, "-F", "jsonl", cap], capture_output=True, text=True).stdout
    found, statuses = [], []
    for r in (json.loads(line) for line in out.splitlines()):
        if r["type"] == "status" and r["how"] != "capture_end":
            statuses.append((r["pkt"], r["client_saw"], r["server_saw"], r["closing_handshake"],
                             r["ended_by"], r["ended_pkt"], r["how"]))
        if r["type"] != "finding":
            continue
        o = r.get("offending") or {}
        end = o.get("pkt_end")
        found.append({"id": r["id"], "pkt": r["pkt"], "pkt_end": r.get("pkt_end"),
                      "detail": r["detail"],
                      "unsup": (o.get("status"), o.get("opcode"), o.get("pkt"),
                                end if end and end > o.get("pkt") else None) if o else None})
    return found, statuses


def plugin_findings(ts, cap):
    """the plugin's findings from the tree (PDML): where they are shown, and the same content
    as the analyzer's: the packet they are about (wsaudit.frame, else the frame showing them),
    the packet that completed the frame they are about (wsaudit.frame_end), the detail, and for
    a 1003 the annotation's status and opcode"""
    p = ts.run(["-Y", "wsaudit", "-T", "pdml", "-J", "frame wsaudit"], cap)
    found, statuses = [], []
    try:
        root = ET.fromstring(p.stdout)
    except ET.ParseError:
        return found, statuses
    for pkt in root.iter("packet"):
        num = int(next(f.get("show") for f in pkt.iter("field") if f.get("name") == "frame.number"))
        for f in pkt.iter("field"):
            if f.get("name") == "wsaudit.status":
                k = {x.get("name"): x.get("show") for x in f.iter("field") if x is not f}
                saw = lambda n: int(k[n]) if n in k else None
                statuses.append((num, saw("wsaudit.status.client_saw"),
                                 saw("wsaudit.status.server_saw"),
                                 k.get("wsaudit.status.closing_handshake") == "1",
                                 k.get("wsaudit.status.ended_by"),
                                 saw("wsaudit.status.ended_frame"), k.get("wsaudit.status.how")))
            if f.get("name") != "wsaudit.finding":
                continue
            kids = {k.get("name"): k.get("show") for k in f.iter("field") if k is not f}
            about = kids.get("wsaudit.frame")
            end = kids.get("wsaudit.frame_end")
            status = kids.get("wsaudit.unsupported.status")
            opcode = kids.get("wsaudit.unsupported.opcode")
            msg = kids.get("wsaudit.unsupported.frame")
            finding = {"id": f.get("show"), "shown": num, "pkt": int(about) if about else num,
                       "pkt_end": int(end) if end else None,
                       "detail": kids.get("wsaudit.finding.detail", ""), "unsup": None}
            if status:  # a 1003: frame_end is its offending message's
                finding["unsup"] = (status, int(opcode) if opcode else None,
                                    int(msg) if msg else None, finding["pkt_end"])
                finding["pkt_end"] = None
            found.append(finding)
    return found, statuses


def cross_check(ts, wsaudit, cap, problems):
    """Each finding of one side must be on the other with the same content. A finding is
    matched by id and the packet it is about; a 1003 annotation may be shown where the plugin
    could judge it (it waits for the peer's acknowledged bytes), at or after its Close."""
    name = os.path.basename(cap)
    a, a_status = analyzer_findings(wsaudit, cap)
    a_numbers = set(re.findall(r"\d+", " ".join(f["detail"] for f in a)))
    a = [f for f in a if f["id"] not in ANALYZER_ONLY]
    b, b_status = plugin_findings(ts, cap)
    # no placeholder printed as a count (issue 17: "4611686018427387903 bytes missing"): a
    # number of 2^32 or more in a plugin text must be one the analyzer wrote too, KNOWN or not
    for c in b:
        for n in re.findall(r"\d+", c["detail"]):
            if int(n) >= 2**32 and n not in a_numbers:
                problems.append(f"{name}: plugin {c['id']} at frame {c['shown']} says {n}, "
                                f"which no analyzer finding says: {c['detail']!r}")
    # how each connection ended (one-pass: the plugin cannot show what the capture's end
    # decides, so connections still open at the end are left out on both sides)
    for st in sorted(set(a_status) ^ set(b_status), key=str):
        if (name, "status") not in KNOWN:
            problems.append(f"{name}: status {st} only in the "
                            f"{'analyzer' if st in a_status else 'plugin'}")
    unmatched_b = list(b)
    for f in a:
        hit = next((c for c in unmatched_b if c["id"] == f["id"] and c["pkt"] == f["pkt"]), None)
        if hit is None and f["unsup"]:
            hit = next((c for c in unmatched_b if c["id"] == f["id"] and c["shown"] >= f["pkt"]
                        and c["detail"] == f["detail"]), None)
        if hit is None:
            if (name, f["id"]) not in KNOWN:
                problems.append(f"{name}: analyzer {f['id']} at pkt {f['pkt']}, plugin has none")
            continue
        unmatched_b.remove(hit)
        if (name, f["id"]) in KNOWN:
            continue
        for key in ("pkt_end", "detail", "unsup"):
            if hit[key] != f[key]:
                problems.append(f"{name}: {f['id']} at pkt {f['pkt']}: {key} differs: analyzer "
                                f"{f[key]!r}, plugin {hit[key]!r}")
    for c in unmatched_b:
        if (name, c["id"]) not in KNOWN:
            problems.append(f"{name}: plugin {c['id']} at frame {c['shown']}, analyzer has none")


# Wireshark keeps a label (and an expert info's summary) in ITEM_LABEL_LENGTH = 240 bytes with
# the NUL: one of 239 characters may have been cut, and a cut label is marked "[truncated]"
LABEL_MAX = 238


def label_check(ts, cap, problems):
    """every wsaudit item of `tshark -V` and every wsaudit summary of `-z expert` whole
    (issue 17): returns (lines checked, longest, summaries cut by the plugin itself)"""
    name = os.path.basename(cap)
    lines, longest, own_cuts = 0, 0, 0
    p = ts.run(["-V", "-Y", "wsaudit"], cap)
    inside = False
    for line in p.stdout.splitlines():
        if not line.startswith(" "):
            inside = line.startswith("[wsaudit")
            if not inside:
                continue
        elif not inside:
            continue
        text = line.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        lines += 1
        longest = max(longest, len(text))
        if "[truncated]" in line or len(text) > LABEL_MAX:
            problems.append(f"{name}: a wsaudit label is cut ({len(text)}): {text[:120]}...")
    p = ts.run(["-q", "-z", "expert"], cap)
    for line in p.stdout.splitlines():
        m = re.match(r"\s*\d+\s+\S+(?: \S+)?\s+wsaudit\s+(.*)$", line)
        if not m:
            continue
        summary = m.group(1)
        lines += 1
        longest = max(longest, len(summary))
        own_cuts += summary.endswith(" ...")
        if len(summary) > LABEL_MAX:
            problems.append(f"{name}: an expert summary is cut ({len(summary)}): "
                            f"{summary[:120]}...")
    return lines, longest, own_cuts


def expect(problems, cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        problems.append(what)


def main():
    args = sys.argv[1:]
    fuzz = 0
    if "--fuzz" in args:
        i = args.index("--fuzz")
        fuzz = int(args[i + 1])
        del args[i:i + 2]
    plugin, wsaudit, capdir = args[:3]
    corpus = args[3] if len(args) > 3 else None
    capdir = os.path.abspath(capdir)
    ts = Tshark(plugin)
    problems = []
    try:
        version = subprocess.run([wsaudit, "-V"], capture_output=True,
                                 text=True).stdout.split()[1]
        p = ts.run(["-G", "plugins"])
        line = [x.split() for x in p.stdout.splitlines() if x.startswith("wsaudit.so")]
        expect(problems, bool(line) and line[0][1] == version and line[0][2] == "dissector",
               f"tshark -G plugins lists wsaudit.so {version} as a dissector plugin")
        # every field says what it holds (issue 17): -G fields gives F, name, abbrev, type,
        # parent, base, bitmask, blurb (expert infos are listed too, as FT_NONE: left out)
        p = ts.run(["-G", "fields"])
        mine = [f for f in (x.split("\t") for x in p.stdout.splitlines())
                if len(f) >= 5 and f[0] == "F" and f[4] == "wsaudit"
                and (f[3] != "FT_NONE" or f[2] == "wsaudit.status")]
        bare = [f[2] for f in mine if len(f) < 8 or not f[7].strip()]
        expect(problems, len(mine) >= 20 and not bare,
               f"every one of the {len(mine)} wsaudit fields has a blurb (without: {bare})")
        # expert infos the plugin cannot raise are not offered (issue 17)
        experts = {x.split("\t")[2] for x in p.stdout.splitlines()
                   if x.startswith("F\t") and "\twsaudit." in x}
        never = {"wsaudit.finding." + x for x in ("stream.gap", "stream.memcap",
                                                   "capture.truncated", "capture.ip_fragment",
                                                   "capture.flow_memcap")}
        expect(problems, not (experts & never) and
               "wsaudit.finding.ws.close.reserved_code" in experts
               and "wsaudit.finding.stream.midstream" in experts,
               f"expert infos only the analyzer raises are not registered ({sorted(experts & never)})")

        capdir_src = capdir
        capdir = os.path.dirname(ts.readable(f"{capdir_src}/ws-close-codes-server.pcap"))
        for n in ("ws-1003-binary-to-text.pcap", "tls-ossl-expired-1_2.pcap",
                  "tls-wss-1003-keylog.pcapng", "ws-midstream.pcap",
                  "tls-gnutls-expired-keylog-1_3.pcapng"):
            ts.readable(f"{capdir_src}/{n}")
        out, _ = ts.fields(f"{capdir}/ws-close-codes-server.pcap",
                           ["frame.number", "wsaudit.close.code"], dfilter="wsaudit.close.illegal")
        codes = sorted(int(x.split("|")[1]) for x in out.splitlines())
        expect(problems, codes == [0, 999, 1004, 1005, 1006, 1015, 1016, 2999],
               f"-Y wsaudit.close.illegal lists exactly the illegal closes ({codes})")
        out, _ = ts.fields(f"{capdir}/ws-1003-binary-to-text.pcap",
                           ["frame.number", "wsaudit.unsupported.opcode",
                            "wsaudit.unsupported.frame"], dfilter="wsaudit.unsupported.frame")
        expect(problems, out.strip() == "11|2|10",
               f"1003 close in frame 11 names opcode 2 (binary, BASE_DEC as websocket.opcode) "
               f"in frame 10 ({out.strip()!r})")
        out, _ = ts.fields(f"{capdir}/tls-ossl-expired-1_2.pcap",
                           ["frame.number", "wsaudit.tls.alert"],
                           dfilter="wsaudit.tls.handshake_failed")
        expect(problems, out.strip() == "8|45",
               f"TLS failure with certificate_expired on frame 8 ({out.strip()!r})")
        out, _ = ts.fields(f"{capdir}/tls-wss-1003-keylog.pcapng",
                           ["frame.number", "wsaudit.unsupported.opcode",
                            "wsaudit.unsupported.frame"], dfilter="wsaudit.unsupported.frame")
        expect(problems, out.strip() == "17|2|16",
               f"wss:// decrypted with the pcapng's key log: the 1003 close in frame 17 names "
               f"opcode 2 in frame 16 ({out.strip()!r})")
        # alerts Wireshark decrypted are the plugin's exact alerts, on their frames, never
        # "probable" (issue 14)
        for cap, want in (("tls-wss-1003-keylog.pcapng", "19|0\n20|0"),
                          ("tls-gnutls-expired-keylog-1_3.pcapng", "11|42")):
            out, _ = ts.fields(f"{capdir}/{cap}", ["frame.number", "wsaudit.tls.alert"],
                               dfilter="wsaudit.tls.alert")
            kinds, _ = ts.fields(f"{capdir}/{cap}", ["frame.number", "wsaudit.tls.alert_kind"],
                                 dfilter="wsaudit.tls.alert_kind")
            expect(problems, out.strip() == want and not kinds.strip(),
                   f"{cap}: alerts Wireshark decrypted are exact ({out.strip()!r}), none "
                   f"probable ({kinds.strip()!r})")
        p = ts.run(["-d", "tcp.port==18001,websocket", "-Y", "wsaudit.unsupported.frame", "-T",
                    "fields", "-e", "frame.number", "-e", "wsaudit.unsupported.frame"],
                   f"{capdir}/ws-midstream.pcap")
        expect(problems, p.stdout.strip() == "5\t4",
               f"Decode As WebSocket on a capture without the handshake: 1003 annotated "
               f"({p.stdout.strip()!r})")
        # the expert summary is the id and the cause; the tree says what a client reports
        p = ts.run(["-q", "-z", "expert,error"], f"{capdir}/tls-ossl-expired-1_2.pcap")
        v = ts.run(["-V", "-Y", "wsaudit.tls.handshake_failed"],
                   f"{capdir}/tls-ossl-expired-1_2.pcap")
        expect(problems, "tls.handshake_failure: The client sent fatal alert certificate_expired"
               in p.stdout and "client reports this connection as close status 1015" in v.stdout
               and "[Fix: renew the server's certificate" in v.stdout,
               "expert info (error) for the TLS failure names its cause; the tree says the "
               "client reports 1015 and gives the fix")
        p = ts.run(["-q", "-z", "expert,error"], f"{capdir}/ws-close-codes-server.pcap")
        expect(problems, "ws.close.reserved_code: code 1015 (TLS Handshake Failure) sent by the "
               "server" in p.stdout and "ws.close.reserved_code: code 1004 (Reserved)" in p.stdout,
               "expert info (error) for a Close carrying a reserved code (1015, 1004)")
        p = ts.run(["-q", "-z", "wsaudit,tree"], f"{capdir}/ws-close-codes-server.pcap")
        tree = {}
        for line in p.stdout.splitlines():
            m = re.match(r"\s*(\S.*?)\s+(\d+)\s+[\d.]+\s", line)
            if m:
                tree[m.group(1)] = int(m.group(2))
        expect(problems, tree.get("reserved") == 4 and tree.get("invalid") == 4 and
               tree.get("ws.close.reserved_code") == 4 and tree.get("1015 TLS Handshake Failure")
               == 1 and tree.get("1004 Reserved") == 1 and tree.get("1000 Normal Closure") == 2,
               f"-z wsaudit,tree counts close classes, codes within them and findings ({tree})")
        p = ts.run([], f"{capdir}/ws-close-codes-server.pcap")
        expect(problems, "[wsaudit: ws.close.reserved_code]" in p.stdout,
               "the Info column carries a short wsaudit tag")

        # WebSocket over HTTP/2 (RFC 8441, issue 20): on Wireshark's HTTP/2 dissection (Decode
        # As for prior knowledge; TLS decrypted with the capture's key log), every close and
        # finding of the analyzer, with its stream and packet, and nothing else
        h2caps = sorted(glob.glob(f"{capdir_src}/h2-*.pcap*"))
        h2_bad, h2_closes, h2_frames = [], 0, 0
        for src in h2caps:
            cap = ts.readable(src)
            k = os.path.join(capdir_src, "keys", os.path.basename(src).rsplit(".", 1)[0] + ".keys")
            keys = ts.readable(k) if os.path.exists(k) else None
            a_cl, a_fi, a_fr = analyzer_h2(wsaudit, src, k if keys else None)
            b_cl, b_fi, b_fr = plugin_h2(ts, cap, keys)
            a_fi = {f for f in a_fi if f[0] not in ANALYZER_ONLY}
            h2_closes += len(a_cl)
            h2_frames += len(a_fr)
            if a_fr != b_fr:
                h2_bad.append(f"{os.path.basename(src)}: WebSocket frames differ: only analyzer "
                              f"{sorted(set(a_fr) - set(b_fr))[:5]}, only plugin "
                              f"{sorted(set(b_fr) - set(a_fr))[:5]}")
            if a_cl != b_cl or a_fi != b_fi:
                h2_bad.append(f"{os.path.basename(src)}: closes only analyzer "
                              f"{sorted(a_cl - b_cl)}, only plugin {sorted(b_cl - a_cl)}; "
                              f"findings only analyzer {sorted(a_fi - b_fi)}, only plugin "
                              f"{sorted(b_fi - a_fi)}")
        expect(problems, h2caps and h2_closes >= 20 and h2_frames >= 60 and not h2_bad,
               f"WebSocket over HTTP/2: the plugin shows the analyzer's {h2_frames} WebSocket "
               f"frames, {h2_closes} closes and its findings with the same stream and packet on "
               f"{len(h2caps)} captures {h2_bad}")
        out, _ = ts.fields(ts.readable(f"{capdir_src}/h2-ws-many-streams.pcap"),
                           ["frame.number"], dfilter="wsaudit.h2.stream == 7 && "
                           "wsaudit.finding == \"h2.ws.stream_reset\"")
        expect(problems, out.strip() == "34",
               f"-Y 'wsaudit.h2.stream == 7' finds the stream reset mid-message ({out.strip()!r})")

        # hostile strings (ROB-04): every byte of the close reason and the SNI kept, escaped
        hostile = os.path.join(capdir, "hostile.pcap")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "..", "cli",
                                                     "hostile_gen.py"), hostile], check=True)
        os.chmod(hostile, 0o644)
        out, _ = ts.fields(hostile, ["frame.number", "wsaudit.close.reason"],
                           dfilter="wsaudit.close.reason")
        expect(problems, out.strip() == r"6|a\x00b\x1b[31mred\xff\xfe",
               f"close reason with NUL, ESC and invalid UTF-8 kept whole, escaped ({out.strip()!r})")
        out, _ = ts.fields(hostile, ["wsaudit.tls.summary"], dfilter="wsaudit.tls.summary")
        expect(problems, r"SNI x\x00y\x1b]0;t\x07\xff.example;" in out,
               f"SNI with NUL, ESC, BEL and invalid UTF-8 kept whole, escaped ({out.strip()!r})")
        os.remove(hostile)

        caps = sorted(glob.glob(f"{capdir_src}/*.pcap") + glob.glob(f"{capdir_src}/*.pcapng"))
        if corpus:
            caps += sorted(glob.glob(f"{corpus}/*/*.pcap*"))
        caps = [ts.readable(c) for c in caps]
        fields = ["frame.number", "wsaudit.finding", "wsaudit.close.code", "wsaudit.frame",
                  "wsaudit.frame_end", "wsaudit.unsupported.frame", "wsaudit.tls.alert",
                  "wsaudit.status.client_saw", "wsaudit.status.server_saw"]
        same = []
        for cap in caps:
            one, err1 = ts.fields(cap, fields)
            two, err2 = ts.fields(cap, fields, two_pass=True)
            if one != two:
                same.append(os.path.basename(cap))
            for err in (err1, err2):
                if "Dissector bug" in err or "assertion" in err.lower():
                    problems.append(f"{os.path.basename(cap)}: {err.strip()[:200]}")
        expect(problems, not same, f"one pass and -2 agree on {len(caps)} captures {same}")

        # -T ek prints what -G elastic-mapping promises (issue 17): numbers as decimal strings
        # Elasticsearch coerces (tshark 4.0 prints tcp.srcport so too), booleans as booleans
        p = ts.run(["-G", "elastic-mapping", "--elastic-mapping-filter", "wsaudit"])
        mapping = json.loads(p.stdout)["mappings"]["properties"]["layers"]["properties"][
            "wsaudit"]["properties"]
        bad, checked = [], 0
        for cap in caps:
            p = ts.run(["-T", "ek", "-Y", "wsaudit"], cap)
            for line in p.stdout.splitlines():
                rec = json.loads(line)
                for k, v in rec.get("layers", {}).get("wsaudit", {}).items():
                    want = mapping.get(k, {}).get("type")
                    for x in v if isinstance(v, list) else [v]:
                        checked += 1
                        ok = (want in ("integer", "long", "short", "byte") and
                              isinstance(x, str) and re.fullmatch(r"\d+", x)) or \
                             (want == "boolean" and isinstance(x, bool)) or \
                             (want in (None, "keyword", "text") and not isinstance(x, bool))
                        if not ok:
                            bad.append(f"{os.path.basename(cap)}: {k}={x!r} ({want})")
        expect(problems, checked > 1000 and not bad,
               f"-T ek agrees with -G elastic-mapping on {checked} wsaudit values {bad[:5]}")

        # readable in Wireshark: no wsaudit label or expert summary cut at 240 (issue 17)
        before = len(problems)
        total = longest = own = 0
        for cap in caps:
            n, m, o = label_check(ts, cap, problems)
            total, longest, own = total + n, max(longest, m), own + o
        expect(problems, len(problems) == before and total > 1000,
               f"{total} wsaudit labels and expert summaries on {len(caps)} captures, none cut "
               f"(longest {longest}; {own} summaries shortened by the plugin, whole in the tree)")

        before = len(problems)
        for cap in caps:
            cross_check(ts, wsaudit, cap, problems)
        for p_ in problems[before:]:
            print("FAIL " + p_)
        print(f"cross-check over {len(caps)} captures: {len(problems) - before} differences "
              f"({len(KNOWN)} known differences allowed)")

        if fuzz:
            tmp = tempfile.mkdtemp(prefix="wsaudit-plugin-fuzz-")
            os.chmod(tmp, 0o755)
            runs = bad = 0
            for cap in caps:
                for seed in range(1, fuzz + 1):
                    m = os.path.join(tmp, "m.pcap")
                    subprocess.run(["editcap", "-E", "0.05", "--seed", str(seed), cap, m],
                                   capture_output=True)
                    os.chmod(m, 0o644)
                    p = ts.run(["-2", "-V"], m)
                    runs += 1
                    text = p.stdout + p.stderr
                    if p.returncode not in (0, 2) or "Dissector bug" in text or \
                            "ERROR" in p.stderr:
                        bad += 1
                        problems.append(f"fuzz {os.path.basename(cap)} seed {seed}: "
                                        f"rc {p.returncode} {p.stderr.strip()[:200]}")
            shutil.rmtree(tmp, ignore_errors=True)
            expect(problems, bad == 0, f"fuzz: {runs} mutated captures through tshark -2 -V "
                                       f"with the plugin, {bad} problems")
    finally:
        ts.close()
    print(f"{len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
