/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the WebSocket session (core/ws_session.c, with core/ws_inflate.c): every stream-level test
 * feeds its input whole, one byte at a time and split at every position, and requires identical
 * events (segmentation invariance, DESIGN.md "Core API shape").
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

/* messages reported in full (ws_session_hash_messages): previews kept, as with --payload */
static int report_messages = 1;

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
    ws_session_hash_messages(&s, report_messages);
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
    /* messages not asked for (no --payload): no preview is kept, the rest is the same */
    report_messages = 0;
    char *quiet = run_invariant_pmd(good, 3, 1);
    report_messages = 1;
    assert_non_null(strstr(quiet, "inflated=17 preview=\n"));
    assert_non_null(strstr(quiet, "ws.violation.invalid_utf8 pkt=2"));
    g_free(quiet);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rst_inside_a_frame_is_abnormal_not_degraded),
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
