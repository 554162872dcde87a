/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ip_defrag.c - IP fragment reassembly; see ip_defrag.h. */
#include "ip_defrag.h"

#include <arpa/inet.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAG_TIMEOUT 30.0  /* seconds of capture time (Linux net.ipv4.ipfrag_time) */
#define MAX_DGRAMS 4096    /* datagrams being reassembled at once */
#define MAX_PIECES 256     /* disjoint received ranges per datagram */
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229

struct dkey {
    uint32_t id;
    uint8_t family, pad[3];
    uint8_t src[16], dst[16];
};

struct range {
    uint32_t lo, hi; /* [lo, hi) */
};

struct dgram {
    struct dkey key;
    struct dgram *older, *newer; /* age list: first fragment's time */
    uint64_t first_pkt, last_pkt;
    double first_ts;
    unsigned nfrags, cut; /* fragments seen; of them cut by the snapshot length */
    uint8_t *buf;         /* datagram payload, written where received (first copy kept) */
    uint32_t buf_cap;
    struct range have[MAX_PIECES]; /* received ranges, sorted and merged */
    unsigned npieces;
    int64_t total; /* payload length, known from the last fragment (-1 before) */
    uint8_t hdr[60];
    uint32_t hdr_len;
    uint8_t have_first, conflict_reported, pkts_lost;
    uint64_t *pkts; /* the packets of its fragments (nfrags of them) */
};

struct defrag {
    GHashTable *map;
    struct dgram *oldest, *newest;
    size_t n, used, cap;
    defrag_report_fn report;
    void *ctx;
    uint8_t *out; /* the last reassembled packet */
    uint64_t *done_pkts; /* the packets of its fragments */
    size_t ndone;
    double now;
};

static guint dkey_hash(gconstpointer p)
{
    const struct dkey *k = p;
    guint h = k->id * 2654435761u ^ k->family;
    for (int i = 0; i < 16; i++)
        h = (h ^ k->src[i] ^ ((guint)k->dst[i] << 8)) * 16777619u;
    return h;
}

static gboolean dkey_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(struct dkey)) == 0;
}

struct defrag *defrag_new(size_t memcap, defrag_report_fn report, void *ctx)
{
    struct defrag *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->map = g_hash_table_new(dkey_hash, dkey_equal);
    d->cap = memcap;
    d->report = report;
    d->ctx = ctx;
    return d;
}

static size_t cost(const struct dgram *g)
{
    return sizeof *g + g->buf_cap;
}

static void unlink_dgram(struct defrag *d, struct dgram *g)
{
    if (g->older)
        g->older->newer = g->newer;
    else
        d->oldest = g->newer;
    if (g->newer)
        g->newer->older = g->older;
    else
        d->newest = g->older;
    g_hash_table_remove(d->map, &g->key);
    d->n--;
    d->used -= cost(g);
    free(g->buf);
    free(g->pkts);
    free(g);
}

static void describe(const struct dgram *g, char *out, size_t n)
{
    char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
    int af = g->key.family == 4 ? AF_INET : AF_INET6;
    inet_ntop(af, g->key.src, s, sizeof s);
    inet_ntop(af, g->key.dst, t, sizeof t);
    if (g->nfrags == 1)
        snprintf(out, n, "IPv%u datagram %s -> %s id 0x%x (1 fragment, packet %llu)",
                 g->key.family, s, t, g->key.id, (unsigned long long)g->first_pkt);
    else
        snprintf(out, n, "IPv%u datagram %s -> %s id 0x%x (%u fragments, packets %llu-%llu)",
                 g->key.family, s, t, g->key.id, g->nfrags, (unsigned long long)g->first_pkt,
                 (unsigned long long)g->last_pkt);
}

