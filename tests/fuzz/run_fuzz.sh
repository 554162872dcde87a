#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fuzz/run_fuzz.sh [-t SECONDS] [-t TARGET=SECONDS] [-w TARGET=WORKERS] [-j PARALLEL]
#                        [TARGET...]
#
# Fuzzing that keeps going (issue 18): builds the libFuzzer targets (clang, ASan + UBSan) in
# build-fuzz/, runs each target for SECONDS (default 600) on its persistent corpus
# tests/fuzz/corpus/TARGET plus seeds cut from the captures (make_seeds.py), then merges what
# it found back into the corpus, minimised (libFuzzer -merge=1), so coverage grows from run to
# run; commit the corpus afterwards. Prints, per target: execs, execs/s, coverage (edges and
# features), corpus files and bytes before and after. Crashes and broken invariants are kept
# under build-fuzz/artifacts/TARGET/ and make the script exit 1; add each, once fixed, to
# tests/fuzz/regress/ (replayed by every build).
#
# Targets: pcap ws tls handshake utf8 inflate keylog h2. -j runs that many targets at once
# (default 1); -w TARGET=N fuzzes one target with N worker processes (libFuzzer -fork=N), the
# way to spend several cores on fuzz_pcap, whose executions cost the most.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${WSAUDIT_FUZZ_BUILD:-$root/build-fuzz}
corpus_root=$root/tests/fuzz/corpus
all_targets="pcap ws tls handshake utf8 inflate keylog h2"
default_time=600
declare -A time_of workers_of
parallel=1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
    -t)
        case "$2" in
        *=*) time_of[${2%%=*}]=${2#*=} ;;
        *) default_time=$2 ;;
        esac
        shift 2
        ;;
    -j)
        parallel=$2
        shift 2
        ;;
    -w)
        workers_of[${2%%=*}]=${2#*=}
        shift 2
        ;;
    -h | --help)
        sed -n '3,15p' "$0"
        exit 0
        ;;
    *)
        targets+=("$1")
        shift
        ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<<"$all_targets"

echo "== building the libFuzzer targets in $build"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DWSAUDIT_SANITIZE=ON -DWSAUDIT_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON -DWSAUDIT_PLUGIN=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s_lf ' "${targets[@]}") >/dev/null

seeds=$build/seeds
if [ ! -d "$seeds" ]; then
    echo "== cutting seeds from the captures"
    python3 "$root/tests/fuzz/make_seeds.py" "$root/captures" "$seeds" >/dev/null
fi
# the seeds each target starts from besides its corpus
seed_dir() {
    case "$1" in
    pcap | ws | tls | handshake) echo "$seeds/$1" ;;
    keylog) echo "$root/captures/keys" ;;
    *) echo "" ;;
    esac
}
max_len() {
    case "$1" in
    pcap) echo 16384 ;;
    *) echo 4096 ;;
    esac
}
corpus_size() { # files bytes
    local d=$1
    echo "$(find "$d" -type f | wc -l) $(find "$d" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')"
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export WSAUDIT_FUZZ_KEYS=$root/captures/keys
logs=$build/logs
mkdir -p "$logs"

run_one() {
    local t=$1 secs=${time_of[$1]:-$default_time}
    local bin=$build/tests/fuzz_${t}_lf corpus=$corpus_root/$t
    local found=$build/found/$t art=$build/artifacts/$t/ merged=$build/merged/$t
    mkdir -p "$corpus" "$art"
    rm -rf "$found" "$merged"
    mkdir -p "$found" "$merged"
    local before
    before=$(corpus_size "$corpus")
    local sd
    sd=$(seed_dir "$t")
    local rc=0
    local fork=()
    [ -z "${workers_of[$t]:-}" ] || fork=(-fork="${workers_of[$t]}" -ignore_crashes=0)
    "$bin" -max_total_time="$secs" -max_len="$(max_len "$t")" -print_final_stats=1 \
        -artifact_prefix="$art" -timeout=20 -rss_limit_mb=4096 "${fork[@]}" \
        "$found" "$corpus" ${sd:+"$sd"} >"$logs/$t.log" 2>&1 || rc=$?
    # minimise: the merge starts from the seeds (cut again from the captures on every run, so
    # not kept) and adds from the old corpus and this run's finds only the inputs that cover
    # something more; those, without the seeds, are the new corpus
    [ -z "$sd" ] || cp "$sd"/* "$merged"/ 2>/dev/null || true
    if "$bin" -merge=1 -max_len="$(max_len "$t")" "$merged" "$corpus" "$found" \
        >"$logs/$t.merge.log" 2>&1; then
        [ -z "$sd" ] || (cd "$sd" && find . -type f -printf '%f\n') | (cd "$merged" && xargs -r rm -f)
        rm -rf "$corpus"
        mv "$merged" "$corpus"
    fi
    local execs eps cov ft
    execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$logs/$t.log")
    eps=$(awk '/stat::average_exec_per_sec/ {print $2}' "$logs/$t.log")
    if [ -z "$execs" ]; then # fork mode: its last "#N: cov: ... exec/s: R" line
        execs=$(grep -oE '^#[0-9]+:' "$logs/$t.log" | tail -1 | tr -d '#:' || true)
        eps=$(grep -oE 'exec/s:? [0-9]+' "$logs/$t.log" | tail -1 | awk '{print $2}' || true)
    fi
    cov=$(grep -o 'cov: [0-9]*' "$logs/$t.log" | tail -1 | awk '{print $2}' || true)
    ft=$(grep -o 'ft: [0-9]*' "$logs/$t.log" | tail -1 | awk '{print $2}' || true)
    local crashes
    crashes=$(find "$art" -type f | wc -l)
    printf '%-10s %6ss %11s %8s/s cov %6s ft %7s corpus %s -> %s files/bytes  %s\n' "$t" "$secs" \
        "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$(echo "$before" | tr ' ' /)" \
        "$(corpus_size "$corpus" | tr ' ' /)" \
        "$([ "$crashes" -eq 0 ] && [ "$rc" -eq 0 ] && echo ok || echo "FAILED (rc $rc, $crashes artifacts in $art)")" \
        >"$logs/$t.summary"
    [ "$crashes" -eq 0 ] && [ "$rc" -eq 0 ]
}

echo "== fuzzing ${targets[*]} (${default_time}s each unless set; $parallel at once)"
status=0
for t in "${targets[@]}"; do
    rm -f "$logs/$t.summary"
    run_one "$t" &
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
        wait -n || true
    done
done
wait || true
for t in "${targets[@]}"; do
    grep -q ' ok$' "$logs/$t.summary" 2>/dev/null || status=1
done
printf '%-10s %7s %11s %10s %10s %10s %s\n' target time execs rate coverage features corpus
for t in "${targets[@]}"; do
    cat "$logs/$t.summary"
done
exit $status
