/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the WebSocket session (frame parser, message rules, UTF-8, inflate) fed
 * arbitrary bytes. The first byte chooses the options (permessage-deflate on/off, hashing);
 * the rest is cut into chunks as chunks.h says.
 * Invariant (issue 18): the same input fed again one byte per call, with the same packet
 * numbers, gaps and direction ends, gives exactly the same events (frames, closes, findings
 * with their details, messages, status): how TCP cut the bytes never changes what is decoded.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunks.h"
#include "ws_session.h"

#define MAX_EVENTS 4096

/* what an event says, in a form two runs can compare */
struct ev_rec {
    int type, dir, finding, has_code;
    uint64_t pkt, pkt_end, offset, len;
    uint16_t code;
    uint8_t opcode, fin, complete;
    uint32_t detail_hash;
};

struct ev_log {
    struct ev_rec ev[MAX_EVENTS];
    size_t n, dropped;
};

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; s && *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void sink(void *ctx, const struct ws_event *ev)
{
    struct ev_log *log = ctx;
    if (log->n == MAX_EVENTS) {
        log->dropped++;
        return;
    }
    struct ev_rec *r = &log->ev[log->n++];
    memset(r, 0, sizeof *r);
    r->type = (int)ev->type;
    r->dir = ev->dir;
    r->pkt = ev->pkt;
    r->pkt_end = ev->pkt_end;
    r->offset = ev->offset;
    r->complete = (uint8_t)ev->complete;
    if (ev->hdr) {
        r->opcode = ev->hdr->opcode;
        r->fin = ev->hdr->fin;
        r->len = ev->hdr->len;
    }
    r->has_code = ev->has_code;
    r->code = ev->code;
    if (ev->type == WS_EV_FINDING) {
        r->finding = (int)ev->finding;
        r->detail_hash = hash_str(ev->detail);
    }
}

static void run(const uint8_t *data, size_t size, int bytewise, struct ev_log *log)
{
    struct ws_session s;
    uint8_t opt = data[0];
    log->n = log->dropped = 0;
    ws_session_init(&s, (opt & 1) ? 4 : 0, opt & 1, sink, log);
    if (opt & 1) {
        struct ws_pmd_params p = {(uint8_t)((opt >> 1) & 1), (uint8_t)((opt >> 2) & 1), 15, 15};
        ws_session_set_pmd(&s, &p);
    }
    ws_session_hash_messages(&s, (opt >> 3) & 1);
    ws_session_start(&s, 0, 0);
    size_t i = 1;
    uint64_t pkt = 1;
    struct chunk c;
    while (next_chunk(data, size, &i, &pkt, &c)) {
        struct ws_seg_ctx seg = {c.pkt, c.flag, c.pkt * 7, c.pkt};
        if (c.gap)
            ws_session_gap(&s, c.dir, c.len, c.pkt);
        else if (!bytewise)
            ws_session_feed(&s, c.dir, c.data, c.len, &seg);
        else
            for (size_t k = 0; k < c.len; k++)
                ws_session_feed(&s, c.dir, c.data + k, 1, &seg);
        if ((c.pkt & 15) == 0)
            ws_session_end_dir(&s, c.dir, c.pkt);
    }
    ws_session_end(&s, 1, pkt);
    ws_session_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ev_log whole, bytes;
    if (size < 1)
        return 0;
    run(data, size, 0, &whole);
    run(data, size, 1, &bytes);
    if (whole.n != bytes.n || whole.dropped != bytes.dropped) {
        fprintf(stderr, "fed whole: %zu events, byte by byte: %zu\n", whole.n, bytes.n);
        abort();
    }
    for (size_t k = 0; k < whole.n; k++)
        if (memcmp(&whole.ev[k], &bytes.ev[k], sizeof whole.ev[k]) != 0) {
            const struct ev_rec *a = &whole.ev[k], *b = &bytes.ev[k];
            fprintf(stderr,
                    "event %zu differs fed whole and byte by byte:\n"
                    "  type %d/%d dir %d/%d pkt %llu/%llu pkt_end %llu/%llu offset %llu/%llu\n"
                    "  len %llu/%llu opcode %u/%u fin %u/%u complete %u/%u finding %d/%d"
                    " code %u/%u detail %08x/%08x\n",
                    k, a->type, b->type, a->dir, b->dir, (unsigned long long)a->pkt,
                    (unsigned long long)b->pkt, (unsigned long long)a->pkt_end,
                    (unsigned long long)b->pkt_end, (unsigned long long)a->offset,
                    (unsigned long long)b->offset, (unsigned long long)a->len,
                    (unsigned long long)b->len, a->opcode, b->opcode, a->fin, b->fin, a->complete,
                    b->complete, a->finding, b->finding, a->code, b->code, a->detail_hash,
                    b->detail_hash);
            for (size_t j = 0; j < whole.n || j < bytes.n; j++) {
                const struct ev_rec *x = j < whole.n ? &whole.ev[j] : NULL;
                const struct ev_rec *y = j < bytes.n ? &bytes.ev[j] : NULL;
                fprintf(stderr, "  %3zu  whole t%d d%d p%llu op%u f%d | bytes t%d d%d p%llu op%u f%d\n",
                        j, x ? x->type : -1, x ? x->dir : -1,
                        x ? (unsigned long long)x->pkt : 0ULL, x ? x->opcode : 0,
                        x ? x->finding : 0, y ? y->type : -1, y ? y->dir : -1,
                        y ? (unsigned long long)y->pkt : 0ULL, y ? y->opcode : 0,
                        y ? y->finding : 0);
            }
            abort();
        }
    return 0;
}
