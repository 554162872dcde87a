/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * h2_ws.c - RFC 8441: the extended CONNECT streams of an HTTP/2 connection that carry
 * WebSockets, each fed to the same RFC 6455 session as every other WebSocket.
 */
#include "h2_ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *h2_error_name(uint32_t code)
{
    static const char *const names[] = {
        "NO_ERROR",       "PROTOCOL_ERROR", "INTERNAL_ERROR",      "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR",   "REFUSED_STREAM",
        "CANCEL",         "COMPRESSION_ERROR", "CONNECT_ERROR",    "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"};
    return code < sizeof names / sizeof *names ? names[code] : "unknown";
}

struct early_piece {
    struct ws_seg_ctx seg;
    size_t len;
};

static void early_free(struct h2ws_stream *st)
{
    if (st->early)
        g_byte_array_free(st->early, TRUE);
    if (st->early_seg)
        g_array_free(st->early_seg, TRUE);
    st->early = NULL;
    st->early_seg = NULL;
}

static void stream_free(gpointer p)
{
    struct h2ws_stream *st = p;
    if (st->ws)
        ws_session_free(&st->sess);
    early_free(st);
    free(st);
}

void h2ws_init(struct h2ws *h, h2ws_fn cb, void *ctx, int hash_messages)
{
    memset(h, 0, sizeof *h);
    h->streams = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, stream_free);
    h->cb = cb;
    h->ctx = ctx;
    h->hash_messages = hash_messages;
}

void h2ws_free(struct h2ws *h)
{
    if (h->streams)
        g_hash_table_destroy(h->streams);
    h->streams = NULL;
}

size_t h2ws_heap(const struct h2ws *h)
{
    size_t n = 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, h->streams);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct h2ws_stream *st = v;
        n += sizeof *st + (st->ws ? ws_session_heap(&st->sess) : 0) +
             (st->early ? st->early->len : 0);
    }
    return n;
}

static void finding(struct h2ws *h, struct h2ws_stream *st, uint64_t pkt, enum wsa_finding_id id,
                    const char *detail)
{
    struct h2ws_event ev = {.type = H2WS_EV_FINDING, .st = st, .pkt = pkt, .finding = id,
                            .detail = detail};
    h->cb(h->ctx, &ev);
}

/* a finding about the request: told after the stream's conn record (its answer) */
static void hold(struct h2ws_stream *st, uint64_t pkt, enum wsa_finding_id id, const char *detail)
{
    if (st->nheld >= H2WS_HELD)
        return;
    st->held[st->nheld].id = id;
    st->held[st->nheld].pkt = pkt;
    snprintf(st->held[st->nheld].detail, sizeof st->held[0].detail, "%s", detail);
    st->nheld++;
}

void h2ws_settings(struct h2ws *h, int dir, int enable_connect, uint64_t pkt)
{
    (void)pkt;
    if (dir == WS_S2C && enable_connect >= 0)
        h->server_ecp = enable_connect == 1;
}

/* a copy of a field's value in the stream's strings, as a slice */
static struct ws_slice keep(struct h2ws_stream *st, const struct h2_field *f)
{
    struct ws_slice s = {NULL, 0};
    size_t room = sizeof st->strings - st->used;
    if (f->vlen + 1 > room)
        return s;
    memcpy(st->strings + st->used, f->value, f->vlen);
    st->strings[st->used + f->vlen] = 0;
    s.p = st->strings + st->used;
    s.len = f->vlen;
    st->used += f->vlen + 1;
    return s;
}

static int named(const struct h2_field *f, const char *name)
{
    return f->nlen == strlen(name) && memcmp(f->name, name, f->nlen) == 0;
}

static const struct h2_field *field(const struct h2_field *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (named(&f[i], name))
            return &f[i];
    return NULL;
}

/* the fields of one message that RFC 6455 and RFC 8441 speak of, into a ws_http_msg */
static void message_of(struct h2ws_stream *st, struct ws_http_msg *m, const struct h2_field *f,
                       size_t n)
{
    memset(m, 0, sizeof *m);
    m->http_major = 2;
    for (size_t i = 0; i < n; i++) {
        const struct h2_field *x = &f[i];
        if (named(x, ":method"))
            m->method = keep(st, x);
        else if (named(x, ":path"))
            m->target = keep(st, x);
        else if (named(x, ":authority"))
            m->host = keep(st, x);
        else if (named(x, ":protocol"))
            m->upgrade = keep(st, x);
        else if (named(x, ":status"))
            m->status = atoi(x->value);
        else if (named(x, "sec-websocket-version"))
            m->version = keep(st, x);
        else if (named(x, "sec-websocket-key"))
            m->key = keep(st, x), m->n_key++;
        else if (named(x, "sec-websocket-protocol") && !m->n_protocol++)
            m->protocol = keep(st, x);
        else if (named(x, "sec-websocket-extensions") && !m->n_extensions++)
            m->extensions = keep(st, x);
    }
}

