/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the findings vocabulary (core/finding.c): the cut of a detail into cause,
 * evidence, fix and note that Wireshark's tree shows as separate short items.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"

static void split(const char *detail, struct wsa_detail_parts *p, char **buf)
{
    *buf = malloc(strlen(detail) + 1);
    wsa_detail_split(detail, *buf, p);
}

/* the analyzer's text for tls-ossl-expired-1_2.pcap */
static void split_tls_expired(void **state)
{
    (void)state;
    struct wsa_detail_parts p;
    char *b;
    split("The client sent fatal alert certificate_expired (45) in pkt 8: the client rejected "
          "the server's certificate as expired (certificate subject \"CN=localhost,O=wsaudit "
          "tests\", valid until 2021-01-01 00:00:00 UTC: expired 2153 days before this capture; "
          "the server sent 2 certificates). Fix: renew the server's certificate (and check the "
          "client's clock). 1015 itself is never sent in a Close frame.",
          &p, &b);
    assert_string_equal(p.cause, "The client sent fatal alert certificate_expired (45) in pkt 8: "
                                 "the client rejected the server's certificate as expired");
    assert_string_equal(p.evidence, "certificate subject \"CN=localhost,O=wsaudit tests\", valid "
                                    "until 2021-01-01 00:00:00 UTC: expired 2153 days before "
                                    "this capture; the server sent 2 certificates");
    assert_string_equal(p.fix, "renew the server's certificate (and check the client's clock).");
    assert_int_equal(p.nnotes, 1);
    assert_string_equal(p.note[0], "1015 itself is never sent in a Close frame.");
    free(b);
}

/* the analyzer's text for tls-asyncio-expired-1_2.pcap (a silent close): the probable cause is
 * the cause, what was seen its evidence; the sentence after the fix a note */
static void split_probable_cause(void **state)
{
    (void)state;
    struct wsa_detail_parts p;
    char *b;
    split("The client closed the connection after the server's hello flight without sending any "
          "alert, as clients that reject the server's certificate without telling do "
          "(python3-websockets on Python's asyncio closes before the alert is sent; Node.js in "
          "TLS 1.3 closes before its Finished). Probable cause: the server's certificate "
          "(subject \"CN=localhost,O=wsaudit tests\") expired 2161 days before this capture "
          "(valid until 2021-01-01 00:00:00 UTC). Fix: renew the server's certificate (and check "
          "the client's clock). The server then sent decode_error (50) in pkt 9: its reaction to "
          "the unexpected end of the connection (OpenSSL sends decode_error), not the cause. 1015 "
          "itself is never sent in a Close frame.",
          &p, &b);
    assert_string_equal(p.cause, "the server's certificate (subject \"CN=localhost,O=wsaudit "
                                 "tests\") expired 2161 days before this capture (valid until "
                                 "2021-01-01 00:00:00 UTC)");
    assert_true(strncmp(p.evidence, "The client closed the connection after", 38) == 0);
    assert_true(strstr(p.evidence, "closes before its Finished)") != NULL);
    assert_string_equal(p.fix, "renew the server's certificate (and check the client's clock).");
    assert_int_equal(p.nnotes, 2);
    assert_true(strncmp(p.note[0], "The server then sent decode_error (50) in pkt 9", 47) == 0);
    assert_string_equal(p.note[1], "1015 itself is never sent in a Close frame.");
    free(b);
}

/* a full stop inside parentheses or quotes does not end a sentence; 20 sentences all kept */
static void split_sentences(void **state)
{
    (void)state;
    struct wsa_detail_parts p;
    char *b;
    split("Seen (e.g. This one. Not a break) and \"A. B\" too. Fix: do it. Then that.", &p, &b);
    assert_string_equal(p.cause, "Seen (e.g. This one. Not a break) and \"A. B\" too");
    assert_string_equal(p.fix, "do it.");
    assert_int_equal(p.nnotes, 1);
    free(b);
    char many[400] = "";
    for (int i = 0; i < 20; i++)
        sprintf(many + strlen(many), "%sS%d.", i ? " " : "", i);
    split(many, &p, &b);
    assert_string_equal(p.cause, "S0");
    assert_int_equal(p.nnotes, 15);
    assert_string_equal(p.note[14], "S15. S16. S17. S18. S19.");
    free(b);
}

/* no fix, no trailing parenthesis: the whole is the cause */
static void split_plain(void **state)
{
    (void)state;
    struct wsa_detail_parts p;
    char *b;
    split("code 1004 (Reserved) sent by the server", &p, &b);
    assert_string_equal(p.cause, "code 1004 (Reserved) sent by the server");
    assert_string_equal(p.evidence, "");
    assert_string_equal(p.fix, "");
    assert_int_equal(p.nnotes, 0);
    free(b);
    /* a parenthesis that opens at the start is not an account of the cause */
    split("(42 bytes) cut", &p, &b);
    assert_string_equal(p.cause, "(42 bytes) cut");
    free(b);
    split("the frame of 12 bytes (opcode 2)", &p, &b);
    assert_string_equal(p.cause, "the frame of 12 bytes");
    assert_string_equal(p.evidence, "opcode 2");
    free(b);
    split("", &p, &b);
    assert_string_equal(p.cause, "");
    free(b);
}

/* a detail that is only a fix, and unbalanced parentheses */
static void split_edges(void **state)
{
    (void)state;
    struct wsa_detail_parts p;
    char *b;
    split("Fix: send text. Then retry.", &p, &b);
    assert_string_equal(p.cause, "");
    assert_string_equal(p.fix, "send text.");
    assert_int_equal(p.nnotes, 1);
    assert_string_equal(p.note[0], "Then retry.");
    free(b);
    split("a very long cause that ends oddly x) y)", &p, &b);
    assert_string_equal(p.cause, "a very long cause that ends oddly x) y)");
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_tls_expired),
        cmocka_unit_test(split_probable_cause),
        cmocka_unit_test(split_sentences),
        cmocka_unit_test(split_plain),
        cmocka_unit_test(split_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