/* "0-1479, 2960-end (the last fragment)": what was never received */
static void missing_ranges(const struct dgram *g, char *out, size_t n)
{
    size_t w = 0;
    uint32_t at = 0;
    unsigned shown = 0;
    out[0] = '\0';
    for (unsigned i = 0; i <= g->npieces; i++) {
        uint32_t lo = i < g->npieces ? g->have[i].lo : g->total >= 0 ? (uint32_t)g->total : 0;
        int open_end = i == g->npieces && g->total < 0;
        if (lo > at || open_end) {
            if (w >= n || shown++ == 8) {
                if (w < n)
                    snprintf(out + w, n - w, ", ...");
                break;
            }
            if (open_end)
                w += (size_t)snprintf(out + w, n - w, "%s%u-end (the last fragment)",
                                      shown > 1 ? ", " : "", at);
            else
                w += (size_t)snprintf(out + w, n - w, "%s%u-%u", shown > 1 ? ", " : "", at,
                                      lo - 1);
        }
        if (i < g->npieces)
            at = g->have[i].hi;
    }
}

static void drop_incomplete(struct defrag *d, struct dgram *g, const char *why, int memcap)
{
    char who[200], miss[200], detail[512];
    describe(g, who, sizeof who);
    missing_ranges(g, miss, sizeof miss);
    char of[32] = "";
    if (g->total >= 0)
        snprintf(of, sizeof of, " of %lld", (long long)g->total);
    snprintf(detail, sizeof detail,
             "%s %s; payload bytes %s%s never captured%s; its data is missing from the TCP "
             "stream",
             who, why, miss, of,
             g->cut ? " (fragments were cut by the capture's snapshot length)" : "");
    d->report(d->ctx, g->first_pkt, memcap ? F_D_STREAM_MEMCAP : F_D_IP_FRAGMENT, detail);
    unlink_dgram(d, g);
}

static void drop_malformed(struct defrag *d, struct dgram *g, uint64_t pkt, const char *why)
{
    char who[200], detail[400];
    describe(g, who, sizeof who);
    snprintf(detail, sizeof detail, "%s: %s; the datagram is dropped", who, why);
    d->report(d->ctx, pkt, F_D_PACKET_MALFORMED, detail);
    unlink_dgram(d, g);
}

void defrag_expire(struct defrag *d, double now)
{
    if (now > d->now)
        d->now = now;
    while (d->oldest && d->now - d->oldest->first_ts > FRAG_TIMEOUT)
        drop_incomplete(d, d->oldest, "incomplete after 30 s", 0);
}

void defrag_flush(struct defrag *d)
{
    while (d->oldest)
        drop_incomplete(d, d->oldest, "incomplete at the end of the capture", 0);
    d->now = 0;
}

void defrag_free(struct defrag *d)
{
    if (!d)
        return;
    while (d->oldest)
        unlink_dgram(d, d->oldest);
    g_hash_table_destroy(d->map);
    free(d->out);
    free(d->done_pkts);
    free(d);
}

static struct dgram *find_or_add(struct defrag *d, const struct tcp_pkt *tp, uint64_t pkt,
                                 double ts)
{
    struct dkey k;
    memset(&k, 0, sizeof k);
    k.id = tp->frag.id;
    k.family = tp->family;
    memcpy(k.src, tp->src, 16);
    memcpy(k.dst, tp->dst, 16);
    struct dgram *g = g_hash_table_lookup(d->map, &k);
    if (g)
        return g;
    while (d->n >= MAX_DGRAMS || (d->oldest && d->used + sizeof *g > d->cap))
        drop_incomplete(d, d->oldest, "dropped to make room (fragment memory limit)", 1);
    g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->key = k;
    g->first_pkt = pkt;
    g->first_ts = ts;
    g->total = -1;
    g->older = d->newest;
    if (d->newest)
        d->newest->newer = g;
    else
        d->oldest = g;
    d->newest = g;
    g_hash_table_insert(d->map, &g->key, g);
    d->n++;
    d->used += cost(g);
    return g;
}

static int grow(struct defrag *d, struct dgram *g, uint32_t need)
{
    if (need <= g->buf_cap)
        return 0;
    uint32_t cap = g->buf_cap ? g->buf_cap : 2048;
    while (cap < need)
        cap *= 2;
    if (cap > 65536)
        cap = 65536;
    uint8_t *p = realloc(g->buf, cap);
    if (!p)
        return -1;
    d->used += cap - g->buf_cap;
    g->buf = p;
    g->buf_cap = cap;
    return 0;
}

