/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_inflate.h - permessage-deflate (RFC 7692) decompression of one direction of a WebSocket
 * connection: a raw-deflate inflater with the negotiated window, the 00 00 FF FF tail appended
 * at each message end (§7.2.2), reset between messages without context takeover (§7.1.1).
 * Output is streamed to a callback in bounded chunks; a per-message cap stops a decompression
 * bomb without using memory for it.
 */
#ifndef WSAUDIT_WS_INFLATE_H
#define WSAUDIT_WS_INFLATE_H

#include <stddef.h>
#include <stdint.h>

typedef void (*ws_inflate_sink)(void *ctx, const uint8_t *out, size_t n);

struct ws_inflater {
    void *z;          /* z_stream, allocated by ws_inflate_begin */
    int bits;         /* window bits of the sender (8..15), as negotiated */
    int no_context;   /* the sender resets its compressor after each message */
    uint64_t msg_out; /* bytes inflated from the current message */
    uint64_t cap;     /* per-message limit */
};

enum {
    WS_INFL_OK = 0,
    WS_INFL_ERROR = -1,
    WS_INFL_CAP = -2,
    WS_INFL_NOMEM = -3,
    WS_INFL_GAP = -4 /* used by callers: input was lost */
};

void ws_inflate_init(struct ws_inflater *f, int bits, int no_context, uint64_t cap);
/* Inflate n compressed bytes of the current message. */
int ws_inflate_feed(struct ws_inflater *f, const uint8_t *in, size_t n, ws_inflate_sink sink,
                    void *ctx);
/* The message ended: flush with the empty-block tail and get ready for the next one. */
int ws_inflate_end_msg(struct ws_inflater *f, ws_inflate_sink sink, void *ctx);
/* zlib's message for the last error, or "" */
const char *ws_inflate_error(const struct ws_inflater *f);
void ws_inflate_free(struct ws_inflater *f);

#endif
