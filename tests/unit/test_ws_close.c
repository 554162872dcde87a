/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the close code registry (RFC 6455 §7.4) and the finding table (core/ws_close.c, core/finding.c).
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

/* ---------------- close code registry (RFC 6455 §7.4) ---------------- */

static void close_table_covers_every_code_once(void **state)
{
    (void)state;
    unsigned n;
    const struct ws_close_info *t = ws_close_table(&n);
    assert_int_equal(t[0].lo, 0);
    assert_int_equal(t[n - 1].hi, 65535);
    for (unsigned i = 1; i < n; i++)
        assert_int_equal(t[i].lo, t[i - 1].hi + 1);
    for (unsigned c = 0; c <= 65535; c++) {
        const struct ws_close_info *ci = ws_close_lookup((uint16_t)c);
        assert_true(c >= ci->lo && c <= ci->hi);
    }
}

static int finding_for(unsigned code)
{
    return ws_close_lookup((uint16_t)code)->finding;
}

static void close_1005_1006_1015_on_wire_are_reserved_code(void **state)
{
    (void)state;
    assert_int_equal(finding_for(1005), F_CLOSE_RESERVED_CODE);
    assert_int_equal(finding_for(1006), F_CLOSE_RESERVED_CODE);
    assert_int_equal(finding_for(1015), F_CLOSE_RESERVED_CODE);
    /* 1004 is "Reserved" in RFC 6455 §7.4.1: its class and its finding say the same */
    assert_int_equal(finding_for(1004), F_CLOSE_RESERVED_CODE);
    assert_string_equal(ws_close_class_name(ws_close_lookup(1004)->cls), "reserved");
}

static void close_invalid_and_undefined_ranges(void **state)
{
    (void)state;
    unsigned invalid[] = {0, 1, 999, 1016, 1100, 2000, 2999};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        assert_int_equal(finding_for(invalid[i]), F_CLOSE_INVALID_CODE);
    assert_int_equal(finding_for(5000), F_CLOSE_UNDEFINED_CODE);
    assert_int_equal(finding_for(65535), F_CLOSE_UNDEFINED_CODE);
    /* valid: RFC 6455 codes, IANA 1012-1014, registered and private ranges */
    unsigned valid[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                        1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        assert_int_equal(finding_for(valid[i]), -1);
    assert_string_equal(ws_close_class_name(ws_close_lookup(3000)->cls), "registered");
    assert_string_equal(ws_close_class_name(ws_close_lookup(4000)->cls), "private");
    assert_string_equal(ws_close_class_name(ws_close_lookup(1015)->cls), "reserved");
    assert_string_equal(ws_close_class_name(ws_close_lookup(1013)->cls), "standard");
}

static void finding_table_is_complete(void **state)
{
    (void)state;
    for (int i = 0; i < F_FINDING_COUNT; i++) {
        const struct wsa_finding_info *fi = wsa_finding_info((enum wsa_finding_id)i);
        assert_non_null(fi->id);
        assert_non_null(fi->title);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(fi->id, wsa_finding_info((enum wsa_finding_id)j)->id);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(close_table_covers_every_code_once),
        cmocka_unit_test(close_1005_1006_1015_on_wire_are_reserved_code),
        cmocka_unit_test(close_invalid_and_undefined_ranges),
        cmocka_unit_test(finding_table_is_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
