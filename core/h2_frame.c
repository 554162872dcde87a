/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * h2_frame.c - HTTP/2 frames out of a byte stream, header blocks through libnghttp2's HPACK
 * inflater. Only framing: what the streams mean is h2_ws.c's business.
 */
#include "h2_frame.h"

#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <string.h>

static const char *const type_names[] = {"DATA",         "HEADERS", "PRIORITY", "RST_STREAM",
                                         "SETTINGS",     "PUSH_PROMISE", "PING", "GOAWAY",
                                         "WINDOW_UPDATE", "CONTINUATION"};

const char *h2_frame_type_name(unsigned type)
{
    return type < sizeof type_names / sizeof *type_names ? type_names[type] : "UNKNOWN";
}

int h2_looks_like_preface(const uint8_t *p, size_t n)
{
    size_t k = n < H2_PREFACE_LEN ? n : H2_PREFACE_LEN;
    if (memcmp(p, H2_PREFACE, k) != 0)
        return 0;
    return n >= H2_PREFACE_LEN ? 1 : -1;
}

void h2_conn_init(struct h2_conn *c, h2_event_fn cb, void *ctx, int preface_seen)
{
    memset(c, 0, sizeof *c);
    c->cb = cb;
    c->ctx = ctx;
    for (int i = 0; i < 2; i++) {
        nghttp2_hd_inflater *inf = NULL;
        if (nghttp2_hd_inflate_new(&inf) != 0)
            c->d[i].stopped = 1; /* out of memory: nothing can be decoded */
        c->d[i].inflater = inf;
    }
    c->d[0].preface_left = preface_seen ? 0 : H2_PREFACE_LEN;
}

void h2_conn_free(struct h2_conn *c)
{
    for (int i = 0; i < 2; i++) {
        struct h2_dir *d = &c->d[i];
        if (d->inflater)
            nghttp2_hd_inflate_del(d->inflater);
        if (d->hold)
            g_byte_array_free(d->hold, TRUE);
        if (d->block)
            g_byte_array_free(d->block, TRUE);
        d->inflater = NULL;
        d->hold = d->block = NULL;
    }
    if (c->strings)
        g_byte_array_free(c->strings, TRUE);
    c->strings = NULL;
}

size_t h2_conn_heap(const struct h2_conn *c)
{
    size_t n = c->strings ? c->strings->len : 0;
    for (int i = 0; i < 2; i++) {
        n += c->d[i].hold ? c->d[i].hold->len : 0;
        n += c->d[i].block ? c->d[i].block->len : 0;
        n += c->d[i].inflater ? 4096 : 0; /* the dynamic table it may hold */
    }
    return n;
}

static void stop(struct h2_conn *c, int dir, uint64_t pkt, const char *why)
{
    struct h2_dir *d = &c->d[dir];
    if (d->stopped)
        return;
    d->stopped = 1;
    struct h2_event ev = {.type = H2_EV_STOPPED, .dir = dir, .pkt = pkt, .pkt_end = pkt,
                          .stream = d->stream, .ftype = d->ftype, .detail = why};
    c->cb(c->ctx, &ev);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- header blocks ---- */

static void keep_field(struct h2_conn *c, size_t *n, const nghttp2_nv *nv, size_t *offs)
{
    if (*n >= H2_FIELDS_MAX)
        return; /* decoded (the table must follow) but not kept */
    offs[2 * *n] = c->strings->len;
    g_byte_array_append(c->strings, nv->name, (guint)nv->namelen);
    g_byte_array_append(c->strings, (const guint8 *)"", 1);
    offs[2 * *n + 1] = c->strings->len;
    g_byte_array_append(c->strings, nv->value, (guint)nv->valuelen);
    g_byte_array_append(c->strings, (const guint8 *)"", 1);
    c->fields[*n].nlen = nv->namelen;
    c->fields[*n].vlen = nv->valuelen;
    (*n)++;
}

/* Decode one whole header block; -1 when the compression state is broken (said). */
static int inflate_block(struct h2_conn *c, int dir, const uint8_t *in, size_t inlen,
                         uint64_t pkt, size_t *nfields)
{
    size_t *offs = c->offs;
    if (!c->strings)
        c->strings = g_byte_array_new();
    g_byte_array_set_size(c->strings, 0);
    *nfields = 0;
    for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t r = nghttp2_hd_inflate_hd2(c->d[dir].inflater, &nv, &flags, (uint8_t *)in,
                                           inlen, 1);
        if (r < 0) {
            char why[160];
            snprintf(why, sizeof why,
                     "the header block does not decode (HPACK: %s); the header compression "
                     "state is lost",
                     nghttp2_strerror((int)r));
            stop(c, dir, pkt, why);
            return -1;
        }
        in += r;
        inlen -= (size_t)r;
        if (flags & NGHTTP2_HD_INFLATE_EMIT)
            keep_field(c, nfields, &nv, offs);
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(c->d[dir].inflater);
            break;
        }
        if (r == 0 && !(flags & NGHTTP2_HD_INFLATE_EMIT) && inlen == 0)
            break;
    }
    for (size_t i = 0; i < *nfields; i++) {
        c->fields[i].name = (const char *)c->strings->data + offs[2 * i];
        c->fields[i].value = (const char *)c->strings->data + offs[2 * i + 1];
    }
    return 0;
}

