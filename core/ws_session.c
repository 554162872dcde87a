/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ws_session.c - message layer and rule checks; see ws_session.h. */
#include "ws_session.h"
#include "ws_1003.h"
#include "decimal.h"

#include <glib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pkt: where the finding points (a frame's first packet); pkt_end: the packet that completed
 * that frame, when the finding is about a frame (else pkt) */
static void send_finding(struct ws_session *s, int dir, uint64_t pkt, uint64_t pkt_end,
                         enum wsa_finding_id id, const char *detail)
{
    struct ws_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = WS_EV_FINDING;
    ev.dir = dir;
    ev.pkt = pkt;
    ev.pkt_end = pkt_end > pkt ? pkt_end : pkt;
    ev.finding = id;
    ev.detail = detail ? detail : "";
    s->cb(s->cb_ctx, &ev);
}

/* A finding found while a frame is open is held until the frame's record is out. */
static void emit_finding(struct ws_session *s, int dir, uint64_t pkt, enum wsa_finding_id id,
                         const char *detail)
{
    struct ws_dir *d = &s->d[dir];
    if (!d->held && d->frame_started) /* (without the memory, it goes out at once) */
        d->held = malloc(WS_HELD * sizeof *d->held);
    if (!d->frame_started || d->n_held == WS_HELD || !d->held) {
        send_finding(s, dir, pkt, pkt, id, detail);
        return;
    }
    d->held[d->n_held].id = id;
    d->held[d->n_held].pkt = pkt;
    g_strlcpy(d->held[d->n_held].detail, detail ? detail : "", WS_DETAIL);
    d->n_held++;
}

/* the held findings, after the frame that ended in packet pkt_end (0: it never ended) */
static void send_held(struct ws_session *s, int dir, uint64_t pkt_end)
{
    struct ws_dir *d = &s->d[dir];
    for (unsigned i = 0; i < d->n_held; i++)
        send_finding(s, dir, d->held[i].pkt, pkt_end, d->held[i].id, d->held[i].detail);
    d->n_held = 0;
}

/* at every frame's end, and mostly nothing is held: that much inline */
static inline void flush_held(struct ws_session *s, int dir, uint64_t pkt_end)
{
    if (s->d[dir].n_held)
        send_held(s, dir, pkt_end);
}

/* a finding about the frame that just ended */
static void frame_finding(struct ws_session *s, int dir, enum wsa_finding_id id,
                          const char *detail)
{
    const struct ws_dir *d = &s->d[dir];
    send_finding(s, dir, d->frame_pkt, d->frame_pkt_end, id, detail);
}

/* s (a literal: its length is known when compiled) and a decimal number, for details that are
 * written often; each returns where the text ends, NUL-terminated */
static inline char *cat(char *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o, s, n + 1);
    return o + n;
}

static char *cat_u(char *o, uint64_t v)
{
    o += wsa_u64_dec(o, v);
    *o = '\0';
    return o;
}

#define WS_INFLATE_CAP (64u << 20) /* inflated bytes per message before it counts as a bomb */

void ws_session_init(struct ws_session *s, int rsv_allowed, int pmd, ws_event_fn cb, void *ctx)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 2; i++)
        ws_frame_init(&s->d[i].fp);
    s->rsv_allowed = rsv_allowed;
    s->pmd = pmd;
    for (int i = 0; i < 2; i++)
        ws_inflate_init(&s->d[i].infl, 15, 0, WS_INFLATE_CAP);
    s->cb = cb;
    s->cb_ctx = ctx;
    s->first_end = -1;
}

void ws_session_set_pmd(struct ws_session *s, const struct ws_pmd_params *p)
{
    ws_inflate_init(&s->d[WS_C2S].infl, p->client_bits, p->client_no_context, WS_INFLATE_CAP);
    ws_inflate_init(&s->d[WS_S2C].infl, p->server_bits, p->server_no_context, WS_INFLATE_CAP);
}

void ws_session_hash_messages(struct ws_session *s, int on)
{
    s->hash_messages = on;
}

void ws_session_free(struct ws_session *s)
{
    for (int i = 0; i < 2; i++) {
        ws_inflate_free(&s->d[i].infl);
        if (s->d[i].sha1)
            g_checksum_free(s->d[i].sha1);
        s->d[i].sha1 = NULL;
        free(s->d[i].held);
        s->d[i].held = NULL;
        s->d[i].n_held = 0;
    }
}

size_t ws_session_heap(const struct ws_session *s)
{
    /* zlib's inflate state is about 7 KiB and its window 32 KiB (a 15-bit window is always
     * used); a GChecksum is small */
    size_t n = 0;
    for (int i = 0; i < 2; i++) {
        if (s->d[i].infl.z)
            n += 40u * 1024u;
        if (s->d[i].sha1)
            n += 256;
        if (s->d[i].held)
            n += WS_HELD * sizeof *s->d[i].held;
    }
    return n;
}

