/* SPDX-License-Identifier: GPL-2.0-or-later */
/* evidence.c - the connections with findings, written as pcapng; see evidence.h. */
#include "evidence.h"
#include "pcapng.h"

#include "../core/tls_keylog.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* a flow in one capture: the capture's number in the top bits, the flow's + 1 below */
#define FLOW_BITS 40

struct evidence {
    FILE *out;
    const char *name;
    int level;
    const char *const *ids;
    int nids;
    uint64_t epoch;   /* captures begun (each file, or one merged capture) */
    uint64_t seq;     /* packets read in this pass */
    GArray *pkt_flow; /* per packet read: its flow key, 0 for none */
    GHashTable *flows; /* flow keys with a finding that counts */
    GHashTable *pkts;  /* packets (seq) with such a finding outside any connection */
    GHashTable *keys;  /* flow key -> its TLS secrets (struct tls_keys) */
    GArray *epoch_start; /* per capture: the packets read before it */
    /* the second pass */
    int rewound;
    uint64_t epoch2, seq2, limit2, written;
    char failed[160]; /* why the file could not be written, "" when it could */
    int dlts[16], ndlt; /* the pcapng interface of each link type written */
    int header_done;
};

struct evidence *evidence_new(FILE *out, const char *out_name, int level, const char *const *ids,
                              int nids)
{
    struct evidence *ev = calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    ev->out = out;
    ev->name = out_name;
    ev->level = level;
    ev->ids = ids;
    ev->nids = nids;
    ev->pkt_flow = g_array_new(FALSE, TRUE, sizeof(uint64_t));
    ev->epoch_start = g_array_new(FALSE, TRUE, sizeof(uint64_t));
    ev->flows = g_hash_table_new(g_int64_hash, g_int64_equal);
    ev->pkts = g_hash_table_new(g_int64_hash, g_int64_equal);
    ev->keys = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    return ev;
}

static void free_key(gpointer k, gpointer v, gpointer d)
{
    (void)v;
    (void)d;
    g_free(k);
}

void evidence_free(struct evidence *ev)
{
    if (!ev)
        return;
    g_hash_table_foreach(ev->flows, free_key, NULL);
    g_hash_table_foreach(ev->pkts, free_key, NULL);
    g_hash_table_destroy(ev->flows);
    g_hash_table_destroy(ev->pkts);
    g_hash_table_destroy(ev->keys);
    g_array_free(ev->pkt_flow, TRUE);
    g_array_free(ev->epoch_start, TRUE);
    free(ev);
}

/* A capture's packets are counted from where it began, in both passes: a capture the
 * analysis stopped reading early (an error) cannot shift the packets of those after it. */
void evidence_file(struct evidence *ev)
{
    if (!ev->rewound) {
        g_array_append_val(ev->epoch_start, ev->seq);
        ev->epoch++;
        return;
    }
    ev->epoch2++;
    guint ne = ev->epoch_start->len;
    ev->seq2 = ev->epoch2 <= ne ? g_array_index(ev->epoch_start, uint64_t, ev->epoch2 - 1) : 0;
    ev->limit2 = ev->epoch2 < ne    ? g_array_index(ev->epoch_start, uint64_t, ev->epoch2)
                 : ev->epoch2 == ne ? ev->seq
                                    : 0;
}

void evidence_packet(struct evidence *ev)
{
    uint64_t none = 0;
    g_array_append_val(ev->pkt_flow, none);
    ev->seq++;
}

static uint64_t flow_key(const struct evidence *ev, uint64_t flow)
{
    return ev->epoch << FLOW_BITS | ((flow + 1) & (((uint64_t)1 << FLOW_BITS) - 1));
}

void evidence_keys(struct evidence *ev, uint64_t flow, const struct tls_keys *k)
{
    uint64_t key = flow_key(ev, flow);
    if (g_hash_table_contains(ev->keys, &key))
        return;
    g_hash_table_insert(ev->keys, g_memdup2(&key, sizeof key), g_memdup2(k, sizeof *k));
}

void evidence_flow(struct evidence *ev, uint64_t flow)
{
    if (ev->seq)
        g_array_index(ev->pkt_flow, uint64_t, ev->seq - 1) = flow_key(ev, flow);
}

