#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tls_decrypt.sh OUTDIR [NAME-GLOB]: TLS sessions recorded with their secrets, for decryption
# (issue 14). Each capture OUTDIR/tls-dec-NAME.pcap comes with OUTDIR/keys/tls-dec-NAME.keys, the
# NSS key log its client (or server) wrote: OpenSSL's -keylogfile, GnuTLS's and Python's
# SSLKEYLOGFILE / keylog_filename, node's 'keylog' event.
#
# Cases: every TLS 1.3 cipher suite, TLS 1.2 AES-GCM, ChaCha20-Poly1305, AES-CCM and AES-CBC with
# HMAC-SHA1/SHA256/SHA384 (encrypt-then-MAC and MAC-then-encrypt), a resumed TLS 1.2 session, a
# TLS 1.3 KeyUpdate in both directions, a HelloRetryRequest, 0-RTT early data on a resumption, GnuTLS both versions, WebSocket
# sessions (python3-websockets 1003 over TLS 1.2 ChaCha20, node ws 1003 over TLS 1.3, a raw
# server's Close 1015 inside wss://), a TLS 1.3 certificate_expired (OpenSSL client), and two
# broken key logs made from a good one: incomplete (no SERVER_TRAFFIC_SECRET_0) and wrong (one
# byte of CLIENT_TRAFFIC_SECRET_0 changed).
#
# Needs root (tcpdump on lo), openssl, gnutls-bin, python3-websockets, node-ws. Ports 18500-18540.
# tls_decrypt.sh case NAME PORT WORKDIR: run one case (through capture.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# ---- peers ----

# s_server answering one HTTP request per connection (-www), secrets logged
ossl_www() { # port naccept extra...
    local port=$1 n=$2
    shift 2
    openssl s_server -quiet -www -naccept "$n" -accept "$port" -cert good.chain.pem -key good.key \
        -keylogfile "$PWD/server.keys" "$@" </dev/null >/dev/null 2>&1 &
    echo $!
}

# s_client sending one HTTP request and reading the answer
ossl_get() { # port extra...
    local port=$1
    shift
    (printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'; sleep 1.5) |
        timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile root.pem -servername localhost \
            -keylogfile "$PWD/keylog.txt" "$@" >/dev/null 2>&1 || true
}

run_case() { # name port workdir
    local name=$1 port=$2 pid=""
    cd "$3"
    rm -f keylog.txt server.keys
    case "$name" in
    tls-dec-ossl-1_3-aes128gcm | tls-dec-ossl-1_3-chacha20 | tls-dec-ossl-1_3-aes128ccm | \
        tls-dec-ossl-1_3-aes128ccm8)
        local suite
        case "$name" in
        *aes128gcm) suite=TLS_AES_128_GCM_SHA256 ;;
        *chacha20) suite=TLS_CHACHA20_POLY1305_SHA256 ;;
        *aes128ccm) suite=TLS_AES_128_CCM_SHA256 ;;
        *aes128ccm8) suite=TLS_AES_128_CCM_8_SHA256 ;;
        esac
        pid=$(ossl_www "$port" 1 -tls1_3 -ciphersuites "$suite")
        sleep 1
        ossl_get "$port" -tls1_3 -ciphersuites "$suite"
        ;;
    tls-dec-ossl-1_2-*)
        local cipher=${name#tls-dec-ossl-1_2-} extra=()
        case "$cipher" in
        aes128gcm) cipher=ECDHE-ECDSA-AES128-GCM-SHA256 ;;
        aes256gcm) cipher=ECDHE-ECDSA-AES256-GCM-SHA384 ;;
        chacha20) cipher=ECDHE-ECDSA-CHACHA20-POLY1305 ;;
        aes128ccm) cipher=ECDHE-ECDSA-AES128-CCM ;;
        aes128ccm8) cipher=ECDHE-ECDSA-AES128-CCM8 ;;
        cbc-sha1-etm) cipher=ECDHE-ECDSA-AES128-SHA ;;
        cbc-sha256-mte) cipher=ECDHE-ECDSA-AES128-SHA256 extra=(-no_etm) ;;
        cbc-sha384-etm) cipher=ECDHE-ECDSA-AES256-SHA384 ;;
        resume) cipher=ECDHE-ECDSA-AES128-GCM-SHA256 ;;
        esac
        if [ "$name" = tls-dec-ossl-1_2-resume ]; then
            pid=$(ossl_www "$port" 2 -tls1_2 -cipher "$cipher")
            sleep 1
            ossl_get "$port" -tls1_2 -cipher "$cipher" -sess_out sess.pem
            ossl_get "$port" -tls1_2 -cipher "$cipher" -sess_in sess.pem
        else
            pid=$(ossl_www "$port" 1 -tls1_2 -cipher "$cipher" "${extra[@]}")
            sleep 1
            ossl_get "$port" -tls1_2 -cipher "$cipher" "${extra[@]}"
        fi
        ;;
    tls-dec-ossl-1_3-keyupdate)
        # both sides send data, a KeyUpdate ('k'), and data under the next keys
        (sleep 1.5; printf 'hello from server\n'; sleep 0.5; printf 'k\n'; sleep 0.5
         printf 'server after update\n'; sleep 1.5) |
            timeout 10 openssl s_server -accept "$port" -naccept 1 -cert good.chain.pem \
                -cert_chain inter.pem -key good.key -tls1_3 >/dev/null 2>&1 &
        pid=$!
        sleep 1
        (printf 'hi\n'; sleep 1; printf 'k\n'; sleep 1; printf 'client after update\n'; sleep 2) |
            timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile root.pem -tls1_3 \
                -keylogfile "$PWD/keylog.txt" >/dev/null 2>&1 || true
        ;;
    tls-dec-ossl-1_3-hrr)
        # the client's first key share (P-256) is not the server's group: HelloRetryRequest
        pid=$(ossl_www "$port" 1 -tls1_3 -groups X25519)
        sleep 1
        ossl_get "$port" -tls1_3 -groups P-256:X25519
        ;;
    tls-dec-ossl-1_3-0rtt)
        # a full handshake that gets a ticket, then a resumption sending 0-RTT early data
        printf 'early hello\n' >early.txt
        sleep 8 | timeout 10 openssl s_server -accept "$port" -naccept 2 -cert good.chain.pem \
            -cert_chain inter.pem -key good.key -tls1_3 -early_data >/dev/null 2>&1 &
        pid=$!
        sleep 1
        for sess in -sess_out -sess_in; do
            local early=()
            [ "$sess" = -sess_in ] && early=(-early_data early.txt)
            (printf 'data after the handshake\n'; sleep 1) |
                timeout 5 openssl s_client -connect "127.0.0.1:$port" -CAfile root.pem \
                    -servername localhost -tls1_3 "$sess" sess.pem "${early[@]}" \
                    -keylogfile "$PWD/keylog.txt" >/dev/null 2>&1 || true
        done
        ;;
    tls-dec-ossl-1_3-expired)
        # an OpenSSL client rejecting an expired certificate in TLS 1.3: the alert it sends
        # after the server's encrypted flight
        openssl s_server -quiet -naccept 1 -accept "$port" -cert expired.chain.pem -cert_chain inter.pem \
            -key expired.key -tls1_3 </dev/null >/dev/null 2>&1 &
        pid=$!
        sleep 1
        timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile root.pem -verify_return_error \
            -servername localhost -tls1_3 -keylogfile "$PWD/keylog.txt" </dev/null >/dev/null 2>&1 || true
        ;;
    tls-dec-gnutls-1_2 | tls-dec-gnutls-1_3)
        local v=${name##*-}
        gnutls-serv --port "$port" --http --x509certfile good.chain.pem --x509keyfile good.key \
            --priority "NORMAL:-VERS-ALL:+VERS-TLS${v/_/.}" </dev/null >/dev/null 2>&1 &
        pid=$!
        sleep 1
        (printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1.5) |
            SSLKEYLOGFILE="$PWD/keylog.txt" timeout 10 gnutls-cli --x509cafile root.pem --port "$port" \
                --priority "NORMAL:-VERS-ALL:+VERS-TLS${v/_/.}" localhost >/dev/null 2>&1 || true
        ;;
    tls-dec-wss-1003-chacha-1_2 | tls-dec-wss-1015-raw | tls-dec-wss-h2-alpn)
        /usr/bin/python3 "$here/wss_keylog.py" "${name#tls-dec-wss-}" "$port" "$PWD" "$PWD/keylog.txt"
        ;;
    tls-dec-wss-1003-node)
        NODE_PATH=/usr/share/nodejs node "$here/node_peers.js" wss-text-to-binary "$port" "$PWD" \
            "$PWD/keylog.txt"
        ;;
    *) echo "unknown case $name" >&2; exit 2 ;;
    esac
    sleep 0.5
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    wait 2>/dev/null || true
}

