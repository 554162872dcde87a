#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run_variants.sh WSAUDIT CAPTURES_DIR: every file in captures/variants/ holds the same IP
# packets as a base capture under another link type or file format (see gen/relink.py); its
# analysis must equal the base's expected output, apart from the file name and link type.
set -u
bin=$1 dir=$2
cd "$dir" || exit 2
# times are compared apart: a rewritten file may keep them in another precision
strip() {
    grep -v '"type":"file"' |
        sed 's/"file":"[^"]*",//; s/"ts":"[^"]*",//; s/"start":"[^"]*","end":"[^"]*","duration":[0-9.]*,//'
}
fail=0 n=0
for v in variants/*; do
    base=$(basename "$v"); base=${base%%.*}
    exp="expected/$base.jsonl"
    [ -f "$exp" ] || { echo "FAIL: no expected output for $v"; fail=1; continue; }
    n=$((n + 1))
    if ! diff -u <(strip < "$exp") <("$bin" -F jsonl "$v" | strip) > /tmp/variant.$$; then
        echo "FAIL: $v differs from $exp:"; head -20 /tmp/variant.$$; fail=1
    fi
    # a nanosecond file's times keep their nine digits, a microsecond file's six
    digits=6; case "$v" in *nsec*) digits=9 ;; esac
    if "$bin" -F jsonl "$v" | grep -o '"ts":"[^"]*"' | grep -qvE "\.[0-9]{$digits}Z\"$"; then
        echo "FAIL: $v: times not in $digits-digit precision"; fail=1
    fi
done
rm -f /tmp/variant.$$
[ $n -gt 0 ] || { echo "FAIL: no variants found"; exit 1; }
echo "$n variants checked"
exit $fail
