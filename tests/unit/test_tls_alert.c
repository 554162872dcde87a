/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the TLS alert registry (CONFORMANCE.md §8.1, core/tls_alert.c).
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

/* ---------------- TLS alert registry (CONFORMANCE.md §8.1) ---------------- */

static void tls_alert_table_decodes_registry_values(void **state)
{
    (void)state;
    unsigned n;
    const struct tls_alert_info *t = tls_alert_table(&n);
    for (unsigned i = 1; i < n; i++) {
        assert_true(t[i].value > t[i - 1].value);
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(t[i].name, t[j].name);
    }
    assert_string_equal(tls_alert_lookup(45)->name, "certificate_expired");
    assert_string_equal(tls_alert_lookup(48)->name, "unknown_ca");
    assert_string_equal(tls_alert_lookup(70)->name, "protocol_version");
    assert_string_equal(tls_alert_lookup(40)->name, "handshake_failure");
    assert_string_equal(tls_alert_lookup(112)->name, "unrecognized_name");
    assert_string_equal(tls_alert_lookup(120)->name, "no_application_protocol");
    assert_int_equal(tls_alert_lookup(0)->cls, TLS_ALERT_CLOSURE);
    assert_int_equal(tls_alert_lookup(21)->cls, TLS_ALERT_RETIRED);
    assert_int_equal(tls_alert_lookup(200)->cls, TLS_ALERT_UNKNOWN);
    assert_int_equal(tls_alert_by_name("Certificate_Expired")->value, 45);
    assert_null(tls_alert_by_name("no_such_alert"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls_alert_table_decodes_registry_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
