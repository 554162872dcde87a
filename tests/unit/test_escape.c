/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the escaper of wire text (core/escape.c).
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

static void escape_keeps_every_byte(void **state)
{
    (void)state;
    char out[64] = "";
    const uint8_t in[] = "a\x00"
                         "b\x1b[\\c\xc3\xa9\xff\xed\xa0\x80,z";
    assert_int_equal(wsa_escape_append(out, sizeof out, in, sizeof in - 1, ","), 0);
    /* NUL, ESC, backslash, a lone 0xff, a surrogate and the extra ',' escaped; é kept */
    assert_string_equal(out, "a\\x00b\\x1b[\\x5cc\xc3\xa9\\xff\\xed\\xa0\\x80\\x2cz");
    /* cut where it does not fit, marked, never in the middle of an escape */
    char small[10] = "";
    assert_int_equal(wsa_escape_append(small, sizeof small, (const uint8_t *)"\x01\x02\x03", 3, ""),
                     -1);
    assert_string_equal(small, "\\x01...");
}

/* the decoder gives back every byte the escape took in, for any bytes */
static void unescape_inverts_escape(void **state)
{
    (void)state;
    srand(7);
    for (int round = 0; round < 2000; round++) {
        uint8_t in[40];
        size_t n = (size_t)(rand() % 40);
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)(round % 3 ? rand() : "ab\\\xc3\xa9x\x00\xff,"[rand() % 10]);
        char esc[200] = "";
        assert_int_equal(wsa_escape_append(esc, sizeof esc, in, n, ","), 0);
        uint8_t back[200];
        size_t k = wsa_unescape(esc, strlen(esc), "", back);
        assert_int_equal(k, n);
        assert_memory_equal(back, in, n);
    }
    /* a distinguished name's specials keep RFC 4514's backslash */
    uint8_t b[16];
    size_t k = wsa_unescape("a\\x2cb", 6, ",+", b);
    assert_int_equal(k, 4);
    assert_memory_equal(b, "a\\,b", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_keeps_every_byte),
        cmocka_unit_test(unescape_inverts_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