/* Write [lo, hi) where nothing was received yet; compare where something was. Returns 1 when
 * received bytes differ from the new copy. */
static int place(struct dgram *g, uint32_t lo, uint32_t hi, const uint8_t *data)
{
    int differ = 0;
    uint32_t at = lo;
    for (unsigned i = 0; i < g->npieces && at < hi; i++) {
        struct range r = g->have[i];
        if (r.hi <= at)
            continue;
        if (r.lo >= hi)
            break;
        if (r.lo > at) /* a hole before this range */
            memcpy(g->buf + at, data + (at - lo), r.lo - at);
        uint32_t a = r.lo > at ? r.lo : at, b = r.hi < hi ? r.hi : hi;
        if (memcmp(g->buf + a, data + (a - lo), b - a) != 0)
            differ = 1;
        at = b;
    }
    if (at < hi)
        memcpy(g->buf + at, data + (at - lo), hi - at);
    return differ;
}

/* Add [lo, hi) to the sorted, merged ranges; -1 when there are too many. */
static int add_range(struct dgram *g, uint32_t lo, uint32_t hi)
{
    unsigned i = 0;
    while (i < g->npieces && g->have[i].hi < lo)
        i++;
    unsigned j = i;
    while (j < g->npieces && g->have[j].lo <= hi) {
        if (g->have[j].lo < lo)
            lo = g->have[j].lo;
        if (g->have[j].hi > hi)
            hi = g->have[j].hi;
        j++;
    }
    /* ranges i..j-1 merge into one */
    if (i == j) {
        if (g->npieces == MAX_PIECES)
            return -1;
        memmove(&g->have[i + 1], &g->have[i], (g->npieces - i) * sizeof g->have[0]);
        g->npieces++;
    } else if (j - i > 1) {
        memmove(&g->have[i + 1], &g->have[j], (g->npieces - j) * sizeof g->have[0]);
        g->npieces -= j - i - 1;
    }
    g->have[i] = (struct range){lo, hi};
    return 0;
}

const uint64_t *defrag_done_pkts(const struct defrag *d, size_t *n)
{
    *n = d->ndone;
    return d->done_pkts;
}

/* The packet numbers of a datagram's fragments, for -w (the list doubles as it grows). */
static void note_fragment_pkt(struct dgram *g, uint64_t pkt)
{
    if (!g->pkts_lost && !(g->nfrags & (g->nfrags - 1))) { /* 0 or a power of two: double */
        uint64_t *np = realloc(g->pkts, sizeof *np * (g->nfrags ? g->nfrags * 2 : 2));
        if (!np) {
            free(g->pkts);
            g->pkts_lost = 1; /* out of memory: the datagram is still reassembled */
        }
        g->pkts = np;
    }
    if (g->pkts)
        g->pkts[g->nfrags] = pkt;
    g->nfrags++;
}

/* Where the fragment lies must agree with the datagram: within what an IP datagram holds,
 * within the length its last fragment gave. 0, or -1 when the datagram was dropped. */
static int check_bounds(struct defrag *d, struct dgram *g, const struct ip_frag *fr, int family,
                        uint64_t pkt)
{
    uint32_t limit = family == 4 ? 65535 - fr->ip_hdr_len : 65535;
    uint64_t end = (uint64_t)fr->off + fr->wire_len;
    if (end > limit) {
        char why[120];
        snprintf(why, sizeof why, "a fragment ends at byte %llu, beyond the %u bytes an IP "
                 "datagram can hold", (unsigned long long)end, limit);
        drop_malformed(d, g, pkt, why);
        return -1;
    }
    if (!fr->more) {
        if (g->total >= 0 && g->total != (int64_t)end) {
            drop_malformed(d, g, pkt, "two last fragments give different datagram lengths");
            return -1;
        }
        g->total = (int64_t)end;
    }
    if (g->total >= 0 && end > (uint64_t)g->total) {
        drop_malformed(d, g, pkt, "a fragment lies past the datagram's end");
        return -1;
    }
    return 0;
}

