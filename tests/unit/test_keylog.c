/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_keylog.c - the key log store (core/tls_keylog.c): labels, comments, bad lines with their
 * numbers, CRLF, the memory cap, the fallback chain; and the TLS 1.3 key schedule (RFC 8448 §3's
 * server handshake traffic secret gives its key and iv). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gcrypt.h>

#include "tls_crypto.h"
#include "tls_keylog.h"

#define R1 "0102030405060708091011121314151617181920212223242526272829303132"
#define S48 "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"
#define S32 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static unsigned long bad_lines[8];
static int nbad;

static void on_bad(void *ctx, unsigned long line, const char *why)
{
    (void)ctx;
    (void)why;
    if (nbad < 8)
        bad_lines[nbad++] = line;
}

static void parses_labels_comments_and_bad_lines(void **state)
{
    (void)state;
    const char *text = "# SSLKEYLOGFILE\r\n"
                       "\n"
                       "CLIENT_RANDOM " R1 " " S48 "\r\n"
                       "SERVER_HANDSHAKE_TRAFFIC_SECRET " R1 " " S32 "\n"
                       "EXPORTER_SECRET " R1 " " S32 "\n"
                       "CLIENT_RANDOM zz " S48 "\n"
                       "CLIENT_TRAFFIC_SECRET_0 " R1 "\n"
                       "CLIENT_RANDOM " R1 " abc";
    struct tls_keylog *k = tls_keylog_new(1 << 20);
    nbad = 0;
    size_t n = tls_keylog_add_text(k, text, strlen(text), on_bad, NULL);
    assert_int_equal(n, 2);
    assert_int_equal(nbad, 3);
    assert_int_equal(bad_lines[0], 6);
    assert_int_equal(bad_lines[1], 7);
    assert_int_equal(bad_lines[2], 8);
    uint8_t r[32];
    for (int i = 0; i < 32; i++)
        r[i] = (uint8_t)((R1[2 * i] - '0') << 4 | (R1[2 * i + 1] - '0'));
    const struct tls_keys *e = tls_keylog_find(k, r);
    assert_non_null(e);
    assert_int_equal(e->len[TLS_SECRET_MASTER], 48);
    assert_int_equal(e->len[TLS_SECRET_SERVER_HS], 32);
    assert_int_equal(e->len[TLS_SECRET_CLIENT_APP], 0);
    assert_int_equal(e->secret[TLS_SECRET_MASTER][0], 0xaa);
    r[31] ^= 1;
    assert_null(tls_keylog_find(k, r));
    tls_keylog_free(k);
}

static void cap_and_fallback(void **state)
{
    (void)state;
    const char *a = "CLIENT_RANDOM " R1 " " S48 "\n";
    const char *b = "CLIENT_RANDOM " S32 " " S48 "\n";
    struct tls_keylog *big = tls_keylog_new(1 << 20), *tiny = tls_keylog_new(10);
    nbad = 0;
    assert_int_equal(tls_keylog_add_text(tiny, a, strlen(a), on_bad, NULL), 0);
    assert_int_equal(nbad, 1); /* the cap is said once */
    assert_int_equal(tls_keylog_add_text(big, a, strlen(a), NULL, NULL), 1);
    struct tls_keylog *file = tls_keylog_new(1 << 20);
    tls_keylog_add_text(file, b, strlen(b), NULL, NULL);
    tls_keylog_chain(file, big);
    assert_int_equal(tls_keylog_count(file), 1);
    uint8_t r[32];
    for (int i = 0; i < 32; i++)
        r[i] = (uint8_t)((R1[2 * i] - '0') << 4 | (R1[2 * i + 1] - '0'));
    assert_non_null(tls_keylog_find(file, r)); /* found through the fallback */
    tls_keylog_free(file);
    tls_keylog_free(big);
    tls_keylog_free(tiny);
}

static void unhex(const char *s, uint8_t *out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* RFC 8448 §3 (Simple 1-RTT Handshake): derive-secret output "s hs traffic" and the key and iv
 * the RFC lists for it */
static void hkdf_expand_label_rfc8448(void **state)
{
    (void)state;
    uint8_t secret[32], key[16], iv[12], want_key[16], want_iv[12];
    unhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38", secret);
    unhex("3fce516009c21727d0f2e4e86ee403bc", want_key);
    unhex("5d313eb2671276ee13000b30", want_iv);
    assert_int_equal(tls_hkdf_expand_label(GCRY_MD_SHA256, secret, 32, "key", key, 16), 0);
    assert_int_equal(tls_hkdf_expand_label(GCRY_MD_SHA256, secret, 32, "iv", iv, 12), 0);
    assert_memory_equal(key, want_key, 16);
    assert_memory_equal(iv, want_iv, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_labels_comments_and_bad_lines),
        cmocka_unit_test(cap_and_fallback),
        cmocka_unit_test(hkdf_expand_label_rfc8448),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
