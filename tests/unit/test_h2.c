/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of HTTP/2 framing (core/h2_frame.c) and of RFC 8441's WebSockets over it
 * (core/h2_ws.c). Header blocks are made with libnghttp2's HPACK deflater, the counterpart of
 * the inflater the core uses; every stream is fed whole and byte by byte, with the same events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <string.h>

#include "h2_frame.h"
#include "h2_ws.h"

/* ---------------- building HTTP/2 bytes ---------------- */

static void frame(GByteArray *b, uint8_t type, uint8_t flags, uint32_t sid, const void *p,
                  size_t n)
{
    uint8_t h[9] = {(uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, type, flags,
                    (uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid};
    g_byte_array_append(b, h, 9);
    if (n)
        g_byte_array_append(b, p, (guint)n);
}

/* an HPACK block of name/value pairs (NULL-terminated list) */
static size_t block(nghttp2_hd_deflater *d, uint8_t *out, size_t cap, const char *const *nv)
{
    nghttp2_nv v[32];
    size_t n = 0;
    for (; nv[2 * n]; n++) {
        v[n].name = (uint8_t *)nv[2 * n];
        v[n].value = (uint8_t *)nv[2 * n + 1];
        v[n].namelen = strlen(nv[2 * n]);
        v[n].valuelen = strlen(nv[2 * n + 1]);
        v[n].flags = NGHTTP2_NV_FLAG_NONE;
    }
    ssize_t r = nghttp2_hd_deflate_hd(d, out, cap, v, n);
    assert_true(r > 0);
    return (size_t)r;
}

static void headers(GByteArray *b, nghttp2_hd_deflater *d, uint32_t sid, uint8_t flags,
                    const char *const *nv)
{
    uint8_t hb[1024];
    size_t n = block(d, hb, sizeof hb, nv);
    frame(b, H2_HEADERS, flags | H2_END_HEADERS, sid, hb, n);
}

static void settings(GByteArray *b, int ecp)
{
    uint8_t p[6] = {0, H2_SET_ENABLE_CONNECT_PROTOCOL, 0, 0, 0, (uint8_t)ecp};
    frame(b, H2_SETTINGS, 0, 0, p, ecp >= 0 ? 6 : 0);
}

/* a WebSocket frame (RFC 6455 §5.2), masked with a fixed key when mask */
static void ws(GByteArray *b, uint8_t first, const char *payload, size_t n, int mask)
{
    uint8_t h[2] = {first, (uint8_t)((mask ? 0x80 : 0) | n)}, key[4] = {1, 2, 3, 4};
    g_byte_array_append(b, h, 2);
    if (mask)
        g_byte_array_append(b, key, 4);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)payload[i] ^ (mask ? key[i % 4] : 0);
        g_byte_array_append(b, &c, 1);
    }
}

/* ---------------- framing: an event log ---------------- */

struct log {
    GString *s;
};

static void log_event(void *ctx, const struct h2_event *ev)
{
    struct log *l = ctx;
    if (ev->type == H2_EV_DATA) {
        /* DATA pieces depend on the split: logged as bytes, joined by the frame event */
        g_string_append_len(l->s, (const char *)ev->data, (gssize)ev->data_len);
        return;
    }
    if (ev->type == H2_EV_STOPPED) {
        g_string_append_printf(l->s, "|stopped %d: %s", ev->dir, ev->detail);
        return;
    }
    g_string_append_printf(l->s, "|%d %s s%u f%02x len %u", ev->dir,
                           h2_frame_type_name(ev->ftype), ev->stream, ev->flags, ev->len);
    for (size_t i = 0; i < ev->nfields; i++)
        g_string_append_printf(l->s, " %s=%s", ev->fields[i].name, ev->fields[i].value);
    if (ev->ftype == H2_SETTINGS)
        g_string_append_printf(l->s, " ecp %d", ev->enable_connect);
    if (ev->ftype == H2_RST_STREAM || ev->ftype == H2_GOAWAY)
        g_string_append_printf(l->s, " err %u", ev->error_code);
}

