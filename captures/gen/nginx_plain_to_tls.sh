#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nginx_plain_to_tls.sh PORT CERT_DIR: nginx (Debian's nginx-light) serving TLS on 127.0.0.1:PORT,
# and a python3-websockets ws:// (plain) client sent to it: nginx answers "400 The plain HTTP
# request was sent to HTTPS port" (issue 15). Loopback only; nginx runs from a throwaway prefix.
set -euo pipefail
port=$1 certs=$2
here=$(cd "$(dirname "$0")" && pwd)
w=$(mktemp -d)
trap 'kill "$(cat "$w/nginx.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$w"' EXIT
mkdir -p "$w/logs"
cat >"$w/nginx.conf" <<CONF
daemon on;
pid $w/nginx.pid;
error_log $w/logs/error.log;
events { worker_connections 16; }
http {
    access_log off;
    client_body_temp_path $w; proxy_temp_path $w; fastcgi_temp_path $w;
    uwsgi_temp_path $w; scgi_temp_path $w;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $certs/good.chain.pem;
        ssl_certificate_key $certs/good.key;
        location / { return 200 "ok\n"; }
    }
}
CONF
nginx -p "$w" -c "$w/nginx.conf" || { cat "$w/logs/error.log" >&2; exit 1; }
sleep 0.5
/usr/bin/python3 "$here/ws_peers.py" plain-to-tls "$port"
