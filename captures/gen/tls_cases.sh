#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tls_cases.sh OUTDIR: record real TLS handshake failures (and successes) between OpenSSL and
# GnuTLS servers and clients on loopback, one capture per case, into OUTDIR/tls-*.pcap.
#
# Certificates are made each run by certtool from templates with fixed validity dates (the
# expired leaf is valid 2020-01-01 .. 2021-01-01), so every run gives the same verdicts; keys,
# ports of the clients and timestamps change. Needs root (tcpdump on lo), openssl, gnutls-bin,
# python3-websockets. Ports 18443-18499.
#
# tls_cases.sh case NAME PORT WORKDIR: run one case (used through capture.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

make_certs() { # WORKDIR
    local w=$1
    cd "$w"
    tmpl() { # name cn ca(yes/no) dns activation expiration
        {
            echo "cn = \"$2\""
            echo "organization = \"wsaudit tests\""
            echo "serial = $RANDOM$RANDOM"
            echo "activation_date = \"$5\""
            echo "expiration_date = \"$6\""
            if [ "$3" = yes ]; then
                echo "ca"
                echo "cert_signing_key"
            else
                echo "tls_www_server"
                echo "signing_key"
                echo "encryption_key"
                [ -n "$4" ] && echo "dns_name = \"$4\""
            fi
        } >"$1.tmpl"
        certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$1.key" 2>/dev/null
    }
    local from="2020-01-01 00:00:00 UTC" to="2045-01-01 00:00:00 UTC"
    tmpl root "wsaudit Test Root CA" yes "" "$from" "$to"
    certtool --generate-self-signed --load-privkey root.key --template root.tmpl --outfile root.pem 2>/dev/null
    tmpl inter "wsaudit Test Intermediate CA" yes "" "$from" "$to"
    certtool --generate-certificate --load-privkey inter.key --load-ca-certificate root.pem \
        --load-ca-privkey root.key --template inter.tmpl --outfile inter.pem 2>/dev/null
    sign() { # name cn dns from to
        tmpl "$1" "$2" no "$3" "$4" "$5"
        certtool --generate-certificate --load-privkey "$1.key" --load-ca-certificate inter.pem \
            --load-ca-privkey inter.key --template "$1.tmpl" --outfile "$1.pem" 2>/dev/null
        cat "$1.pem" inter.pem >"$1.chain.pem"
    }
    sign good localhost localhost "$from" "$to"
    sign expired localhost localhost "2020-01-01 00:00:00 UTC" "2021-01-01 00:00:00 UTC"
    sign other other.example other.example "$from" "$to"
    tmpl self localhost no localhost "$from" "$to"
    certtool --generate-self-signed --load-privkey self.key --template self.tmpl --outfile self.pem 2>/dev/null
    cp self.pem self.chain.pem
    # hostile names (issue 18): a self-signed certificate whose CN holds an escape sequence and
    # bytes that are not UTF-8, whose O holds a tab and RFC 4514 specials; certtool writes them
    # as they are (OpenSSL refuses to load it, so GnuTLS serves it)
    {
        printf 'cn = "evil\x1b[31mred\xff\xfe.example"\n'
        printf 'organization = "tab\there, comma+plus;semi"\n'
        echo "serial = 7"
        echo "activation_date = \"$from\""
        echo "expiration_date = \"$to\""
        echo "tls_www_server"
        echo "signing_key"
        echo "dns_name = \"localhost\""
    } >hostile.tmpl
    certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile hostile.key 2>/dev/null
    certtool --generate-self-signed --load-privkey hostile.key --template hostile.tmpl \
        --outfile hostile.chain.pem 2>/dev/null
    cp good.pem leafonly.chain.pem
    cp good.key leafonly.key
    cp good.pem alt.pem # unused second certificate for OpenSSL's -servername mode
    cp good.key alt.key
}

# ---- one case: server in the background, client in the foreground ----