/* the log of the two directions fed with chunks of at most step bytes, interleaved */
static char *run(const GByteArray *c2s, const GByteArray *s2c, size_t step)
{
    struct log l = {g_string_new("")};
    struct h2_conn c;
    h2_conn_init(&c, log_event, &l, 0);
    size_t a = 0, b = 0;
    while (a < c2s->len || b < s2c->len) {
        if (a < c2s->len) {
            size_t k = MIN(step, c2s->len - a);
            h2_conn_feed(&c, 0, c2s->data + a, k, 1);
            a += k;
        }
        if (b < s2c->len && a >= c2s->len) {
            size_t k = MIN(step, s2c->len - b);
            h2_conn_feed(&c, 1, s2c->data + b, k, 1);
            b += k;
        }
    }
    h2_conn_free(&c);
    return g_string_free(l.s, FALSE);
}

static void framing_any_split_same_events(void **state)
{
    (void)state;
    nghttp2_hd_deflater *dc, *ds;
    nghttp2_hd_deflate_new(&dc, 4096);
    nghttp2_hd_deflate_new(&ds, 4096);
    GByteArray *c = g_byte_array_new(), *s = g_byte_array_new();
    g_byte_array_append(c, (const uint8_t *)H2_PREFACE, H2_PREFACE_LEN);
    settings(c, -1);
    settings(s, 1);
    static const char *const req[] = {":method", "CONNECT", ":protocol", "websocket",
                                      ":scheme", "https", ":path", "/chat",
                                      ":authority", "example.test", NULL};
    headers(c, dc, 1, 0, req);
    /* the same request again: the dynamic table now holds it (indexed fields: 10 bytes
     * instead of 44) */
    headers(c, dc, 3, 0, req);
    /* a block split over HEADERS (padded, with priority) and two CONTINUATIONs */
    uint8_t hb[512], pay[600];
    static const char *const resp[] = {":status", "200", "sec-websocket-protocol", "chat", NULL};
    size_t n = block(ds, hb, sizeof hb, resp);
    pay[0] = 3; /* pad length */
    memset(pay + 1, 0, 5); /* priority */
    memcpy(pay + 6, hb, 2);
    memset(pay + 8, 0, 3);
    frame(s, H2_HEADERS, H2_PADDED | H2_PRIORITY_FLAG, 1, pay, 11);
    frame(s, H2_CONTINUATION, 0, 1, hb + 2, 1);
    frame(s, H2_CONTINUATION, H2_END_HEADERS, 1, hb + 3, n - 3);
    /* padded DATA: the padding is not data */
    uint8_t d[16] = {4, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0};
    frame(s, H2_DATA, H2_PADDED, 1, d, 10);
    frame(c, H2_DATA, H2_END_STREAM, 1, "abc", 3);
    uint8_t rst[4] = {0, 0, 0, 8};
    frame(c, H2_RST_STREAM, 0, 3, rst, 4);
    uint8_t ga[8] = {0, 0, 0, 3, 0, 0, 0, 0};
    frame(s, H2_GOAWAY, 0, 0, ga, 8);

    char *whole = run(c, s, SIZE_MAX), *bytes = run(c, s, 1), *sevens = run(c, s, 7);
    assert_string_equal(whole,
                        "|0 SETTINGS s0 f00 len 0 ecp -1"
                        "|0 HEADERS s1 f04 len 44 :method=CONNECT :protocol=websocket "
                        ":scheme=https :path=/chat :authority=example.test"
                        "|0 HEADERS s3 f04 len 10 :method=CONNECT :protocol=websocket "
                        ":scheme=https :path=/chat :authority=example.test"
                        "abc|0 DATA s1 f01 len 3|0 RST_STREAM s3 f00 len 4 err 8"
                        "|1 SETTINGS s0 f00 len 6 ecp 1"
                        "|1 HEADERS s1 f28 len 11|1 CONTINUATION s1 f00 len 1"
                        "|1 CONTINUATION s1 f04 len 19 :status=200 sec-websocket-protocol=chat"
                        "hello|1 DATA s1 f08 len 10|1 GOAWAY s0 f00 len 8 err 0");
    assert_string_equal(whole, bytes);
    assert_string_equal(whole, sevens);
    g_free(whole);
    g_free(bytes);
    g_free(sevens);
    g_byte_array_free(c, TRUE);
    g_byte_array_free(s, TRUE);
    nghttp2_hd_deflate_del(dc);
    nghttp2_hd_deflate_del(ds);
}