static int counts(const struct evidence *ev, enum wsa_finding_id id)
{
    const struct wsa_finding_info *fi = wsa_finding_info(id);
    if (!ev->nids)
        return (int)fi->severity >= ev->level;
    for (int i = 0; i < ev->nids; i++) {
        size_t n = strlen(ev->ids[i]);
        if (n && ev->ids[i][n - 1] == '*' ? strncmp(fi->id, ev->ids[i], n - 1) == 0
                                          : strcmp(fi->id, ev->ids[i]) == 0)
            return 1;
    }
    return 0;
}

static void mark(GHashTable *t, uint64_t key)
{
    if (g_hash_table_contains(t, &key))
        return;
    uint64_t *k = g_new(uint64_t, 1);
    *k = key;
    g_hash_table_add(t, k);
}

/* packet pkt of the capture being analysed, as counted over all the packets read; 0 if none */
static uint64_t seq_of(const struct evidence *ev, uint64_t pkt)
{
    if (!ev->epoch_start->len)
        return 0;
    uint64_t s = g_array_index(ev->epoch_start, uint64_t, ev->epoch_start->len - 1) + pkt;
    return pkt && s <= ev->seq ? s : 0;
}

void evidence_finding(struct evidence *ev, int64_t flow, enum wsa_finding_id id, uint64_t pkt)
{
    if (!counts(ev, id))
        return;
    uint64_t s;
    if (flow >= 0)
        mark(ev->flows, flow_key(ev, (uint64_t)flow));
    else if ((s = seq_of(ev, pkt))) /* a malformed or cut packet, an incomplete datagram */
        mark(ev->pkts, s);
}

void evidence_like(struct evidence *ev, const uint64_t *pkts, size_t n)
{
    if (!ev->seq)
        return;
    uint64_t key = g_array_index(ev->pkt_flow, uint64_t, ev->seq - 1), s;
    for (size_t i = 0; i < n; i++)
        if ((s = seq_of(ev, pkts[i])))
            g_array_index(ev->pkt_flow, uint64_t, s - 1) = key;
}

int evidence_wanted(const struct evidence *ev)
{
    return g_hash_table_size(ev->flows) || g_hash_table_size(ev->pkts);
}

void evidence_rewind(struct evidence *ev)
{
    ev->rewound = 1;
    ev->epoch2 = ev->seq2 = ev->limit2 = 0;
}

const char *evidence_failed(const struct evidence *ev)
{
    return ev->failed[0] ? ev->failed : NULL;
}

/* ---- pcapng (the pcapng draft: SHB, one IDB per link type, EPBs) ---- */

static int put32(FILE *f, uint32_t v)
{
    return fwrite(&v, 4, 1, f) == 1 ? 0 : -1; /* host order: the SHB's magic says which */
}

static int block(FILE *f, uint32_t type, const void *body, uint32_t len, const void *data,
                 uint32_t dlen)
{
    uint32_t pad = (4 - dlen % 4) % 4, total = 12 + len + dlen + pad;
    static const uint8_t zero[4];
    if (put32(f, type) || put32(f, total) || (len && fwrite(body, len, 1, f) != 1) ||
        (dlen && fwrite(data, dlen, 1, f) != 1) || (pad && fwrite(zero, pad, 1, f) != 1) ||
        put32(f, total))
        return -1;
    return 0;
}

/* The secrets of the connections written, as NSS key log lines in a Decryption Secrets Block
 * (Wireshark and wsaudit read them from the file itself). Only theirs: a key log may hold the
 * secrets of connections that are not handed on. */
static int write_secrets(struct evidence *ev)
{
    static const char *const label[TLS_SECRET_KINDS] = {
        "CLIENT_RANDOM", "CLIENT_EARLY_TRAFFIC_SECRET", "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
    GString *text = g_string_new(NULL);
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, ev->keys);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        if (!g_hash_table_contains(ev->flows, key))
            continue;
        const struct tls_keys *k = val;
        for (int kind = 0; kind < TLS_SECRET_KINDS; kind++) {
            if (!k->len[kind])
                continue;
            g_string_append_printf(text, "%s ", label[kind]);
            for (int i = 0; i < 32; i++)
                g_string_append_printf(text, "%02x", k->random[i]);
            g_string_append_c(text, ' ');
            for (int i = 0; i < k->len[kind]; i++)
                g_string_append_printf(text, "%02x", k->secret[kind][i]);
            g_string_append_c(text, '\n');
        }
    }
    int rc = 0;
    if (text->len) {
        /* secrets type 'TLSK' (0x544c534b), length; then the text, padded */
        uint32_t hdr[2] = {0x544c534b, (uint32_t)text->len};
        rc = block(ev->out, PCAPNG_DSB, hdr, sizeof hdr, text->str, (uint32_t)text->len);
    }
    g_string_free(text, TRUE);
    return rc;
}

