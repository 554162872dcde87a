/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: an HTTP/2 connection (framing, HPACK through libnghttp2, RFC 8441's
 * WebSocket streams and the RFC 6455 sessions inside them) fed arbitrary bytes, as the
 * analyzer feeds it. The first byte chooses the options (bit 0: the client's preface was
 * already taken, as after "Upgrade: h2c"); the rest is cut into chunks as chunks.h says (a gap
 * stops that direction, as lost bytes do).
 * Invariant: the same input fed again one byte per call gives exactly the same frames, header
 * fields, stream verdicts and WebSocket events; the DATA bytes handed out are the same (their
 * pieces depend on the cut, so they are compared as a hash per direction).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunks.h"
#include "h2_frame.h"
#include "h2_ws.h"

#define MAX_EVENTS 4096

struct rec {
    int kind, a, b, c;
    uint64_t pkt, x;
    uint32_t hash;
};

struct ev_log {
    struct rec ev[MAX_EVENTS];
    size_t n, dropped;
    uint32_t data_hash[2];
    struct h2ws ws;
};

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static void add(struct ev_log *log, int kind, int a, int b, int c, uint64_t pkt, uint64_t x,
                uint32_t hash)
{
    if (log->n == MAX_EVENTS) {
        log->dropped++;
        return;
    }
    struct rec *r = &log->ev[log->n++];
    memset(r, 0, sizeof *r); /* the padding too: records are compared with memcmp */
    r->kind = kind;
    r->a = a;
    r->b = b;
    r->c = c;
    r->pkt = pkt;
    r->x = x;
    r->hash = hash;
}

static void on_stream(void *ctx, const struct h2ws_event *ev)
{
    struct ev_log *log = ctx;
    uint32_t sid = ev->st ? ev->st->id : 0;
    const struct ws_event *w = ev->ws;
    uint32_t h = 2166136261u;
    if (ev->detail)
        h = fnv(h, ev->detail, strlen(ev->detail));
    if (ev->how)
        h = fnv(h, ev->how, strlen(ev->how));
    if (w) {
        if (w->detail)
            h = fnv(h, w->detail, strlen(w->detail));
        add(log, 100 + (int)w->type, (int)sid, w->dir, w->hdr ? w->hdr->opcode : -1, w->pkt,
            w->type == WS_EV_FINDING ? (uint64_t)w->finding : w->code, h);
        return;
    }
    add(log, (int)ev->type, (int)sid, 0, (int)ev->finding, ev->pkt, 0, h);
}

static void on_frame(void *ctx, const struct h2_event *ev)
{
    struct ev_log *log = ctx;
    if (ev->type == H2_EV_DATA) {
        log->data_hash[ev->dir] = fnv(log->data_hash[ev->dir], ev->data, ev->data_len);
        struct ws_seg_ctx seg = {ev->pkt, 0, 0, ev->pkt};
        h2ws_data(&log->ws, ev->dir, ev->stream, ev->data, ev->data_len, &seg);
        return;
    }
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < ev->nfields; i++) {
        h = fnv(h, ev->fields[i].name, ev->fields[i].nlen + 1);
        h = fnv(h, ev->fields[i].value, ev->fields[i].vlen + 1);
    }
    if (ev->detail)
        h = fnv(h, ev->detail, strlen(ev->detail));
    add(log, 10 + (int)ev->type, ev->dir, ev->ftype, ev->flags, ev->pkt_end,
        (uint64_t)ev->stream << 32 | ev->len, h);
    if (ev->type == H2_EV_STOPPED) {
        h2ws_gap(&log->ws, ev->dir, ev->pkt);
        return;
    }
    if (ev->ftype == H2_SETTINGS)
        h2ws_settings(&log->ws, ev->dir, ev->enable_connect, ev->pkt_end);
    if (ev->block_done && ev->block_type == H2_HEADERS) {
        h2ws_headers(&log->ws, ev->dir, ev->stream, ev->fields, ev->nfields, ev->pkt_end);
        if (ev->block_flags & H2_END_STREAM)
            h2ws_end_stream(&log->ws, ev->dir, ev->stream, ev->pkt_end);
    }
    if (ev->ftype == H2_DATA && (ev->flags & H2_END_STREAM))
        h2ws_end_stream(&log->ws, ev->dir, ev->stream, ev->pkt_end);
    if (ev->ftype == H2_RST_STREAM)
        h2ws_reset(&log->ws, ev->dir, ev->stream, ev->error_code, ev->pkt_end);
}

static void run(const uint8_t *data, size_t size, int bytewise, struct ev_log *log)
{
    struct h2_conn c;
    log->n = log->dropped = 0;
    log->data_hash[0] = log->data_hash[1] = 2166136261u;
    h2ws_init(&log->ws, on_stream, log, 0);
    h2_conn_init(&c, on_frame, log, data[0] & 1);
    size_t i = 1;
    uint64_t pkt = 1;
    struct chunk ch;
    while (next_chunk(data, size, &i, &pkt, &ch)) {
        if (ch.gap)
            h2_conn_gap(&c, ch.dir, ch.pkt);
        else if (!bytewise)
            h2_conn_feed(&c, ch.dir, ch.data, ch.len, ch.pkt);
        else
            for (size_t k = 0; k < ch.len; k++)
                h2_conn_feed(&c, ch.dir, ch.data + k, 1, ch.pkt);
        if ((ch.pkt & 31) == 0)
            h2ws_tcp_end_dir(&log->ws, ch.dir, WS_END_FIN, ch.pkt);
    }
    h2ws_end(&log->ws, 1, pkt);
    h2ws_free(&log->ws);
    h2_conn_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ev_log whole, bytes;
    if (size < 1)
        return 0;
    run(data, size, 0, &whole);
    run(data, size, 1, &bytes);
    if (whole.n != bytes.n || whole.dropped != bytes.dropped ||
        memcmp(whole.data_hash, bytes.data_hash, sizeof whole.data_hash) != 0) {
        fprintf(stderr, "fed whole: %zu events, byte by byte: %zu (or the DATA differs)\n",
                whole.n, bytes.n);
        abort();
    }
    for (size_t k = 0; k < whole.n; k++)
        if (memcmp(&whole.ev[k], &bytes.ev[k], sizeof whole.ev[k]) != 0) {
            const struct rec *a = &whole.ev[k], *b = &bytes.ev[k];
            fprintf(stderr,
                    "event %zu differs fed whole and byte by byte: kind %d/%d a %d/%d b %d/%d "
                    "c %d/%d pkt %llu/%llu x %llu/%llu hash %08x/%08x\n",
                    k, a->kind, b->kind, a->a, b->a, a->b, b->b, a->c, b->c,
                    (unsigned long long)a->pkt, (unsigned long long)b->pkt,
                    (unsigned long long)a->x, (unsigned long long)b->x, a->hash, b->hash);
            abort();
        }
    return 0;
}