/* what a broken stream says, fed whole and byte by byte */
static void expect_stopped(const GByteArray *c, const char *want)
{
    GByteArray *none = g_byte_array_new();
    for (size_t step = 1; step <= 4096; step *= 4096) {
        char *got = run(c, none, step);
        assert_non_null(strstr(got, "|stopped 0: "));
        assert_non_null(strstr(got, want));
        /* said once, and nothing after it */
        assert_null(strstr(strstr(got, "|stopped") + 1, "|"));
        g_free(got);
    }
    g_byte_array_free(none, TRUE);
}

static void framing_errors_stop_the_direction(void **state)
{
    (void)state;
    GByteArray *c = g_byte_array_new();
    g_byte_array_append(c, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18);
    expect_stopped(c, "not the HTTP/2 connection preface");

    g_byte_array_set_size(c, 0);
    g_byte_array_append(c, (const uint8_t *)H2_PREFACE, H2_PREFACE_LEN);
    frame(c, H2_CONTINUATION, H2_END_HEADERS, 1, "\x82", 1);
    expect_stopped(c, "CONTINUATION frame without a header block");

    g_byte_array_set_size(c, H2_PREFACE_LEN);
    frame(c, H2_HEADERS, 0, 1, "\x82", 1); /* no END_HEADERS */
    frame(c, H2_DATA, 0, 1, "x", 1);
    expect_stopped(c, "interrupted by another frame");

    g_byte_array_set_size(c, H2_PREFACE_LEN);
    frame(c, H2_HEADERS, H2_END_HEADERS, 1, "\xff\xff\xff\xff\xff\xff", 6); /* bad index */
    expect_stopped(c, "does not decode (HPACK");

    g_byte_array_set_size(c, H2_PREFACE_LEN);
    frame(c, H2_DATA, H2_PADDED, 1, "\x09xyz", 4);
    expect_stopped(c, "padding is longer than the frame");

    g_byte_array_set_size(c, H2_PREFACE_LEN);
    uint8_t big[9] = {0x01, 0x00, 0x01, H2_SETTINGS, 0, 0, 0, 0, 0}; /* 65537 bytes */
    g_byte_array_append(c, big, 9);
    expect_stopped(c, "SETTINGS frame of 65537 bytes");
    g_byte_array_free(c, TRUE);
}

static void preface_recognised(void **state)
{
    (void)state;
    assert_int_equal(h2_looks_like_preface((const uint8_t *)H2_PREFACE, H2_PREFACE_LEN), 1);
    assert_int_equal(h2_looks_like_preface((const uint8_t *)"PRI * HT", 8), -1);
    assert_int_equal(h2_looks_like_preface((const uint8_t *)"GET / HTTP/1.1", 14), 0);
    assert_string_equal(h2_frame_type_name(H2_RST_STREAM), "RST_STREAM");
    assert_string_equal(h2_frame_type_name(42), "UNKNOWN");
    assert_string_equal(h2_error_name(8), "CANCEL");
}

/* ---------------- RFC 8441: the streams ---------------- */

struct wslog {
    GString *s;
};

static void log_ws(void *ctx, const struct h2ws_event *ev)
{
    struct wslog *l = ctx;
    uint32_t sid = ev->st ? ev->st->id : 0;
    switch (ev->type) {
    case H2WS_EV_OPEN:
        g_string_append_printf(l->s, "|open s%u %d ws %d", sid, ev->st->resp.status,
                               ev->st->ws);
        break;
    case H2WS_EV_FINDING:
        g_string_append_printf(l->s, "|s%u %s @%llu", sid, wsa_finding_info(ev->finding)->id,
                               (unsigned long long)ev->pkt);
        break;
    case H2WS_EV_END:
        g_string_append_printf(l->s, "|end s%u %s", sid, ev->how);
        break;
    case H2WS_EV_WS:
        if (ev->ws->type == WS_EV_FRAME || ev->ws->type == WS_EV_CLOSE)
            g_string_append_printf(l->s, "|s%u %s op%u @%llu", sid,
                                   ev->ws->dir == WS_C2S ? "c2s" : "s2c", ev->ws->hdr->opcode,
                                   (unsigned long long)ev->ws->pkt);
        else if (ev->ws->type == WS_EV_FINDING)
            g_string_append_printf(l->s, "|s%u %s @%llu", sid,
                                   wsa_finding_info(ev->ws->finding)->id,
                                   (unsigned long long)ev->ws->pkt);
        else if (ev->ws->type == WS_EV_STATUS)
            g_string_append_printf(l->s, "|s%u saw %d/%d", sid, ev->ws->status->seen[WS_S2C],
                                   ev->ws->status->seen[WS_C2S]);
        break;
    }
}