static void emit_block(struct h2_conn *c, int dir, struct h2_event *ev, const uint8_t *block,
                       size_t n)
{
    size_t nf;
    if (inflate_block(c, dir, block, n, ev->pkt_end, &nf) < 0)
        return;
    ev->block_done = 1;
    ev->fields = c->fields;
    ev->nfields = nf;
    c->cb(c->ctx, ev);
}

void h2_frame_head_read(const uint8_t p[H2_FRAME_HEADER], struct h2_frame_head *h)
{
    h->len = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    h->type = p[3];
    h->flags = p[4];
    h->stream = be32(p + 5) & 0x7fffffffu;
}

int h2_payload_slice(uint8_t type, uint8_t flags, const uint8_t *p, size_t n, size_t *off,
                     size_t *len, uint32_t *promised)
{
    size_t o = 0, pad = 0;
    if (flags & H2_PADDED) {
        if (n < 1)
            return -1;
        pad = p[0];
        o = 1;
    }
    if (type == H2_HEADERS && (flags & H2_PRIORITY_FLAG))
        o += 5;
    if (type == H2_PUSH_PROMISE) {
        if (n < o + 4)
            return -1;
        *promised = be32(p + o) & 0x7fffffffu;
        o += 4;
    }
    if (o + pad > n)
        return -1;
    *off = o;
    *len = n - o - pad;
    return 0;
}

int h2_settings_enable_connect(const uint8_t *p, size_t n)
{
    int v = -1;
    for (size_t i = 0; i + 6 <= n; i += 6)
        if (((unsigned)p[i] << 8 | p[i + 1]) == H2_SET_ENABLE_CONNECT_PROTOCOL) {
            uint32_t x = be32(p + i + 2);
            v = (int)(x > 1 ? 2 : x);
        }
    return v;
}

/* the open frame's payload (never NULL: an empty GByteArray may have no data) */
static const uint8_t *held(const struct h2_dir *d)
{
    return d->hold->len ? d->hold->data : (const uint8_t *)"";
}

static void header_frame(struct h2_conn *c, int dir, struct h2_event *ev)
{
    struct h2_dir *d = &c->d[dir];
    size_t off, len;
    uint32_t promised = 0;
    if (h2_payload_slice(d->ftype, d->flags, held(d), d->hold->len, &off, &len, &promised) < 0) {
        stop(c, dir, ev->pkt_end, "a HEADERS or PUSH_PROMISE frame's padding or priority is "
                                  "longer than the frame (RFC 9113 §6.2)");
        return;
    }
    ev->promised = promised;
    ev->block_type = d->ftype;
    ev->block_flags = d->flags;
    if (d->flags & H2_END_HEADERS) {
        emit_block(c, dir, ev, held(d) + off, len);
        return;
    }
    c->cb(c->ctx, ev); /* the frame; its block is told with the CONTINUATION that ends it */
    if (!d->block)
        d->block = g_byte_array_new();
    g_byte_array_set_size(d->block, 0);
    g_byte_array_append(d->block, held(d) + off, (guint)len);
    d->block_stream = d->stream;
    d->block_type = d->ftype;
    d->block_flags = d->flags;
    d->block_promised = promised;
}

