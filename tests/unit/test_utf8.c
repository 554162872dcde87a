/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the streaming UTF-8 validator (core/utf8.c), fed whole and byte by byte.
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

#include "escape.h"
#include "finding.h"
#include "tls_alert.h"
#include "utf8.h"
#include "ws_close.h"
#include "ws_frame.h"
#include "ws_handshake.h"
#include "ws_inflate.h"
#include "ws_session.h"

/* ---------------- UTF-8 ---------------- */

static int utf8_whole(const char *s, size_t n)
{
    struct utf8_state u;
    utf8_init(&u);
    utf8_feed(&u, (const uint8_t *)s, n);
    return utf8_finish(&u);
}

static int utf8_bytewise(const char *s, size_t n)
{
    struct utf8_state u;
    utf8_init(&u);
    for (size_t i = 0; i < n; i++)
        utf8_feed(&u, (const uint8_t *)s + i, 1);
    return utf8_finish(&u);
}

static void utf8_vectors_whole_and_bytewise(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
        int want;
    } v[] = {
        {"hello", 5, 0},
        {"\x00", 1, 0},             /* U+0000 is valid (CONFORMANCE U8-05) */
        {"\xef\xbf\xbf", 3, 0},     /* U+FFFF noncharacter: valid */
        {"\xf4\x8f\xbf\xbf", 4, 0}, /* U+10FFFF */
        {"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", 11, 0}, /* kosme */
        {"\xed\xa0\x80", 3, -1},                                 /* surrogate */
        {"\xc0\xaf", 2, -1},                                     /* overlong */
        {"\xe0\x80\xaf", 3, -1},                                 /* overlong */
        {"\xf4\x90\x80\x80", 4, -1},                             /* > U+10FFFF */
        {"\xf5\x80\x80\x80", 4, -1},
        {"\x80", 1, -1},    /* lone continuation */
        {"\xe2\x82", 2, 1}, /* truncated: incomplete at the end */
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_int_equal(utf8_whole(v[i].s, v[i].n), v[i].want);
        assert_int_equal(utf8_bytewise(v[i].s, v[i].n), v[i].want);
    }
}

static void utf8_reports_offset_of_first_bad_byte(void **state)
{
    (void)state;
    struct utf8_state u;
    utf8_init(&u);
    utf8_feed(&u, (const uint8_t *)"ab", 2);
    utf8_feed(&u, (const uint8_t *)"c\xff", 2);
    assert_int_equal(u.failed, 1);
    assert_int_equal(u.bad_at, 3);
}

/* The eight-bytes-at-a-time ASCII path: long runs of ASCII with UTF-8 sequences, bad bytes and
 * cut sequences at every position, masked with keys at every phase, must give what one byte at
 * a time gives (no fast path) and what GLib's validator says of the unmasked bytes, and the
 * same first bad offset. */
static void utf8_ascii_runs_match_bytewise_and_glib(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "hello world ", "\xce\xba", "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80", "\xff", "\xc0\xaf", "\xed\xa0\x80",
                                         "\xe2\x82", "0123456789abcdef"};
    GRand *rng = g_rand_new_with_seed(19);
    for (int round = 0; round < 20000; round++) {
        uint8_t plain[96], masked[96], key[4];
        size_t n = 0;
        while (n < 64) {
            const char *pc = pieces[g_rand_int_range(rng, 0, 10)];
            size_t k = strlen(pc);
            if (n + k > sizeof plain)
                break;
            memcpy(plain + n, pc, k);
            n += k;
        }
        uint64_t pos = (uint64_t)g_rand_int_range(rng, 0, 4);
        for (int k = 0; k < 4; k++)
            key[k] = (uint8_t)g_rand_int_range(rng, 0, 256);
        for (size_t i = 0; i < n; i++)
            masked[i] = (uint8_t)(plain[i] ^ key[(pos + i) & 3]);
        struct utf8_state whole, bytes;
        utf8_init(&whole);
        utf8_init(&bytes);
        int rw = utf8_feed_masked(&whole, masked, n, key, pos);
        int rb = 0;
        for (size_t i = 0; i < n && rb == 0; i++)
            rb = utf8_feed_masked(&bytes, masked + i, 1, key, pos + i);
        assert_int_equal(rw, rb);
        if (rw < 0)
            assert_int_equal(whole.bad_at, bytes.bad_at);
        else
            assert_int_equal(utf8_finish(&whole), utf8_finish(&bytes));
        int glib_ok = g_utf8_validate_len((const char *)plain, n, NULL);
        assert_int_equal(rw == 0 && utf8_finish(&whole) == 0, glib_ok);
    }
    g_rand_free(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_vectors_whole_and_bytewise),
        cmocka_unit_test(utf8_reports_offset_of_first_bad_byte),
        cmocka_unit_test(utf8_ascii_runs_match_bytewise_and_glib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
