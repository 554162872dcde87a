#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/confine_check.sh WSAUDIT WSAUDIT_HOOKED CAPTURES_DIR — the confinement bites
# (issue 18). WSAUDIT_HOOKED is the CLI built with a hook that, once confined, tries what a
# compromised parser would (write a file, open a socket, fork, exec, mkdir) and says on stderr
# what got through. Confined (the default), all of it must be refused; with --no-sandbox the
# same hook must get through (so the check can fail). Run as root, the analysis must run as
# nobody (-Z) and still read files only root can read (they are opened before the drop).
# Every capture, in the option sets the suite uses, must be analysed confined without one
# refused call and give the same output as unconfined.
set -u
bin=$1 hooked=$2 caps=$3
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
cap=$caps/ws-1003-binary-to-text.pcap

# 1. confined: every attempt refused, the file not made
WSAUDIT_HOOK_WRITE=$tmp/pwned "$hooked" -q "$cap" >/dev/null 2>"$tmp/hook.err"
for what in "open for writing" socket fork execve mkdir; do
    if grep -q "^hook: $what: refused" "$tmp/hook.err"; then ok "confined: $what refused"
    else bad "confined: $what not refused: $(grep "^hook: $what" "$tmp/hook.err")"; fi
done
grep -q '^hook: open read-only: allowed' "$tmp/hook.err" && ok "confined: read-only open allowed" ||
    bad "confined: read-only open refused"
[ ! -e "$tmp/pwned" ] && ok "confined: no file written" || bad "confined: $tmp/pwned was written"
grep -q 'sandbox refused system call' "$tmp/hook.err" && ok "the refusal is said on stderr" ||
    bad "no word of the refused call on stderr"
if [ "$(id -u)" -eq 0 ]; then
    grep -q "^hook: uid $(id -u nobody) euid $(id -u nobody) " "$tmp/hook.err" &&
        ok "run as root: the analysis ran as nobody" || bad "still root: $(grep uid "$tmp/hook.err")"
fi

# 2. the same hook unconfined gets through (the check above can fail)
WSAUDIT_HOOK_WRITE=$tmp/unconfined "$hooked" -q --no-sandbox -Z root "$cap" >/dev/null 2>"$tmp/free.err"
grep -q '^hook: open for writing: allowed' "$tmp/free.err" && [ -e "$tmp/unconfined" ] &&
    ok "--no-sandbox: the same hook writes its file" || bad "--no-sandbox: hook still refused"

# 3. root-only files are read after the drop to nobody; an unknown -Z user is an error
if [ "$(id -u)" -eq 0 ]; then
    mkdir -m 700 "$tmp/private"
    cp "$cap" "$tmp/private/only-root.pcap"
    chmod 600 "$tmp/private/only-root.pcap"
    gzip -c "$cap" >"$tmp/private/only-root.pcap.gz"
    chmod 600 "$tmp/private/only-root.pcap.gz"
    for f in only-root.pcap only-root.pcap.gz; do
        out=$("$bin" -q -F jsonl "$tmp/private/$f" 2>&1)
        grep -q '"id":"ws.close.unsupported_data"' <<<"$out" &&
            ok "root-only $f analysed after the drop" || bad "root-only $f: $out"
    done
    "$bin" -Z no-such-user-here "$cap" >/dev/null 2>"$tmp/z.err"
    rc=$?
    [ "$rc" -eq 2 ] && grep -q 'no-such-user-here' "$tmp/z.err" &&
        ok "-Z unknown user: exit 2 with the name" || bad "-Z unknown user: rc $rc"
fi

# 4. every capture, confined and not: same output, no refused call
refused=0 differ=0 n=0
run_both() { # label args...
    local label=$1
    shift
    "$bin" "$@" >"$tmp/c.out" 2>"$tmp/c.err"
    local rc1=$?
    "$bin" --no-sandbox -Z root "$@" >"$tmp/u.out" 2>"$tmp/u.err"
    local rc2=$?
    n=$((n + 1))
    if grep -q 'sandbox refused' "$tmp/c.err"; then
        refused=$((refused + 1))
        bad "$label: $(grep 'sandbox refused' "$tmp/c.err")"
    fi
    if ! cmp -s "$tmp/c.out" "$tmp/u.out" || [ "$rc1" -ne "$rc2" ]; then
        differ=$((differ + 1))
        bad "$label: confined output differs from unconfined (rc $rc1 vs $rc2)"
    fi
}
for f in "$caps"/*.pcap "$caps"/*.pcapng; do
    run_both "$(basename "$f")" -F jsonl --payload "$f"
done
run_both "text, all files, -j 2" -j 2 "$caps"/*.pcap
run_both "key log" --keylog "$caps/keys/tls-dec-wss-1003-chacha-1_2.keys" -F jsonl \
    "$caps/tls-dec-wss-1003-chacha-1_2.pcap"
gzip -c "$cap" >"$tmp/c.pcap.gz"
run_both "gzip" "$tmp/c.pcap.gz"
run_both "BPF filter" -f "tcp port 18001" "$cap"
"$bin" -F jsonl - <"$cap" >"$tmp/s.out" 2>"$tmp/s.err"
grep -q 'sandbox refused' "$tmp/s.err" && bad "stdin: $(cat "$tmp/s.err")" || ok "stdin confined"
echo "$n runs confined and unconfined: $refused with a refused call, $differ with different output"
exit $fail
