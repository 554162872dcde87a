/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the HTTP Upgrade checker (RFC 6455 §4, core/ws_handshake.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ascii.h"
#include "digest.h"
#include "escape.h"
#include "finding.h"
#include "tls_alert.h"
#include "utf8.h"
#include "ws_close.h"
#include "ws_frame.h"
#include "ws_handshake.h"
#include "ws_inflate.h"
#include "ws_session.h"

/* ---------------- handshake (RFC 6455 §4) ---------------- */

static void check_pair(const char *req, const char *resp, struct ws_handshake_result *res)
{
    struct ws_http_msg q, r;
    assert_int_equal(ws_http_header_end((const uint8_t *)req, strlen(req)), strlen(req));
    assert_int_equal(ws_http_parse((const uint8_t *)req, strlen(req), 0, &q), 0);
    assert_int_equal(ws_http_parse((const uint8_t *)resp, strlen(resp), 1, &r), 0);
    ws_handshake_check(&q, &r, res);
}

static int has_finding(const struct ws_handshake_result *r, int id)
{
    for (unsigned i = 0; i < r->n_findings; i++)
        if (r->findings[i] == id)
            return 1;
    return 0;
}

#define REQ(extra)                                                                                 \
    "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"                     \
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                       \
    "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n" extra "\r\n"
#define RESP(accept, extra)                                                                        \
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"            \
    "Sec-WebSocket-Accept: " accept "\r\n" extra "\r\n"

static void handshake_rfc_example_accept(void **state)
{
    (void)state;
    char acc[29];
    ws_accept_for_key("dGhlIHNhbXBsZSBub25jZQ==", 24, acc);
    assert_string_equal(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    struct ws_handshake_result r;
    check_pair(REQ(""), RESP("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Protocol: chat\r\n"),
               &r);
    assert_int_equal(r.upgraded, 1);
    assert_int_equal(r.accept_ok, 1);
    assert_int_equal(r.n_findings, 0);
    /* surrounding white space is not part of the value (HS-05) */
    check_pair(REQ(""), RESP("  s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\t", ""), &r);
    assert_int_equal(r.accept_ok, 1);
}

static void handshake_violations(void **state)
{
    (void)state;
    struct ws_handshake_result r;
    check_pair(REQ(""), RESP("s3pPLMBiTxaQ9kYGzzhZRbK+xOo_", ""), &r);
    assert_true(has_finding(&r, F_V_ACCEPT_MISMATCH));
    check_pair(REQ(""), "HTTP/1.1 101 Switching\r\nUpgrade: h2c\r\nConnection: keep-alive\r\n\r\n",
               &r);
    assert_true(has_finding(&r, F_V_UPGRADE_HEADER));
    assert_true(has_finding(&r, F_V_CONNECTION_HEADER));
    assert_true(has_finding(&r, F_V_ACCEPT_MISSING));
    check_pair(REQ(""), RESP("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Protocol: other\r\n"),
               &r);
    assert_true(has_finding(&r, F_V_PROTOCOL_NOT_OFFERED));
    check_pair(
        REQ(""),
        RESP("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
        &r);
    assert_true(has_finding(&r, F_V_EXTENSION_NOT_OFFERED));
    check_pair(
        REQ("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"),
        RESP("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
        &r);
    assert_int_equal(r.pmd, 1);
    assert_int_equal(r.rsv_allowed, 4);
    assert_int_equal(r.n_findings, 0);
    /* RFC 7692 §7.1: parameters of the accepted permessage-deflate (PMD-06, -07, -14) */
    static const struct {
        const char *offer, *answer;
        int bad;
        int sbits, cbits, sctx, cctx;
    } pmd[] = {
        {"permessage-deflate; client_max_window_bits",
         "permessage-deflate; server_no_context_takeover; client_max_window_bits=10", 0, 15, 10, 1,
         0},
        {"permessage-deflate; server_max_window_bits=12",
         "permessage-deflate; server_max_window_bits=9", 0, 9, 15, 0, 0},
        {"permessage-deflate", "permessage-deflate; server_max_window_bits=7", 1},
        {"permessage-deflate", "permessage-deflate; server_max_window_bits=ten", 1},
        {"permessage-deflate", "permessage-deflate; client_max_window_bits=10", 1}, /* -07 */
        {"permessage-deflate; server_max_window_bits=10",
         "permessage-deflate; server_max_window_bits=12", 1}, /* -14 */
        {"permessage-deflate",
         "permessage-deflate; server_no_context_takeover; "
         "server_no_context_takeover",
         1},
        {"permessage-deflate", "permessage-deflate; x_unknown=1", 1},
        {"permessage-deflate", "permessage-deflate; client_no_context_takeover=1", 1},
    };
    for (size_t i = 0; i < sizeof pmd / sizeof pmd[0]; i++) {
        char req[512], resp[512];
        snprintf(req, sizeof req, REQ("Sec-WebSocket-Extensions: %s\r\n"), pmd[i].offer);
        snprintf(resp, sizeof resp,
                 RESP("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Extensions: %s\r\n"),
                 pmd[i].answer);
        check_pair(req, resp, &r);
        if (has_finding(&r, F_V_PMD_PARAMS) != pmd[i].bad || r.pmd == pmd[i].bad)
            fail_msg("case %zu: %s -> %s: pmd=%d problem=%s", i, pmd[i].offer, pmd[i].answer, r.pmd,
                     r.pmd_problem ? r.pmd_problem : "none");
        if (!pmd[i].bad) {
            assert_int_equal(r.pmd_params.server_bits, pmd[i].sbits);
            assert_int_equal(r.pmd_params.client_bits, pmd[i].cbits);
            assert_int_equal(r.pmd_params.server_no_context, pmd[i].sctx);
            assert_int_equal(r.pmd_params.client_no_context, pmd[i].cctx);
        }
    }
    check_pair(REQ(""), "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", &r);
    assert_int_equal(r.upgraded, 0);
    assert_true(has_finding(&r, F_UPGRADE_REFUSED));
    check_pair("GET / HTTP/1.0\r\nUpgrade: websocket\r\nSec-WebSocket-Key: abc\r\n\r\n",
               RESP("x", ""), &r);
    assert_true(has_finding(&r, F_V_BAD_REQUEST));
    assert_true(has_finding(&r, F_V_BAD_KEY));
}

/* header names and tokens compare as glib's ASCII comparison does, for every pair of bytes */
static void ascii_ieq_as_glib(void **state)
{
    (void)state;
    for (int a = 0; a < 256; a++)
        for (int b = 1; b < 256; b++) { /* a literal holds no NUL */
            char x[2] = {(char)a, 0}, y[2] = {(char)b, 0};
            if (wsa_ascii_ieq(x, y, 1) != (g_ascii_strncasecmp(x, y, 1) == 0))
                fail_msg("bytes 0x%02x 0x%02x", a, b);
        }
    /* every pair of bytes at every place of strings of every length up to 24 (the eight-byte
     * words and the bytes after them) */
    for (size_t n = 1; n <= 24; n++)
        for (size_t at = 0; at < n; at++)
            for (int a = 0; a < 256; a++)
                for (int b = 1; b < 256; b++) {
                    char x[24], y[24];
                    memset(x, 'q', n);
                    memset(y, 'Q', n);
                    x[at] = (char)a;
                    y[at] = (char)b;
                    int want = g_ascii_tolower((char)a) == g_ascii_tolower((char)b);
                    if (wsa_ascii_ieq(x, y, n) != want)
                        fail_msg("length %zu, byte %zu: 0x%02x 0x%02x", n, at, a, b);
                }
    assert_true(wsa_ascii_ieq("Sec-WebSocket-Key", "sec-websocket-key", 17));
    assert_false(wsa_ascii_ieq("Sec-WebSocket-Kez", "sec-websocket-key", 17));
    assert_false(wsa_ascii_ieq("Sec-WebSocket-Ke\0", "sec-websocket-key", 17));
    /* the parser finds headers whatever their case, and only those of the exact name */
    struct ws_handshake_result r;
    check_pair("GET /chat HTTP/1.1\r\nHOST: server.example.com\r\nuPGRADE: WebSocket\r\n"
               "CONNECTION: upgrade\r\nSEC-WEBSOCKET-KEY: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "sec-websocket-VERSION: 13\r\n\r\n",
               "HTTP/1.1 101 Switching Protocols\r\nUPGRADE: WEBSOCKET\r\nconnection: UPGRADE\r\n"
               "SEC-WEBSOCKET-ACCEPT: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
               &r);
    assert_int_equal(r.upgraded, 1);
    assert_int_equal(r.accept_ok, 1);
    check_pair("GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Keys: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n",
               "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
               &r);
    assert_int_equal(r.accept_ok, 0); /* "Sec-WebSocket-Keys" is not the key */
}

/* core/digest.c: SHA-1 (FIPS 180-4 examples, then GLib's SHA-1 on every length and split) and
 * base64 (RFC 4648 §10, then GLib's encoder on every length) */
static void sha1_hex(const char *a, size_t alen, const char *b, size_t blen, char hex[41])
{
    uint8_t d[20];
    wsa_sha1(a, alen, b, blen, d);
    for (int i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void digest_as_references(void **state)
{
    (void)state;
    char hex[41];
    sha1_hex("", 0, NULL, 0, hex);
    assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    sha1_hex("ab", 2, "c", 1, hex);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha1_hex(m, strlen(m), NULL, 0, hex);
    assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    char data[200];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 131 + 7);
    for (size_t n = 0; n <= sizeof data; n++)
        for (size_t cut = 0; cut <= n; cut += (n < 70 ? 1 : 17)) {
            sha1_hex(data, cut, data + cut, n - cut, hex);
            gchar *want = g_compute_checksum_for_data(G_CHECKSUM_SHA1, (const guchar *)data, n);
            assert_string_equal(hex, want);
            g_free(want);
            uint8_t d1[20], d2[20]; /* the fallback gives the same */
            wsa_sha1(data, cut, data + cut, n - cut, d1);
            wsa_sha1_glib(data, cut, data + cut, n - cut, d2);
            assert_memory_equal(d1, d2, 20);
        }
    static const char *const rfc4648[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                          "Zm9vYmFy"};
    char out[4 * ((sizeof data + 2) / 3) + 2];
    for (size_t n = 0; n <= 6; n++) {
        assert_int_equal(wsa_base64((const uint8_t *)"foobar", n, out), strlen(rfc4648[n]));
        assert_string_equal(out, rfc4648[n]);
    }
    for (size_t n = 0; n <= sizeof data; n++) {
        memset(out, 'x', sizeof out);
        size_t len = wsa_base64((const uint8_t *)data, n, out);
        gchar *want = g_base64_encode((const guchar *)data, n);
        assert_int_equal(len, strlen(want));
        assert_string_equal(out, want);
        assert_int_equal(out[len + 1], 'x'); /* nothing past the NUL */
        g_free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handshake_rfc_example_accept),
        cmocka_unit_test(digest_as_references),
        cmocka_unit_test(handshake_violations),
        cmocka_unit_test(ascii_ieq_as_glib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