ossl_server() { # port cert extra...
    local port=$1 cert=$2
    shift 2
    local chain=()
    case "$cert" in self | leafonly) ;; *) chain=(-cert_chain inter.pem) ;; esac
    openssl s_server -quiet -naccept 1 -accept "$port" -cert "$cert.chain.pem" "${chain[@]}" -key "$cert.key" "$@" \
        </dev/null >/dev/null 2>&1 &
    echo $!
}

# the same server, but it keeps the connection open after the handshake (stdin stays open for
# 5 s), so what the client does after the handshake is the client's own decision
ossl_server_open() { # port cert extra...
    local port=$1 cert=$2
    shift 2
    local chain=()
    case "$cert" in self | leafonly) ;; *) chain=(-cert_chain inter.pem) ;; esac
    sleep 5 | openssl s_server -quiet -naccept 1 -accept "$port" -cert "$cert.chain.pem" \
        "${chain[@]}" -key "$cert.key" "$@" >/dev/null 2>&1 &
    echo $!
}

ossl_client() { # port extra...
    local port=$1
    shift
    timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile root.pem -verify_return_error \
        -servername localhost -verify_hostname localhost "$@" </dev/null >/dev/null 2>&1 || true
}

gnutls_server() { # port cert priority extra...
    local port=$1 cert=$2 prio=$3
    shift 3
    gnutls-serv --port "$port" --x509certfile "$cert.chain.pem" --x509keyfile "$cert.key" \
        --priority "$prio" "$@" </dev/null >/dev/null 2>&1 &
    echo $!
}

gnutls_client() { # port priority extra...
    local port=$1 prio=$2
    shift 2
    timeout 10 gnutls-cli --x509cafile root.pem --port "$port" --priority "$prio" "$@" localhost \
        </dev/null >/dev/null 2>&1 || true
}

prio() { # version: 1.2 | 1.3 [extra]
    echo "NORMAL:-VERS-ALL:+VERS-TLS$1${2:-}"
}