void ws_session_start(struct ws_session *s, uint64_t c2s_off, uint64_t s2c_off)
{
    s->d[WS_C2S].off = s->d[WS_C2S].start_off = c2s_off;
    s->d[WS_S2C].off = s->d[WS_S2C].start_off = s2c_off;
}

/* ---- frames ---- */

/* A control frame's header: short, unfragmented, not after this side's Close (§5.5) */
static void check_control(struct ws_session *s, int dir, const struct ws_frame_hdr *h, uint64_t pkt)
{
    struct ws_dir *d = &s->d[dir];
    char buf[160];
    if (h->len > WS_CONTROL_MAX) {
        snprintf(buf, sizeof buf, "%s with %llu bytes", ws_opcode_name(h->opcode),
                 (unsigned long long)h->len);
        emit_finding(s, dir, pkt, F_V_CONTROL_TOO_LONG, buf);
    }
    if (!h->fin)
        emit_finding(s, dir, pkt, F_V_CONTROL_FRAGMENTED, ws_opcode_name(h->opcode));
    if (d->close_sent) {
        snprintf(buf, sizeof buf, "%s after this endpoint's Close", ws_opcode_name(h->opcode));
        emit_finding(s, dir, pkt, F_W_CONTROL_AFTER_CLOSE, buf);
    }
    d->ctrl_len = 0;
    d->ctrl_gap = 0;
}

/* The first frame of a data message: its record in the history (for the 1003 annotation),
 * its UTF-8 check, hash and inflation set up. */
static void start_message(struct ws_session *s, struct ws_dir *d, const struct ws_frame_hdr *h,
                          uint64_t pkt)
{
    int compressed = s->pmd && (h->rsv & WS_RSV1);
    struct ws_msg_rec *m = &d->hist[d->hist_count % WS_HISTORY];
    utf8_init(&d->text);
    d->preview_len = 0;
    if (s->hash_messages) {
        if (!d->sha1)
            d->sha1 = g_checksum_new(G_CHECKSUM_SHA1);
        else
            g_checksum_reset(d->sha1);
    }
    d->infl_msg = compressed && !d->infl_dead;
    /* text is checked as UTF-8, after inflation when compressed */
    d->text_check = h->opcode == WS_OP_TEXT && (!compressed || d->infl_msg);
    d->text_pkt = pkt;
    m->hdr_end = d->frame_off + h->hdr_len;
    m->pkt = pkt;
    m->size = 0;
    m->opcode = h->opcode;
    m->complete = 0;
    m->compressed = (uint8_t)compressed;
    m->inflated = 0;
    d->hist_count++;
    d->msgs++;
    d->in_msg = 1;
}

/* A data frame's header (text, binary, continuation, reserved non-control opcodes): not after
 * this side's Close, and in a sequence of fragments that makes messages (§5.4) */
static void check_data(struct ws_session *s, int dir, const struct ws_frame_hdr *h, uint64_t pkt)
{
    struct ws_dir *d = &s->d[dir];
    char buf[160];
    if (d->close_sent) /* RFC 6455 §5.5.1 */
        emit_finding(s, dir, pkt, F_V_DATA_AFTER_CLOSE, ws_opcode_name(h->opcode));
    if (h->opcode == WS_OP_CONT) {
        if (!d->in_msg) /* RFC 6455 §5.4 */
            emit_finding(s, dir, pkt, F_V_CONTINUATION_WITHOUT_START, "");
        return;
    }
    if (d->in_msg) { /* RFC 6455 §5.4: fragments of messages MUST NOT be interleaved */
        snprintf(buf, sizeof buf, "%s frame while a fragmented message is open",
                 ws_opcode_name(h->opcode));
        emit_finding(s, dir, pkt, F_V_INTERLEAVED_DATA, buf);
    }
    start_message(s, d, h, pkt);
}

