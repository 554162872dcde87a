/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the permessage-deflate inflater.
 * Mode A (first byte even): the input is taken as compressed message data, cut into messages and
 * pieces, inflated with a small cap: it must never crash, leak, or give more than the cap.
 * Mode B (odd): the input is plaintext messages; zlib compresses them as a permessage-deflate
 * sender would (raw deflate, sync flush, 00 00 FF FF removed, with or without context takeover,
 * window 8..15) and the inflater, fed in pieces, must give back exactly the plaintext.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ws_inflate.h"

struct out {
    uint8_t *buf;
    size_t len, cap;
    uint64_t total;
};

static void sink(void *ctx, const uint8_t *p, size_t n)
{
    struct out *o = ctx;
    o->total += n;
    if (!o->buf)
        return;
    if (o->len + n > o->cap)
        abort(); /* more than the plaintext */
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

/* feed n bytes in pieces of 1..32 chosen by *r */
static int feed_pieces(struct ws_inflater *f, const uint8_t *p, size_t n, uint32_t *r,
                       struct out *o)
{
    size_t pos = 0;
    while (pos < n) {
        *r = *r * 1103515245u + 12345u;
        size_t k = (*r >> 16) % 32 + 1;
        if (k > n - pos)
            k = n - pos;
        int e = ws_inflate_feed(f, p + pos, k, sink, o);
        if (e < 0)
            return e;
        pos += k;
    }
    return 0;
}

static void mode_a(const uint8_t *p, size_t n, uint8_t opt)
{
    struct ws_inflater f;
    uint64_t cap = (uint64_t)1 << (10 + (opt >> 5)); /* 1 KiB .. 128 KiB */
    ws_inflate_init(&f, 8 + ((opt >> 1) & 7), (opt >> 4) & 1, cap);
    struct out o = {0};
    uint32_t r = opt;
    /* messages end at each 0xFE byte */
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != 0xFE)
            continue;
        o.total = 0;
        int e = feed_pieces(&f, p + start, i - start, &r, &o);
        if (e == 0)
            e = ws_inflate_end_msg(&f, sink, &o);
        else
            ws_inflate_end_msg(&f, sink, &o); /* the caller's recovery path */
        if (o.total > cap)
            abort();
        (void)e;
        start = i + 1;
    }
    ws_inflate_free(&f);
}

static void mode_b(const uint8_t *p, size_t n, uint8_t opt)
{
    int bits = 8 + ((opt >> 1) & 7);
    int no_context = (opt >> 4) & 1;
    int level = (opt >> 5) % 10;
    z_stream d;
    memset(&d, 0, sizeof d);
    /* zlib turns raw window 8 into 9 for deflate; a 9-bit window still fits a 15-bit inflater */
    if (deflateInit2(&d, level, Z_DEFLATED, -(bits < 9 ? 9 : bits), 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    struct ws_inflater f;
    ws_inflate_init(&f, bits, no_context, (uint64_t)1 << 20);
    size_t zcap = n + n / 8 + 64;
    uint8_t *z = malloc(zcap);
    uint8_t *plain = malloc(n + 1);
    if (!z || !plain)
        goto out;
    uint32_t r = opt;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != 0xFE)
            continue;
        size_t mlen = i - start;
        if (mlen == 0) {
            /* RFC 7692 §7.2.3.6: an empty message is sent as one 0x00 byte (zlib refuses a
             * second flush with no input) */
            struct out o = {plain, 0, 0, 0};
            if (ws_inflate_feed(&f, (const uint8_t *)"", 1, sink, &o) != 0 ||
                ws_inflate_end_msg(&f, sink, &o) != 0 || o.len != 0)
                abort();
            start = i + 1;
            continue;
        }
        d.next_in = (Bytef *)(uintptr_t)(p + start);
        d.avail_in = (uInt)mlen;
        d.next_out = z;
        d.avail_out = (uInt)zcap;
        if (deflate(&d, Z_SYNC_FLUSH) != Z_OK || d.avail_in != 0)
            abort();
        size_t zl = zcap - d.avail_out;
        if (zl < 4 || memcmp(z + zl - 4, "\x00\x00\xff\xff", 4) != 0)
            abort();
        zl -= 4; /* RFC 7692 §7.2.1: the sender removes the tail */
        struct out o = {plain, 0, mlen, 0};
        if (feed_pieces(&f, z, zl, &r, &o) != 0 || ws_inflate_end_msg(&f, sink, &o) != 0)
            abort();
        if (o.len != mlen || memcmp(plain, p + start, mlen) != 0)
            abort();
        if (no_context)
            deflateReset(&d);
        start = i + 1;
    }
out:
    deflateEnd(&d);
    ws_inflate_free(&f);
    free(z);
    free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        mode_b(data + 1, size - 1, data[0]);
    else
        mode_a(data + 1, size - 1, data[0]);
    return 0;
}