/* An extended CONNECT: checked against RFC 8441 §4 and §5, kept for its answer. */
static void request(struct h2ws *h, uint32_t stream, const struct h2_field *f, size_t n,
                    uint64_t pkt)
{
    if (g_hash_table_size(h->streams) >= H2WS_STREAMS_MAX) {
        if (!h->over_limit_said) {
            h->over_limit_said = 1;
            char d[160];
            snprintf(d, sizeof d, "more than %d extended CONNECT streams open at once; stream "
                     "%u and later ones beyond the limit are not followed",
                     H2WS_STREAMS_MAX, stream);
            finding(h, NULL, pkt, F_D_H2_STOPPED, d);
        }
        return;
    }
    struct h2ws_stream *st = calloc(1, sizeof *st);
    if (!st)
        return;
    st->h = h;
    st->id = stream;
    st->req_pkt = st->last_pkt = pkt;
    st->req_ns = st->last_ns = h->now_ns;
    message_of(st, &st->req, f, n);
    g_hash_table_replace(h->streams, GUINT_TO_POINTER(stream), st);
    char d[200];
    if (!h->server_ecp) {
        snprintf(d, sizeof d, "stream %u: extended CONNECT (:protocol websocket) sent before the "
                 "server's SETTINGS_ENABLE_CONNECT_PROTOCOL = 1", stream);
        hold(st, pkt, F_H2_CONNECT_BEFORE_SETTING, d);
    }
    if (!field(f, n, ":scheme") || !field(f, n, ":path")) {
        snprintf(d, sizeof d, "stream %u: extended CONNECT without %s", stream,
                 !field(f, n, ":scheme") && !field(f, n, ":path") ? ":scheme and :path"
                 : !field(f, n, ":scheme")                       ? ":scheme"
                                                                 : ":path");
        hold(st, pkt, F_H2_CONNECT_PSEUDO, d);
    }
    if (st->req.key.p) {
        snprintf(d, sizeof d, "stream %u: Sec-WebSocket-Key sent in an extended CONNECT", stream);
        hold(st, pkt, F_H2_WS_KEY, d);
    }
}

static void on_ws(void *ctx, const struct ws_event *wev)
{
    struct h2ws_stream *st = ctx;
    struct h2ws_event ev = {.type = H2WS_EV_WS, .st = st, .pkt = wev->pkt, .ws = wev};
    st->h->cb(st->h->ctx, &ev);
}

void h2ws_end_stream(struct h2ws *h, int dir, uint32_t stream, uint64_t pkt);

static void count_data(struct h2ws *h, struct h2ws_stream *st, int dir, size_t n,
                       const struct ws_seg_ctx *seg)
{
    st->bytes[dir] += n;
    if (st->data_pkt[dir] != seg->pkt)
        st->pkts[dir]++, st->data_pkt[dir] = seg->pkt;
    st->last_pkt = seg->pkt > st->last_pkt ? seg->pkt : st->last_pkt;
    st->last_ns = h->now_ns;
}

/* the client's DATA kept until the answer: to the new session in order, or dropped */
static void feed_early(struct h2ws *h, struct h2ws_stream *st)
{
    if (st->ws && st->early) {
        size_t at = 0;
        for (guint i = 0; i < st->early_seg->len; i++) {
            const struct early_piece *e = &g_array_index(st->early_seg, struct early_piece, i);
            count_data(h, st, WS_C2S, e->len, &e->seg);
            ws_session_feed(&st->sess, WS_C2S, st->early->data + at, e->len, &e->seg);
            at += e->len;
        }
        if (st->early_lost)
            ws_session_gap(&st->sess, WS_C2S, st->early_lost, st->resp_pkt);
    }
    early_free(st);
}

static void keep_early(struct h2ws_stream *st, const uint8_t *p, size_t n,
                       const struct ws_seg_ctx *seg)
{
    if (!st->early) {
        st->early = g_byte_array_new();
        st->early_seg = g_array_new(FALSE, FALSE, sizeof(struct early_piece));
    }
    if (st->early_lost) { /* past the limit: a hole from there on */
        st->early_lost += n;
        return;
    }
    size_t room = H2WS_EARLY_MAX - st->early->len, k = n < room ? n : room;
    st->early_lost = n - k;
    if (!k)
        return;
    struct early_piece e = {*seg, k};
    g_byte_array_append(st->early, p, (guint)k);
    g_array_append_val(st->early_seg, e);
}

