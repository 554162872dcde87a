/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the WebSocket frame parser (core/ws_frame.c): RFC 6455 §5.7 examples and length rules.
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

/* ---------------- frame layer: RFC 6455 §5.7 examples ---------------- */

static void frame_rfc_examples(void **state)
{
    (void)state;
    /* a single-frame masked text message "Hello" */
    const uint8_t masked[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct ws_frame_parser p;
    enum ws_frame_result r;
    const uint8_t *d;
    size_t n, used;
    ws_frame_init(&p);
    used = ws_frame_feed(&p, masked, sizeof masked, &r, &d, &n);
    assert_int_equal(r, WF_HEADER);
    assert_int_equal(used, 6);
    assert_int_equal(p.hdr.opcode, 1);
    assert_int_equal(p.hdr.fin, 1);
    assert_int_equal(p.hdr.masked, 1);
    assert_int_equal(p.hdr.len, 5);
    used = ws_frame_feed(&p, masked + 6, 5, &r, &d, &n);
    assert_int_equal(r, WF_PAYLOAD);
    char text[6];
    for (size_t i = 0; i < n; i++)
        text[i] = (char)(d[i] ^ p.hdr.mask[i & 3]);
    text[5] = 0;
    assert_string_equal(text, "Hello");
    ws_frame_feed(&p, NULL, 0, &r, &d, &n);
    assert_int_equal(r, WF_FRAME_END);

    /* 256 bytes binary in the 16-bit form, 64 KiB in the 64-bit form */
    const uint8_t h16[] = {0x82, 0x7E, 0x01, 0x00};
    ws_frame_init(&p);
    ws_frame_feed(&p, h16, 4, &r, &d, &n);
    assert_int_equal(r, WF_HEADER);
    assert_int_equal(p.hdr.len, 256);
    assert_int_equal(p.hdr.nonminimal, 0);
    const uint8_t h64[] = {0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0};
    ws_frame_init(&p);
    ws_frame_feed(&p, h64, 10, &r, &d, &n);
    assert_int_equal(r, WF_HEADER);
    assert_int_equal(p.hdr.len, 65536);
    assert_int_equal(p.hdr.nonminimal, 0);
}

static void frame_length_rules(void **state)
{
    (void)state;
    struct ws_frame_parser p;
    enum ws_frame_result r;
    const uint8_t *d;
    size_t n;
    /* RFC 6455 §5.2's own counter-example: 124 in the 16-bit form */
    const uint8_t nonmin[] = {0x81, 0x7e, 0x00, 0x7c};
    ws_frame_init(&p);
    ws_frame_feed(&p, nonmin, 4, &r, &d, &n);
    assert_int_equal(r, WF_HEADER);
    assert_int_equal(p.hdr.nonminimal, 1);
    /* MSB of the 64-bit length set: boundaries are lost for good */
    const uint8_t msb[] = {0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 5, 'a'};
    ws_frame_init(&p);
    ws_frame_feed(&p, msb, sizeof msb, &r, &d, &n);
    assert_int_equal(r, WF_ERR_LENGTH);
    ws_frame_feed(&p, msb + 10, 1, &r, &d, &n);
    assert_int_equal(r, WF_ERR_LENGTH);
}

/* the one-piece header reader the plugin uses: every length form, masked, cut, MSB set */
static void frame_header_in_one_piece(void **state)
{
    (void)state;
    struct ws_frame_hdr h;
    const uint8_t close[] = {0x88, 0x02, 0x03, 0xeb};
    assert_int_equal(ws_frame_header(close, sizeof close, &h), 1);
    assert_int_equal(h.opcode, 8);
    assert_int_equal(h.hdr_len, 2);
    assert_int_equal(h.len, 2);
    const uint8_t masked16[] = {0x82, 0xfe, 0x01, 0x00, 1, 2, 3, 4};
    assert_int_equal(ws_frame_header(masked16, sizeof masked16, &h), 1);
    assert_int_equal(h.hdr_len, 8);
    assert_int_equal(h.len, 256);
    assert_int_equal(h.masked, 1);
    const uint8_t len64[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0};
    assert_int_equal(ws_frame_header(len64, sizeof len64, &h), 1);
    assert_int_equal(h.hdr_len, 10);
    assert_int_equal(h.len, 65536);
    assert_int_equal(ws_frame_header(masked16, 5, &h), 0);
    assert_int_equal(ws_frame_header(masked16, 0, &h), 0);
    const uint8_t msb[] = {0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(ws_frame_header(msb, sizeof msb, &h), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_header_in_one_piece),
        cmocka_unit_test(frame_rfc_examples),
        cmocka_unit_test(frame_length_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