static void continuation(struct h2_conn *c, int dir, struct h2_event *ev)
{
    struct h2_dir *d = &c->d[dir];
    if (d->block->len + d->hold->len > H2_BLOCK_MAX) {
        stop(c, dir, ev->pkt_end, "a header block larger than 256 KiB: not followed");
        return;
    }
    g_byte_array_append(d->block, held(d), d->hold->len);
    if (!(d->flags & H2_END_HEADERS)) {
        c->cb(c->ctx, ev);
        return;
    }
    /* the block ends here: told with this frame, as the block of the frame that began it */
    ev->block_type = d->block_type;
    ev->block_flags = d->block_flags;
    ev->stream = d->block_stream;
    ev->promised = d->block_promised;
    GByteArray *b = d->block;
    d->block = NULL;
    emit_block(c, dir, ev, b->len ? b->data : (const uint8_t *)"", b->len);
    g_byte_array_free(b, TRUE);
}

static void settings_frame(struct h2_conn *c, int dir, struct h2_event *ev)
{
    const struct h2_dir *d = &c->d[dir];
    ev->enable_connect = -1;
    if (d->flags & H2_ACK) {
        c->cb(c->ctx, ev);
        return;
    }
    ev->enable_connect = h2_settings_enable_connect(d->hold->data, d->hold->len);
    for (size_t i = 0; i + 6 <= d->hold->len; i += 6) {
        const uint8_t *p = d->hold->data + i;
        unsigned id = (unsigned)p[0] << 8 | p[1];
        uint32_t v = be32(p + 2);
        /* the table size this side's decoder allows: the other direction's encoder may use up
         * to it, so our inflater of that direction must accept it */
        if (id == H2_SET_HEADER_TABLE_SIZE && c->d[!dir].inflater)
            nghttp2_hd_inflate_change_table_size(c->d[!dir].inflater, v);
    }
    c->cb(c->ctx, ev);
}

static void frame_done(struct h2_conn *c, int dir, uint64_t pkt)
{
    struct h2_dir *d = &c->d[dir];
    struct h2_event ev = {.type = H2_EV_FRAME, .dir = dir, .ftype = d->ftype, .flags = d->flags,
                          .stream = d->stream, .len = d->len, .pkt = d->frame_pkt,
                          .pkt_end = pkt, .enable_connect = -1};
    d->hdr_have = 0;
    if (d->block && d->ftype != H2_CONTINUATION) {
        stop(c, dir, pkt, "a header block is interrupted by another frame (RFC 9113 §6.10)");
        return;
    }
    switch (d->ftype) {
    case H2_DATA:
        c->cb(c->ctx, &ev);
        return;
    case H2_HEADERS:
    case H2_PUSH_PROMISE:
        header_frame(c, dir, &ev);
        return;
    case H2_CONTINUATION:
        if (!d->block) {
            stop(c, dir, pkt, "a CONTINUATION frame without a header block (RFC 9113 §6.10)");
            return;
        }
        continuation(c, dir, &ev);
        return;
    case H2_SETTINGS:
        settings_frame(c, dir, &ev);
        return;
    case H2_RST_STREAM:
        ev.error_code = d->hold->len >= 4 ? be32(d->hold->data) : 0;
        break;
    case H2_GOAWAY:
        if (d->hold->len >= 8) {
            ev.last_stream = be32(d->hold->data) & 0x7fffffffu;
            ev.error_code = be32(d->hold->data + 4);
        }
        break;
    default:
        break;
    }
    c->cb(c->ctx, &ev);
}

