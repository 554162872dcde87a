/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ws_inflate.c - permessage-deflate decompression; see ws_inflate.h. */
#include "ws_inflate.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

void ws_inflate_init(struct ws_inflater *f, int bits, int no_context, uint64_t cap)
{
    memset(f, 0, sizeof *f);
    f->bits = bits >= 8 && bits <= 15 ? bits : 15;
    f->no_context = no_context;
    f->cap = cap;
}

static int begin(struct ws_inflater *f)
{
    if (f->z)
        return 0;
    z_stream *z = calloc(1, sizeof *z);
    if (!z)
        return WS_INFL_NOMEM;
    /* always the largest window: a receiver window at least as large as the sender's is
     * always enough (RFC 7692 §7.1.2), and zlib refuses raw windowBits 8 in some versions */
    if (inflateInit2(z, -15) != Z_OK) {
        free(z);
        return WS_INFL_NOMEM;
    }
    f->z = z;
    return 0;
}

static int run(struct ws_inflater *f, const uint8_t *in, size_t n, ws_inflate_sink sink, void *ctx)
{
    z_stream *z = f->z;
    uint8_t out[16384];
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)n;
    do {
        z->next_out = out;
        z->avail_out = sizeof out;
        int r = inflate(z, Z_SYNC_FLUSH);
        size_t got = sizeof out - z->avail_out;
        if (got) {
            uint64_t room = f->cap - f->msg_out;
            if (got > room) {
                if (room)
                    sink(ctx, out, (size_t)room);
                f->msg_out = f->cap;
                return WS_INFL_CAP;
            }
            f->msg_out += got;
            sink(ctx, out, got);
        }
        if (r == Z_STREAM_END) {
            /* a final block (BFINAL) ends the stream: the next message starts afresh */
            inflateReset(z);
            if (z->avail_in == 0)
                break;
            continue;
        }
        if (r == Z_BUF_ERROR && z->avail_in == 0)
            break; /* needs more input */
        if (r != Z_OK)
            return WS_INFL_ERROR;
    } while (z->avail_in > 0 || z->avail_out == 0);
    return WS_INFL_OK;
}

int ws_inflate_feed(struct ws_inflater *f, const uint8_t *in, size_t n, ws_inflate_sink sink,
                    void *ctx)
{
    int r = begin(f);
    if (r < 0)
        return r;
    return n ? run(f, in, n, sink, ctx) : WS_INFL_OK;
}

int ws_inflate_end_msg(struct ws_inflater *f, ws_inflate_sink sink, void *ctx)
{
    static const uint8_t tail[4] = {0x00, 0x00, 0xFF, 0xFF}; /* RFC 7692 §7.2.2 */
    int r = begin(f);
    if (r < 0)
        return r;
    r = run(f, tail, sizeof tail, sink, ctx);
    f->msg_out = 0;
    if (f->no_context)
        inflateReset((z_stream *)f->z);
    return r;
}

const char *ws_inflate_error(const struct ws_inflater *f)
{
    const z_stream *z = f->z;
    return z && z->msg ? z->msg : "";
}

void ws_inflate_free(struct ws_inflater *f)
{
    if (f->z) {
        inflateEnd((z_stream *)f->z);
        free(f->z);
        f->z = NULL;
    }
}