/* the answer: OPEN, then the request's findings, then the session (with what the client sent
 * before it) */
static void answer(struct h2ws *h, struct h2ws_stream *st, const struct h2_field *f, size_t n,
                   uint64_t pkt)
{
    message_of(st, &st->resp, f, n);
    if (st->resp.status >= 100 && st->resp.status < 200)
        return; /* informational: the answer is still to come */
    st->answered = 1;
    st->resp_pkt = st->last_pkt = pkt;
    st->last_ns = h->now_ns;
    st->resp.is_response = 1;
    memset(&st->res, 0, sizeof st->res);
    st->res.upgraded = st->resp.status >= 200 && st->resp.status < 300;
    if (st->res.upgraded) {
        ws_handshake_negotiated(&st->req, &st->resp, &st->res);
        ws_session_init_upgraded(&st->sess, &st->res, on_ws, st, 0, 0);
        st->sess.over_h2 = 1;
        ws_session_hash_messages(&st->sess, h->hash_messages);
        st->ws = 1;
        h->ws_streams++;
    }
    struct h2ws_event ev = {.type = H2WS_EV_OPEN, .st = st, .pkt = pkt};
    h->cb(h->ctx, &ev);
    for (unsigned i = 0; i < st->nheld; i++)
        finding(h, st, st->held[i].pkt, st->held[i].id, st->held[i].detail);
    st->nheld = 0;
    for (unsigned i = 0; i < st->res.n_findings; i++)
        finding(h, st, pkt, (enum wsa_finding_id)st->res.findings[i], "");
    if (!st->res.upgraded) {
        char d[96];
        snprintf(d, sizeof d, "stream %u: status %d", st->id, st->resp.status);
        finding(h, st, pkt, F_UPGRADE_REFUSED, d);
    }
    feed_early(h, st);
    if (st->early_end) /* the client had ended its side before the answer */
        h2ws_end_stream(h, WS_C2S, st->id, st->early_end);
}

void h2ws_headers(struct h2ws *h, int dir, uint32_t stream, const struct h2_field *f, size_t n,
                  uint64_t pkt)
{
    struct h2ws_stream *st = g_hash_table_lookup(h->streams, GUINT_TO_POINTER(stream));
    if (dir == WS_C2S && !st) {
        const struct h2_field *m = field(f, n, ":method"), *p = field(f, n, ":protocol");
        if (m && p && strcmp(m->value, "CONNECT") == 0 &&
            g_ascii_strcasecmp(p->value, "websocket") == 0)
            request(h, stream, f, n, pkt);
    } else if (dir == WS_S2C && st && !st->answered) {
        answer(h, st, f, n, pkt);
    }
}

void h2ws_data(struct h2ws *h, int dir, uint32_t stream, const uint8_t *p, size_t n,
               const struct ws_seg_ctx *seg)
{
    struct h2ws_stream *st = g_hash_table_lookup(h->streams, GUINT_TO_POINTER(stream));
    if (st && !st->answered && dir == WS_C2S && n) {
        keep_early(st, p, n, seg); /* before the answer: kept for it */
        return;
    }
    if (!st || !st->ws || st->finished)
        return;
    count_data(h, st, dir, n, seg);
    ws_session_feed(&st->sess, dir, p, n, seg);
}

/* The stream is over both ways (or the connection is): the session's verdict, then END. */
static void finish(struct h2ws *h, struct h2ws_stream *st, int by_tcp, const char *how,
                   uint64_t pkt)
{
    if (st->finished)
        return;
    st->finished = 1;
    st->last_pkt = pkt > st->last_pkt ? pkt : st->last_pkt;
    st->last_ns = h->now_ns;
    if (st->ws)
        ws_session_end(&st->sess, by_tcp, pkt);
    if (st->ws && ws_session_closing_handshake(&st->sess) && strcmp(how, "rst_stream") != 0)
        how = "close_handshake";
    if (st->answered) {
        struct h2ws_event ev = {.type = H2WS_EV_END, .st = st, .pkt = pkt, .how = how};
        h->cb(h->ctx, &ev);
    }
}

static void drop(struct h2ws *h, struct h2ws_stream *st)
{
    g_hash_table_remove(h->streams, GUINT_TO_POINTER(st->id));
}