run_case() { # name port workdir
    local name=$1 port=$2
    cd "$3"
    local v=${name##*-} # 1_2 or 1_3
    local ov="-tls${v}" gv=${v/_/.}
    local pid=""
    case "$name" in
    tls-ossl-ok-*) pid=$(ossl_server "$port" good "$ov") ;;
    tls-ossl-expired-*) pid=$(ossl_server "$port" expired "$ov") ;;
    tls-ossl-unknown-ca-*) pid=$(ossl_server "$port" self "$ov") ;;
    tls-ossl-missing-intermediate-*) pid=$(ossl_server "$port" leafonly "$ov") ;;
    tls-ossl-hostname-mismatch-*) pid=$(ossl_server "$port" other "$ov") ;;
    tls-ossl-no-shared-cipher-1_2) pid=$(ossl_server "$port" good -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384) ;;
    tls-ossl-no-shared-cipher-1_3) pid=$(ossl_server "$port" good -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384) ;;
    tls-ossl-unknown-sni-*) pid=$(ossl_server "$port" good "$ov" -servername known.example -servername_fatal -cert2 alt.pem -key2 alt.key) ;;
    tls-ossl-client12-server13) pid=$(ossl_server "$port" good -tls1_3) ;;
    tls-ossl-client13-server12) pid=$(ossl_server "$port" good -tls1_2) ;;
    tls-ossl-plain-http) pid=$(ossl_server "$port" good) ;;
    tls-gnutls-ok-*) pid=$(gnutls_server "$port" good "$(prio "$gv")") ;;
    tls-gnutls-expired-keylog-1_3) pid=$(gnutls_server "$port" expired "$(prio 1.3)") ;;
    tls-gnutls-expired-*) pid=$(gnutls_server "$port" expired "$(prio "$gv")") ;;
    tls-gnutls-hostile-names-1_2) pid=$(gnutls_server "$port" hostile "$(prio 1.2)") ;;
    tls-gnutls-unknown-ca-*) pid=$(gnutls_server "$port" self "$(prio "$gv")") ;;
    tls-gnutls-missing-intermediate-*) pid=$(gnutls_server "$port" leafonly "$(prio "$gv")") ;;
    tls-gnutls-hostname-mismatch-*) pid=$(gnutls_server "$port" other "$(prio "$gv")") ;;
    tls-gnutls-no-shared-cipher-*) pid=$(gnutls_server "$port" good "$(prio "$gv" ":-CIPHER-ALL:+AES-256-GCM")") ;;
    tls-gnutls-unknown-sni-*) pid=$(gnutls_server "$port" good "$(prio "$gv")" --sni-hostname known.example --sni-hostname-fatal) ;;
    tls-gnutls-client12-server13) pid=$(gnutls_server "$port" good "$(prio 1.3)") ;;
    tls-gnutls-client13-server12) pid=$(gnutls_server "$port" good "$(prio 1.2)") ;;
    tls-gnutls-plain-http) pid=$(gnutls_server "$port" good NORMAL) ;;
    tls-wss-ok-*) ;;
    tls-asyncio-hostname-mismatch-*) pid=$(ossl_server "$port" other "$ov") ;;
    tls-asyncio-self-signed-*) pid=$(ossl_server "$port" self "$ov") ;;
    tls-asyncio-expired-*) pid=$(ossl_server "$port" expired "$ov") ;;
    tls-node-hostname-mismatch-*) pid=$(ossl_server_open "$port" other "$ov") ;;
    tls-node-self-signed-*) pid=$(ossl_server_open "$port" self "$ov") ;;
    tls-node-expired-*) pid=$(ossl_server_open "$port" expired "$ov") ;;
    tls-nginx-ws-to-tls-port) ;;
    tls-wss-to-plain-port) ;;
    tls-wss-1003-keylog) ;;
    tls-server-silent-close) ;;
    tls-client-silent-close) pid=$(ossl_server "$port" expired) ;;
    *) echo "unknown case $name" >&2; exit 2 ;;
    esac
    sleep 1
    case "$name" in
    tls-ossl-no-shared-cipher-1_2) ossl_client "$port" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 ;;
    tls-ossl-no-shared-cipher-1_3) ossl_client "$port" -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 ;;
    tls-ossl-client12-server13) ossl_client "$port" -tls1_2 ;;
    tls-ossl-client13-server12) ossl_client "$port" -tls1_3 ;;
    tls-gnutls-no-shared-cipher-*) gnutls_client "$port" "$(prio "$gv" ":-CIPHER-ALL:+AES-128-GCM")" ;;
    tls-gnutls-client12-server13) gnutls_client "$port" "$(prio 1.2)" ;;
    tls-gnutls-client13-server12) gnutls_client "$port" "$(prio 1.3)" ;;
    tls-gnutls-expired-keylog-1_3) SSLKEYLOGFILE="$PWD/keylog.txt" gnutls_client "$port" "$(prio 1.3)" ;;
    tls-*-plain-http) /usr/bin/python3 "$here/raw_peer.py" plain-upgrade-client "$port" ;;
    tls-wss-ok-*) /usr/bin/python3 "$here/ws_peers.py" wss-echo "$port" 127.0.0.1 "$v" "$PWD" ;;
    tls-asyncio-*) /usr/bin/python3 "$here/ws_peers.py" asyncio-client "$port" 127.0.0.1 "$v" "$PWD" ;;
    tls-node-*) NODE_PATH=/usr/share/nodejs node "$here/node_peers.js" wss-client-verify "$port" "$PWD" "$v" ;;
    tls-nginx-ws-to-tls-port) bash "$here/nginx_plain_to_tls.sh" "$port" "$PWD" ;;
    tls-wss-1003-keylog) /usr/bin/python3 "$here/ws_peers.py" wss-binary-to-text-keylog "$port" 127.0.0.1 1_3 "$PWD" ;;
    tls-wss-to-plain-port) /usr/bin/python3 "$here/ws_peers.py" wss-to-plain "$port" 127.0.0.1 1_3 "$PWD" ;;
    tls-client-silent-close) /usr/bin/python3 "$here/raw_peer.py" silent-client "$port" ;;
    tls-server-silent-close)
        /usr/bin/python3 "$here/raw_peer.py" silent-close-server "$port" &
        sleep 0.5
        ossl_client "$port"
        ;;
    tls-ossl-*) ossl_client "$port" "$ov" ;;
    tls-gnutls-*) gnutls_client "$port" "$(prio "$gv")" ;;
    esac
    sleep 0.5
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    wait 2>/dev/null || true
}

