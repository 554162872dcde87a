/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_reasm.c - per-direction TCP reassembly; see tcp_reasm.h. */
#include "tcp_reasm.h"
#include "oom.h"

#include <stdlib.h>
#include <string.h>

struct reasm_seg {
    struct reasm_seg *next;
    uint64_t off;
    uint32_t len;
    struct reasm_meta meta;
    uint8_t data[];
};

void reasm_init(struct reasm_dir *r, int dir, size_t cap, struct reasm_budget *budget)
{
    memset(r, 0, sizeof *r);
    r->dir = dir;
    r->cap = cap;
    r->budget = budget;
}

/* what a buffered segment costs: its bytes and its header (so that a flood of one-byte
 * segments is held to the same limits as a few large ones) */
size_t reasm_seg_cost(uint32_t len)
{
    return sizeof(struct reasm_seg) + len;
}

static void release(struct reasm_dir *r, struct reasm_seg *s)
{
    r->ooo_bytes -= reasm_seg_cost(s->len);
    r->ooo_segs--;
    r->budget->used -= reasm_seg_cost(s->len);
    free(s);
}

void reasm_set_base(struct reasm_dir *r, uint32_t seq)
{
    r->base = seq;
    r->base_known = 1;
}

int reasm_offset(const struct reasm_dir *r, uint32_t seq, uint64_t *off)
{
    if (!r->base_known)
        return -1;
    /* unwrap: the 64-bit offset congruent to seq-base that lies nearest to next */
    uint32_t rel = seq - r->base;
    int64_t delta = (int32_t)(rel - (uint32_t)r->next);
    if (delta < 0 && (uint64_t)(-delta) > r->next)
        return -1;
    *off = (uint64_t)((int64_t)r->next + delta);
    return 0;
}

/* Remember the newest delivered bytes so a later retransmission can be compared. */
static void keep_tail(struct reasm_dir *r, const uint8_t *data, size_t len, uint64_t off)
{
    size_t skip = len > REASM_TAIL ? len - REASM_TAIL : 0;
    data += skip;
    len -= skip;
    off += skip;
    size_t at = (size_t)(off % REASM_TAIL), first = REASM_TAIL - at;
    if (first > len)
        first = len;
    memcpy(r->tail + at, data, first); /* the ring may wrap once */
    memcpy(r->tail, data + first, len - first);
}

/* Compare bytes that were already delivered with a new copy, as far as the tail reaches. */
static int conflicts_with_tail(const struct reasm_dir *r, const uint8_t *data, uint64_t off,
                               uint64_t len)
{
    uint64_t oldest = r->next > REASM_TAIL ? r->next - REASM_TAIL : 0;
    for (uint64_t i = 0; i < len; i++) {
        uint64_t o = off + i;
        if (o >= oldest && o < r->next && r->tail[o % REASM_TAIL] != data[i])
            return 1;
    }
    return 0;
}

static void deliver(struct reasm_dir *r, const struct reasm_cb *cb, const uint8_t *data, size_t len,
                    const struct reasm_meta *meta)
{
    if (!len)
        return;
    keep_tail(r, data, len, r->next);
    uint64_t off = r->next;
    r->next += len;
    cb->deliver(cb->ctx, r->dir, data, len, off, meta);
}

/* Hand over buffered segments that have become in order. */
static void drain(struct reasm_dir *r, const struct reasm_cb *cb)
{
    while (r->ooo && r->ooo->off <= r->next) {
        struct reasm_seg *s = r->ooo;
        r->ooo = s->next;
        uint64_t end = s->off + s->len;
        if (end > r->next) {
            uint64_t skip = r->next - s->off;
            if (conflicts_with_tail(r, s->data, s->off, skip) && cb->conflict)
                cb->conflict(cb->ctx, r->dir, s->off, s->meta.pkt);
            deliver(r, cb, s->data + skip, (size_t)(s->len - skip), &s->meta);
        }
        release(r, s);
    }
}

static void skip_to(struct reasm_dir *r, const struct reasm_cb *cb, uint64_t to,
                    enum reasm_gap_reason why, uint64_t pkt)
{
    if (to <= r->next)
        return;
    uint64_t from = r->next;
    r->next = to;
    cb->gap(cb->ctx, r->dir, from, to - from, why, pkt);
}

