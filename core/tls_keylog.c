/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_keylog.c - NSS key log parser and index; see tls_keylog.h.
 *
 * One GHashTable keyed by the 32-byte ClientHello random; each value holds every secret logged
 * for that random. Lines are parsed in place (no copy of the text); a line is
 * "LABEL <64 hex random> <hex secret>" with single spaces or tabs between the fields.
 */
#include "tls_keylog.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

struct tls_keylog {
    GHashTable *by_random;
    const struct tls_keylog *fallback;
    size_t bytes, cap;
    int cap_reported;
};

/* bytes one entry costs: the value, the hash node and GLib's bookkeeping, roughly */
#define ENTRY_COST (sizeof(struct tls_keys) + 64)

static const struct {
    const char *label;
    enum tls_secret_kind kind;
} labels[] = {
    {"CLIENT_RANDOM", TLS_SECRET_MASTER},
    {"CLIENT_EARLY_TRAFFIC_SECRET", TLS_SECRET_CLIENT_EARLY},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", TLS_SECRET_CLIENT_HS},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", TLS_SECRET_SERVER_HS},
    {"CLIENT_TRAFFIC_SECRET_0", TLS_SECRET_CLIENT_APP},
    {"SERVER_TRAFFIC_SECRET_0", TLS_SECRET_SERVER_APP},
};

static guint random_hash(gconstpointer p)
{
    guint h;
    memcpy(&h, (const uint8_t *)p + 8, sizeof h); /* the random is random */
    return h;
}

static gboolean random_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 32) == 0;
}

struct tls_keylog *tls_keylog_new(size_t mem_cap)
{
    struct tls_keylog *k = g_new0(struct tls_keylog, 1);
    k->by_random = g_hash_table_new_full(random_hash, random_equal, NULL, g_free);
    k->cap = mem_cap;
    return k;
}

void tls_keylog_free(struct tls_keylog *k)
{
    if (!k)
        return;
    g_hash_table_destroy(k->by_random);
    g_free(k);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* hex field of exactly 2*n characters into out; 0 on success */
static int unhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (slen != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* the next whitespace-separated field of [*p, end) */
static size_t field(const char **p, const char *end, const char **start)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    *start = *p;
    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    return (size_t)(*p - *start);
}

/* 1: a secret taken; 0: ignored (comment, blank, other label); -1: bad (why set) */
static int parse_line(struct tls_keylog *k, const char *s, const char *end, const char **why)
{
    const char *p = s, *lab, *rnd, *sec;
    size_t llen = field(&p, end, &lab);
    if (llen == 0 || lab[0] == '#')
        return 0;
    size_t rlen = field(&p, end, &rnd);
    size_t slen = field(&p, end, &sec);
    const char *extra;
    size_t xlen = field(&p, end, &extra);
    int kind = -1;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strlen(labels[i].label) == llen && memcmp(labels[i].label, lab, llen) == 0)
            kind = (int)labels[i].kind;
    if (kind < 0)
        return 0; /* a label we do not use (EXPORTER_SECRET, RSA, ...) */
    uint8_t random[32], secret[TLS_SECRET_MAX];
    if (!rlen || !slen || xlen) {
        *why = "expected LABEL CLIENT_RANDOM SECRET";
        return -1;
    }
    if (unhex(rnd, rlen, random, 32) < 0) {
        *why = "the client random is not 64 hex digits";
        return -1;
    }
    size_t n = slen / 2;
    if (slen % 2 || n > TLS_SECRET_MAX || unhex(sec, slen, secret, n) < 0 ||
        (kind == TLS_SECRET_MASTER ? n != 48 : n != 32 && n != 48 && n != 64)) {
        *why = kind == TLS_SECRET_MASTER ? "the master secret is not 96 hex digits"
                                         : "the secret is not 64, 96 or 128 hex digits";
        return -1;
    }
    struct tls_keys *e = g_hash_table_lookup(k->by_random, random);
    if (!e) {
        if (k->bytes + ENTRY_COST > k->cap) {
            *why = "key store full (--keylog-memcap): further connections' keys are dropped";
            return k->cap_reported++ ? -2 : -1;
        }
        e = g_new0(struct tls_keys, 1);
        memcpy(e->random, random, 32);
        g_hash_table_insert(k->by_random, e->random, e);
        k->bytes += ENTRY_COST;
    }
    e->len[kind] = (uint8_t)n;
    memcpy(e->secret[kind], secret, n);
    return 1;
}

size_t tls_keylog_add_text(struct tls_keylog *k, const char *text, size_t len,
                           tls_keylog_bad_fn bad, void *ctx)
{
    size_t taken = 0;
    unsigned long line = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *stop = le;
        if (stop > p && stop[-1] == '\r')
            stop--;
        const char *why = NULL;
        int r = parse_line(k, p, stop, &why);
        if (r > 0)
            taken++;
        else if (r == -1 && bad)
            bad(ctx, line, why);
        p = nl ? nl + 1 : end;
    }
    return taken;
}

const struct tls_keys *tls_keylog_find(const struct tls_keylog *k, const uint8_t random[32])
{
    for (; k; k = k->fallback) {
        const struct tls_keys *e = g_hash_table_lookup(k->by_random, random);
        if (e)
            return e;
    }
    return NULL;
}

void tls_keylog_chain(struct tls_keylog *k, const struct tls_keylog *fallback)
{
    k->fallback = fallback;
}

size_t tls_keylog_count(const struct tls_keylog *k)
{
    return k ? g_hash_table_size(k->by_random) : 0;
}