static void check_header(struct ws_session *s, int dir)
{
    struct ws_dir *d = &s->d[dir];
    const struct ws_frame_hdr *h = &d->fp.hdr;
    uint64_t pkt = d->frame_pkt;
    char buf[160];

    if (dir == WS_C2S && !h->masked) /* RFC 6455 §5.1 */
        emit_finding(s, dir, pkt, F_V_C2S_UNMASKED, "");
    if (dir == WS_S2C && h->masked) /* RFC 6455 §5.1 */
        emit_finding(s, dir, pkt, F_V_S2C_MASKED, "");

    /* RFC 6455 §5.2; RFC 7692 §6: RSV1 only on the first frame of a data message */
    int allowed = s->rsv_allowed;
    if (s->pmd && (ws_opcode_is_control(h->opcode) || h->opcode == WS_OP_CONT))
        allowed &= ~WS_RSV1;
    if (h->rsv & ~allowed) {
        snprintf(buf, sizeof buf, "RSV bits %d%d%d on a %s frame", (h->rsv >> 2) & 1,
                 (h->rsv >> 1) & 1, h->rsv & 1, ws_opcode_name(h->opcode));
        emit_finding(s, dir, pkt, F_V_RSV_BITS, buf);
    }
    if (!ws_opcode_is_known(h->opcode)) {
        snprintf(buf, sizeof buf, "opcode 0x%x", h->opcode);
        emit_finding(s, dir, pkt, F_V_RESERVED_OPCODE, buf);
    }
    if (h->nonminimal) {
        snprintf(buf, sizeof buf, "length %llu in the %d-byte form", (unsigned long long)h->len,
                 h->hdr_len - (h->masked ? 4 : 0) == 4 ? 2 : 8);
        emit_finding(s, dir, pkt, F_V_NONMINIMAL_LENGTH, buf);
    }
    if (ws_opcode_is_control(h->opcode))
        check_control(s, dir, h, pkt);
    else
        check_data(s, dir, h, pkt);
}

static struct ws_msg_rec *current_msg(struct ws_dir *d)
{
    return d->in_msg && d->hist_count ? &d->hist[(d->hist_count - 1) % WS_HISTORY] : NULL;
}

/* inflated bytes of the open message: counted, and checked as UTF-8 when it is text */
struct infl_ctx {
    struct ws_session *s;
    int dir;
};

static void text_bytes(struct ws_session *s, int dir, const uint8_t *p, size_t n)
{
    struct ws_dir *d = &s->d[dir];
    if (!d->text_check || utf8_feed(&d->text, p, n) == 0)
        return;
    char buf[160];
    d->text_check = 0;
    snprintf(buf, sizeof buf,
             "byte %llu (after inflation) of the text message that started in packet %llu",
             (unsigned long long)d->text.bad_at, (unsigned long long)d->text_pkt);
    emit_finding(s, dir, s->seg.pkt, F_V_INVALID_UTF8, buf);
}

/* the message's bytes as the application sees them: a preview, and the hash when asked for */
static void keep_preview(struct ws_dir *d, const uint8_t *p, size_t n, const uint8_t mask[4],
                         uint64_t pos)
{
    for (size_t i = 0; i < n && d->preview_len < WS_PREVIEW; i++)
        d->preview[d->preview_len++] = (uint8_t)(p[i] ^ mask[(pos + i) & 3]);
    if (!d->sha1)
        return;
    uint8_t buf[4096];
    while (n) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        for (size_t i = 0; i < k; i++)
            buf[i] = (uint8_t)(p[i] ^ mask[(pos + i) & 3]);
        g_checksum_update(d->sha1, buf, (gssize)k);
        p += k;
        n -= k;
        pos += k;
    }
}

static void infl_sink(void *ctx, const uint8_t *out, size_t n)
{
    static const uint8_t nomask[4];
    struct infl_ctx *ic = ctx;
    struct ws_dir *d = &ic->s->d[ic->dir];
    struct ws_msg_rec *m = current_msg(d);
    if (m)
        m->inflated += n;
    if (ic->s->hash_messages)
        keep_preview(d, out, n, nomask, 0);
    text_bytes(ic->s, ic->dir, out, n);
}

/* A corrupt stream or a bomb is reported once; then this direction is no longer inflated (its
 * compression context is lost) and says so. */
static void inflate_failed(struct ws_session *s, int dir, int r, uint64_t pkt)
{
    struct ws_dir *d = &s->d[dir];
    char buf[200];
    if (r == WS_INFL_ERROR) {
        snprintf(buf, sizeof buf, "message that started in packet %llu: %s",
                 (unsigned long long)d->text_pkt, ws_inflate_error(&d->infl));
        emit_finding(s, dir, pkt, F_V_BAD_DEFLATE, buf);
    }
    snprintf(buf, sizeof buf, "%s; later compressed messages from the %s are not inflated",
             r == WS_INFL_CAP     ? "a message inflates beyond 64 MiB (decompression bomb?)"
             : r == WS_INFL_ERROR ? "the compressed stream is corrupt"
                                  : "out of memory for the inflater",
             wsa_side(dir));
    emit_finding(s, dir, pkt, F_D_INFLATE_STOPPED, buf);
    d->infl_dead = 1;
    d->infl_msg = 0;
    d->text_check = 0;
    ws_inflate_free(&d->infl);
}

