/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcapng.c - pcapng reader with a link type per interface; see pcapng.h. Block layouts follow
 * the pcapng specification (draft-ietf-opsawg-pcapng): SHB 0x0A0D0D0A, IDB 1, PB 2, SPB 3,
 * EPB 6. */
#include "pcapng.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_MAX (16u << 20)
#define IFACE_MAX 4096

struct iface {
    int dlt;
    uint32_t snaplen;
    uint8_t base2; /* resolution is 2^-exp instead of 10^-exp */
    uint8_t exp;
    int64_t offset; /* if_tsoffset, seconds */
};

struct pcapng_reader {
    FILE *f;
    uint64_t pos; /* file offset of the next block */
    int swap;     /* the section's byte order is not ours */
    uint8_t *buf;
    size_t cap;
    struct iface *ifs;
    size_t nifs, cap_ifs; /* grown as interfaces come, up to IFACE_MAX */
};

static uint32_t rd32(const struct pcapng_reader *r, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return r->swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct pcapng_reader *r, const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return r->swap ? __builtin_bswap16(v) : v;
}

static int fail(char *err, size_t n, uint64_t at, const char *what)
{
    snprintf(err, n, "pcapng: %s (block at byte offset %llu)", what, (unsigned long long)at);
    return -1;
}

/* The rest of a block of `total` bytes whose first `done` bytes were read: into r->buf, the
 * trailing length checked. */
static int read_rest(struct pcapng_reader *r, uint32_t total, uint32_t done, char *err, size_t n)
{
    uint64_t at = r->pos;
    uint32_t rest = total - done;
    if (rest > r->cap) {
        uint8_t *p = realloc(r->buf, rest);
        if (!p)
            return fail(err, n, at, "out of memory");
        r->buf = p;
        r->cap = rest;
    }
    if (fread(r->buf, 1, rest, r->f) != rest)
        return fail(err, n, at, "file ends inside a block");
    if (rd32(r, r->buf + rest - 4) != total)
        return fail(err, n, at, "trailing block length differs from the leading one");
    r->pos += total;
    return 0;
}

/* Read a whole block whose first 8 bytes are in hdr; the body lands in r->buf. */
static int read_block(struct pcapng_reader *r, const uint8_t hdr[8], uint32_t *type,
                      uint32_t *body_len, char *err, size_t n)
{
    uint64_t at = r->pos;
    *type = rd32(r, hdr);
    uint32_t total = rd32(r, hdr + 4);
    if (total < 12 || total % 4)
        return fail(err, n, at, "block length not a multiple of 4 or below 12");
    if (total > BLOCK_MAX)
        return fail(err, n, at, "block longer than 16 MiB");
    if (read_rest(r, total, 8, err, n) < 0)
        return -1;
    *body_len = total - 12; /* without the header and the trailing length */
    return 0;
}

/* Section Header Block: byte-order magic, then the block. */
static int section(struct pcapng_reader *r, const uint8_t hdr[8], char *err, size_t n)
{
    uint8_t bom[4];
    uint64_t at = r->pos;
    if (fread(bom, 1, 4, r->f) != 4)
        return fail(err, n, at, "file ends inside the section header");
    uint32_t magic;
    memcpy(&magic, bom, 4);
    if (magic == 0x1A2B3C4D)
        r->swap = 0;
    else if (magic == 0x4D3C2B1A)
        r->swap = 1;
    else
        return fail(err, n, at, "bad byte-order magic in the section header");
    uint32_t total = rd32(r, hdr + 4);
    if (total < 28 || total % 4 || total > BLOCK_MAX)
        return fail(err, n, at, "bad section header length");
    if (read_rest(r, total, 12, err, n) < 0)
        return -1;
    if (rd16(r, r->buf) != 1)
        return fail(err, n, at, "unsupported pcapng major version");
    r->nifs = 0; /* interfaces are numbered per section */
    return 0;
}