static const struct h2_field req_ok[] = {
    {":method", "CONNECT", 7, 7}, {":protocol", "websocket", 9, 9}, {":scheme", "https", 7, 5},
    {":path", "/chat", 5, 5},     {":authority", "a.test", 10, 6}};
static const struct h2_field resp_200[] = {{":status", "200", 7, 3}};

/* feed DATA in pieces of step bytes */
static void data(struct h2ws *h, int dir, uint32_t sid, const GByteArray *b, size_t step,
                 uint64_t pkt)
{
    struct ws_seg_ctx seg = {pkt, 0, 0, pkt};
    for (size_t i = 0; i < b->len; i += step)
        h2ws_data(h, dir, sid, b->data + i, MIN(step, b->len - i), &seg);
}

static char *rfc8441_conversation(size_t step)
{
    struct wslog l = {g_string_new("")};
    struct h2ws h;
    h2ws_init(&h, log_ws, &l, 0);
    /* stream 1 before the server's setting; then the setting */
    h2ws_headers(&h, WS_C2S, 1, req_ok, 5, 1);
    h2ws_settings(&h, WS_S2C, 1, 2);
    h2ws_headers(&h, WS_S2C, 1, resp_200, 1, 3);
    GByteArray *b = g_byte_array_new();
    ws(b, 0x81, "hi", 2, 1);
    ws(b, 0x82, "\x01\x02", 2, 1);
    data(&h, WS_C2S, 1, b, step, 4);
    g_byte_array_set_size(b, 0);
    ws(b, 0x88, "\x03\xebtext only", 11, 0);
    data(&h, WS_S2C, 1, b, step, 5);
    g_byte_array_set_size(b, 0);
    ws(b, 0x88, "\x03\xeb", 2, 1);
    data(&h, WS_C2S, 1, b, step, 6);
    h2ws_end_stream(&h, WS_S2C, 1, 7);
    h2ws_end_stream(&h, WS_C2S, 1, 8);
    /* stream 3: no :path, a key; refused with 400 */
    static const struct h2_field bad[] = {{":method", "CONNECT", 7, 7},
                                          {":protocol", "websocket", 9, 9},
                                          {"sec-websocket-key", "x", 17, 1}};
    h2ws_headers(&h, WS_C2S, 3, bad, 3, 9);
    static const struct h2_field r400[] = {{":status", "400", 7, 3}};
    h2ws_headers(&h, WS_S2C, 3, r400, 1, 10);
    h2ws_end_stream(&h, WS_S2C, 3, 10);
    /* stream 5: reset in the middle of a message; stream 7: END_STREAM without a Close */
    h2ws_headers(&h, WS_C2S, 5, req_ok, 5, 11);
    h2ws_headers(&h, WS_S2C, 5, resp_200, 1, 12);
    g_byte_array_set_size(b, 0);
    ws(b, 0x01, "part", 4, 1);
    data(&h, WS_C2S, 5, b, step, 13);
    h2ws_reset(&h, WS_C2S, 5, 8, 14);
    h2ws_headers(&h, WS_C2S, 7, req_ok, 5, 15);
    h2ws_headers(&h, WS_S2C, 7, resp_200, 1, 16);
    h2ws_end_stream(&h, WS_C2S, 7, 17);
    /* stream 9: reset instead of an answer; stream 11: still open when the connection ends */
    h2ws_headers(&h, WS_C2S, 9, req_ok, 5, 18);
    h2ws_reset(&h, WS_S2C, 9, 1, 19);
    h2ws_headers(&h, WS_C2S, 11, req_ok, 5, 20);
    h2ws_headers(&h, WS_S2C, 11, resp_200, 1, 21);
    /* the TCP connection ends: the server's FIN, then the client's */
    h2ws_tcp_end_dir(&h, WS_S2C, WS_END_FIN, 22);
    h2ws_tcp_end_dir(&h, WS_C2S, WS_END_FIN, 23);
    h2ws_end(&h, 1, 23);
    g_byte_array_free(b, TRUE);
    h2ws_free(&h);
    return g_string_free(l.s, FALSE);
}