static void inflate_chunk(struct ws_session *s, int dir, const uint8_t *chunk, size_t n,
                          uint64_t pos)
{
    struct ws_dir *d = &s->d[dir];
    const struct ws_frame_hdr *h = &d->fp.hdr;
    struct infl_ctx ic = {s, dir};
    uint8_t buf[4096];
    while (n && d->infl_msg) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        for (size_t i = 0; i < k; i++)
            buf[i] = (uint8_t)(chunk[i] ^ h->mask[(pos + i) & 3]);
        int r = ws_inflate_feed(&d->infl, buf, k, infl_sink, &ic);
        if (r != WS_INFL_OK)
            inflate_failed(s, dir, r, s->seg.pkt);
        chunk += k;
        n -= k;
        pos += k;
    }
}

static void inflate_end(struct ws_session *s, int dir)
{
    struct ws_dir *d = &s->d[dir];
    struct infl_ctx ic = {s, dir};
    int r = ws_inflate_end_msg(&d->infl, infl_sink, &ic);
    if (r != WS_INFL_OK)
        inflate_failed(s, dir, r, s->seg.pkt);
    d->infl_msg = 0;
}

static void on_close(struct ws_session *s, int dir, struct ws_event *ev)
{
    struct ws_dir *d = &s->d[dir];
    const struct ws_frame_hdr *h = &d->fp.hdr;
    char buf[200];

    if (h->len >= 2) {
        ev->has_code = 1;
        ev->code = (uint16_t)(d->ctrl[0] << 8 | d->ctrl[1]);
        ev->code_info = ws_close_lookup(ev->code);
        ev->reason = d->ctrl + 2;
        ev->reason_len = d->ctrl_len > 2 ? d->ctrl_len - 2u : 0;
    }
    s->cb(s->cb_ctx, ev);
    flush_held(s, dir, ev->pkt_end);

    if (h->len == 1) { /* RFC 6455 §5.5.1: a body starts with a 2-byte code */
        frame_finding(s, dir, F_CLOSE_BAD_PAYLOAD, "close payload of 1 byte");
    } else if (h->len > WS_CONTROL_MAX) {
        snprintf(buf, sizeof buf, "close payload of %llu bytes (max 125)",
                 (unsigned long long)h->len);
        frame_finding(s, dir, F_CLOSE_BAD_PAYLOAD, buf);
    }
    if (ev->has_code) {
        struct utf8_state u;
        utf8_init(&u);
        if (utf8_feed(&u, ev->reason, ev->reason_len) < 0 ||
            (h->len <= WS_CONTROL_MAX && utf8_finish(&u) != 0)) { /* RFC 6455 §5.5.1, §8.1 */
            snprintf(buf, sizeof buf, "close reason is not valid UTF-8 (byte %llu of the reason)",
                     (unsigned long long)(u.failed ? u.bad_at : ev->reason_len));
            frame_finding(s, dir, F_CLOSE_BAD_PAYLOAD, buf);
        }
        const struct ws_close_info *ci = ev->code_info;
        if (ci->finding >= 0) {
            snprintf(buf, sizeof buf, "code %u (%s) sent by the %s", ev->code, ci->name,
                     wsa_side(dir));
            frame_finding(s, dir, (enum wsa_finding_id)ci->finding, buf);
        }
        if (ev->code == 1003 && !d->close_sent) {
            d->close_pkt = d->frame_pkt;
            d->close_hdr_end = d->frame_off + h->hdr_len;
            d->pending_1003 = 1;
            d->pending_seg = d->frame_seg;
            d->pending_pkt = d->frame_pkt;
            ws_1003_judge(s, dir, 0);
        }
    }
    if (!d->close_sent) {
        d->close_pkt = d->frame_pkt;
        d->close_hdr_end = d->frame_off + h->hdr_len;
        d->close_code = ev->code;
        d->close_has_code = (uint8_t)ev->has_code;
    }
    d->close_sent = 1;
}

/* RFC 6455 §5.5.3: a Pong answering a Ping carries the same payload. An endpoint may answer
 * only the most recent of several Pings and may send unsolicited Pongs, so a Pong is wrong only
 * when Pings are outstanding and it echoes none of them. Pongs answer in order: a match drops
 * that Ping and the older ones. */
