/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow_table.c - the table of TCP flows: lookup by 5-tuple, creation, TCP state (SYN, FIN,
 * RST, reuse), idle expiry in least-recently-used order, and the bound on the number of flows.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "flow.h"
#include "oom.h"

#define MAX_FLOWS_DEFAULT 200000
#define OOO_CAP_DEFAULT (1u << 20)
#define OOO_BUDGET_DEFAULT (32u << 20)
#define STATE_CAP_DEFAULT ((size_t)512 << 20)

/* A key is five 64-bit words, every byte of them set by flow_key_of (its three padding bytes
 * zero), so comparing and hashing its words is well defined. The hash mixes a word at a time
 * (multiply-xorshift): a lookup runs at most once per packet. */
static inline uint64_t key_word(const struct flow_key *k, int i)
{
    uint64_t w;
    memcpy(&w, (const uint8_t *)k + 8 * i, 8);
    return w;
}

static inline int key_eq(const struct flow_key *x, const struct flow_key *y)
{
    /* written out: GCC kept the loop of five, with its counter, at every packet */
    return ((key_word(x, 0) ^ key_word(y, 0)) | (key_word(x, 1) ^ key_word(y, 1)) |
            (key_word(x, 2) ^ key_word(y, 2)) | (key_word(x, 3) ^ key_word(y, 3)) |
            (key_word(x, 4) ^ key_word(y, 4))) == 0;
}

static guint key_hash(gconstpointer p)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 5; i++) {
        h = (h ^ key_word(p, i)) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    h *= 0x94D049BB133111EBull;
    h ^= h >> 29;
    return (guint)(h ^ (h >> 32));
}

static inline struct flow **cache_slot(struct analyzer *an, const struct flow_key *k)
{
    return &an->cache[key_hash(k) & (FLOW_CACHE - 1)];
}

unsigned flow_shard(const struct flow_key *k)
{
    uint32_t a, b; /* the addresses' last four bytes (IPv4: all) and the ports */
    memcpy(&a, k->a + (k->family == 4 ? 0 : 12), 4);
    memcpy(&b, k->b + (k->family == 4 ? 0 : 12), 4);
    uint64_t h = ((uint64_t)a << 32 | b) ^ ((uint64_t)k->pa << 16 | k->pb) * 0x9E3779B97F4A7C15ull;
    h *= 0xBF58476D1CE4E5B9ull;
    return (unsigned)(h >> 58) & (FLOW_SHARDS - 1);
}

static gboolean key_equal(gconstpointer x, gconstpointer y)
{
    return key_eq(x, y);
}

/* Reassembly hands a flow's in-order bytes, gaps and conflicts straight to conn.c, with the
 * flow as the callbacks' context. */
static struct reasm_cb flow_cb(struct flow *f)
{
    return (struct reasm_cb){conn_reasm_deliver, conn_reasm_gap, conn_reasm_conflict, f};
}

void analyzer_init(struct analyzer *an, struct report *rep)
{
    memset(an, 0, sizeof *an);
    an->rep = rep;
    an->flows = g_hash_table_new(key_hash, key_equal);
    an->max_flows = MAX_FLOWS_DEFAULT;
    an->ooo_cap = OOO_CAP_DEFAULT;
    an->budget.cap = OOO_BUDGET_DEFAULT;
    an->state_cap = STATE_CAP_DEFAULT;
    an->idle_timeout = 600;
    an->closed_timeout = 120;
}