if [ "${1:-}" = case ]; then
    run_case "$2" "$3" "$4"
    exit 0
fi

out=${1:?usage: tls_decrypt.sh OUTDIR [NAME-GLOB]}
only=${2:-*}
out=$(cd "$out" && pwd)
mkdir -p "$out/keys"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
    source <(sed -n '/^make_certs()/,/^}/p' "$here/tls_cases.sh")
    make_certs "$work"
)
port=18500
for name in tls-dec-ossl-1_3-aes128gcm tls-dec-ossl-1_3-chacha20 tls-dec-ossl-1_3-aes128ccm \
    tls-dec-ossl-1_3-aes128ccm8 tls-dec-ossl-1_2-aes128gcm tls-dec-ossl-1_2-aes256gcm \
    tls-dec-ossl-1_2-chacha20 tls-dec-ossl-1_2-aes128ccm tls-dec-ossl-1_2-aes128ccm8 \
    tls-dec-ossl-1_2-cbc-sha1-etm tls-dec-ossl-1_2-cbc-sha256-mte tls-dec-ossl-1_2-cbc-sha384-etm \
    tls-dec-ossl-1_2-resume tls-dec-ossl-1_3-keyupdate tls-dec-ossl-1_3-hrr \
    tls-dec-ossl-1_3-expired tls-dec-gnutls-1_2 tls-dec-gnutls-1_3 tls-dec-wss-1003-chacha-1_2 \
    tls-dec-wss-1015-raw tls-dec-wss-h2-alpn tls-dec-wss-1003-node tls-dec-ossl-1_3-0rtt; do
    # shellcheck disable=SC2053
    if [[ $name == $only ]]; then
        "$here/capture.sh" "$out/$name.pcap" "$port" -- bash "$0" case "$name" "$port" "$work"
        cp "$work/keylog.txt" "$out/keys/$name.keys"
    fi
    port=$((port + 1))
done
# broken key logs for a good capture: one secret left out, one secret wrong
if [[ tls-dec-ossl-1_3-aes128gcm == $only ]]; then
    k="$out/keys/tls-dec-ossl-1_3-aes128gcm.keys"
    grep -v '^SERVER_TRAFFIC_SECRET_0 ' "$k" >"$out/keys/tls-dec-ossl-1_3-aes128gcm.incomplete.keys"
    awk '$1 == "CLIENT_TRAFFIC_SECRET_0" { s = $3; c = substr(s, 1, 1);
             $3 = (c == "0" ? "1" : "0") substr(s, 2) } { print }' "$k" \
        >"$out/keys/tls-dec-ossl-1_3-aes128gcm.wrong.keys"
fi