static uint64_t payload_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void ping_pong(struct ws_session *s, int dir)
{
    struct ws_dir *d = &s->d[dir];
    const struct ws_frame_hdr *h = &d->fp.hdr;
    if (d->ctrl_gap || h->len > sizeof d->ctrl) { /* not comparable */
        if (h->opcode == WS_OP_PING)
            d->pings = 0;
        return;
    }
    uint64_t hash = payload_hash(d->ctrl, d->ctrl_len);
    if (h->opcode == WS_OP_PING) {
        if (d->pings == WS_PINGS) { /* forget the oldest */
            memmove(&d->ping[0], &d->ping[1], sizeof d->ping[0] * (WS_PINGS - 1));
            d->pings--;
        }
        d->ping[d->pings].hash = hash;
        d->ping[d->pings].len = d->ctrl_len;
        d->pings++;
        return;
    }
    struct ws_dir *peer = &s->d[!dir];
    if (!peer->pings)
        return; /* unsolicited */
    for (unsigned i = 0; i < peer->pings; i++)
        if (peer->ping[i].len == d->ctrl_len && peer->ping[i].hash == hash) {
            memmove(&peer->ping[0], &peer->ping[i + 1],
                    sizeof peer->ping[0] * (peer->pings - i - 1));
            peer->pings = (uint8_t)(peer->pings - i - 1);
            return;
        }
    char buf[96], *o = buf; /* the two most frequent findings are written without printf */
    o = cat_u(cat(o, "Pong of "), d->ctrl_len);
    o = cat_u(cat(o, " bytes echoes none of the "), peer->pings);
    cat(o, " outstanding Pings");
    frame_finding(s, dir, F_V_PONG_MISMATCH, buf);
    peer->pings = 0;
}

/* The last frame of a data message ended: the message is complete, inflated to its end,
 * reported (WS_EV_MESSAGE), and its text checked to its last byte. */
static void message_end(struct ws_session *s, int dir, uint64_t pkt_end)
{
    struct ws_dir *d = &s->d[dir];
    struct ws_msg_rec *m = current_msg(d);
    if (m)
        m->complete = 1;
    if (m && d->infl_msg)
        inflate_end(s, dir);
    if (m) {
        int hashed = d->sha1 && (!m->compressed || !d->infl_dead);
        struct ws_message msg = {m->opcode,
                                 m->pkt,
                                 m->size,
                                 m->compressed,
                                 m->compressed && !d->infl_dead,
                                 1,
                                 m->inflated,
                                 d->preview,
                                 d->preview_len,
                                 hashed ? g_checksum_get_string(d->sha1) : NULL};
        struct ws_event mev;
        memset(&mev, 0, sizeof mev);
        mev.type = WS_EV_MESSAGE;
        mev.dir = dir;
        mev.pkt = m->pkt;
        mev.pkt_end = pkt_end;
        mev.msg = &msg;
        s->cb(s->cb_ctx, &mev);
    }
    if (m && d->text_check && utf8_finish(&d->text) != 0) {
        char buf[160];
        snprintf(buf, sizeof buf,
                 "the text message that started in packet %llu ends inside a UTF-8 sequence",
                 (unsigned long long)d->text_pkt);
        emit_finding(s, dir, s->seg.pkt, F_V_INVALID_UTF8, buf);
    }
    d->text_check = 0;
    d->in_msg = 0;
}

static void frame_end(struct ws_session *s, int dir, int complete)
{
    struct ws_dir *d = &s->d[dir];
    const struct ws_frame_hdr *h = &d->fp.hdr;
    struct ws_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = h->opcode == WS_OP_CLOSE && complete ? WS_EV_CLOSE : WS_EV_FRAME;
    ev.dir = dir;
    ev.pkt = d->frame_pkt;
    ev.pkt_end = s->seg.cur_pkt > s->seg.pkt ? s->seg.cur_pkt : s->seg.pkt;
    ev.offset = d->frame_off;
    ev.hdr = h;
    ev.complete = complete;
    d->frames++;
    d->frame_started = 0;
    d->frame_pkt_end = ev.pkt_end;
    if (ev.type == WS_EV_CLOSE) {
        on_close(s, dir, &ev);
    } else {
        s->cb(s->cb_ctx, &ev);
        flush_held(s, dir, ev.pkt_end);
    }
    if (complete && (h->opcode == WS_OP_PING || h->opcode == WS_OP_PONG))
        ping_pong(s, dir);
    if (!ws_opcode_is_control(h->opcode) && current_msg(d))
        current_msg(d)->pkt_end = ev.pkt_end;
    if (!ws_opcode_is_control(h->opcode) && h->fin && complete)
        message_end(s, dir, ev.pkt_end);
}

static void stop_dir(struct ws_session *s, int dir, uint64_t pkt, const char *why)
{
    struct ws_dir *d = &s->d[dir];
    if (d->stopped)
        return;
    d->stopped = 1;
    d->stop_off = d->off;
    flush_held(s, dir, 0); /* the open frame will never end */
    d->frame_started = 0;
    send_finding(s, dir, pkt, pkt, F_D_DIRECTION_STOPPED, why);
}

/* A piece of a frame's payload: a control frame's is kept (unmasked, up to 125 bytes) for when
 * it ends; a data message's is counted, previewed, inflated and checked as UTF-8 as it comes. */