static void rfc8441_streams_and_rules(void **state)
{
    (void)state;
    char *whole = rfc8441_conversation(SIZE_MAX);
    assert_string_equal(
        whole,
        "|open s1 200 ws 1|s1 h2.ws.connect_before_setting @1"
        "|s1 c2s op1 @4|s1 c2s op2 @4|s1 s2c op8 @5|s1 ws.close.unsupported_data @5"
        "|s1 c2s op8 @6|s1 ws.close.unsupported_data @6|s1 saw 1003/1003|end s1 close_handshake"
        "|open s3 400 ws 0|s3 h2.ws.connect_pseudo_headers @9|s3 h2.ws.sec_websocket_key @9"
        "|s3 ws.upgrade_refused @10|end s3 end_stream"
        "|open s5 200 ws 1|s5 c2s op1 @13|s5 h2.ws.stream_reset @14"
        "|s5 ws.close.abnormal @14|s5 saw 1006/1006|end s5 rst_stream"
        "|open s7 200 ws 1|s7 h2.ws.end_stream_without_close @17"
        "|open s9 0 ws 0|s9 ws.upgrade_refused @19|end s9 rst_stream"
        "|open s11 200 ws 1|s7 ws.close.abnormal @17|s7 saw 1006/1006|end s7 connection_end"
        "|s11 ws.close.abnormal @22|s11 saw 1006/1006|end s11 connection_end");
    for (size_t step = 1; step <= 3; step++) {
        char *s = rfc8441_conversation(step);
        assert_string_equal(whole, s);
        g_free(s);
    }
    g_free(whole);
}

/* HTTP/2 lets a client send DATA, and even end its side, before the answer: decoded after it */
static void early_data_decoded_after_the_answer(void **state)
{
    (void)state;
    for (size_t step = 1; step <= 64; step *= 64) {
        struct wslog l = {g_string_new("")};
        struct h2ws h;
        h2ws_init(&h, log_ws, &l, 0);
        h2ws_settings(&h, WS_S2C, 1, 1);
        h2ws_headers(&h, WS_C2S, 1, req_ok, 5, 2);
        GByteArray *b = g_byte_array_new();
        ws(b, 0x82, "\x01\x02", 2, 1);
        ws(b, 0x88, "\x03\xe8", 2, 1);
        data(&h, WS_C2S, 1, b, step, 3);
        h2ws_end_stream(&h, WS_C2S, 1, 4);
        h2ws_headers(&h, WS_S2C, 1, resp_200, 1, 5);
        g_byte_array_set_size(b, 0);
        ws(b, 0x88, "\x03\xe8", 2, 0);
        data(&h, WS_S2C, 1, b, step, 6);
        h2ws_end_stream(&h, WS_S2C, 1, 6);
        /* a refused one: its early bytes are not WebSocket */
        h2ws_headers(&h, WS_C2S, 3, req_ok, 5, 7);
        data(&h, WS_C2S, 3, b, step, 7);
        static const struct h2_field r403[] = {{":status", "403", 7, 3}};
        h2ws_headers(&h, WS_S2C, 3, r403, 1, 8);
        h2ws_end(&h, 1, 9);
        assert_string_equal(l.s->str,
                            "|open s1 200 ws 1|s1 c2s op2 @3|s1 c2s op8 @3|s1 s2c op8 @6"
                            "|s1 saw 1000/1000|end s1 close_handshake"
                            "|open s3 403 ws 0|s3 ws.upgrade_refused @8|end s3 connection_end");
        g_string_free(l.s, TRUE);
        g_byte_array_free(b, TRUE);
        h2ws_free(&h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(framing_any_split_same_events),
        cmocka_unit_test(framing_errors_stop_the_direction),
        cmocka_unit_test(preface_recognised),
        cmocka_unit_test(rfc8441_streams_and_rules),
        cmocka_unit_test(early_data_decoded_after_the_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
