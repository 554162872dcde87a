/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the HTTP Upgrade parser and checker, and the X.509 reader. The input is
 * split at its first NUL into a request and a response; the whole input is also read as DER.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ws_handshake.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t qlen = nul ? (size_t)(nul - data) : size;
    const uint8_t *r = nul ? nul + 1 : data + size;
    size_t rlen = size - qlen - (nul ? 1 : 0);
    struct ws_http_msg req, resp;
    struct ws_handshake_result res;
    (void)ws_http_header_end(data, size);
    (void)ws_http_looks_like_request(data, size);
    if (ws_http_parse(data, qlen, 0, &req) == 0 && ws_http_parse(r, rlen, 1, &resp) == 0)
        ws_handshake_check(&req, &resp, &res);
    struct x509_info xi;
    if (x509_parse(data, size, &xi) == 0)
        (void)x509_host_matches(&xi, "a.example");
    return 0;
}