static void payload_chunk(struct ws_session *s, int dir, const uint8_t *chunk, size_t chunk_len)
{
    struct ws_dir *d = &s->d[dir];
    const struct ws_frame_hdr *h = &d->fp.hdr;
    uint64_t pos = d->fp.done - chunk_len; /* the chunk's offset in the payload */
    if (ws_opcode_is_control(h->opcode)) {
        for (size_t i = 0; i < chunk_len && pos + i < sizeof d->ctrl; i++)
            d->ctrl[pos + i] = (uint8_t)(chunk[i] ^ h->mask[(pos + i) & 3]);
        uint64_t kept = d->fp.done < sizeof d->ctrl ? d->fp.done : sizeof d->ctrl;
        d->ctrl_len = (uint8_t)kept;
        return;
    }
    struct ws_msg_rec *m = current_msg(d);
    if (!m)
        return;
    m->size += chunk_len;
    if (!m->compressed && s->hash_messages) /* messages are reported: preview and hash */
        keep_preview(d, chunk, chunk_len, h->mask, pos);
    if (d->infl_msg) {
        inflate_chunk(s, dir, chunk, chunk_len, pos);
    } else if (d->text_check &&
               utf8_feed_masked(&d->text, chunk, chunk_len, h->mask, pos) < 0) {
        char buf[96], *o = buf;
        d->text_check = 0;
        o = cat_u(cat(o, "byte "), d->text.bad_at);
        cat_u(cat(o, " of the text message that started in packet "), d->text_pkt);
        emit_finding(s, dir, s->seg.pkt, F_V_INVALID_UTF8, buf);
    }
}

static void feed_bytes(struct ws_session *s, int dir, const uint8_t *data, size_t len,
                       const struct ws_seg_ctx *seg);

void ws_session_feed(struct ws_session *s, int dir, const uint8_t *data, size_t len,
                     const struct ws_seg_ctx *seg)
{
    if (len == 0)
        return; /* no bytes, no news: an empty segment must not move the packet numbers */
    /* A 1003 from the peer waiting for these bytes is judged the moment its acknowledged
     * bytes are in, before what follows them in the same segment, so the order of records
     * does not depend on how TCP cut the stream (the fuzzers feed every input both ways). */
    const struct ws_dir *d = &s->d[dir], *peer = &s->d[!dir];
    if (peer->pending_1003 && peer->pending_seg.ack_valid && d->off < peer->pending_seg.ack_off &&
        peer->pending_seg.ack_off - d->off < len) {
        size_t first = (size_t)(peer->pending_seg.ack_off - d->off);
        feed_bytes(s, dir, data, first, seg);
        data += first;
        len -= first;
    }
    feed_bytes(s, dir, data, len, seg);
}

static void feed_bytes(struct ws_session *s, int dir, const uint8_t *data, size_t len,
                       const struct ws_seg_ctx *seg)
{
    struct ws_dir *d = &s->d[dir];
    s->seg = *seg;
    if (d->stopped || d->ended) {
        d->off += len;
        return;
    }
    while (1) {
        enum ws_frame_result r;
        const uint8_t *chunk;
        size_t chunk_len;
        if (!d->frame_started && len > 0) {
            d->frame_started = 1;
            d->frame_off = d->off;
            d->frame_pkt = seg->pkt;
            d->frame_seg = *seg;
        }
        size_t used = ws_frame_feed(&d->fp, data, len, &r, &chunk, &chunk_len);
        data += used;
        len -= used;
        d->off += used;
        if (r == WF_NEED_MORE)
            break;
        if (r == WF_ERR_LENGTH) {
            emit_finding(s, dir, d->frame_pkt, F_V_LENGTH_MSB_SET, "");
            d->off += len;
            stop_dir(s, dir, d->frame_pkt, "64-bit length with the MSB set: frame boundary lost");
            d->stop_off = d->frame_off;
            break;
        }
        if (r == WF_HEADER) {
            check_header(s, dir);
        } else if (r == WF_PAYLOAD) {
            payload_chunk(s, dir, chunk, chunk_len);
        } else if (r == WF_FRAME_END) {
            frame_end(s, dir, 1);
        }
    }
    /* a 1003 from the peer may be waiting for exactly these bytes */
    struct ws_dir *peer = &s->d[!dir];
    if (peer->pending_1003)
        ws_1003_judge(s, !dir, 0);
}

static void record_gap(struct ws_dir *d, uint64_t len)
{
    d->gap_lo[d->gap_count % WS_GAPS] = d->off;
    d->gap_hi[d->gap_count % WS_GAPS] = d->off + len;
    d->gap_count++;
}

