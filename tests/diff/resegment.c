/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resegment - write a capture's TCP conversations again with other segment boundaries, the
 * byte streams unchanged (the segmentation differential, CONFORMANCE FZ-02 / G5, like
 * Suricata's tcpsplit).
 *
 *   resegment MODE IN OUT
 *     bytes   every TCP segment that carries data becomes one segment per byte
 *     whole   consecutive in-sequence data segments of one direction are joined (up to 65000
 *             bytes) until the other direction sends something or a flag other than ACK/PSH
 *             comes: each burst is one segment
 *     frames  the bursts of `whole` cut at the ends of protocol units, each unit one segment:
 *             the HTTP header block, each WebSocket frame, each TLS record, the HTTP/2
 *             preface and each HTTP/2 frame (a unit longer
 *             than a burst ends a segment where the burst does)
 *     frag    every TCP segment that carries data is sent as IP fragments of 8 bytes (IPv4;
 *             IPv6 packets as Fragment-header fragments), last fragment first
 *
 * Packets are decoded by the analyzer's own decoder (analyzer/decode.c) and written as raw IP
 * (LINKTYPE_RAW) with nanosecond timestamps; IP fragments are first put together by the
 * analyzer's reassembly (analyzer/ip_defrag.c), so a fragmented capture is rewritten whole; SYN,
 * FIN and RST keep their place (a FIN goes on the last piece), each piece keeps its packet's ACK
 * number. Only TCP segments are written (other packets do not matter to the comparison). Exit 0 on
 * success, 1 when the input could not be read, 3 when it holds packets cut by the snapshot length
 * (those cannot be resegmented faithfully).
 */
#include <arpa/inet.h>
#include <glib.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "ip_defrag.h"
#include "ws_frame.h"

#define MAX_JOIN 65000

struct writer {
    FILE *f;
    uint32_t ident; /* IP identification / fragment id for written packets */
};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void record(struct writer *w, const struct timespec *ts, const uint8_t *p, uint32_t n)
{
    uint32_t h[4] = {(uint32_t)ts->tv_sec, (uint32_t)ts->tv_nsec, n, n};
    fwrite(h, sizeof h, 1, w->f); /* host byte order, as the magic says */
    fwrite(p, 1, n, w->f);
}

/* IP header (no options) for `len` bytes of IP payload; fragment fields when frag_off >= 0 */
static uint32_t ip_header(uint8_t *out, const struct tcp_pkt *tp, uint32_t len, uint32_t ident,
                          long frag_off, int more)
{
    if (tp->family == 4) {
        memset(out, 0, 20);
        out[0] = 0x45;
        put16(out + 2, (uint16_t)(20 + len));
        put16(out + 4, (uint16_t)ident);
        if (frag_off >= 0)
            put16(out + 6, (uint16_t)((more ? 0x2000 : 0) | (frag_off / 8)));
        else
            put16(out + 6, 0x4000); /* DF */
        out[8] = 64;
        out[9] = 6;
        memcpy(out + 12, tp->src, 4);
        memcpy(out + 16, tp->dst, 4);
        return 20;
    }
    memset(out, 0, 40);
    out[0] = 0x60;
    put16(out + 4, (uint16_t)(len + (frag_off >= 0 ? 8 : 0)));
    out[6] = frag_off >= 0 ? 44 : 6;
    out[7] = 64;
    memcpy(out + 8, tp->src, 16);
    memcpy(out + 24, tp->dst, 16);
    if (frag_off < 0)
        return 40;
    uint8_t *fh = out + 40;
    memset(fh, 0, 8);
    fh[0] = 6;
    put16(fh + 2, (uint16_t)((frag_off & 0xFFF8) | (more ? 1 : 0)));
    put32(fh + 4, ident);
    return 48;
}

static uint32_t tcp_header(uint8_t *out, const struct tcp_pkt *tp, uint32_t seq, uint8_t flags)
{
    memset(out, 0, 20);
    put16(out, tp->sport);
    put16(out + 2, tp->dport);
    put32(out + 4, seq);
    put32(out + 8, tp->ack);
    out[12] = 0x50;
    out[13] = flags;
    put16(out + 14, 65535);
    return 20;
}

static uint8_t buf[2 * 65536 + 128];

/* one TCP segment as one IP packet, or (frag) as 8-byte fragments, last first */
static void write_segment(struct writer *w, const struct timespec *ts, const struct tcp_pkt *tp,
                          uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len, int frag)
{
    static uint8_t seg[65536 + 64];
    uint32_t t = tcp_header(seg, tp, seq, flags);
    memcpy(seg + t, data, len);
    uint32_t total = t + len;
    uint32_t ident = ++w->ident;
    if (!frag) {
        uint32_t h = ip_header(buf, tp, total, ident, -1, 0);
        memcpy(buf + h, seg, total);
        record(w, ts, buf, h + total);
        return;
    }
    uint32_t nfrag = (total + 7) / 8;
    for (uint32_t k = nfrag; k-- > 0;) {
        uint32_t off = k * 8, n = total - off < 8 ? total - off : 8;
        uint32_t h = ip_header(buf, tp, n, ident, (long)off, k + 1 < nfrag);
        memcpy(buf + h, seg + off, n);
        record(w, ts, buf, h + n);
    }
}

/* where a direction's protocol units end (mode frames): the kind of unit is guessed from the
 * stream's first byte and, after an HTTP header block, WebSocket frames follow. A wrong guess
 * only moves the cuts, which any segmentation may do. */
enum unit_kind { U_START, U_HTTP, U_WS, U_TLS, U_H2, U_OPAQUE };

struct cutter {
    enum unit_kind kind;
    struct ws_frame_parser ws; /* U_WS: the core's frame parser finds the frame ends */
    uint8_t tls_hdr[5];        /* U_TLS: the record header so far */
    unsigned tls_have;
    uint32_t tls_left; /* the record's bytes still to come */
    uint32_t tail;     /* U_HTTP: the header's last four bytes */
    uint8_t h2_hdr[9]; /* U_H2: the frame header so far */
    unsigned h2_have;
    uint32_t h2_left, h2_preface; /* the frame's payload, the preface's bytes still to come */
};

/* HTTP/2: the client's preface, then each frame (9-byte header and payload) is one unit */
static uint32_t h2_take(struct cutter *c, const uint8_t *p, uint32_t n, int *ended)
{
    uint32_t i = 0;
    while (i < n) {
        uint32_t *left = c->h2_preface ? &c->h2_preface : c->h2_left ? &c->h2_left : NULL;
        if (left) {
            uint32_t k = *left < n - i ? *left : n - i;
            i += k;
            *left -= k;
            if (!*left)
                return *ended = 1, i;
            continue;
        }
        c->h2_hdr[c->h2_have++] = p[i++];
        if (c->h2_have < 9)
            continue;
        c->h2_have = 0;
        c->h2_left = (uint32_t)c->h2_hdr[0] << 16 | (uint32_t)c->h2_hdr[1] << 8 | c->h2_hdr[2];
        if (!c->h2_left)
            return *ended = 1, i;
    }
    return i;
}

/* WebSocket frames: how many of the n bytes belong to the current frame */
static uint32_t ws_take(struct cutter *c, const uint8_t *p, uint32_t n, int *ended)
{
    uint32_t i = 0;
    while (i < n) {
        enum ws_frame_result r;
        const uint8_t *d;
        size_t dl;
        i += (uint32_t)ws_frame_feed(&c->ws, p + i, n - i, &r, &d, &dl);
        /* an empty frame whose header ended the previous burst ends here with no byte */
        if (r == WF_FRAME_END && i > 0)
            return *ended = 1, i;
        if (r == WF_ERR_LENGTH) { /* no more frame boundaries: the rest is one unit */
            c->kind = U_OPAQUE;
            return n;
        }
    }
    return i;
}

/* how many of the n bytes at p belong to the current unit; *ended when it ends there */
static uint32_t unit_take(struct cutter *c, const uint8_t *p, uint32_t n, int *ended)
{
    *ended = 0;
    if (c->kind == U_START) {
        int preface = n >= 4 && memcmp(p, "PRI ", 4) == 0;
        /* a client's preface, or a server's first SETTINGS frame (type 4 on stream 0) */
        if (preface || (n >= 9 && p[0] == 0 && p[3] == 4 && !p[5] && !p[6] && !p[7] && !p[8])) {
            c->kind = U_H2;
            c->h2_preface = preface ? 24 : 0;
        } else {
            c->kind = p[0] >= 20 && p[0] <= 23 ? U_TLS
                      : (p[0] >= 'A' && p[0] <= 'Z') ? U_HTTP
                                                      : U_WS;
        }
        ws_frame_init(&c->ws);
    }
    if (c->kind == U_H2)
        return h2_take(c, p, n, ended);
    if (c->kind == U_WS)
        return ws_take(c, p, n, ended);
    if (c->kind == U_OPAQUE)
        return n;
    uint32_t i = 0;
    while (i < n) {
        if (c->tls_left) {
            uint32_t k = c->tls_left < n - i ? c->tls_left : n - i;
            i += k;
            c->tls_left -= k;
            if (!c->tls_left)
                return *ended = 1, i;
            continue;
        }
        uint8_t b = p[i++];
        if (c->kind == U_HTTP) {
            c->tail = c->tail << 8 | b;
            if (c->tail == 0x0D0A0D0Au) { /* WebSocket frames follow the header block */
                c->kind = U_WS;
                return *ended = 1, i;
            }
            continue;
        }
        c->tls_hdr[c->tls_have++] = b;
        if (c->tls_have < 5)
            continue;
        c->tls_have = 0;
        c->tls_left = (uint32_t)c->tls_hdr[3] << 8 | c->tls_hdr[4];
        if (!c->tls_left)
            return *ended = 1, i;
    }
    return i;
}

/* a data burst being joined (mode whole), per direction of a connection */
struct pending {
    struct cutter cut; /* mode frames */
    struct tcp_pkt tp; /* addresses, ports, ACK of the last joined segment */
    struct timespec ts;
    uint32_t seq, len;
    uint8_t flags;
    uint8_t data[MAX_JOIN];
};

static GHashTable *pend; /* key: 37-byte direction key -> struct pending */

static void dir_key(const struct tcp_pkt *tp, int reverse, uint8_t k[37])
{
    memset(k, 0, 37);
    k[0] = tp->family;
    memcpy(k + 1, reverse ? tp->dst : tp->src, 16);
    memcpy(k + 17, reverse ? tp->src : tp->dst, 16);
    put16(k + 33, reverse ? tp->dport : tp->sport);
    put16(k + 35, reverse ? tp->sport : tp->dport);
}

static guint key_hash(gconstpointer p)
{
    const uint8_t *k = p;
    guint h = 2166136261u;
    for (int i = 0; i < 37; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

static gboolean key_eq(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 37) == 0;
}

/* one segment's data written as several: one byte each, or (cut) one protocol unit each; SYN
 * stays on the first piece, FIN and RST go on the last */
static void write_split(struct writer *w, const struct timespec *ts, const struct tcp_pkt *tp,
                        uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len,
                        struct cutter *cut)
{
    /* a SYN's data starts after the SYN's own sequence number */
    uint32_t dseq = seq + ((flags & TCP_SYN) ? 1 : 0);
    for (uint32_t i = 0; i < len;) {
        int ended;
        uint32_t n = cut ? unit_take(cut, data + i, len - i, &ended) : 1;
        uint8_t f = flags;
        if (i > 0)
            f &= (uint8_t)~TCP_SYN;
        if (i + n < len)
            f &= (uint8_t) ~(TCP_FIN | TCP_RST);
        write_segment(w, ts, tp, i == 0 ? seq : dseq + i, f, data + i, n, 0);
        i += n;
    }
}

static int frames_mode;

static void flush(struct writer *w, const uint8_t k[37])
{
    struct pending *p = g_hash_table_lookup(pend, k);
    if (!p || !p->len)
        return;
    if (frames_mode)
        write_split(w, &p->ts, &p->tp, p->seq, p->flags, p->data, p->len, &p->cut);
    else
        write_segment(w, &p->ts, &p->tp, p->seq, p->flags, p->data, p->len, 0);
    p->len = 0;
}

static void whole(struct writer *w, const struct timespec *ts, const struct tcp_pkt *tp)
{
    uint8_t me[37], peer[37];
    dir_key(tp, 0, me);
    dir_key(tp, 1, peer);
    flush(w, peer); /* the other side speaks: the burst before it goes first */
    struct pending *p = g_hash_table_lookup(pend, me);
    if (!p) {
        p = g_malloc0(sizeof *p);
        g_hash_table_insert(pend, g_memdup2(me, 37), p);
    }
    int plain = (tp->flags & ~(TCP_ACK | TCP_PSH)) == 0 && tp->len;
    if (p->len && (!plain || tp->seq != p->seq + p->len || p->len + tp->len > MAX_JOIN))
        flush(w, me);
    if (!plain) {
        if (frames_mode && tp->len)
            write_split(w, ts, tp, tp->seq, tp->flags, tp->payload, tp->len, &p->cut);
        else
            write_segment(w, ts, tp, tp->seq, tp->flags, tp->payload, tp->len, 0);
        return;
    }
    if (!p->len) {
        p->seq = tp->seq;
        p->flags = tp->flags;
    }
    memcpy(p->data + p->len, tp->payload, tp->len);
    p->len += tp->len;
    p->tp = *tp; /* the ACK of the latest segment */
    p->ts = *ts;
}

static void bytes_or_frag(struct writer *w, const struct timespec *ts, const struct tcp_pkt *tp,
                          int frag)
{
    if (!tp->len || frag)
        write_segment(w, ts, tp, tp->seq, tp->flags, tp->payload, tp->len, frag && tp->len);
    else
        write_split(w, ts, tp, tp->seq, tp->flags, tp->payload, tp->len, NULL);
}

static void on_defrag(void *ctx, uint64_t pkt, enum wsa_finding_id id, const char *detail)
{
    (void)ctx, (void)pkt, (void)id, (void)detail; /* the analyzer reports these itself */
}

static void one(struct writer *w, const char *mode, const struct timespec *ts,
                const struct tcp_pkt *tp)
{
    if (strcmp(mode, "whole") == 0 || strcmp(mode, "frames") == 0)
        whole(w, ts, tp);
    else
        bytes_or_frag(w, ts, tp, strcmp(mode, "frag") == 0);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "bytes") && strcmp(argv[1], "whole") &&
                      strcmp(argv[1], "frames") && strcmp(argv[1], "frag"))) {
        fprintf(stderr, "usage: resegment bytes|whole|frames|frag IN OUT\n");
        return 2;
    }
    const char *mode = argv[1];
    frames_mode = strcmp(mode, "frames") == 0;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline_with_tstamp_precision(argv[2], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!in) {
        fprintf(stderr, "resegment: %s\n", err);
        return 1;
    }
    struct writer w = {fopen(argv[3], "wb"), 0};
    if (!w.f) {
        perror(argv[3]);
        return 1;
    }
    uint32_t ghdr[6] = {0xA1B23C4D, 0x00040002u, 0, 0, 262144, 101}; /* ns, v2.4, RAW */
    fwrite(ghdr, sizeof ghdr, 1, w.f);
    pend = g_hash_table_new_full(key_hash, key_eq, g_free, g_free);
    int dlt = pcap_datalink(in), rc = 0;
    struct defrag *df = defrag_new(64u << 20, on_defrag, NULL);
    uint64_t pkt = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    int r;
    while ((r = pcap_next_ex(in, &h, &data)) == 1) {
        struct tcp_pkt tp;
        const char *why;
        struct timespec ts = {h->ts.tv_sec, (long)h->ts.tv_usec};
        if (h->caplen < h->len)
            rc = 3;
        enum decode_result d = decode_packet(dlt, data, h->caplen, h->len, &tp, &why);
        pkt++;
        if (d == DEC_FRAGMENT) {
            const uint8_t *ip;
            uint32_t ip_len;
            int idlt;
            if (!defrag_add(df, &tp, pkt, (double)ts.tv_sec, &ip, &ip_len, &idlt) ||
                decode_packet(idlt, ip, ip_len, ip_len, &tp, &why) != DEC_TCP)
                continue;
        } else if (d != DEC_TCP) {
            continue; /* only the TCP streams matter to the comparison */
        }
        if (tp.len < tp.wire_len)
            rc = 3;
        one(&w, mode, &ts, &tp);
    }
    defrag_free(df);
    if (r == PCAP_ERROR) {
        fprintf(stderr, "resegment: %s: %s\n", argv[2], pcap_geterr(in));
        rc = 1;
    }
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, pend);
    while (g_hash_table_iter_next(&it, &k, &v))
        flush(&w, k);
    g_hash_table_destroy(pend);
    pcap_close(in);
    fclose(w.f);
    return rc;
}
