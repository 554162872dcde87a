/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the protocol core. Every stream-level test feeds its input whole, one byte at a
 * time, and split at every single position, and requires identical events (segmentation
 * invariance, DESIGN.md "Core API shape").
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
}

static void close_invalid_and_undefined_ranges(void **state)
{
    (void)state;
    unsigned invalid[] = {0, 1, 999, 1004, 1016, 1100, 2000, 2999};
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

/* ---------------- session: events as text, for comparison ---------------- */

struct log {
    GString *s;
};

static void log_event(void *ctx, const struct ws_event *ev)
{
    struct log *l = ctx;
    const char *dir = ev->dir == WS_C2S ? "c2s" : "s2c";
    switch (ev->type) {
    case WS_EV_FRAME:
        g_string_append_printf(l->s, "frame %s op=%x fin=%d len=%llu pkt=%llu complete=%d\n", dir,
                               ev->hdr->opcode, ev->hdr->fin, (unsigned long long)ev->hdr->len,
                               (unsigned long long)ev->pkt, ev->complete);
        break;
    case WS_EV_CLOSE:
        g_string_append_printf(l->s, "close %s code=%d reason=%.*s\n", dir,
                               ev->has_code ? ev->code : -1, (int)ev->reason_len,
                               (const char *)ev->reason);
        break;
    case WS_EV_STATUS:
        g_string_append_printf(l->s, "status client=%d server=%d\n", (int)ev->status->seen[WS_S2C],
                               (int)ev->status->seen[WS_C2S]);
        break;
    case WS_EV_MESSAGE:
        g_string_append_printf(
            l->s, "message %s op=%x pkt=%llu size=%llu inflated=%llu preview=%.*s\n", dir,
            ev->msg->opcode, (unsigned long long)ev->msg->pkt, (unsigned long long)ev->msg->size,
            (unsigned long long)ev->msg->inflated, (int)ev->msg->preview_len,
            (const char *)ev->msg->preview);
        break;
    case WS_EV_FINDING:
        g_string_append_printf(l->s, "finding %s %s pkt=%llu", dir,
                               wsa_finding_info(ev->finding)->id, (unsigned long long)ev->pkt);
        if (ev->unsup)
            g_string_append_printf(l->s, " status=%d opcode=%x msgpkt=%llu complete=%d",
                                   ev->unsup->status, ev->unsup->opcode,
                                   (unsigned long long)ev->unsup->pkt, ev->unsup->complete);
        if (ev->finding == F_CLOSE_ABNORMAL)
            g_string_append_printf(l->s, " (%s)", ev->detail);
        g_string_append_c(l->s, '\n');
        break;
    }
}

/* One step of a scripted conversation: bytes of one direction in one packet, or a gap. */
struct step {
    int dir;
    const char *bytes; /* NULL: a gap of `len` bytes */
    size_t len;
    uint64_t pkt;
    int ack_valid;
    uint64_t ack; /* peer stream offset acknowledged */
};

/* split: 0 = whole steps; 1 = byte by byte; >1 = each step cut at that position */
static char *run_steps_pmd(const struct step *st, size_t n, size_t split, int pmd)
{
    struct ws_session s;
    struct log l = {g_string_new(NULL)};
    ws_session_init(&s, pmd ? 4 : 0, pmd, log_event, &l);
    if (pmd) {
        struct ws_pmd_params p = {0, 0, 15, 15};
        ws_session_set_pmd(&s, &p);
    }
    ws_session_start(&s, 0, 0);
    for (size_t i = 0; i < n; i++) {
        struct ws_seg_ctx seg = {st[i].pkt, st[i].ack_valid, st[i].ack, st[i].pkt};
        if (!st[i].bytes) {
            ws_session_gap(&s, st[i].dir, st[i].len, st[i].pkt);
            continue;
        }
        const uint8_t *b = (const uint8_t *)st[i].bytes;
        size_t len = st[i].len;
        if (split == 1) {
            for (size_t k = 0; k < len; k++)
                ws_session_feed(&s, st[i].dir, b + k, 1, &seg);
        } else if (split > 1 && split - 1 < len) {
            ws_session_feed(&s, st[i].dir, b, split - 1, &seg);
            ws_session_feed(&s, st[i].dir, b + split - 1, len - (split - 1), &seg);
        } else {
            ws_session_feed(&s, st[i].dir, b, len, &seg);
        }
    }
    ws_session_end(&s, 1, 999);
    ws_session_free(&s);
    return g_string_free(l.s, FALSE);
}

/* Run whole, byte by byte and at every split point; all must match. Returns the events. */
static char *run_invariant_pmd(const struct step *st, size_t n, int pmd)
{
    char *whole = run_steps_pmd(st, n, 0, pmd);
    char *bytes = run_steps_pmd(st, n, 1, pmd);
    assert_string_equal(whole, bytes);
    g_free(bytes);
    size_t longest = 0;
    for (size_t i = 0; i < n; i++)
        longest = st[i].len > longest ? st[i].len : longest;
    for (size_t cut = 2; cut <= longest; cut++) {
        char *part = run_steps_pmd(st, n, cut, pmd);
        assert_string_equal(whole, part);
        g_free(part);
    }
    return whole;
}

static char *run_invariant(const struct step *st, size_t n)
{
    return run_invariant_pmd(st, n, 0);
}

#define B(lit) lit, sizeof(lit) - 1
/* masked with an all-zero key so the payload reads as written */
#define M0 "\x00\x00\x00\x00"

static void close_1003_after_binary_names_the_binary_message(void **state)
{
    (void)state;
    const struct step st[] = {
        {WS_C2S, B("\x81\x82" M0 "hi"), 10, 1, 0},           /* text, offsets 0..8 */
        {WS_C2S, B("\x82\x83" M0 "\x01\x02\x03"), 11, 1, 0}, /* binary at 8..17 */
        {WS_S2C, B("\x88\x0b\x03\xebtext only"), 12, 1, 17},
        {WS_C2S, B("\x88\x82" M0 "\x03\xeb"), 13, 1, 13},
    };
    char *ev = run_invariant(st, 4);
    assert_non_null(strstr(ev, "close s2c code=1003 reason=text only\n"
                               "finding s2c ws.close.unsupported_data pkt=12 status=0 opcode=2 "
                               "msgpkt=11 complete=1\n"));
    /* the client's echo is a reply, not a second offence */
    assert_non_null(strstr(ev, "finding c2s ws.close.unsupported_data pkt=13 status=3"));
    g_free(ev);
}

static void close_1003_judged_by_ack_not_capture_order(void **state)
{
    (void)state;
    /* AN-07: the server's close ACKs only the text message; the binary one crossed it */
    const struct step st[] = {
        {WS_C2S, B("\x81\x82" M0 "hi"), 10, 1, 0},
        {WS_C2S, B("\x82\x83" M0 "\x01\x02\x03"), 11, 1, 0},
        {WS_S2C, B("\x88\x02\x03\xeb"), 12, 1, 8},
    };
    char *ev = run_invariant(st, 3);
    assert_non_null(strstr(ev, "unsupported_data pkt=12 status=0 opcode=1 msgpkt=10"));
    g_free(ev);
}

static void close_1003_waits_for_acknowledged_bytes_captured_later(void **state)
{
    (void)state;
    /* the close is captured before the client's binary message it acknowledges */
    const struct step st[] = {
        {WS_C2S, B("\x81\x82" M0 "hi"), 10, 1, 0},
        {WS_S2C, B("\x88\x02\x03\xeb"), 11, 1, 17},
        {WS_C2S, B("\x82\x83" M0 "\x01\x02\x03"), 12, 1, 0},
    };
    char *ev = run_invariant(st, 3);
    assert_non_null(strstr(ev, "unsupported_data pkt=11 status=0 opcode=2 msgpkt=12"));
    g_free(ev);
}

static void close_1003_without_peer_data_is_none_observed(void **state)
{
    (void)state;
    const struct step st[] = {{WS_S2C, B("\x88\x02\x03\xeb"), 5, 0, 0}};
    char *ev = run_invariant(st, 1);
    assert_non_null(strstr(ev, "unsupported_data pkt=5 status=1"));
    g_free(ev);
}

static void close_1003_during_fragmented_message_names_first_opcode(void **state)
{
    (void)state;
    /* AN-03: binary FIN=0, continuation FIN=0, then the server closes 1003 */
    const struct step st[] = {
        {WS_C2S, B("\x02\x81" M0 "a"), 20, 0, 0},
        {WS_C2S, B("\x00\x81" M0 "b"), 21, 0, 0},
        {WS_S2C, B("\x88\x02\x03\xeb"), 22, 0, 0},
    };
    char *ev = run_invariant(st, 3);
    assert_non_null(strstr(ev, "unsupported_data pkt=22 status=0 opcode=2 msgpkt=20 complete=0"));
    g_free(ev);
}

static void close_1003_after_reserved_opcode(void **state)
{
    (void)state;
    const struct step st[] = {
        {WS_C2S, B("\x83\x80" M0), 30, 0, 0},
        {WS_S2C, B("\x88\x02\x03\xeb"), 31, 0, 0},
    };
    char *ev = run_invariant(st, 2);
    assert_non_null(strstr(ev, "finding c2s ws.violation.reserved_opcode pkt=30"));
    assert_non_null(strstr(ev, "unsupported_data pkt=31 status=0 opcode=3 msgpkt=30"));
    g_free(ev);
}

static void close_1003_after_gap_at_frame_boundary_is_unknown(void **state)
{
    (void)state;
    const struct step st[] = {
        {WS_C2S, B("\x81\x82" M0 "hi"), 40, 0, 0},
        {WS_C2S, NULL, 7, 41, 0},
        {WS_S2C, B("\x88\x02\x03\xeb"), 42, 0, 0},
    };
    char *ev = run_invariant(st, 3);
    assert_non_null(strstr(ev, "ws.direction_stopped pkt=41"));
    assert_non_null(strstr(ev, "unsupported_data pkt=42 status=2"));
    g_free(ev);
}

static void gap_inside_payload_keeps_direction_in_sync(void **state)
{
    (void)state;
    const struct step st[] = {
        {WS_C2S, B("\x82\x8a" M0 "abc"), 50, 0, 0}, /* 10-byte payload, 3 seen */
        {WS_C2S, NULL, 4, 51, 0},                   /* 4 lost inside the payload */
        {WS_C2S, B("hij"), 52, 0, 0},
        {WS_C2S, B("\x88\x82" M0 "\x03\xe8"), 53, 0, 0},
    };
    char *ev = run_invariant(st, 4);
    assert_null(strstr(ev, "direction_stopped"));
    assert_non_null(strstr(ev, "close c2s code=1000"));
    g_free(ev);
}

static void close_codes_on_the_wire(void **state)
{
    (void)state;
    const struct step st[] = {
        {WS_S2C, B("\x88\x02\x03\xf7"), 1, 0, 0}, /* 1015 */
        {WS_S2C, B("\x88\x02\x03\xed"), 2, 0, 0}, /* 1005 (after close: also a warning) */
    };
    char *ev = run_invariant(st, 2);
    assert_non_null(strstr(ev, "finding s2c ws.close.reserved_code pkt=1"));
    assert_non_null(strstr(ev, "finding s2c ws.control_after_close pkt=2"));
    assert_non_null(strstr(ev, "finding s2c ws.close.reserved_code pkt=2"));
    g_free(ev);
}

static void close_payload_rules(void **state)
{
    (void)state;
    const struct step one[] = {{WS_S2C, B("\x88\x01\x03"), 1, 0, 0}};
    char *ev = run_invariant(one, 1);
    assert_non_null(strstr(ev, "ws.close.bad_payload pkt=1"));
    g_free(ev);
    const struct step bad_utf8[] = {{WS_S2C, B("\x88\x04\x03\xe8\xc0\xaf"), 2, 0, 0}};
    ev = run_invariant(bad_utf8, 1);
    assert_non_null(strstr(ev, "ws.close.bad_payload pkt=2"));
    g_free(ev);
    const struct step ok[] = {{WS_S2C, B("\x88\x05\x03\xe8\xce\xba\x00"), 3, 0, 0}};
    ev = run_invariant(ok, 1);
    assert_null(strstr(ev, "bad_payload"));
    g_free(ev);
}

static void framing_violations(void **state)
{
    (void)state;
    const struct step st[] = {
        {WS_C2S, B("\x81\x01x"), 1, 0, 0},       /* unmasked client frame */
        {WS_S2C, B("\x81\x81" M0 "y"), 2, 0, 0}, /* masked server frame */
        {WS_S2C, B("\xc1\x01z"), 3, 0, 0},       /* RSV1 without extension */
        {WS_S2C, B("\x09\x00"), 4, 0, 0},        /* fragmented ping */
        {WS_S2C, B("\x80\x00"), 5, 0, 0},        /* continuation without start */
        {WS_S2C,
         B("\x01\x01"
           "a\x02\x01"
           "b"),
         6, 0, 0}, /* interleaved data */
    };
    char *ev = run_invariant(st, 6);
    const char *want[] = {"c2s_unmasked pkt=1",
                          "s2c_masked pkt=2",
                          "rsv_bits pkt=3",
                          "control_fragmented pkt=4",
                          "continuation_without_start pkt=5",
                          "interleaved_data pkt=6"};
    for (size_t i = 0; i < 6; i++)
        if (!strstr(ev, want[i]))
            fail_msg("missing %s in:\n%s", want[i], ev);
    g_free(ev);
}

/* RFC 6455 §8.1: text is UTF-8 across fragments; the check carries state across frames */
static void text_utf8_checked_across_fragments(void **state)
{
    (void)state;
    /* "é" (C3 A9) split between two fragments is valid; ED A0 80 (a surrogate) is not */
    const struct step ok_then_bad[] = {
        {WS_S2C,
         B("\x01\x02"
           "a\xc3"),
         1, 0, 0},
        {WS_S2C,
         B("\x80\x02"
           "\xa9"
           "b"),
         2, 0, 0},
        {WS_S2C,
         B("\x81\x05"
           "ok\xed\xa0\x80"),
         3, 0, 0},
        {WS_S2C,
         B("\x81\x01"
           "\xce"),
         4, 0, 0}, /* ends inside a sequence */
        {WS_S2C,
         B("\x82\x02"
           "\xff\xfe"),
         5, 0, 0}, /* binary: not checked */
    };
    char *ev = run_invariant(ok_then_bad, 5);
    if (strstr(ev, "invalid_utf8 pkt=1") || strstr(ev, "invalid_utf8 pkt=2") ||
        strstr(ev, "invalid_utf8 pkt=5"))
        fail_msg("false UTF-8 finding in:\n%s", ev);
    assert_non_null(strstr(ev, "ws.violation.invalid_utf8 pkt=3"));
    assert_non_null(strstr(ev, "ws.violation.invalid_utf8 pkt=4"));
    g_free(ev);
}

/* RFC 6455 §5.5.3: the Pong echoes the Ping; answering only the latest of two is allowed */
static void pong_must_echo_ping(void **state)
{
    (void)state;
    const struct step st[] = {
        {WS_C2S, B("\x89\x82" M0 "p1"), 1, 0, 0},
        {WS_S2C,
         B("\x8a\x02"
           "p1"),
         2, 0, 0}, /* echo: fine */
        {WS_C2S, B("\x89\x82" M0 "p2"), 3, 0, 0},
        {WS_C2S, B("\x89\x82" M0 "p3"), 4, 0, 0},
        {WS_S2C,
         B("\x8a\x02"
           "p3"),
         5, 0, 0}, /* only the latest: fine */
        {WS_S2C,
         B("\x8a\x02"
           "zz"),
         6, 0, 0}, /* unsolicited: fine */
        {WS_C2S, B("\x89\x82" M0 "p4"), 7, 0, 0},
        {WS_S2C,
         B("\x8a\x02"
           "xx"),
         8, 0, 0}, /* wrong payload */
    };
    char *ev = run_invariant(st, 8);
    assert_null(strstr(ev, "pong_mismatch pkt=2"));
    assert_null(strstr(ev, "pong_mismatch pkt=5"));
    assert_null(strstr(ev, "pong_mismatch pkt=6"));
    assert_non_null(strstr(ev, "ws.violation.pong_mismatch pkt=8"));
    g_free(ev);
}

static void count_bytes(void *ctx, const uint8_t *p, size_t n)
{
    (void)p;
    *(uint64_t *)ctx += n;
}

/* permessage-deflate as a sender makes it: raw DEFLATE, sync flush, the 00 00 FF FF tail
 * removed (RFC 7692 §7.2.1); returns a server frame (FIN, RSV1, opcode) in out */
static size_t deflate_frame(uint8_t opcode, const char *text, size_t n, uint8_t *out, z_stream *z)
{
    uint8_t buf[256];
    z->next_in = (Bytef *)(uintptr_t)text;
    z->avail_in = (uInt)n;
    z->next_out = buf;
    z->avail_out = sizeof buf;
    assert_int_equal(deflate(z, Z_SYNC_FLUSH), Z_OK);
    size_t len = sizeof buf - z->avail_out - 4;
    assert_true(len < 126);
    out[0] = (uint8_t)(0xC0 | opcode);
    out[1] = (uint8_t)len;
    memcpy(out + 2, buf, len);
    return len + 2;
}

/* RFC 7692: compressed text is inflated (context taken over between messages) and checked as
 * UTF-8; corrupt DEFLATE data is reported once and the direction stops being inflated */
static void permessage_deflate_inflates_and_checks(void **state)
{
    (void)state;
    static uint8_t f1[160], f2[160], f3[160];
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t n1 = deflate_frame(1, "hello hello hello", 17, f1, &z);
    size_t n2 = deflate_frame(1, "hello \xff hello", 14, f2, &z); /* context taken over */
    size_t n3 = deflate_frame(2, "\x01\x02", 2, f3, &z);
    deflateEnd(&z);
    const struct step good[] = {
        {WS_S2C, (const char *)f1, n1, 1, 0, 0},
        {WS_S2C, (const char *)f2, n2, 2, 0, 0},
        {WS_S2C, (const char *)f3, n3, 3, 0, 0},
    };
    char *ev = run_invariant_pmd(good, 3, 1);
    assert_non_null(strstr(ev, "message s2c op=1 pkt=1 size=")); /* then inflated and preview */
    assert_non_null(strstr(ev, "inflated=17 preview=hello hello hello\n"));
    assert_non_null(strstr(ev, "message s2c op=2 pkt=3 size=4 inflated=2"));
    assert_null(strstr(ev, "invalid_utf8 pkt=1"));
    assert_non_null(strstr(ev, "ws.violation.invalid_utf8 pkt=2"));
    assert_null(strstr(ev, "bad_deflate"));
    g_free(ev);

    /* a block type of 3 is invalid DEFLATE */
    const struct step bad[] = {
        {WS_S2C, B("\xc1\x02\xff\xff"), 1, 0, 0},
        {WS_S2C, (const char *)f1, n1, 2, 0, 0},
    };
    ev = run_invariant_pmd(bad, 2, 1);
    assert_non_null(strstr(ev, "ws.violation.bad_deflate pkt=1"));
    assert_non_null(strstr(ev, "ws.inflate_stopped pkt=1"));
    /* PMD-11: bytes of a compressed message lost to a gap: degraded, never a violation */
    assert_true(n1 > 6);
    const struct step gap[] = {
        {WS_S2C, (const char *)f1, 4, 1, 0, 0},
        {WS_S2C, NULL, 2, 2, 0, 0},
        {WS_S2C, (const char *)f1 + 6, n1 - 6, 3, 0, 0},
        {WS_S2C, (const char *)f2, n2, 4, 0, 0},
    };
    char *gev = run_invariant_pmd(gap, 4, 1);
    assert_non_null(strstr(gev, "ws.inflate_stopped pkt=2"));
    assert_null(strstr(gev, "bad_deflate"));
    assert_null(strstr(gev, "invalid_utf8"));
    g_free(gev);

    /* reported once; nothing is claimed about later compressed messages */
    assert_null(strstr(strstr(ev, "bad_deflate") + 1, "bad_deflate"));
    assert_null(strstr(ev, "invalid_utf8"));
    g_free(ev);
}

/* PMD-10: a decompression bomb stops at the per-message cap, with bounded memory */
static void inflate_cap_stops_a_bomb(void **state)
{
    (void)state;
    size_t n = 4u << 20; /* 4 MiB of zeros deflate to about 4 KiB */
    uint8_t *zeros = calloc(1, n), *packed = malloc(n);
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = zeros;
    z.avail_in = (uInt)n;
    z.next_out = packed;
    z.avail_out = (uInt)n;
    assert_int_equal(deflate(&z, Z_SYNC_FLUSH), Z_OK);
    size_t plen = n - z.avail_out - 4;
    deflateEnd(&z);
    assert_true(plen < 64 * 1024);
    struct ws_inflater f;
    uint64_t seen = 0;
    ws_inflate_init(&f, 15, 0, 1u << 20); /* 1 MiB cap */
    int r = ws_inflate_feed(&f, packed, plen, count_bytes, &seen);
    assert_int_equal(r, WS_INFL_CAP);
    assert_int_equal(seen, 1u << 20); /* exactly the cap was handed out */
    ws_inflate_free(&f);
    free(zeros);
    free(packed);
}

static void incomplete_frame_at_end_is_degraded(void **state)
{
    (void)state;
    const struct step st[] = {{WS_S2C,
                               B("\x82\x05"
                                 "ab"),
                               9, 0, 0}};
    char *ev = run_invariant(st, 1);
    assert_non_null(strstr(ev, "ws.incomplete_frame pkt=9"));
    assert_non_null(strstr(ev, "frame s2c op=2 fin=1 len=5 pkt=9 complete=0"));
    g_free(ev);
}

/* A client resets the connection in the middle of a 3,000,000-byte binary frame (2,818,048
 * payload bytes sent), fed whole and byte by byte: a fact of the connection (ws.close.abnormal
 * at the RST, both applications see 1006), not a loss of the capture. The same bytes at the end
 * of a capture that saw no RST stay degraded and the status is unknown. */
static char *cut_frame(int rst, size_t chunk)
{
    struct ws_session s;
    struct log l = {g_string_new(NULL)};
    ws_session_init(&s, 0, 0, log_event, &l);
    ws_session_start(&s, 0, 0);
    static uint8_t buf[2818048 + 14];
    static const uint8_t hdr[14] = {0x82, 0xFF, 0, 0, 0, 0, 0, 0x2D, 0xC6, 0xC0, 0, 0, 0, 0};
    memcpy(buf, hdr, sizeof hdr); /* 127: 64-bit length 3,000,000; mask key 0 */
    size_t n = sizeof buf;
    for (size_t off = 0; off < n; off += chunk) {
        struct ws_seg_ctx seg = {5 + off / 65536, 0, 0, 5 + off / 65536};
        ws_session_feed(&s, WS_C2S, buf + off, off + chunk > n ? n - off : chunk, &seg);
    }
    if (rst) {
        ws_session_end_dir_how(&s, WS_C2S, WS_END_RST, 77);
        ws_session_end_dir_how(&s, WS_S2C, WS_END_RST, 77);
    }
    ws_session_end(&s, rst, 77);
    ws_session_free(&s);
    return g_string_free(l.s, FALSE);
}

static void rst_inside_a_frame_is_abnormal_not_degraded(void **state)
{
    (void)state;
    char *ev = cut_frame(1, sizeof(uint8_t[2818048 + 14])), *bytes = cut_frame(1, 4093);
    assert_string_equal(ev, bytes);
    assert_non_null(strstr(ev, "ws.close.abnormal pkt=77 (the client reset (RST) the connection "
                               "without a Close frame; the client's BINARY frame of 3000000 "
                               "bytes was cut short, 181952 bytes missing)"));
    assert_null(strstr(ev, "ws.incomplete_frame"));
    assert_non_null(strstr(ev, "status client=1006 server=1006"));
    g_free(ev);
    g_free(bytes);
    ev = cut_frame(0, 65536);
    assert_non_null(strstr(ev, "ws.incomplete_frame"));
    assert_null(strstr(ev, "ws.close.abnormal"));
    assert_non_null(strstr(ev, "status client=-1 server=-1"));
    g_free(ev);
}

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
        cmocka_unit_test(close_table_covers_every_code_once),
        cmocka_unit_test(rst_inside_a_frame_is_abnormal_not_degraded),
        cmocka_unit_test(close_1005_1006_1015_on_wire_are_reserved_code),
        cmocka_unit_test(close_invalid_and_undefined_ranges),
        cmocka_unit_test(finding_table_is_complete),
        cmocka_unit_test(tls_alert_table_decodes_registry_values),
        cmocka_unit_test(utf8_vectors_whole_and_bytewise),
        cmocka_unit_test(utf8_reports_offset_of_first_bad_byte),
        cmocka_unit_test(frame_rfc_examples),
        cmocka_unit_test(frame_length_rules),
        cmocka_unit_test(close_1003_after_binary_names_the_binary_message),
        cmocka_unit_test(close_1003_judged_by_ack_not_capture_order),
        cmocka_unit_test(close_1003_waits_for_acknowledged_bytes_captured_later),
        cmocka_unit_test(close_1003_without_peer_data_is_none_observed),
        cmocka_unit_test(close_1003_during_fragmented_message_names_first_opcode),
        cmocka_unit_test(close_1003_after_reserved_opcode),
        cmocka_unit_test(close_1003_after_gap_at_frame_boundary_is_unknown),
        cmocka_unit_test(gap_inside_payload_keeps_direction_in_sync),
        cmocka_unit_test(close_codes_on_the_wire),
        cmocka_unit_test(close_payload_rules),
        cmocka_unit_test(framing_violations),
        cmocka_unit_test(text_utf8_checked_across_fragments),
        cmocka_unit_test(pong_must_echo_ping),
        cmocka_unit_test(permessage_deflate_inflates_and_checks),
        cmocka_unit_test(inflate_cap_stops_a_bomb),
        cmocka_unit_test(incomplete_frame_at_end_is_degraded),
        cmocka_unit_test(handshake_rfc_example_accept),
        cmocka_unit_test(handshake_violations),
        cmocka_unit_test(escape_keeps_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
