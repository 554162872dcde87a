#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages (issue 16 item 10): `cpack -G DEB` builds two, the CLI without
# libwireshark and the plugin with it; their dependencies resolve on this bookworm machine
# (apt-get --simulate); they install into a throwaway root with dpkg --root, where the
# installed wsaudit gives the output of the built one, and remove cleanly; the packaged plugin
# loads into the system's tshark.
# Usage: deb_check.sh BUILD_DIR SOURCE_DIR
set -u
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { if [ "$2" -eq 0 ]; then pass=$((pass + 1)); echo "ok: $1"; else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

(cd "$build" && cpack -G DEB -B "$tmp/out" > "$tmp/cpack.log" 2>&1)
check "cpack -G DEB builds" $?
cli=$(ls "$tmp"/out/wsaudit_*.deb 2> /dev/null | head -1)
plugin=$(ls "$tmp"/out/wsaudit-wireshark-plugin_*.deb 2> /dev/null | head -1)
[ -n "$cli" ]
check "the CLI package: ${cli##*/}" $?
[ -z "$cli" ] && { cat "$tmp/cpack.log"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }

deps=$(dpkg-deb -f "$cli" Depends)
case "$deps" in *libwireshark* | *libwsutil* | *wireshark-common*) false ;; *libpcap0.8*) true ;; *) false ;; esac
check "CLI depends on libpcap, not on Wireshark ($deps)" $?
# libarchive is loaded with dlopen (only for compressed captures): dpkg-shlibdeps cannot see it
case "$deps" in *libarchive*) true ;; *) false ;; esac
check "CLI depends on libarchive, which it loads for compressed captures ($deps)" $?
files=$(dpkg-deb -c "$cli" | awk '{print $6}')
for f in ./usr/bin/wsaudit ./usr/share/man/man1/wsaudit.1 \
    ./usr/share/bash-completion/completions/wsaudit ./usr/share/doc/wsaudit/copyright; do
    grep -qx -- "$f" <<< "$files" || { echo "   missing $f"; miss=1; }
done
! grep -q 'wsaudit.so' <<< "$files" && [ -z "${miss:-}" ]
check "CLI package holds the binary, man page, completion and copyright, and no plugin" $?

mkdir -p "$tmp/root/var/lib/dpkg/info" "$tmp/root/var/lib/dpkg/updates"
touch "$tmp/root/var/lib/dpkg/status"
# the throwaway root has an empty package database: its dependencies are this machine's
dpkg --root="$tmp/root" --force-depends --force-not-root -i "$cli" > "$tmp/dpkg.log" 2>&1
check "dpkg --root installs the CLI package" $?
readelf -d "$tmp/root/usr/bin/wsaudit" 2> /dev/null | grep -q 'NEEDED.*libwireshark'
[ $? -ne 0 ] && [ -x "$tmp/root/usr/bin/wsaudit" ]
check "the installed wsaudit does not link libwireshark" $?
cap=$src/captures/ws-1003-binary-to-text.pcap
(cd "$src/captures" && "$tmp/root/usr/bin/wsaudit" -F jsonl --payload ws-1003-binary-to-text.pcap) > "$tmp/a"
ra=$?
(cd "$src/captures" && "$build/wsaudit" -F jsonl --payload ws-1003-binary-to-text.pcap) > "$tmp/b"
rb=$?
[ "$ra" = "$rb" ] && [ -s "$tmp/a" ] && cmp -s "$tmp/a" "$tmp/b"
r=$?
check "the installed wsaudit gives the built one's output on ${cap##*/} (exit $ra)" $r
# the same capture compressed: the installed binary loads libarchive by its SONAME
gzip -c "$cap" > "$tmp/ws-1003-binary-to-text.pcap.gz"
(cd "$tmp" && "$tmp/root/usr/bin/wsaudit" -F jsonl --payload ws-1003-binary-to-text.pcap.gz) \
    > "$tmp/c"
rc=$?
[ "$rc" = "$rb" ] && cmp -s <(sed 's/"file":"[^"]*"//' "$tmp/b") <(sed 's/"file":"[^"]*"//' "$tmp/c")
check "the installed wsaudit reads the capture gzip-compressed, with the same records (exit $rc)" $?
if command -v apt-get > /dev/null; then
    args=("$cli")
    [ -n "$plugin" ] && args+=("$plugin")
    apt-get install --simulate --no-install-recommends "${args[@]}" > "$tmp/apt.log" 2>&1
    check "apt-get --simulate resolves the packages' dependencies on this machine" $?
    grep -E '^(E:|Inst|Conf)' "$tmp/apt.log" | grep -v 'wsaudit' | head -5
fi

if [ -n "$plugin" ]; then
    pdeps=$(dpkg-deb -f "$plugin" Depends)
    case "$pdeps" in *libwireshark*wireshark-common* | *wireshark-common*libwireshark*) true ;; *) false ;; esac
    check "plugin depends on libwireshark and this Wireshark's minor version ($pdeps)" $?
    so=$(dpkg-deb -c "$plugin" | awk '{print $6}' | grep -E '^\./usr/lib/.*wireshark/plugins/[0-9.]+/epan/wsaudit\.so$')
    [ -n "$so" ]
    check "plugin package puts wsaudit.so in Wireshark's plugin folder (${so:-none})" $?
    dpkg --root="$tmp/root" --force-depends --force-not-root -i "$plugin" >> "$tmp/dpkg.log" 2>&1
    check "dpkg --root installs the plugin package" $?
    # the packaged module, loaded by the system's tshark (as an unprivileged user, from a
    # personal plugin folder: Wireshark ignores those for root)
    ver=$(basename "$(dirname "$(dirname "$so")")")
    mkdir -p "$tmp/home/.local/lib/wireshark/plugins/$ver/epan"
    cp "$tmp/root/${so#./}" "$tmp/home/.local/lib/wireshark/plugins/$ver/epan/"
    chmod -R a+rX "$tmp/home"
    if [ "$(id -u)" = 0 ]; then
        got=$(HOME=$tmp/home setpriv --reuid=nobody --regid=nogroup --clear-groups tshark -G plugins 2> /dev/null)
    else
        got=$(HOME=$tmp/home tshark -G plugins 2> /dev/null)
    fi
    grep -q "wsaudit.so" <<< "$got"
    check "tshark loads the packaged plugin" $?
    dpkg --root="$tmp/root" --force-not-root -r wsaudit-wireshark-plugin >> "$tmp/dpkg.log" 2>&1
    check "the plugin package removes" $?
fi
dpkg --root="$tmp/root" --force-not-root -r wsaudit >> "$tmp/dpkg.log" 2>&1
left=$(find "$tmp/root/usr" -type f 2> /dev/null)
[ -z "$left" ]
check "the CLI package removes without leaving files ${left:+($left)}" $?
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || cat "$tmp/dpkg.log"
[ "$fail" -eq 0 ]
