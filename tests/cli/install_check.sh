#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Shipping: `cmake --install --prefix P` keeps everything under P (the plugin in Wireshark's
# layout under P), the installed binary runs, the man page renders without warnings, the bash
# completion loads and completes, and every tracked source file carries its SPDX tag.
# Usage: install_check.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { if [ "$2" -eq 0 ]; then pass=$((pass + 1)); echo "ok: $1"; else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

cmake --install "$build" --prefix "$tmp/p" > "$tmp/log" 2>&1
check "cmake --install --prefix succeeds" $?
outside=$(grep -E '^-- (Installing|Up-to-date): ' "$tmp/log" | sed 's/^-- [A-Za-z-]*: //' | grep -v "^$tmp/p/")
[ -z "$outside" ]
check "everything installs under the prefix ${outside:+(outside: $outside)}" $?
"$tmp/p/bin/wsaudit" -V | grep -q '^wsaudit '
check "the installed wsaudit runs" $?
if [ -f "$build/plugins/4.0/epan/wsaudit.so" ]; then
    ls "$tmp"/p/lib/*/wireshark/plugins/4.0/epan/wsaudit.so > /dev/null 2>&1 ||
        ls "$tmp"/p/lib/wireshark/plugins/4.0/epan/wsaudit.so > /dev/null 2>&1
    check "the plugin is under the prefix in Wireshark's layout (lib/.../wireshark/plugins/4.0/epan)" $?
fi
[ -f "$tmp/p/share/man/man1/wsaudit.1" ] && [ -f "$tmp/p/share/doc/wsaudit/COPYING" ]
check "man page and licence installed" $?
if command -v groff > /dev/null; then
    warn=$(groff -man -Tutf8 -ww -z "$tmp/p/share/man/man1/wsaudit.1" 2>&1)
    [ -z "$warn" ]
    check "wsaudit(1) renders without warnings ${warn:+($warn)}" $?
fi
for opt in $("$tmp/p/bin/wsaudit" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    grep -q -- "${opt//-/\\\\-}" "$tmp/p/share/man/man1/wsaudit.1" ||
        { echo "   $opt is not in the man page"; missing=1; }
done
[ -z "${missing:-}" ]
check "every long option of --help is in the man page" $?
got=$(bash -c 'source "$1"; COMP_WORDS=(wsaudit --fail-on w); COMP_CWORD=2; _wsaudit; echo "${COMPREPLY[*]}"' _ \
    "$tmp/p/share/bash-completion/completions/wsaudit")
[ "$got" = warning ]
check "bash completion: --fail-on w completes to warning ($got)" $?
untagged=$(git -C "$src" ls-files '*.c' '*.h' '*.py' '*.sh' '*.js' 'CMakeLists.txt' '*/CMakeLists.txt' '.ci/*' |
    while read -r f; do grep -q 'SPDX-License-Identifier: GPL-2.0-or-later' "$src/$f" || echo "$f"; done)
[ -z "$untagged" ]
check "every source file carries SPDX-License-Identifier: GPL-2.0-or-later ${untagged:+($untagged)}" $?
grep -q "GNU GENERAL PUBLIC LICENSE" "$src/COPYING" && grep -q "Version 2, June 1991" "$src/COPYING"
check "COPYING holds the GPL version 2" $?
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