/* Insert a copy of [off, off+len) where it does not overlap buffered data (first seen wins). */
static void insert(struct reasm_dir *r, const struct reasm_cb *cb, uint64_t off,
                   const uint8_t *data, uint32_t len, const struct reasm_meta *meta)
{
    struct reasm_seg **pp = &r->ooo;
    while (len) {
        while (*pp && (*pp)->off + (*pp)->len <= off)
            pp = &(*pp)->next;
        struct reasm_seg *at = *pp;
        if (at && at->off <= off) {
            /* overlaps the start of an existing segment: compare, then skip the overlap */
            uint64_t ov = at->off + at->len - off;
            if (ov > len)
                ov = len;
            if (memcmp(at->data + (off - at->off), data, (size_t)ov) != 0 && cb->conflict)
                cb->conflict(cb->ctx, r->dir, off, meta->pkt);
            off += ov;
            data += ov;
            len -= (uint32_t)ov;
            continue;
        }
        uint32_t take = len;
        if (at && at->off < off + len)
            take = (uint32_t)(at->off - off);
        struct reasm_seg *s = oom_check(malloc(sizeof *s + take), "an out-of-order segment");
        s->off = off;
        s->len = take;
        s->meta = *meta;
        memcpy(s->data, data, take);
        s->next = at;
        *pp = s;
        pp = &s->next;
        r->ooo_bytes += reasm_seg_cost(take);
        r->ooo_segs++;
        r->budget->used += reasm_seg_cost(take);
        off += take;
        data += take;
        len -= take;
    }
}

void reasm_segment(struct reasm_dir *r, const struct reasm_cb *cb, uint32_t seq,
                   const uint8_t *data, uint32_t len, const struct reasm_meta *meta)
{
    uint64_t off;
    if (!len)
        return;
    if (!r->base_known)
        reasm_set_base(r, seq);
    if (reasm_offset(r, seq, &off) < 0) {
        /* starts before offset 0: keep only the part at or after it */
        uint32_t before = r->base - seq;
        if (before >= len)
            return;
        data += before;
        len -= before;
        off = 0;
    }
    if (off < r->next) {
        uint64_t dup = r->next - off;
        if (dup > len)
            dup = len;
        if (conflicts_with_tail(r, data, off, dup) && cb->conflict)
            cb->conflict(cb->ctx, r->dir, off, meta->pkt);
        if (dup == len)
            return; /* a retransmission of what was delivered */
        data += dup;
        len -= (uint32_t)dup;
        off = r->next;
    }
    if (off == r->next && (!r->ooo || r->ooo->off >= off + len)) {
        deliver(r, cb, data, len, meta);
        drain(r, cb);
        return;
    }
    insert(r, cb, off, data, len, meta);
    drain(r, cb);
    if (r->budget->used > r->budget->peak)
        r->budget->peak = r->budget->used;
    /* over a limit: give up on the oldest hole and move on (reported, never silent) */
    while (r->ooo && (r->ooo_bytes > r->cap || r->ooo_segs > REASM_MAX_SEGS ||
                      r->budget->used > r->budget->cap)) {
        skip_to(r, cb, r->ooo->off, GAP_MEMCAP, meta->pkt);
        drain(r, cb);
    }
}

void reasm_acked(struct reasm_dir *r, const struct reasm_cb *cb, uint32_t ack, uint64_t pkt)
{
    uint64_t off;
    if (!r->ooo || reasm_offset(r, ack, &off) < 0)
        return;
    /* the receiver has the bytes of the hole: they were sent, but not captured (TCP-05) */
    while (r->ooo && off > r->next && r->ooo->off > r->next && r->ooo->off < off) {
        skip_to(r, cb, r->ooo->off, GAP_LOST, pkt);
        drain(r, cb);
    }
}

void reasm_fin(struct reasm_dir *r, uint32_t seq_after_data)
{
    uint64_t off;
    if (reasm_offset(r, seq_after_data, &off) == 0) {
        r->fin_seen = 1;
        r->fin_off = off;
    }
}

void reasm_flush(struct reasm_dir *r, const struct reasm_cb *cb, uint64_t pkt)
{
    while (r->ooo) {
        skip_to(r, cb, r->ooo->off, GAP_END, pkt);
        drain(r, cb);
    }
    if (r->fin_seen && r->fin_off > r->next)
        skip_to(r, cb, r->fin_off, GAP_END, pkt);
}

void reasm_free(struct reasm_dir *r)
{
    while (r->ooo) {
        struct reasm_seg *s = r->ooo;
        r->ooo = s->next;
        release(r, s);
    }
}
