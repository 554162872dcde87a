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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_vectors_whole_and_bytewise),
        cmocka_unit_test(utf8_reports_offset_of_first_bad_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