void ws_session_gap(struct ws_session *s, int dir, uint64_t len, uint64_t pkt)
{
    struct ws_dir *d = &s->d[dir];
    char buf[160];
    record_gap(d, len);
    if (!d->stopped && !d->ended) {
        uint64_t left = ws_frame_remaining(&d->fp);
        if (len <= left && d->frame_started) {
            /* the gap is inside this frame's payload: the next header is still where the
             * length says, so the direction stays in sync */
            ws_frame_skip(&d->fp, len);
            if (ws_opcode_is_control(d->fp.hdr.opcode)) {
                uint64_t kept = d->fp.done < sizeof d->ctrl ? d->fp.done : sizeof d->ctrl;
                d->ctrl_len = (uint8_t)kept; /* bytes in the gap read as zero */
                d->ctrl_gap = 1;
            } else {
                d->text_check = 0; /* a text message with a hole cannot be validated */
                if (d->infl_msg)   /* nor inflated: the compression context is lost too */
                    inflate_failed(s, dir, WS_INFL_GAP, pkt);
            }
            struct ws_msg_rec *m = current_msg(d);
            if (m && !ws_opcode_is_control(d->fp.hdr.opcode))
                m->size += len;
        } else {
            if (len == WS_GAP_UNKNOWN)
                snprintf(buf, sizeof buf,
                         "bytes missing at stream offset %llu (how many is not known), not "
                         "inside a frame payload",
                         (unsigned long long)d->off);
            else
                snprintf(buf, sizeof buf,
                         "%llu bytes missing at stream offset %llu, not inside a frame payload",
                         (unsigned long long)len, (unsigned long long)d->off);
            d->off += len;
            stop_dir(s, dir, pkt, buf);
            d->stop_off = d->off - len;
            return;
        }
    }
    d->off += len;
    struct ws_dir *peer = &s->d[!dir];
    if (peer->pending_1003)
        ws_1003_judge(s, !dir, 0);
}

void ws_session_end_dir(struct ws_session *s, int dir, uint64_t pkt)
{
    struct ws_dir *d = &s->d[dir];
    char buf[160];
    if (d->ended)
        return;
    if (!d->stopped) {
        /* a frame whose end is pending (empty payload, or all bytes in) closes normally */
        enum ws_frame_result r;
        const uint8_t *chunk;
        size_t chunk_len;
        if (d->frame_started && ws_frame_remaining(&d->fp) == 0 && !ws_frame_at_boundary(&d->fp)) {
            ws_frame_feed(&d->fp, NULL, 0, &r, &chunk, &chunk_len);
            if (r == WF_FRAME_END)
                frame_end(s, dir, 1);
        }
        if (d->frame_started && !ws_frame_at_boundary(&d->fp)) {
            uint64_t left = ws_frame_remaining(&d->fp);
            if (left)
                snprintf(buf, sizeof buf, "%s frame lacks %llu of %llu payload bytes",
                         ws_opcode_name(d->fp.hdr.opcode), (unsigned long long)left,
                         (unsigned long long)d->fp.hdr.len);
            else
                snprintf(buf, sizeof buf, "frame header incomplete (%u bytes)", d->fp.have);
            if (d->end_how == WS_END_UNSEEN)
                emit_finding(s, dir, d->frame_pkt, F_D_INCOMPLETE_FRAME, buf);
            else
                d->cut_left = left ? left : 1; /* told in ws.close.abnormal */
            if (left)
                frame_end(s, dir, 0);
        }
    }
    (void)pkt;
    flush_held(s, dir, 0); /* a frame cut short by the end: its findings follow its record */
    d->frame_started = 0;
    d->ended = 1;
    struct ws_dir *peer = &s->d[!dir];
    if (peer->pending_1003)
        ws_1003_judge(s, !dir, 0);
}

void ws_session_end_dir_how(struct ws_session *s, int dir, enum ws_end_how how, uint64_t pkt)
{
    struct ws_dir *d = &s->d[dir];
    if (d->ended)
        return;
    if (how != WS_END_UNSEEN) {
        d->end_how = (uint8_t)how;
        d->end_pkt = pkt;
        if (s->first_end < 0)
            s->first_end = dir;
    }
    ws_session_end_dir(s, dir, pkt);
}

int ws_session_closing_handshake(const struct ws_session *s)
{
    return s->d[WS_C2S].close_sent && s->d[WS_S2C].close_sent;
}

/* What was in flight in a direction when the connection ended: "", or a clause */
static void in_flight(const struct ws_session *s, int dir, char *out, size_t n)
{
    const struct ws_dir *d = &s->d[dir];
    const struct ws_msg_rec *m = d->hist_count ? &d->hist[(d->hist_count - 1) % WS_HISTORY] : NULL;
    out[0] = 0;
    if (d->cut_left)
        snprintf(out, n, "; the %s's %s frame of %llu bytes was cut short, %llu bytes missing",
                 wsa_side(dir), ws_opcode_name(d->fp.hdr.opcode),
                 (unsigned long long)d->fp.hdr.len, (unsigned long long)d->cut_left);
    else if (m && !m->complete && d->in_msg)
        snprintf(out, n, "; the %s was sending a %s message, %llu bytes sent", wsa_side(dir),
                 ws_opcode_name(m->opcode), (unsigned long long)m->size);
}

