#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/dev.sh demo|test|build — the README's quick start.
#   demo: install what is missing, build, run wsaudit on the bundled captures
#   test: install what is missing, build, run the whole test suite (ctest)
# Debian 12 (bookworm); installs packages with apt-get (as root, or through sudo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WSAUDIT_BUILD_DIR:-$root/build}
what=${1:-test}

# what building and testing need (tshark brings editcap, mergecap and capinfos); the tools
# that regenerate captures are installed by captures/gen/make_all.sh itself
packages="build-essential cmake pkg-config libpcap-dev libglib2.0-dev zlib1g-dev libcmocka-dev
          clang libclang-rt-dev tshark libwireshark-dev libgcrypt20-dev python3 libseccomp-dev
          python3-jsonschema python3-scapy tcpdump groff-base libarchive-dev libnghttp2-dev"

install_missing() {
    local missing=()
    for p in $packages; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "== installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

do_build() {
    echo "== building in $build"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
    cmake --build "$build" -j "$(nproc)"
}

case "$what" in
build)
    install_missing
    do_build
    ;;
demo)
    install_missing
    do_build
    cd "$root/captures"
    echo "== wsaudit on the bundled captures"
    rc=0
    "$build/wsaudit" ./*.pcap || rc=$?
    # these captures are made to hold findings (1) and one deliberately undecodable stream (3)
    echo "== wsaudit exit status $rc (0 clean, 1 findings, 2 bad input or output, 3 partial, 4 partial with findings)"
    [ "$rc" -ne 2 ] || exit 1
    echo "== wss:// decrypted with its key log: the 1003 inside TLS"
    "$build/wsaudit" -q --keylog keys/tls-dec-wss-1003-chacha-1_2.keys tls-dec-wss-1003-chacha-1_2.pcap
    ;;
test)
    install_missing
    do_build
    (cd "$build" && ctest --output-on-failure -j "$(nproc)")
    # the same suite again under AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer)
    echo "== sanitizer build in $build-asan"
    cmake -S "$root" -B "$build-asan" -DCMAKE_C_COMPILER=clang -DWSAUDIT_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=ON >/dev/null
    cmake --build "$build-asan" -j "$(nproc)"
    (cd "$build-asan" && ctest --output-on-failure -j "$(nproc)")
    ;;
*)
    echo "usage: tests/dev.sh demo|test|build" >&2
    exit 2
    ;;
esac