/* the Section Header Block: byte-order magic, version 1.0, section length unknown */
static int write_header(struct evidence *ev)
{
    uint8_t shb[16];
    uint32_t magic = 0x1A2B3C4D;
    uint16_t ver[2] = {1, 0};
    int64_t len = -1;
    memcpy(shb, &magic, 4);
    memcpy(shb + 4, ver, 4);
    memcpy(shb + 8, &len, 8);
    if (block(ev->out, PCAPNG_SHB, shb, sizeof shb, NULL, 0))
        return -1;
    ev->header_done = 1;
    return write_secrets(ev);
}

static int interface_of(struct evidence *ev, int dlt)
{
    for (int i = 0; i < ev->ndlt; i++)
        if (ev->dlts[i] == dlt)
            return i;
    if (ev->ndlt == (int)(sizeof ev->dlts / sizeof ev->dlts[0]))
        return -1;
    /* link type, reserved, snap length 0 (none); if_tsresol 9: nanoseconds; end of options */
    uint8_t idb[20] = {0};
    uint16_t lt = (uint16_t)dlt, opt[2] = {9, 1};
    memcpy(idb, &lt, 2);
    memcpy(idb + 8, opt, 4);
    idb[12] = 9;
    if (block(ev->out, PCAPNG_IDB, idb, sizeof idb, NULL, 0))
        return -2;
    ev->dlts[ev->ndlt] = dlt;
    return ev->ndlt++;
}

int evidence_take(struct evidence *ev, const struct pcap_pkthdr *h, const u_char *data, int dlt,
                  char *err, size_t n)
{
    if (ev->seq2 >= ev->limit2)
        return 0; /* past what the analysis read of this capture (it stopped early) */
    uint64_t seq = ++ev->seq2;
    uint64_t key = g_array_index(ev->pkt_flow, uint64_t, seq - 1);
    if (!(key && g_hash_table_contains(ev->flows, &key)) && !g_hash_table_contains(ev->pkts, &seq))
        return 0;
    if (!ev->header_done && write_header(ev) < 0)
        goto fail;
    int ifc = interface_of(ev, dlt);
    if (ifc == -2)
        goto fail;
    if (ifc < 0) {
        snprintf(ev->failed, sizeof ev->failed, "more than 16 link types");
        snprintf(err, n, "%s", ev->failed);
        return -1;
    }
    /* the times are nanoseconds here (the captures are read with nanosecond precision) */
    uint64_t ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
    uint32_t epb[5] = {(uint32_t)ifc, (uint32_t)(ns >> 32), (uint32_t)ns, h->caplen, h->len};
    if (block(ev->out, PCAPNG_EPB, epb, sizeof epb, data, h->caplen))
        goto fail;
    ev->written++;
    return 0;
fail:
    snprintf(ev->failed, sizeof ev->failed, "%s", strerror(errno));
    snprintf(err, n, "%s", ev->failed);
    return -1;
}

int evidence_finish(struct evidence *ev, char *err, size_t n)
{
    if (!ev->header_done) { /* nothing counted: still a capture Wireshark opens (empty) */
        if (write_header(ev) < 0) {
            snprintf(err, n, "%s", strerror(errno));
            return -1;
        }
    }
    if (fflush(ev->out) != 0 || ferror(ev->out)) {
        snprintf(err, n, "%s", errno ? strerror(errno) : "write error");
        return -1;
    }
    return 0;
}

void evidence_counts(const struct evidence *ev, uint64_t *packets, uint64_t *conns)
{
    *packets = ev->written;
    *conns = g_hash_table_size(ev->flows);
}

const char *evidence_name(const struct evidence *ev)
{
    return ev->name;
}