/* Build the direction-independent key; *sender_is_a says which end sent this packet. */
void flow_key_of(const struct tcp_pkt *tp, struct flow_key *k, int *sender_is_a)
{
    uint64_t src[2], dst[2]; /* the addresses as the key's words */
    int c;
    if (tp->family == 4) { /* the addresses as big-endian numbers: memcmp's order, without a call */
        uint32_t s, d;
        memcpy(&s, tp->src, 4);
        memcpy(&d, tp->dst, 4);
        src[0] = s, src[1] = 0;
        dst[0] = d, dst[1] = 0;
        s = ntohl(s);
        d = ntohl(d);
        c = s < d ? -1 : s > d;
    } else {
        memcpy(src, tp->src, 16);
        memcpy(dst, tp->dst, 16);
        c = memcmp(tp->src, tp->dst, 16);
    }
    int src_first = c < 0 || (c == 0 && tp->sport <= tp->dport);
    const uint64_t *a = src_first ? src : dst, *b = src_first ? dst : src;
    uint16_t pa = src_first ? tp->sport : tp->dport, pb = src_first ? tp->dport : tp->sport;
    /* pa, pb, family and three zero bytes: the fifth word, in the struct's byte order (made
     * in a register: written as three fields and read as one word, it stalled the same way) */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w4 = pa | (uint64_t)pb << 16 | (uint64_t)tp->family << 32;
#else
    struct flow_key tail = {.pa = pa, .pb = pb, .family = tp->family};
    uint64_t w4 = key_word(&tail, 4);
#endif
    uint64_t w[5] = {a[0], a[1], b[0], b[1], w4};
    memcpy(k, w, sizeof w);
    *sender_is_a = src_first;
}

/* the list a flow is on: open flows' or closed flows' */
static struct flow **lru_ends(struct analyzer *an, const struct flow *f, struct flow ***tail)
{
    *tail = f->closed ? &an->clru_tail : &an->lru_tail;
    return f->closed ? &an->clru_head : &an->lru_head;
}

