#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run_golden.sh WSAUDIT CAPTURES_DIR NAME CAPTURE [OPTIONS...]
# Compare wsaudit's JSON Lines for one capture with the reviewed expected output.
# With UPDATE=1 it writes the expected file instead (then review it: git diff).
set -u
bin=$1 dir=$2 name=$3 cap=$4; shift 4
exp="$dir/expected/$name.jsonl"
cd "$dir" || exit 2
out=$("$bin" -F jsonl "$@" "$cap"); rc=$?
if [ "${UPDATE:-0}" = 1 ]; then printf '%s\n' "$out" > "$exp"; exit 0; fi
[ -f "$exp" ] || { echo "missing expected output $exp"; exit 1; }
if ! diff -u "$exp" <(printf '%s\n' "$out"); then
    echo "FAIL: $name: output differs from $exp"; exit 1
fi
want=$(tail -n 1 "$exp" | sed -n 's/.*"exit":\([0-9]*\)}$/\1/p')
if [ "$rc" != "$want" ]; then echo "FAIL: $name: exit status $rc, expected $want"; exit 1; fi
echo "ok: $name"