if [ "${1:-}" = case ]; then
    run_case "$2" "$3" "$4"
    exit 0
fi

out=${1:?usage: tls_cases.sh OUTDIR [NAME-GLOB]}
only=${2:-*}
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(make_certs "$work")
capture_case() { # NAME PORT: record case NAME on PORT when NAME matches the glob
    # shellcheck disable=SC2053
    if [[ $1 == $only ]]; then
        "$here/capture.sh" "$out/$1.pcap" "$2" -- bash "$0" case "$1" "$2" "$work"
    fi
}
port=18443
for impl in ossl gnutls; do
    for what in ok expired unknown-ca missing-intermediate hostname-mismatch no-shared-cipher unknown-sni; do
        for v in 1_2 1_3; do
            name="tls-$impl-$what-$v"
            capture_case "$name" "$port"
            port=$((port + 1))
        done
    done
    for name in "tls-$impl-client12-server13" "tls-$impl-client13-server12" "tls-$impl-plain-http"; do
        capture_case "$name" "$port"
        port=$((port + 1))
    done
done
for name in tls-wss-to-plain-port tls-server-silent-close tls-client-silent-close; do
    capture_case "$name" "$port"
    port=$((port + 1))
done
# clients that reject the certificate without an alert: python3-websockets on asyncio (issue 15)
saved_port=$port port=18487
capture_case tls-nginx-ws-to-tls-port "$port"
port=18484
for what in hostname-mismatch self-signed expired; do
    name="tls-asyncio-$what-1_2"
    capture_case "$name" "$port"
    port=$((port + 1))
done
# the same with node ws (OpenSSL in Node.js), TLS 1.2 and 1.3
port=18560
for what in hostname-mismatch self-signed expired; do
    for v in 1_2 1_3; do
        name="tls-node-$what-$v"
        capture_case "$name" "$port"
        port=$((port + 1))
    done
done
# certificate strings with control bytes and bytes that are not UTF-8 (issue 18)
capture_case tls-gnutls-hostile-names-1_2 18566
port=$saved_port
for v in 1_2 1_3; do
    capture_case "tls-wss-ok-$v" "$port"
    port=$((port + 1))
done
# the 1003 story inside wss://, with the TLS secrets in the pcapng (Wireshark decrypts it)
# shellcheck disable=SC2053
if [[ tls-wss-1003-keylog == $only ]]; then
    rm -f "$work/keylog.txt"
    "$here/capture.sh" "$work/keylog.pcap" "$port" -- bash "$0" case tls-wss-1003-keylog "$port" "$work"
    editcap --inject-secrets "tls,$work/keylog.txt" "$work/keylog.pcap" "$out/tls-wss-1003-keylog.pcapng"
fi
port=$((port + 1))
# a GnuTLS 1.3 client rejecting an expired certificate, with its secrets: the 19-byte record that
# wsaudit calls a probable alert decrypts (in Wireshark) to the real alert
# shellcheck disable=SC2053
if [[ tls-gnutls-expired-keylog-1_3 == $only ]]; then
    rm -f "$work/keylog.txt"
    "$here/capture.sh" "$work/keylog.pcap" "$port" -- bash "$0" case tls-gnutls-expired-keylog-1_3 "$port" "$work"
    editcap --inject-secrets "tls,$work/keylog.txt" "$work/keylog.pcap" "$out/tls-gnutls-expired-keylog-1_3.pcapng"
fi
port=$((port + 1))
