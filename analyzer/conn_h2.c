/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn_h2.c - an HTTP/2 flow: bytes to frames (core/h2_frame.c), frames to RFC 8441 streams
 * (core/h2_ws.c), and their verdicts to the report.
 */
#include "conn_h2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/h2_frame.h"
#include "../core/h2_ws.h"
#include "../core/tls_session.h"
#include "flow.h"
#include "oom.h"

/* a WebSocket stream's own view: the connection's, naming the stream, with its own counts */
struct stream_view {
    struct conn_view view;
    uint64_t sev[4];
};

struct h2link {
    struct analyzer *an;
    struct conn_view view;
    struct h2_conn fr;
    struct h2ws ws;
    uint64_t cur_pkt;
    const char *end_how;
    const struct tls_session *tls;
};

static void on_stream(void *ctx, const struct h2ws_event *ev);

static void frame_record(struct h2link *h, const struct h2_event *ev)
{
    if (h->an->rep->show_h2_frames)
        report_h2_frame(h->an->rep, &h->view, ev);
}

static void on_frame(void *ctx, const struct h2_event *ev)
{
    struct h2link *h = ctx;
    struct report *rep = h->an->rep;
    h->ws.now_ns = rep->now_ns;
    if (ev->type == H2_EV_DATA) {
        struct ws_seg_ctx seg = {ev->pkt, 0, 0, h->cur_pkt > ev->pkt ? h->cur_pkt : ev->pkt};
        h2ws_data(&h->ws, ev->dir, ev->stream, ev->data, ev->data_len, &seg);
        return;
    }
    if (ev->type == H2_EV_STOPPED) {
        char d[320];
        snprintf(d, sizeof d, "%s: %s", wsa_side(ev->dir), ev->detail);
        report_finding(rep, &h->view, h->an->file, ev->pkt, F_D_H2_STOPPED, d);
        h2ws_gap(&h->ws, ev->dir, ev->pkt);
        return;
    }
    frame_record(h, ev);
    switch (ev->ftype) {
    case H2_SETTINGS:
        h2ws_settings(&h->ws, ev->dir, ev->enable_connect, ev->pkt_end);
        break;
    case H2_HEADERS:
    case H2_CONTINUATION:
        if (!ev->block_done || ev->block_type != H2_HEADERS)
            break; /* the block is told by the frame that completes it */
        h2ws_headers(&h->ws, ev->dir, ev->stream, ev->fields, ev->nfields, ev->pkt_end);
        if (ev->block_flags & H2_END_STREAM)
            h2ws_end_stream(&h->ws, ev->dir, ev->stream, ev->pkt_end);
        break;
    case H2_DATA:
        if (ev->flags & H2_END_STREAM)
            h2ws_end_stream(&h->ws, ev->dir, ev->stream, ev->pkt_end);
        break;
    case H2_RST_STREAM:
        h2ws_reset(&h->ws, ev->dir, ev->stream, ev->error_code, ev->pkt_end);
        break;
    default:
        break;
    }
}

struct h2link *h2link_new(struct analyzer *an, const struct conn_view *view,
                          const struct tls_session *tls, int preface_seen)
{
    struct h2link *h = oom_check(calloc(1, sizeof *h), "an HTTP/2 connection");
    h->an = an;
    h->tls = tls;
    h->view = *view;
    h2_conn_init(&h->fr, on_frame, h, preface_seen);
    h2ws_init(&h->ws, on_stream, h, an->rep->show_payload);
    return h;
}

/* ---- the streams' verdicts ---- */

static void stream_open(struct h2link *h, struct h2ws_stream *st)
{
    struct stream_view *sv = oom_check(calloc(1, sizeof *sv), "an HTTP/2 WebSocket stream");
    sv->view = h->view;
    sv->view.stream = st->id;
    sv->view.by_severity = sv->sev;
    sv->view.start_ns = st->req_ns;
    st->user = sv;
    struct handshake_view hv = {st->req_pkt, st->resp_pkt, &st->req, &st->resp, &st->res};
    report_conn(h->an->rep, &sv->view, &hv, 0);
}

static void stream_end(struct h2link *h, struct h2ws_stream *st, const char *how)
{
    struct stream_view *sv = st->user;
    if (!sv)
        return;
    if (!st->ws) { /* a refused upgrade: its conn record and findings, no end (as HTTP/1.1) */
        free(sv);
        st->user = NULL;
        return;
    }
    struct end_view e;
    memset(&e, 0, sizeof e);
    e.h2_streams = -1;
    e.pkt = st->last_pkt;
    e.end_ns = st->last_ns;
    for (int i = 0; i < 2; i++) {
        e.pkts[i] = st->pkts[i];
        e.bytes[i] = st->bytes[i];
    }
    end_view_websocket(&e, &st->sess);
    if (h->tls)
        e.tls = tls_outcome_name(h->tls->hs.outcome);
    e.how = strcmp(how, "connection_end") == 0 && h->end_how ? h->end_how : how;
    report_end(h->an->rep, &sv->view, &e);
    free(sv);
    st->user = NULL;
}

static void on_stream(void *ctx, const struct h2ws_event *ev)
{
    struct h2link *h = ctx;
    struct report *rep = h->an->rep;
    struct stream_view *sv = ev->st ? ev->st->user : NULL;
    switch (ev->type) {
    case H2WS_EV_OPEN:
        stream_open(h, ev->st);
        break;
    case H2WS_EV_WS:
        if (sv)
            report_ws_event(rep, &sv->view, ev->ws);
        break;
    case H2WS_EV_FINDING:
        report_finding(rep, sv ? &sv->view : &h->view, h->an->file, ev->pkt, ev->finding,
                       ev->detail);
        break;
    case H2WS_EV_END:
        stream_end(h, ev->st, ev->how);
        break;
    }
}

void h2link_feed(struct h2link *h, int dir, const uint8_t *data, size_t len, uint64_t pkt,
                 uint64_t cur_pkt)
{
    h->cur_pkt = cur_pkt;
    h2_conn_feed(&h->fr, dir, data, len, pkt);
}

void h2link_gap(struct h2link *h, int dir, uint64_t pkt)
{
    h2_conn_gap(&h->fr, dir, pkt);
}

void h2link_side_end(struct h2link *h, int dir, enum ws_end_how how, uint64_t pkt)
{
    h->ws.now_ns = h->an->rep->now_ns;
    h2ws_tcp_end_dir(&h->ws, dir, how, pkt);
}

void h2link_end(struct h2link *h, int by_tcp, uint64_t pkt, const char *how)
{
    h->end_how = how;
    h->ws.now_ns = h->an->rep->now_ns;
    h2ws_end(&h->ws, by_tcp, pkt);
}

void h2link_free(struct h2link *h)
{
    if (!h)
        return;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, h->ws.streams);
    while (g_hash_table_iter_next(&it, &k, &v))
        free(((struct h2ws_stream *)v)->user);
    h2ws_free(&h->ws);
    h2_conn_free(&h->fr);
    free(h);
}

size_t h2link_heap(const struct h2link *h)
{
    return sizeof *h + h2_conn_heap(&h->fr) + h2ws_heap(&h->ws);
}

uint64_t h2link_ws_streams(const struct h2link *h)
{
    return h->ws.ws_streams;
}
