#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/pgo_check.sh PROFILE_DIR TARGET:SOURCE...
#
# The profile-guided build (CMakeLists.txt, WSAUDIT_PGO) compiles with -Wno-missing-profile, so
# a training that wrote nothing (an instrumented wsaudit that could not write its profiles, a
# training script that ran nothing) would give a build without profiles and no error. This
# checks that every object of the core, the analyzer and wsaudit has its profile, written by
# the training's runs (gcov-dump: its summary counts the runs that wrote it, and the largest
# count).
set -u
dir=$1
shift
fail=0
for ts in "$@"; do
    target=${ts%%:*} src=${ts#*:}
    f="$dir/CMakeFiles#$target.dir#$(printf '%s' "$src" | tr / '#').gcda"
    if [ ! -s "$f" ]; then
        echo "FAIL: no profile for $src ($target): $f"
        fail=1
        continue
    fi
    summary=$(gcov-dump -l "$f" 2>&1 | sed -n 's/.*OBJECT_SUMMARY runs=\([0-9]*\), sum_max=\([0-9]*\).*/\1 \2/p')
    runs=${summary%% *} max=${summary#* }
    if [ -z "$summary" ] || [ "$runs" -lt 20 ] || [ "$max" -eq 0 ]; then
        echo "FAIL: the profile of $src ($target) was not written by the training: ${summary:-no summary}"
        fail=1
    fi
done
[ "$fail" -eq 0 ] && echo "ok: every object has its profile from the training"
exit "$fail"