static void frame_start(struct h2_conn *c, int dir, uint64_t pkt)
{
    struct h2_dir *d = &c->d[dir];
    struct h2_frame_head h;
    h2_frame_head_read(d->hdr, &h);
    d->len = h.len;
    d->ftype = h.type;
    d->flags = h.flags;
    d->stream = h.stream;
    d->left = d->len;
    if (d->ftype == H2_DATA) {
        d->pad_known = !(d->flags & H2_PADDED);
        d->pad = 0;
        d->data_left = d->len;
    } else if (d->len > H2_HOLD_MAX) {
        char why[128];
        snprintf(why, sizeof why, "a %s frame of %u bytes: more than wsaudit holds",
                 h2_frame_type_name(d->ftype), d->len);
        stop(c, dir, pkt, why);
        return;
    } else {
        if (!d->hold)
            d->hold = g_byte_array_new();
        g_byte_array_set_size(d->hold, 0);
    }
    if (d->left == 0)
        frame_done(c, dir, pkt);
}

/* DATA payload bytes: the pad length, the data (emitted), the padding (skipped) */
static void data_bytes(struct h2_conn *c, int dir, const uint8_t *p, size_t k, uint64_t pkt)
{
    struct h2_dir *d = &c->d[dir];
    if (!d->pad_known && k) {
        d->pad = p[0];
        d->pad_known = 1;
        p++;
        k--;
        if (d->pad > d->len - 1) {
            stop(c, dir, pkt, "a DATA frame's padding is longer than the frame (RFC 9113 §6.1)");
            return;
        }
        d->data_left = d->len - 1 - d->pad;
    }
    size_t n = k < d->data_left ? k : d->data_left;
    if (n) {
        struct h2_event ev = {.type = H2_EV_DATA, .dir = dir, .ftype = H2_DATA,
                              .flags = d->flags, .stream = d->stream, .len = d->len,
                              .pkt = pkt, .pkt_end = pkt, .data = p, .data_len = n,
                              .enable_connect = -1};
        d->data_left -= (uint32_t)n;
        c->cb(c->ctx, &ev);
    }
}

static size_t take_preface(struct h2_conn *c, int dir, const uint8_t *p, size_t len,
                           uint64_t pkt)
{
    struct h2_dir *d = &c->d[dir];
    size_t at = H2_PREFACE_LEN - d->preface_left;
    size_t k = len < d->preface_left ? len : d->preface_left;
    if (memcmp(p, &H2_PREFACE[at], k) != 0) {
        stop(c, dir, pkt, "the client's first bytes are not the HTTP/2 connection preface "
                          "(RFC 9113 §3.4)");
        return len;
    }
    d->preface_left -= (uint32_t)k;
    return k;
}

void h2_conn_feed(struct h2_conn *c, int dir, const uint8_t *data, size_t len, uint64_t pkt)
{
    struct h2_dir *d = &c->d[dir];
    while (len && !d->stopped) {
        size_t k;
        if (d->preface_left) {
            k = take_preface(c, dir, data, len, pkt);
        } else if (d->hdr_have < H2_FRAME_HEADER) {
            if (d->hdr_have == 0)
                d->frame_pkt = pkt;
            k = H2_FRAME_HEADER - d->hdr_have;
            k = len < k ? len : k;
            memcpy(d->hdr + d->hdr_have, data, k);
            d->hdr_have = (uint8_t)(d->hdr_have + k);
            if (d->hdr_have == H2_FRAME_HEADER)
                frame_start(c, dir, pkt);
        } else {
            k = len < d->left ? len : d->left;
            if (d->ftype == H2_DATA)
                data_bytes(c, dir, data, k, pkt);
            else
                g_byte_array_append(d->hold, data, (guint)k);
            d->left -= (uint32_t)k;
            if (d->left == 0 && !d->stopped)
                frame_done(c, dir, pkt);
        }
        data += k;
        len -= k;
    }
}

void h2_conn_gap(struct h2_conn *c, int dir, uint64_t pkt)
{
    stop(c, dir, pkt, "bytes of this direction were not captured: HTTP/2 frame boundaries and "
                      "the header compression state are lost");
}
