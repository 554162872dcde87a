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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_keeps_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
