/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ws_frame.c - frame header parser; see ws_frame.h. Layout per RFC 6455 §5.2. */
#include "ws_frame.h"

#include <string.h>

enum { ST_HEADER, ST_PAYLOAD, ST_DEAD };

void ws_frame_init(struct ws_frame_parser *p)
{
    memset(p, 0, sizeof *p);
    p->state = ST_HEADER;
    p->need = 2;
}

/* How many header bytes the frame needs, once the first two are known. */
static uint8_t header_size(const uint8_t *b)
{
    uint8_t n = 2;
    uint8_t len7 = b[1] & 0x7F;
    if (len7 == 126)
        n += 2;
    else if (len7 == 127)
        n += 8;
    if (b[1] & 0x80)
        n += 4;
    return n;
}

static int decode_header(struct ws_frame_parser *p)
{
    const uint8_t *b = p->buf;
    struct ws_frame_hdr *h = &p->hdr;
    uint8_t len7 = b[1] & 0x7F;
    size_t pos = 2;

    h->fin = (uint8_t)(b[0] >> 7);
    h->rsv = (uint8_t)((b[0] >> 4) & 0x7);
    h->opcode = (uint8_t)(b[0] & 0xF);
    h->masked = (uint8_t)(b[1] >> 7);
    h->hdr_len = p->need;
    h->nonminimal = 0;
    if (len7 < 126) {
        h->len = len7;
    } else if (len7 == 126) {
        h->len = (uint64_t)b[2] << 8 | b[3];
        pos = 4;
        h->nonminimal = h->len < 126;
    } else {
        h->len = 0;
        for (int i = 0; i < 8; i++)
            h->len = h->len << 8 | b[2 + i];
        pos = 10;
        if (h->len >> 63) /* RFC 6455 §5.2: the most significant bit MUST be 0 */
            return -1;
        h->nonminimal = h->len <= 0xFFFF;
    }
    if (h->masked)
        memcpy(h->mask, b + pos, 4);
    else
        memset(h->mask, 0, 4);
    return 0;
}

/* Header bytes: all of it at once when the input holds it whole, else byte by byte as they
 * come; WF_HEADER once it is complete. */
static size_t header_bytes(struct ws_frame_parser *p, const uint8_t *data, size_t len,
                           enum ws_frame_result *res)
{
    size_t used = 0;
    if (p->have == 0 && len >= 2) {
        uint8_t n = header_size(data);
        if (len >= n) {
            memcpy(p->buf, data, n);
            p->have = p->need = n;
            used = n;
        }
    }
    while (p->have < p->need && used < len) {
        p->buf[p->have++] = data[used++];
        if (p->have == 2)
            p->need = header_size(p->buf);
    }
    if (p->have < p->need) {
        *res = WF_NEED_MORE;
        return used;
    }
    if (decode_header(p) < 0) {
        p->state = ST_DEAD;
        *res = WF_ERR_LENGTH;
        return used;
    }
    p->done = 0;
    p->state = ST_PAYLOAD;
    *res = WF_HEADER;
    return used;
}

size_t ws_frame_feed(struct ws_frame_parser *p, const uint8_t *data, size_t len,
                     enum ws_frame_result *res, const uint8_t **out_data, size_t *out_len)
{
    *out_data = NULL;
    *out_len = 0;
    switch (p->state) {
    case ST_DEAD:
        *res = WF_ERR_LENGTH;
        return len; /* nothing after a lost boundary can be framed */
    case ST_HEADER:
        return header_bytes(p, data, len, res);
    case ST_PAYLOAD: {
        uint64_t left = p->hdr.len - p->done;
        if (left == 0) {
            p->state = ST_HEADER;
            p->have = 0;
            p->need = 2;
            *res = WF_FRAME_END;
            return 0;
        }
        if (len == 0) {
            *res = WF_NEED_MORE;
            return 0;
        }
        size_t take = left < len ? (size_t)left : len;
        p->done += take;
        *out_data = data;
        *out_len = take;
        *res = WF_PAYLOAD;
        return take;
    }
    }
    *res = WF_NEED_MORE;
    return len;
}

/*
 * The end of a frame is reported lazily: after WF_HEADER for an empty payload, or after the last
 * payload chunk, the next call yields WF_FRAME_END without consuming input. So a caller that
 * loops until WF_NEED_MORE closes a frame that ends exactly at the end of its input.
 */
uint64_t ws_frame_remaining(const struct ws_frame_parser *p)
{
    return p->state == ST_PAYLOAD ? p->hdr.len - p->done : 0;
}

int ws_frame_at_boundary(const struct ws_frame_parser *p)
{
    return p->state == ST_HEADER && p->have == 0;
}

void ws_frame_skip(struct ws_frame_parser *p, uint64_t n)
{
    if (p->state == ST_PAYLOAD && n <= p->hdr.len - p->done)
        p->done += n;
}

const char *ws_opcode_name(uint8_t op)
{
    static const char *const names[16] = {
        "CONT",  "TEXT", "BINARY", "RSV-0x3", "RSV-0x4", "RSV-0x5", "RSV-0x6", "RSV-0x7",
        "CLOSE", "PING", "PONG",   "RSV-0xB", "RSV-0xC", "RSV-0xD", "RSV-0xE", "RSV-0xF"};
    return names[op & 0xF];
}

int ws_looks_like_frames(const uint8_t *p, size_t len, int *masked, int *exact)
{
    struct ws_frame_parser fp;
    int frames = 0;
    ws_frame_init(&fp);
    while (len) {
        enum ws_frame_result r;
        const uint8_t *chunk;
        size_t chunk_len;
        size_t used = ws_frame_feed(&fp, p, len, &r, &chunk, &chunk_len);
        p += used;
        len -= used;
        if (r == WF_ERR_LENGTH)
            return 0;
        if (r == WF_HEADER) {
            const struct ws_frame_hdr *h = &fp.hdr;
            if (!ws_opcode_is_known(h->opcode) || (h->rsv != 0 && h->rsv != WS_RSV1) ||
                h->nonminimal ||
                (ws_opcode_is_control(h->opcode) && (!h->fin || h->len > WS_CONTROL_MAX)) ||
                h->len > 0x7FFFFFFF)
                return 0;
            if (frames == 0)
                *masked = h->masked;
            else if (*masked != h->masked)
                return 0;
        } else if (r == WF_FRAME_END) {
            frames++;
        } else if (r == WF_NEED_MORE) {
            break;
        }
    }
    /* a frame ending exactly at the end of the input is reported on the next call */
    enum ws_frame_result r;
    const uint8_t *chunk;
    size_t chunk_len;
    ws_frame_feed(&fp, p, 0, &r, &chunk, &chunk_len);
    if (r == WF_FRAME_END)
        frames++;
    *exact = ws_frame_at_boundary(&fp);
    return frames;
}

int ws_frame_header(const uint8_t *p, size_t n, struct ws_frame_hdr *h)
{
    struct ws_frame_parser fp;
    ws_frame_init(&fp);
    enum ws_frame_result res = WF_NEED_MORE;
    const uint8_t *od;
    size_t ol, at = 0;
    while (at < n && res == WF_NEED_MORE)
        at += ws_frame_feed(&fp, p + at, n - at, &res, &od, &ol);
    if (res == WF_ERR_LENGTH)
        return -1;
    if (res != WF_HEADER)
        return 0;
    *h = fp.hdr;
    return 1;
}