void h2ws_end_stream(struct h2ws *h, int dir, uint32_t stream, uint64_t pkt)
{
    struct h2ws_stream *st = g_hash_table_lookup(h->streams, GUINT_TO_POINTER(stream));
    if (!st || st->ended[dir])
        return;
    if (!st->answered && dir == WS_C2S) { /* told once the answer says what the stream is */
        st->early_end = pkt;
        return;
    }
    st->ended[dir] = 1;
    if (st->ws) {
        const struct ws_dir *d = &st->sess.d[dir];
        if (!d->close_sent && !d->stopped) {
            char det[160];
            snprintf(det, sizeof det,
                     "stream %u: the %s ended the stream (END_STREAM) without sending a Close",
                     stream, wsa_side(dir));
            finding(h, st, pkt, F_H2_END_WITHOUT_CLOSE, det);
        }
        ws_session_end_dir_how(&st->sess, dir, WS_END_FIN, pkt);
    }
    if (st->ended[!dir] || !st->ws) {
        finish(h, st, 1, "end_stream", pkt);
        drop(h, st);
    }
}

void h2ws_reset(struct h2ws *h, int dir, uint32_t stream, uint32_t code, uint64_t pkt)
{
    struct h2ws_stream *st = g_hash_table_lookup(h->streams, GUINT_TO_POINTER(stream));
    if (!st)
        return;
    char det[200];
    if (!st->answered) {
        /* refused with a reset instead of an answer: told as a refused upgrade */
        st->answered = 1;
        st->resp_pkt = pkt;
        st->resp.is_response = 1;
        struct h2ws_event ev = {.type = H2WS_EV_OPEN, .st = st, .pkt = pkt};
        h->cb(h->ctx, &ev);
        for (unsigned i = 0; i < st->nheld; i++)
            finding(h, st, st->held[i].pkt, st->held[i].id, st->held[i].detail);
        snprintf(det, sizeof det, "stream %u: the %s reset the stream (RST_STREAM %s) instead "
                 "of answering the extended CONNECT", stream, wsa_side(dir), h2_error_name(code));
        finding(h, st, pkt, F_UPGRADE_REFUSED, det);
    } else if (st->ws && !st->finished) {
        for (int i = 0; i < 2; i++) {
            const struct ws_dir *d = &st->sess.d[i];
            if (d->in_msg || d->frame_started) {
                snprintf(det, sizeof det, "stream %u: the %s reset the stream (RST_STREAM %s) "
                         "while the %s's message was incomplete",
                         stream, wsa_side(dir), h2_error_name(code), wsa_side(i));
                finding(h, st, pkt, F_H2_RESET_MID_MESSAGE, det);
                break;
            }
        }
        for (int i = 0; i < 2; i++)
            if (!st->ended[i])
                ws_session_end_dir_how(&st->sess, i, WS_END_RST, pkt);
    }
    finish(h, st, 1, "rst_stream", pkt);
    drop(h, st);
}

static gint by_id(gconstpointer a, gconstpointer b)
{
    uint32_t x = (*(struct h2ws_stream *const *)a)->id, y = (*(struct h2ws_stream *const *)b)->id;
    return x < y ? -1 : x > y;
}

/* the streams kept, in stream order (records must not depend on the hash table's order) */
static GPtrArray *streams_in_order(struct h2ws *h)
{
    GPtrArray *open = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, h->streams);
    while (g_hash_table_iter_next(&it, &k, &v))
        g_ptr_array_add(open, v);
    g_ptr_array_sort(open, by_id);
    return open;
}

void h2ws_gap(struct h2ws *h, int dir, uint64_t pkt)
{
    GPtrArray *open = streams_in_order(h);
    for (guint i = 0; i < open->len; i++) {
        struct h2ws_stream *st = g_ptr_array_index(open, i);
        if (st->ws && !st->finished)
            ws_session_gap(&st->sess, dir, WS_GAP_UNKNOWN, pkt);
    }
    g_ptr_array_free(open, TRUE);
}

void h2ws_tcp_end_dir(struct h2ws *h, int dir, enum ws_end_how how, uint64_t pkt)
{
    GPtrArray *open = streams_in_order(h);
    for (guint i = 0; i < open->len; i++) {
        struct h2ws_stream *st = g_ptr_array_index(open, i);
        if (st->ws && !st->finished && !st->ended[dir]) {
            st->ended[dir] = 1;
            ws_session_end_dir_how(&st->sess, dir, how, pkt);
        }
    }
    g_ptr_array_free(open, TRUE);
}

void h2ws_end(struct h2ws *h, int by_tcp, uint64_t pkt)
{
    GPtrArray *open = streams_in_order(h);
    for (guint i = 0; i < open->len; i++) {
        struct h2ws_stream *st = g_ptr_array_index(open, i);
        if (st->ws && !st->finished)
            for (int d = 0; d < 2; d++)
                if (!st->ended[d])
                    ws_session_end_dir(&st->sess, d, pkt);
        finish(h, st, by_tcp, "connection_end", pkt);
    }
    g_ptr_array_free(open, TRUE);
    g_hash_table_remove_all(h->streams);
}