/* The fragment's bytes into the datagram; an overlap with other bytes is reported once and
 * the first copy kept. 0, or -1 when the datagram was dropped. */
static int store_fragment(struct defrag *d, struct dgram *g, const struct ip_frag *fr, uint64_t pkt)
{
    uint32_t lo = fr->off, hi = fr->off + fr->len;
    if (grow(d, g, hi) < 0)
        return -1;
    if (place(g, lo, hi, fr->data) && !g->conflict_reported) {
        char who[200], detail[400];
        g->conflict_reported = 1;
        describe(g, who, sizeof who);
        snprintf(detail, sizeof detail, "%s: the fragment in packet %llu overlaps bytes "
                 "already received with different data; the first copy is kept",
                 who, (unsigned long long)pkt);
        d->report(d->ctx, pkt, F_W_IP_FRAGMENT_OVERLAP, detail);
    }
    if (add_range(g, lo, hi) < 0) {
        drop_incomplete(d, g, "has too many separate pieces", 1);
        return -1;
    }
    return 0;
}

/* A complete datagram as one IP packet: the first fragment's header, the whole payload. */
static int emit_datagram(struct defrag *d, struct dgram *g, uint8_t proto, const uint8_t **ip,
                         uint32_t *ip_len, int *dlt)
{
    uint32_t total = (uint32_t)g->total, n = g->hdr_len + total;
    uint8_t *out = realloc(d->out, n ? n : 1);
    if (!out) {
        drop_incomplete(d, g, "could not be reassembled (out of memory)", 1);
        return 0;
    }
    d->out = out;
    memcpy(out, g->hdr, g->hdr_len);
    memcpy(out + g->hdr_len, g->buf, total);
    if (g->key.family == 4) {
        out[2] = (uint8_t)(n >> 8);
        out[3] = (uint8_t)n;
        out[6] = out[7] = 0;   /* no fragment fields */
        out[10] = out[11] = 0; /* checksum not recomputed (not checked either) */
        *dlt = LINKTYPE_IPV4;
    } else {
        out[4] = (uint8_t)(total >> 8);
        out[5] = (uint8_t)total;
        out[6] = proto; /* the Fragment header's next header */
        *dlt = LINKTYPE_IPV6;
    }
    *ip = out;
    *ip_len = n;
    free(d->done_pkts);
    d->done_pkts = g->pkts;
    d->ndone = g->pkts ? g->nfrags : 0;
    g->pkts = NULL;
    unlink_dgram(d, g);
    return 1;
}

int defrag_add(struct defrag *d, const struct tcp_pkt *tp, uint64_t pkt, double ts,
               const uint8_t **ip, uint32_t *ip_len, int *dlt)
{
    const struct ip_frag *fr = &tp->frag;
    defrag_expire(d, ts);
    struct dgram *g = find_or_add(d, tp, pkt, ts);
    if (!g)
        return 0;
    note_fragment_pkt(g, pkt);
    g->last_pkt = pkt;
    if (fr->len < fr->wire_len)
        g->cut++;
    if (check_bounds(d, g, fr, tp->family, pkt) < 0)
        return 0;
    if (fr->off == 0 && !g->have_first && fr->ip_hdr_len <= sizeof g->hdr) {
        memcpy(g->hdr, fr->ip_hdr, fr->ip_hdr_len);
        g->hdr_len = fr->ip_hdr_len;
        g->have_first = 1;
    }
    if (fr->len && store_fragment(d, g, fr, pkt) < 0)
        return 0;
    while (d->used > d->cap && d->oldest && d->oldest != g)
        drop_incomplete(d, d->oldest, "dropped to make room (fragment memory limit)", 1);
    int whole = g->total == 0 || (g->npieces == 1 && g->have[0].lo == 0 &&
                                   g->have[0].hi == (uint32_t)g->total);
    if (g->total < 0 || !g->have_first || !whole)
        return 0;
    return emit_datagram(d, g, fr->proto, ip, ip_len, dlt);
}