static void lru_unlink(struct analyzer *an, struct flow *f)
{
    struct flow **tail, **head = lru_ends(an, f, &tail);
    if (f->lru_prev)
        f->lru_prev->lru_next = f->lru_next;
    else
        *head = f->lru_next;
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        *tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void lru_append(struct analyzer *an, struct flow *f)
{
    struct flow **tail, **head = lru_ends(an, f, &tail);
    f->lru_prev = *tail;
    f->lru_next = NULL;
    if (*tail)
        (*tail)->lru_next = f;
    else
        *head = f;
    *tail = f;
}

/* Finish a flow: deliver what is buffered (holes become gaps), close the session. */
static void finish_flow(struct analyzer *an, struct flow *f, int by_tcp, uint64_t pkt)
{
    if (f->closed)
        return;
    if (by_tcp)
        f->end_reason = FLOW_END_TCP;
    f->cur_pkt = pkt;
    struct reasm_cb cb = flow_cb(f);
    for (int k = 0; k < 2; k++) { /* the side that sent a RST ends first */
        int side = k ^ f->rst_side;
        reasm_flush(&f->rd[side], &cb, pkt);
        conn_side_end(an, f, side, pkt);
    }
    conn_finish(an, f, by_tcp, pkt);
    for (int side = 0; side < 2; side++)
        reasm_free(&f->rd[side]);
    conn_free(f);
    int s = f->shard;
    lru_unlink(an, f); /* to the closed flows' list, where it is the latest */
    f->closed = 1;
    lru_append(an, f);
    f->closed_prev = an->closed_tail[s];
    f->closed_next = NULL;
    if (an->closed_tail[s])
        an->closed_tail[s]->closed_next = f;
    else
        an->closed_head[s] = f;
    an->closed_tail[s] = f;
    if (++an->nclosed[s] > FLOW_CLOSED_PER_SHARD)
        an->closed_over |= 1ull << s;
}

static void closed_unlink(struct analyzer *an, struct flow *f)
{
    int s = f->shard;
    if (f->closed_prev)
        f->closed_prev->closed_next = f->closed_next;
    else if (an->closed_head[s] == f)
        an->closed_head[s] = f->closed_next;
    else
        return; /* not queued */
    if (f->closed_next)
        f->closed_next->closed_prev = f->closed_prev;
    else
        an->closed_tail[s] = f->closed_prev;
    f->closed_prev = f->closed_next = NULL;
    an->nclosed[s]--;
}

static void remove_flow(struct analyzer *an, struct flow *f)
{
    if (an->on_flow)
        an->on_flow(an, f, 0);
    conn_detect_free(an, f);
    closed_unlink(an, f);
    if (an->last_flow == f)
        an->last_flow = NULL;
    struct flow **slot = cache_slot(an, &f->key);
    if (*slot == f)
        *slot = NULL;
    lru_unlink(an, f);
    g_hash_table_remove(an->flows, &f->key);
    an->nflows--;
    an->state_used -= sizeof *f;
    free(f);
}

/* The flow to finish next: at a limit the least recently active of all; else the first whose
 * time is up (open flows idle_timeout after their last packet, closed ones closed_timeout), in
 * the order of those times and then of their last packets; NULL when none is due. */
static struct flow *expiry_next(struct analyzer *an, int limit)
{
    struct flow *o = an->lru_head, *c = an->clru_head;
    if (limit)
        return !o ? c : !c ? o : (o->lru_pkt < c->lru_pkt ? o : c);
    if (o && an->now - o->last_ts <= an->idle_timeout)
        o = NULL;
    if (c && an->now - c->last_ts <= an->closed_timeout)
        c = NULL;
    if (!o || !c)
        return o ? o : c;
    double od = o->last_ts + an->idle_timeout, cd = c->last_ts + an->closed_timeout;
    return od < cd || (od == cd && o->lru_pkt < c->lru_pkt) ? o : c;
}

/* A flow finished by a limit (full: --max-flows, else --memcap): the finding that says so.
 * (Apart from expire: its buffers made every call of expire, one per packet, set up a large
 * stack frame.) */
static __attribute__((noinline, cold)) void limit_finding(struct analyzer *an, const struct flow *f,
                                                          int full)
{
    char name[160], detail[240];
    conn_flow_name(f, name, sizeof name);
    if (full)
        snprintf(detail, sizeof detail, "%s finished to make room (--max-flows %zu)", name,
                 an->max_flows);
    else
        snprintf(detail, sizeof detail, "%s finished early: flow state reached --memcap %zu MiB",
                 name, an->state_cap >> 20);
    report_finding(an->rep, NULL, an->file, an->pkt, full ? F_D_FLOW_MEMCAP : F_D_STREAM_MEMCAP,
                   detail);
}

/* Has expire() anything to do? (It runs at every packet and mostly has not: this much is
 * inline, the rest a call.) */
static inline int expire_needed(const struct analyzer *an)
{
    const struct flow *o = an->lru_head, *c = an->clru_head;
    return an->closed_over || an->nflows >= an->max_flows || an->state_used > an->state_cap ||
           (o && an->now - o->last_ts > an->idle_timeout) ||
           (c && an->now - c->last_ts > an->closed_timeout);
}

static void expire(struct analyzer *an)
{
    while (an->closed_over) { /* shards with too many closed flows lose their oldest */
        int s = __builtin_ctzll(an->closed_over);
        while (an->nclosed[s] > FLOW_CLOSED_PER_SHARD)
            remove_flow(an, an->closed_head[s]);
        an->closed_over &= ~(1ull << s);
    }
    for (;;) {
        int full = an->nflows >= an->max_flows, over = an->state_used > an->state_cap;
        struct flow *f = expiry_next(an, full || over);
        if (!f)
            break;
        if (an->on_expire)
            an->on_expire(an, f);
        if (!f->closed && (full || over) && f->state != FS_IGNORE && f->state != FS_DETECT)
            limit_finding(an, f, full);
        f->end_reason = full ? FLOW_END_FLOW_LIMIT : over ? FLOW_END_MEMCAP : FLOW_END_IDLE;
        finish_flow(an, f, 0, an->pkt);
        remove_flow(an, f);
    }
}

static struct flow *new_flow(struct analyzer *an, const struct flow_key *k, int init_is_a,
                             int midstream)
{
    struct flow *f = oom_check(calloc(1, sizeof *f), "a new flow");
    f->key = *k;
    f->an = an;
    f->id = an->next_id++; /* like Wireshark's tcp.stream: 0-based */
    f->shard = (uint8_t)flow_shard(k);
    f->lru_pkt = an->pkt;
    f->first_ns = f->last_ns = an->rep->now_ns;
    f->init_is_a = (uint8_t)init_is_a;
    f->midstream = (uint8_t)midstream;
    f->state = FS_DETECT;
    for (int side = 0; side < 2; side++)
        reasm_init(&f->rd[side], side, an->ooo_cap, &an->budget);
    g_hash_table_insert(an->flows, &f->key, f);
    *cache_slot(an, &f->key) = f;
    lru_append(an, f);
    an->nflows++;
    an->state_used += sizeof *f;
    an->rep->flows++;
    if (an->on_flow)
        an->on_flow(an, f, 1);
    return f;
}

/* The packet's flow: the previous packet's, a known one, or a new one; NULL when there is no
 * memory for a new one (reported). */
static struct flow *packet_flow(struct analyzer *an, const struct tcp_pkt *tp,
                                const struct flow_key *kp, uint64_t pkt, const int *sender_is_a)
{
    int syn = tp->flags & TCP_SYN, ackf = tp->flags & TCP_ACK;
    /* packets come in bursts of one connection: try the previous packet's flow first */
    struct flow *f = an->last_flow;
    if (!f || !key_eq(&f->key, kp)) {
        struct flow **slot = cache_slot(an, kp);
        f = *slot;
        if (!f || !key_eq(&f->key, kp)) {
            f = g_hash_table_lookup(an->flows, kp);
            if (f)
                *slot = f;
        }
    }
    /* a new SYN on a finished 4-tuple starts a new connection (TCP-11) */
    if (f && syn && !ackf && (f->closed || f->rst || (f->fin_done[0] && f->fin_done[1]))) {
        finish_flow(an, f, 1, pkt);
        remove_flow(an, f);
        f = NULL;
    }
    if (!f) {
        if (an->nflows >= an->max_flows)
            expire(an);
        /* the initiator sent the SYN; without one, take the sender of the first packet */
        int init_is_a = syn && ackf ? !*sender_is_a : *sender_is_a;
        f = new_flow(an, kp, init_is_a, !syn);
        if (!f) {
            report_error(an->rep, an->file, pkt, "out of memory for a new flow", 0);
            return NULL;
        }
    } else {
        f->lru_pkt = pkt;
        if ((f->closed ? an->clru_tail : an->lru_tail) != f) {
            lru_unlink(an, f);
            lru_append(an, f);
        }
    }
    return f;
}

/* A payload cut by the snap length: said once per flow; the cut bytes become gaps. */
static void payload_truncated(struct analyzer *an, struct flow *f, const struct tcp_pkt *tp,
                              uint64_t pkt)
{
    char name[160], detail[256];
    f->truncated_reported = 1;
    conn_flow_name(f, name, sizeof name);
    snprintf(detail, sizeof detail,
             "%s: %u of %u payload bytes captured; the rest of this and later cut "
             "packets of the flow are gaps",
             name, tp->len, tp->wire_len);
    report_finding(an->rep, NULL, an->file, pkt, F_D_CAPTURE_TRUNCATED, detail);
}

/* FIN and RST: a side ends once every byte before its FIN arrived; the connection ends with a
 * RST or both FINs. */
static void packet_ends(struct analyzer *an, struct flow *f, const struct tcp_pkt *tp, int side,
                        uint64_t pkt)
{
    struct reasm_dir *rd = &f->rd[side];
    if (tp->flags & TCP_FIN) {
        uint32_t end = tp->seq + ((tp->flags & TCP_SYN) ? 1 : 0) + tp->wire_len;
        if (!rd->base_known)
            reasm_set_base(rd, end);
        reasm_fin(rd, end);
    }
    for (int s = 0; s < 2; s++) {
        struct reasm_dir *d = &f->rd[s];
        if (d->fin_seen && !f->fin_done[s] && d->next >= d->fin_off && !d->ooo) {
            f->fin_done[s] = 1;
            conn_side_end(an, f, s, pkt);
        }
    }
    if (tp->flags & TCP_RST) {
        f->rst = 1;
        f->rst_side = (uint8_t)side;
        finish_flow(an, f, 1, pkt);
    } else if (f->fin_done[0] && f->fin_done[1]) {
        finish_flow(an, f, 1, pkt);
    }
}

/* The capture's time at a TCP packet: the flows whose time is up end (with -j, in every thread,
 * its own flows or not) */
static inline void packet_time(struct analyzer *an, uint64_t pkt, double ts)
{
    an->pkt = pkt;
    an->cur_ts = ts;
    if (ts > an->now)
        an->now = ts; /* timestamps that go backwards never make flows expire early */
    if (expire_needed(an))
        expire(an);
}

void analyzer_packet(struct analyzer *an, const struct tcp_pkt *tp, uint64_t pkt, double ts)
{
    int sender_is_a;
    int syn = tp->flags & TCP_SYN, ackf = tp->flags & TCP_ACK;

    packet_time(an, pkt, ts);
    struct flow_key k;
    flow_key_of(tp, &k, &sender_is_a);
    if (an->shard_n > 1) { /* -j: another thread's flow, or one of ours */
        if (flow_shard(&k) % an->shard_n != an->shard_idx)
            return;
        an->on_packet(an);
    }
    struct flow *f = packet_flow(an, tp, &k, pkt, &sender_is_a);
    if (!f)
        return;
    an->last_flow = f;
    if (an->rep->ev) /* -w: which connection this packet belongs to */
        evidence_flow(an->rep->ev, f->id);
    f->last_ts = an->now;
    f->cur_pkt = pkt;
    if (f->closed)
        return;

    int side = (sender_is_a == f->init_is_a) ? 0 : 1;
    f->pkts[side]++;
    f->bytes[side] += tp->wire_len;
    f->last_ns = an->rep->now_ns;
    f->last_pkt = pkt;
    struct reasm_dir *rd = &f->rd[side];
    struct reasm_meta meta = {pkt, ackf != 0, tp->ack};
    struct reasm_cb cb = flow_cb(f);

    if (syn) {
        f->syn[side] = 1;
        if (!rd->base_known || rd->next == 0)
            reasm_set_base(rd, tp->seq + 1);
    }
    if (f->state == FS_IGNORE) {
        if (tp->flags & TCP_RST)
            f->rst = 1;
        if (tp->flags & TCP_FIN)
            f->fin_done[side] = 1;
        if (f->rst || (f->fin_done[0] && f->fin_done[1]))
            finish_flow(an, f, 1, pkt); /* joins the closed queue */
        return;
    }
    if (tp->len) {
        if (tp->len < tp->wire_len && !f->truncated_reported)
            payload_truncated(an, f, tp, pkt);
        reasm_segment(rd, &cb, syn ? tp->seq + 1 : tp->seq, tp->payload, tp->len, &meta);
    }
    if (f->closed)
        return;
    if (ackf)
        reasm_acked(&f->rd[!side], &cb, tp->ack, pkt);
    packet_ends(an, f, tp, side, pkt);
}

void analyzer_end_file(struct analyzer *an)
{
    while (an->lru_head) { /* open flows end in the order of their last packets */
        struct flow *f = an->lru_head;
        if (an->on_expire)
            an->on_expire(an, f);
        f->end_reason = FLOW_END_CAPTURE;
        finish_flow(an, f, 0, an->pkt);
        remove_flow(an, f);
    }
    while (an->clru_head)
        remove_flow(an, an->clru_head);
    an->next_id = 0;
    an->now = 0;
}

void analyzer_free(struct analyzer *an)
{
    analyzer_end_file(an);
    g_hash_table_destroy(an->flows);
}
