#!/usr/bin/env bash
# run_variants.sh WSAUDIT CAPTURES_DIR: every file in captures/variants/ holds the same IP
# packets as a base capture under another link type or file format (see gen/relink.py); its
# analysis must equal the base's expected output, apart from the file name and link type.
set -u
bin=$1 dir=$2
cd "$dir" || exit 2
strip() { grep -v '"type":"file"' | sed 's/"file":"[^"]*",//'; }
fail=0 n=0
for v in variants/*; do
    base=$(basename "$v"); base=${base%%.*}
    exp="expected/$base.jsonl"
    [ -f "$exp" ] || { echo "FAIL: no expected output for $v"; fail=1; continue; }
    n=$((n + 1))
    if ! diff -u <(strip < "$exp") <("$bin" -F jsonl "$v" | strip) > /tmp/variant.$$; then
        echo "FAIL: $v differs from $exp:"; head -20 /tmp/variant.$$; fail=1
    fi
done
rm -f /tmp/variant.$$
[ $n -gt 0 ] || { echo "FAIL: no variants found"; exit 1; }
echo "$n variants checked"
exit $fail