/* RFC 6455 §7.1.5: the close code each side's application saw; an ending without any Close
 * is what every client API reports as 1006 */
static void report_status(struct ws_session *s, int by_tcp, uint64_t pkt)
{
    struct ws_status st;
    int ended = by_tcp && s->first_end >= 0;
    for (int dir = 0; dir < 2; dir++) {
        const struct ws_dir *d = &s->d[dir];
        /* a direction the capture lost bytes of may have carried a Close we did not see */
        int lost = d->stopped || d->gap_count;
        st.seen[dir] = d->close_sent ? (d->close_has_code ? d->close_code : 1005)
                       : ended && !lost ? 1006
                                        : -1;
    }
    st.ended_dir = ended ? s->first_end : -1;
    st.how = ended ? (enum ws_end_how)s->d[s->first_end].end_how : WS_END_UNSEEN;
    st.handshake_complete = ws_session_closing_handshake(s);
    int cut = s->d[0].cut_left || s->d[1].cut_left;
    uint64_t at = ended ? s->d[s->first_end].end_pkt : pkt;
    st.ended_pkt = ended ? at : 0;
    int lost = s->d[0].stopped || s->d[1].stopped || s->d[0].gap_count || s->d[1].gap_count;
    if (ended && !lost && ((!s->d[0].close_sent && !s->d[1].close_sent) || cut)) {
        char buf[480], f0[160], f1[160];
        in_flight(s, WS_C2S, f0, sizeof f0);
        in_flight(s, WS_S2C, f1, sizeof f1);
        snprintf(buf, sizeof buf, "the %s %s%s%s%s", wsa_side(s->first_end),
                 s->over_h2 ? (st.how == WS_END_RST ? "reset (RST_STREAM) the HTTP/2 stream"
                                                    : "ended (END_STREAM) the HTTP/2 stream")
                 : st.how == WS_END_RST ? "reset (RST) the connection"
                                        : "closed (FIN) the connection",
                 s->d[0].close_sent || s->d[1].close_sent ? " before the closing handshake ended"
                                                          : " without a Close frame",
                 f0, f1);
        emit_finding(s, s->first_end, at, F_CLOSE_ABNORMAL, buf);
    }
    struct ws_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = WS_EV_STATUS;
    ev.dir = st.ended_dir;
    ev.pkt = ev.pkt_end = pkt; /* the connection's last packet: the end record comes last */
    ev.status = &st;
    s->cb(s->cb_ctx, &ev);
}

void ws_session_end(struct ws_session *s, int by_tcp, uint64_t pkt)
{
    for (int dir = 0; dir < 2; dir++)
        ws_session_end_dir(s, dir, pkt);
    for (int dir = 0; dir < 2; dir++)
        if (s->d[dir].pending_1003)
            ws_1003_judge(s, dir, 1);
    /* RFC 6455 §5.5.1: an endpoint that receives a Close MUST send one in response */
    for (int dir = 0; dir < 2; dir++) {
        const struct ws_dir *closer = &s->d[dir], *peer = &s->d[!dir];
        if (by_tcp && closer->close_sent && !peer->close_sent && !peer->stopped &&
            peer->gap_count == 0)
            emit_finding(s, !dir, pkt, F_CLOSE_UNANSWERED,
                         dir == WS_C2S ? "the server never answered the client's Close"
                                       : "the client never answered the server's Close");
    }
    report_status(s, by_tcp, pkt);
}

const char *ws_unsup_status_name(int status)
{
    switch (status) {
    case WS_UNSUP_OBSERVED:
        return "observed";
    case WS_UNSUP_NONE_OBSERVED:
        return "none_observed";
    case WS_UNSUP_UNKNOWN:
        return "unknown";
    case WS_UNSUP_REPLY:
        return "reply";
    }
    return "?";
}

void ws_session_init_upgraded(struct ws_session *s, const struct ws_handshake_result *res,
                              ws_event_fn cb, void *ctx, uint64_t c2s_off, uint64_t s2c_off)
{
    ws_session_init(s, res->rsv_allowed, res->pmd, cb, ctx);
    if (res->pmd)
        ws_session_set_pmd(s, &res->pmd_params);
    ws_session_start(s, c2s_off, s2c_off);
}

void ws_session_init_midstream(struct ws_session *s, ws_event_fn cb, void *ctx)
{
    ws_session_init(s, WS_RSV_ALL, 0, cb, ctx);
    ws_session_start(s, 0, 0);
}