static int interface(struct pcapng_reader *r, uint32_t body, char *err, size_t n, uint64_t at)
{
    if (body < 8)
        return fail(err, n, at, "interface description too short");
    if (r->nifs == IFACE_MAX)
        return fail(err, n, at, "more than 4096 interfaces");
    if (r->nifs == r->cap_ifs) {
        size_t cap = r->cap_ifs ? r->cap_ifs * 2 : 4;
        struct iface *grown = realloc(r->ifs, cap * sizeof *r->ifs);
        if (!grown)
            return fail(err, n, at, "out of memory");
        r->ifs = grown;
        r->cap_ifs = cap;
    }
    struct iface *i = &r->ifs[r->nifs];
    const uint8_t *b = r->buf;
    i->dlt = rd16(r, b);
    i->snaplen = rd32(r, b + 4);
    i->base2 = 0;
    i->exp = 6; /* microseconds unless if_tsresol says otherwise */
    i->offset = 0;
    for (uint32_t o = 8; o + 4 <= body;) {
        uint16_t code = rd16(r, b + o), len = rd16(r, b + o + 2);
        uint32_t padded = ((uint32_t)len + 3u) & ~3u;
        if (code == 0)
            break;
        if (o + 4 + padded > body)
            return fail(err, n, at, "interface option runs past its block");
        if (code == 9 && len == 1) {
            uint8_t v = b[o + 4];
            i->base2 = (v & 0x80) != 0;
            i->exp = v & 0x7F;
            if ((!i->base2 && i->exp > 18) || (i->base2 && i->exp > 63))
                return fail(err, n, at, "if_tsresol out of range");
        } else if (code == 14 && len == 8) { /* one 64-bit value in the section's order */
            uint64_t raw;
            memcpy(&raw, b + o + 4, 8);
            i->offset = (int64_t)(r->swap ? __builtin_bswap64(raw) : raw);
        }
        o += 4 + padded;
    }
    r->nifs++;
    return 0;
}

static void timestamp(const struct iface *i, uint64_t t, struct pcapng_packet *p)
{
    unsigned __int128 units = 1;
    if (i->base2)
        units = (unsigned __int128)1 << i->exp;
    else
        for (int k = 0; k < i->exp; k++)
            units *= 10;
    p->sec = (int64_t)(t / units) + i->offset;
    p->nsec = (uint32_t)(((unsigned __int128)(t % units) * 1000000000u) / units);
}

struct pcapng_reader *pcapng_open(FILE *f, char *err, size_t errlen)
{
    struct pcapng_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->f = f;
    uint8_t hdr[8];
    if (fread(hdr, 1, 8, f) != 8 || memcmp(hdr, "\x0A\x0D\x0D\x0A", 4) != 0) {
        snprintf(err, errlen, "not a pcapng file");
        free(r);
        return NULL;
    }
    if (section(r, hdr, err, errlen) < 0) {
        pcapng_close(r);
        return NULL;
    }
    return r;
}

