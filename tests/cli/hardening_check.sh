#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/hardening_check.sh BUILD_DIR — the built CLI and plugin carry the hardening that
# Debian's hardening-check looks for (issue 18), read off the ELF files with readelf:
#   PIE (the CLI), full RELRO (GNU_RELRO + BIND_NOW), a non-executable stack, the stack
#   protector and fortified libc calls imported, and every object compiled from our sources
#   marked for CET (IBT and SHSTK: -fcf-protection; Debian's own crt files lack the mark, so
#   the linked file cannot carry it and the objects are what is checked).
# It fails on a build made with -DWSAUDIT_HARDEN=OFF, which is how it was seen to fail.
set -u
build=$1
fail=0
bad() { echo "FAIL: $*"; fail=1; this=1; }

check_elf() {
    local f=$1 kind=$2
    this=0
    [ -f "$f" ] || { bad "$f: missing"; return; }
    local dyn seg syms
    dyn=$(readelf -dW "$f")
    seg=$(readelf -lW "$f")
    syms=$(readelf -sW --dyn-syms "$f" | awk '$7 == "UND" {print $8}')
    if [ "$kind" = exe ]; then
        readelf -hW "$f" | grep -q 'Type:.*DYN' && grep -q 'FLAGS_1.*PIE' <<<"$dyn" ||
            bad "$f: not PIE"
    fi
    grep -q 'GNU_RELRO' <<<"$seg" || bad "$f: no RELRO segment"
    grep -Eq '\(FLAGS\).*BIND_NOW|FLAGS_1.*NOW' <<<"$dyn" || bad "$f: no BIND_NOW (partial RELRO)"
    grep -E 'GNU_STACK' <<<"$seg" | grep -q 'RWE' && bad "$f: executable stack"
    grep -q '^__stack_chk_fail' <<<"$syms" || bad "$f: no stack protector (__stack_chk_fail)"
    local chk
    chk=$(grep -Ec '^__[a-z]+_chk(@|$)' <<<"$syms")
    [ "$chk" -ge 2 ] || bad "$f: libc calls not fortified (${chk} __*_chk imports)"
    [ "$this" -eq 1 ] || echo "ok: $f ($kind; ${chk} fortified calls)"
}

check_elf "$build/wsaudit" exe
plugin=$(find "$build/plugins" -name 'wsaudit.so' 2>/dev/null | head -1)
if [ -n "$plugin" ]; then
    check_elf "$plugin" plugin
else
    echo "note: no plugin built (libwireshark-dev missing), only the CLI checked"
fi

# CET marks on the objects of our own sources
nobj=0
this=0
while IFS= read -r o; do
    nobj=$((nobj + 1))
    readelf -nW "$o" | grep -q 'x86 feature: IBT, SHSTK' || bad "$o: not built with -fcf-protection"
done < <(find "$build/CMakeFiles/wsaudit.dir" "$build/CMakeFiles/wsaudit_core.dir" \
              "$build/CMakeFiles/wsaudit_plugin.dir" -name '*.o' 2>/dev/null)
if [ "$(uname -m)" = x86_64 ]; then
    [ "$nobj" -gt 10 ] || bad "only $nobj object files found under $build/CMakeFiles"
    [ "$this" -eq 1 ] || echo "ok: $nobj objects marked IBT+SHSTK"
fi
exit $fail