/* One loop over blocks until a packet: one branch per block type, each reading its fields. */
int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *p, char *err, size_t n)
{
    for (;;) {
        uint8_t hdr[8];
        uint64_t at = r->pos;
        size_t got = fread(hdr, 1, 8, r->f);
        if (got == 0)
            return 0;
        if (got < 8)
            return fail(err, n, at, "file ends inside a block header");
        if (memcmp(hdr, "\x0A\x0D\x0D\x0A", 4) == 0) {
            if (section(r, hdr, err, n) < 0)
                return -1;
            continue;
        }
        uint32_t type, body;
        if (read_block(r, hdr, &type, &body, err, n) < 0)
            return -1;
        const uint8_t *b = r->buf;
        if (type == PCAPNG_IDB) {
            if (interface(r, body, err, n, at) < 0)
                return -1;
            continue;
        }
        uint32_t ifid, caplen, len, data_at;
        uint64_t t = 0;
        if (type == PCAPNG_EPB || type == PCAPNG_PB) {
            if (body < 20)
                return fail(err, n, at, "packet block too short");
            ifid = type == PCAPNG_EPB ? rd32(r, b) : rd16(r, b); /* the obsolete one: 16 bits, drops */
            t = (uint64_t)rd32(r, b + 4) << 32 | rd32(r, b + 8);
            caplen = rd32(r, b + 12);
            len = rd32(r, b + 16);
            data_at = 20;
        } else if (type == PCAPNG_SPB) { /* interface 0, no timestamp */
            if (body < 4)
                return fail(err, n, at, "simple packet block too short");
            ifid = 0;
            len = rd32(r, b);
            data_at = 4;
            caplen = len < body - 4 ? len : body - 4;
            if (r->nifs && r->ifs[0].snaplen && caplen > r->ifs[0].snaplen)
                caplen = r->ifs[0].snaplen;
        } else {
            continue; /* name resolution, statistics, secrets, custom: not needed here */
        }
        if (ifid >= r->nifs)
            return fail(err, n, at, "packet of an interface that was not described");
        if (caplen > body - data_at)
            return fail(err, n, at, "captured length runs past its block");
        const struct iface *i = &r->ifs[ifid];
        p->dlt = i->dlt;
        p->caplen = caplen;
        p->len = len < caplen ? caplen : len;
        p->data = b + data_at;
        p->block_offset = at;
        if (type == PCAPNG_SPB) {
            p->sec = 0;
            p->nsec = 0;
        } else {
            timestamp(i, t, p);
        }
        p->plain = type == PCAPNG_EPB && !i->base2 && (i->exp == 6 || i->exp == 9) &&
                   i->offset == 0 && caplen <= len && (!i->snaplen || caplen <= i->snaplen);
        return 1;
    }
}

/* Skip n bytes: read through the stream's buffer when they are few (a seek would throw the
 * buffer away, and with it the next blocks: one read call per packet), else seek. */
static int skip(struct pcapng_reader *r, uint32_t n)
{
    uint8_t scratch[4096];
    if (n > (1u << 20))
        return fseek(r->f, (long)n, SEEK_CUR);
    while (n) {
        size_t k = n < sizeof scratch ? n : sizeof scratch;
        if (fread(scratch, 1, k, r->f) != k)
            return -1;
        n -= (uint32_t)k;
    }
    return 0;
}

int pcapng_scan_secrets(FILE *f, pcapng_secrets_fn cb, void *ctx, char *err, size_t n)
{
    struct pcapng_reader *r = pcapng_open(f, err, n);
    if (!r)
        return -1;
    int found = 0;
    for (;;) {
        uint8_t hdr[8];
        uint64_t at = r->pos;
        size_t got = fread(hdr, 1, 8, r->f);
        if (got < 8)
            break; /* the end, or damage the analysis itself will report */
        if (memcmp(hdr, "\x0A\x0D\x0D\x0A", 4) == 0) {
            if (section(r, hdr, err, n) < 0)
                break;
            continue;
        }
        uint32_t type = rd32(r, hdr), total = rd32(r, hdr + 4);
        if (type != PCAPNG_DSB) { /* only Decryption Secrets Blocks are read: skip the rest */
            if (total < 12 || total % 4 || skip(r, total - 8) != 0)
                break;
            r->pos = at + total;
            continue;
        }
        uint32_t body;
        if (read_block(r, hdr, &type, &body, err, n) < 0)
            break;
        if (body < 8)
            continue;
        uint32_t stype = rd32(r, r->buf), slen = rd32(r, r->buf + 4);
        if (slen <= body - 8) {
            cb(ctx, stype, r->buf + 8, slen, at);
            found++;
        }
    }
    pcapng_close(r);
    return found;
}

void pcapng_close(struct pcapng_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r->ifs);
    free(r);
}
