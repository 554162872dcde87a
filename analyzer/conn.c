/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn.c - the application layer of a flow: recognise the HTTP/1.1 Upgrade exchange on any
 * port, check it, then hand the byte streams to the core's WebSocket session and its events to
 * the report.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tls_alert.h"
#include "../core/tls_session.h"
#include "../core/ws_frame.h"
#include "../core/ws_handshake.h"
#include "community_id.h"
#include "conn_h2.h"
#include "oom.h"
#include "flow.h"
#include "linebuf.h"

#define HS_MAX (64 * 1024) /* header block limit (HS-16) */

struct early_chunk {
    uint32_t len;
    struct reasm_meta meta;
    uint64_t cur_pkt; /* packet being processed when the bytes arrived in order */
};

struct wsconn {
    struct conn_view view;
    struct analyzer *an;
    struct flow *f;
    GByteArray *req, *resp, *early;
    GArray *early_chunks;
    /* FS_HTTP_RESP: the request, parsed once it was complete (its slices point into req, which
     * grows no more) */
    struct ws_http_msg req_msg;
    uint64_t req_pkt, resp_pkt;
    uint64_t req_end_off, resp_end_off;
    int req_confirmed;
    struct ws_session sess;
    struct tls_session *tls; /* FS_TLS only */
    size_t charged;          /* bytes counted in an->state_used for this connection */
    /* FS_TLS with keys: the decrypted application data, followed as a flow of its own, and
     * the segment being fed to the TLS session (its packet and ACK) */
    struct flow *inner;
    const struct reasm_meta *tls_meta;
    uint64_t body_pkt; /* FS_HTTP_BODY: the packet of the refusal's body */
    struct h2link *h2;   /* FS_H2 */
    uint8_t h2c_upgrade; /* FS_HTTP_RESP: the request asked for "Upgrade: h2c" */
    uint64_t sev[4];   /* this connection's findings per severity */
};

/* an IPv4 address in dotted decimal, as inet_ntop writes it, without its sprintf (four of these
 * per connection showed in profiles of captures with many short connections); its length */
static size_t ipv4_text(const uint8_t *a, char *out)
{
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        if (i)
            out[n++] = '.';
        n += wsa_u64_dec(out + n, a[i]);
    }
    out[n] = 0;
    return n;
}

/* a side's address and port, each on its own */
static void side_parts(const struct flow *f, int side, char *ip, size_t n, uint16_t *port)
{
    int is_a = side == 0 ? f->init_is_a : !f->init_is_a;
    const uint8_t *addr = is_a ? f->key.a : f->key.b;
    if (f->key.family == 4 && n >= INET_ADDRSTRLEN)
        ipv4_text(addr, ip);
    else
        inet_ntop(f->key.family == 4 ? AF_INET : AF_INET6, addr, ip, (socklen_t)n);
    *port = is_a ? f->key.pa : f->key.pb;
}

/* "addr:port", IPv6 as "[addr]:port" */
static void side_endpoint(const struct flow *f, int side, char *out, size_t n)
{
    char ip[INET6_ADDRSTRLEN];
    uint16_t port;
    side_parts(f, side, ip, sizeof ip, &port);
    size_t k = strlen(ip);
    if (f->key.family == 4 && k + 7 <= n) { /* ":65535" and the terminator */
        memcpy(out, ip, k);
        out[k++] = ':';
        k += wsa_u64_dec(out + k, port);
        out[k] = 0;
        return;
    }
    snprintf(out, n, f->key.family == 4 ? "%s:%u" : "[%s]:%u", ip, port);
}

/* "a:p <-> b:p" for findings about a flow that is not (yet) a WebSocket connection */
void conn_flow_name(const struct flow *f, char *out, size_t n)
{
    char a[64], b[64];
    side_endpoint(f, 0, a, sizeof a);
    side_endpoint(f, 1, b, sizeof b);
    snprintf(out, n, "%s <-> %s", a, b);
}

static void on_ws_event(void *ctx, const struct ws_event *ev)
{
    struct wsconn *c = ctx;
    report_ws_event(c->an->rep, &c->view, ev);
}

static void tls_app_data(struct wsconn *c, const struct tls_event *ev);
static void tls_app_gap(struct wsconn *c, const struct tls_event *ev);

static void on_tls_event(void *ctx, const struct tls_event *ev)
{
    struct wsconn *c = ctx;
    if (ev->type == TLS_EV_DATA)
        tls_app_data(c, ev);
    else if (ev->type == TLS_EV_DATA_GAP)
        tls_app_gap(c, ev);
    else
        report_tls_event(c->an->rep, &c->view, ev);
}

static struct wsconn *conn_new(struct analyzer *an, struct flow *f, int client_side, int tls)
{
    struct wsconn *c = oom_check(calloc(1, sizeof *c), "a new connection");
    c->an = an;
    c->f = f;
    c->view.id = f->id;
    c->view.file = an->file;
    c->view.tls = f->outer != NULL;
    side_endpoint(f, client_side, c->view.client, sizeof c->view.client);
    side_endpoint(f, !client_side, c->view.server, sizeof c->view.server);
    side_parts(f, client_side, c->view.client_ip, sizeof c->view.client_ip,
               &c->view.client_port);
    side_parts(f, !client_side, c->view.server_ip, sizeof c->view.server_ip,
               &c->view.server_port);
    community_id_tcp(an->cid_seed, f->key.family, f->key.a, f->key.pa, f->key.b, f->key.pb,
                     c->view.community_id, sizeof c->view.community_id);
    c->view.start_ns = f->first_ns;
    c->view.by_severity = c->sev;
    if (tls) {
        c->tls = oom_check(malloc(sizeof *c->tls), "a TLS session");
        tls_session_init(c->tls, on_tls_event, c);
        tls_session_set_keys(c->tls, an->keys);
    } else {
        c->req = g_byte_array_new();
        c->resp = g_byte_array_new();
    }
    f->client_side = (uint8_t)client_side;
    f->ws = c;
    return c;
}

/* what a GByteArray holds: GLib grows it to the next power of two */
static size_t buf_bytes(const GByteArray *b)
{
    if (!b || !b->len)
        return 0;
    size_t cap = 16;
    while (cap < b->len)
        cap *= 2;
    return cap;
}

void conn_account(struct flow *f)
{
    struct wsconn *c = f->ws;
    if (!c)
        return;
    size_t n = sizeof *c + buf_bytes(c->req) + buf_bytes(c->resp) + buf_bytes(c->early);
    if (c->early_chunks)
        n += c->early_chunks->len * sizeof(struct early_chunk);
    if (c->tls)
        n += sizeof *c->tls + tls_session_heap(c->tls);
    if (f->state == FS_WS)
        n += ws_session_heap(&c->sess);
    if (c->h2)
        n += h2link_heap(c->h2);
    c->an->state_used += n - c->charged;
    c->charged = n;
    if (c->inner)
        conn_account(c->inner);
}

/* The first bytes of a flow, while they are too few to tell HTTP, TLS and (mid-stream)
 * WebSocket apart: kept with each segment's packet so they can be replayed once decided, so
 * that the verdict does not depend on how the bytes were cut into segments. */
#define DETECT_MAX 64

struct detect_buf {
    int side;
    size_t len, nchunks;
    uint8_t data[DETECT_MAX];
    struct {
        size_t len;
        uint64_t cur_pkt;
        struct reasm_meta meta;
    } chunk[DETECT_MAX];
};

void conn_detect_free(struct analyzer *an, struct flow *f)
{
    if (!f->det)
        return;
    free(f->det);
    f->det = NULL;
    an->state_used -= sizeof(struct detect_buf);
}

void conn_free(struct flow *f)
{
    struct wsconn *c = f->ws;
    if (!c)
        return;
    c->an->state_used -= c->charged;
    if (c->req)
        g_byte_array_free(c->req, TRUE);
    if (c->resp)
        g_byte_array_free(c->resp, TRUE);
    if (c->early)
        g_byte_array_free(c->early, TRUE);
    if (c->early_chunks)
        g_array_free(c->early_chunks, TRUE);
    if (c->tls) {
        tls_session_free(c->tls);
        free(c->tls);
    }
    if (f->state == FS_WS)
        ws_session_free(&c->sess);
    h2link_free(c->h2);
    c->h2 = NULL;
    if (c->inner) {
        conn_free(c->inner);
        free(c->inner);
        c->an->state_used -= sizeof *c->inner;
    }
    free(c);
    f->ws = NULL;
    f->state = FS_DONE;
}

static void ignore_flow(struct flow *f)
{
    conn_free(f);
    for (int side = 0; side < 2; side++)
        reasm_free(&f->rd[side]);
    f->state = FS_IGNORE;
}

static struct ws_seg_ctx seg_for(const struct flow *f, int side, const struct reasm_meta *m)
{
    struct ws_seg_ctx seg = {m->pkt, 0, 0, f->cur_pkt};
    if (f->outer) {
        /* decrypted data: the peer's TCP bytes acknowledged, as whole records of plaintext */
        const struct flow *o = f->outer;
        uint64_t tcp_off;
        int peer = side == o->client_side ? TLS_S2C : TLS_C2S;
        if (m->has_ack && reasm_offset(&o->rd[!side], m->ack, &tcp_off) == 0 &&
            tls_session_plain_acked(o->ws->tls, peer, tcp_off, &seg.ack_off) == 0)
            seg.ack_valid = 1;
        return seg;
    }
    if (m->has_ack && reasm_offset(&f->rd[!side], m->ack, &seg.ack_off) == 0)
        seg.ack_valid = 1;
    return seg;
}

static int ws_dir(const struct flow *f, int side)
{
    return side == f->client_side ? WS_C2S : WS_S2C;
}

/* Client bytes sent before the server's 101 was received are early data (RFC 6455 §4.1). */
/* the client's bytes that came before the 101: was this chunk sent before the client had the
 * whole response (judged by the ACK it carried)? */
static int sent_early(const struct wsconn *c, const struct early_chunk *ec)
{
    struct ws_seg_ctx seg = seg_for(c->f, c->f->client_side, &ec->meta);
    return !(seg.ack_valid && seg.ack_off >= c->resp_end_off);
}

static void feed_client(struct wsconn *c, const uint8_t *data, size_t len,
                        const struct early_chunk *ec, int *flagged, size_t early_total)
{
    struct flow *f = c->f;
    const struct reasm_meta *m = &ec->meta;
    struct ws_seg_ctx seg = seg_for(f, f->client_side, m);
    seg.cur_pkt = ec->cur_pkt; /* the bytes were complete then; they waited for the 101 */
    if (!*flagged && sent_early(c, ec)) {
        *flagged = 1;
        char detail[96];
        snprintf(detail, sizeof detail, "%zu bytes sent before the 101 response was received",
                 early_total);
        report_finding(c->an->rep, &c->view, c->an->file, m->pkt, F_V_EARLY_DATA, detail);
    }
    ws_session_feed(&c->sess, WS_C2S, data, len, &seg);
}

/* The body of a 400 answer to the Upgrade: servers that speak TLS on the port say so in it
 * (core: tls_refusal_says_tls). Judged once the bytes it needs are there or the server's side
 * ended, so any segmentation gives the same verdict. */
static void refusal_body(struct wsconn *c, const uint8_t *p, size_t n, uint64_t pkt, int final)
{
    size_t room = TLS_REFUSAL_BODY_MAX - c->resp->len;
    if (n && !c->resp->len)
        c->body_pkt = pkt;
    g_byte_array_append(c->resp, p, (guint)(n < room ? n : room));
    if (c->resp->len < TLS_REFUSAL_BODY_MAX && !final)
        return;
    char detail[256];
    if (tls_refusal_says_tls(400, c->resp->data, c->resp->len, detail, sizeof detail))
        report_finding(c->an->rep, &c->view, c->an->file, c->body_pkt, F_TLS_PLAINTEXT_TO_TLS,
                       detail);
    ignore_flow(c->f);
}

static void handshake_finding(void *ctx, int id, int in_request, const char *detail)
{
    struct wsconn *c = ctx;
    report_finding(c->an->rep, &c->view, c->an->file, in_request ? c->req_pkt : c->resp_pkt,
                   (enum wsa_finding_id)id, detail);
}

/* The answer to "Upgrade: h2c": a 101 makes the flow HTTP/2 from the byte after it (the client's
 * preface, kept while we waited, then the server's first frames); anything else is plain HTTP,
 * not followed. */
static void h2c_answered(struct wsconn *c, const uint8_t *rest, size_t rest_len,
                         const struct reasm_meta *m)
{
    struct flow *f = c->f;
    struct ws_http_msg resp;
    if (ws_http_parse(c->resp->data, c->resp->len, 1, &resp) < 0 || resp.status != 101) {
        ignore_flow(f);
        return;
    }
    c->h2 = h2link_new(c->an, &c->view, f->outer ? f->outer->ws->tls : NULL, 0);
    f->state = FS_H2;
    g_byte_array_free(c->req, TRUE);
    g_byte_array_free(c->resp, TRUE);
    c->req = c->resp = NULL;
    if (c->early) {
        size_t pos = 0;
        for (guint i = 0; i < c->early_chunks->len; i++) {
            struct early_chunk *ec = &g_array_index(c->early_chunks, struct early_chunk, i);
            h2link_feed(c->h2, 0, c->early->data + pos, ec->len, ec->meta.pkt, ec->cur_pkt);
            pos += ec->len;
        }
        g_byte_array_free(c->early, TRUE);
        g_array_free(c->early_chunks, TRUE);
        c->early = NULL;
        c->early_chunks = NULL;
    }
    if (rest_len)
        h2link_feed(c->h2, 1, rest, rest_len, m->pkt, f->cur_pkt);
}

static void handshake_done(struct wsconn *c, const uint8_t *rest, size_t rest_len,
                           const struct reasm_meta *m)
{
    struct analyzer *an = c->an;
    struct flow *f = c->f;
    struct ws_upgrade u;

    u.req = c->req_msg;
    if (ws_upgrade_judge_response(&u, c->resp->data, c->resp->len) < 0) {
        report_finding(an->rep, &c->view, an->file, c->resp_pkt, F_V_BAD_REQUEST,
                       "the answer to the Upgrade request is not an HTTP/1.x response");
        ignore_flow(f);
        return;
    }
    struct handshake_view hv = {c->req_pkt, c->resp_pkt, &u.req, &u.resp, &u.res};
    report_conn(an->rep, &c->view, &hv, 0);
    ws_upgrade_findings(&u, handshake_finding, c);
    if (!u.res.upgraded) {
        if (u.resp.status == 400) { /* a TLS server's answer to plain HTTP? read its body */
            f->state = FS_HTTP_BODY;
            c->body_pkt = m->pkt;
            g_byte_array_set_size(c->resp, 0);
            refusal_body(c, rest, rest_len, m->pkt, 0);
            return;
        }
        ignore_flow(f); /* HS-01: bytes after a refusal are not frames */
        return;
    }
    f->state = FS_WS;
    ws_session_init_upgraded(&c->sess, &u.res, on_ws_event, c, c->req_end_off, c->resp_end_off);
    ws_session_hash_messages(&c->sess, an->rep->show_payload);
    g_byte_array_free(c->req, TRUE);
    g_byte_array_free(c->resp, TRUE);
    c->req = c->resp = NULL;

    /* client bytes that arrived while we waited for the response */
    int flagged = 0;
    if (c->early) {
        size_t pos = 0, early_total = 0;
        for (guint i = 0; i < c->early_chunks->len; i++) {
            struct early_chunk *ec = &g_array_index(c->early_chunks, struct early_chunk, i);
            if (sent_early(c, ec))
                early_total += ec->len;
        }
        for (guint i = 0; i < c->early_chunks->len; i++) {
            struct early_chunk *ec = &g_array_index(c->early_chunks, struct early_chunk, i);
            feed_client(c, c->early->data + pos, ec->len, ec, &flagged, early_total);
            pos += ec->len;
        }
        g_byte_array_free(c->early, TRUE);
        g_array_free(c->early_chunks, TRUE);
        c->early = NULL;
        c->early_chunks = NULL;
    }
    if (rest_len) {
        struct ws_seg_ctx seg = seg_for(f, !f->client_side, m);
        ws_session_feed(&c->sess, WS_S2C, rest, rest_len, &seg);
    }
}

static void keep_early(struct wsconn *c, const uint8_t *data, size_t len,
                       const struct reasm_meta *m)
{
    if (!len)
        return;
    if (!c->early) {
        c->early = g_byte_array_new();
        c->early_chunks = g_array_new(FALSE, FALSE, sizeof(struct early_chunk));
    }
    if (c->early->len + len > HS_MAX) {
        report_finding(c->an->rep, &c->view, c->an->file, m->pkt, F_D_HANDSHAKE_TOO_LARGE,
                       "more than 64 KiB of client data before the server's response");
        ignore_flow(c->f);
        return;
    }
    g_byte_array_append(c->early, data, (guint)len);
    struct early_chunk ec = {(uint32_t)len, *m, c->f->cur_pkt};
    g_array_append_val(c->early_chunks, ec);
}

/* Append to a header buffer; returns the number of bytes of data past the header end, or -1
 * while the header block is incomplete, or -2 when it grew too large. */
static long append_header(GByteArray *buf, const uint8_t *data, size_t len)
{
    size_t before = buf->len;
    size_t room = HS_MAX + 1 - before;
    g_byte_array_append(buf, data, (guint)(len < room ? len : room));
    size_t end = ws_http_header_end(buf->data, buf->len);
    if (!end)
        return buf->len > HS_MAX ? -2 : -1;
    g_byte_array_set_size(buf, (guint)end);
    return (long)(len - (end - before));
}

/* The server answered an HTTP request with a TLS record: plain HTTP sent to a TLS port. */
static int server_answers_tls(struct wsconn *c, const uint8_t *p, size_t len, uint64_t pkt)
{
    char detail[256];
    if (!tls_plaintext_answer(p, len, detail, sizeof detail))
        return 0;
    report_finding(c->an->rep, &c->view, c->an->file, pkt, F_TLS_PLAINTEXT_TO_TLS, detail);
    return 1;
}

/* FS_HTTP_PLAIN: judge the server's first bytes once there are enough of them to hold a TLS
 * alert record, or the server's side ended (final); the flow is not followed further. */
#define PLAIN_ANSWER 16

static void plain_answer(struct flow *f, int final)
{
    struct wsconn *c = f->ws;
    if (!c->resp->len || (c->resp->len < 7 && !final))
        return;
    server_answers_tls(c, c->resp->data, c->resp->len, c->resp_pkt);
    ignore_flow(f);
}

static uint16_t side_port(const struct flow *f, int side)
{
    int is_a = side == 0 ? f->init_is_a : !f->init_is_a;
    return is_a ? f->key.pa : f->key.pb;
}

/* A capture that starts after the handshake: WebSocket on --ws-port, or when the first bytes
 * are a run of plausible frames (several, or one ending exactly with the segment). The masked
 * side is the client. Extensions are unknown, so RSV bits and compression are not judged. */
static int start_midstream(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                           size_t len, const struct reasm_meta *meta)
{
    int masked = 0, exact = 0, client_side;
    int frames = ws_looks_like_frames(data, len, &masked, &exact);
    const char *how;
    char how_buf[96];
    if (an->ws_port && (side_port(f, side) == an->ws_port || side_port(f, !side) == an->ws_port)) {
        client_side = side_port(f, side) == an->ws_port ? !side : side;
        how = "--ws-port";
    } else if (frames >= 2 || (frames == 1 && exact)) {
        client_side = masked ? side : !side;
        snprintf(how_buf, sizeof how_buf, "%d %s frame%s at the start", frames,
                 masked ? "masked" : "unmasked", frames == 1 ? "" : "s");
        how = how_buf;
    } else {
        return 0;
    }
    struct wsconn *c = conn_new(an, f, client_side, 0);
    if (!c)
        return 0;
    g_byte_array_free(c->req, TRUE);
    g_byte_array_free(c->resp, TRUE);
    c->req = c->resp = NULL;
    char name[160], detail[640];
    conn_flow_name(f, name, sizeof name);
    snprintf(detail, sizeof detail,
             "%s: no handshake in the capture; decoded as WebSocket (%s), client %s. Without the "
             "negotiated extensions, RSV bits and compression are not checked",
             name, how, c->view.client);
    report_conn(an->rep, &c->view, NULL, meta->pkt);
    report_finding(an->rep, &c->view, an->file, meta->pkt, F_D_STREAM_MIDSTREAM, detail);
    f->state = FS_WS;
    ws_session_init_midstream(&c->sess, on_ws_event, c);
    return 1; /* the caller feeds the bytes */
}

/* What a flow's first bytes are, looked at once per arrival of bytes. FB_WAIT while more
 * bytes could change the answer (never when final: the other side spoke, the stream ended or
 * the buffer is full). A flow that is neither HTTP nor TLS (FB_OTHER) is followed only when the
 * capture started in its middle and its bytes are WebSocket frames (start_midstream). */
enum first_bytes { FB_WAIT, FB_TLS, FB_HTTP, FB_H2, FB_OTHER };

/* A server's first HTTP/2 frame: SETTINGS on stream 0 (RFC 9113 §3.4), which a server may send
 * before the client's preface arrives; -1 while too short to say. */
static int h2_server_start(const uint8_t *p, size_t n)
{
    static const uint8_t settings[6] = {H2_SETTINGS, 0, 0, 0, 0, 0}; /* type, flags, stream */
    /* a length of at most 16384 (the initial SETTINGS_MAX_FRAME_SIZE), a multiple of 6 */
    if (n == 0 || p[0] != 0 || (n >= 2 && p[1] > 0x40))
        return 0;
    if (n >= 3) {
        uint32_t len = (uint32_t)p[1] << 8 | p[2];
        if (len % 6 || len > 16384)
            return 0;
    }
    size_t k = n < 9 ? n : 9;
    if (k > 3 && memcmp(p + 3, settings, k - 3) != 0)
        return 0;
    return n >= 9 ? 1 : -1;
}

static enum first_bytes classify(const struct flow *f, int side, const uint8_t *p, size_t n,
                                 uint64_t off, int final)
{
    int pre = off == 0 ? h2_looks_like_preface(p, n) : 0;
    if (pre == 1)
        return FB_H2; /* prior-knowledge HTTP/2 (RFC 9113 §3.3) */
    if (pre == -1 && !final)
        return FB_WAIT;
    /* the server's SETTINGS first: wait for the client's preface */
    if (off == 0 && side == 1 && !final && h2_server_start(p, n) != 0)
        return FB_WAIT;
    int h = ws_http_looks_like_request(p, n), t = tls_looks_like_client_hello(p, n);
    if (!final && n < DETECT_MAX && h != 1 && t != 1) {
        int masked, exact;
        if (h != 0 || t != 0 || (f->midstream && ws_looks_like_frames(p, n, &masked, &exact) < 2))
            return FB_WAIT;
    }
    if (off == 0 && h == 0 && t != 0)
        return FB_TLS; /* TLS on any port, recognised by its first record */
    if (off == 0 && h != 0)
        return FB_HTTP;
    return FB_OTHER;
}

/* Set the flow's state from what its first bytes are: 1 when the bytes are then to be
 * delivered in that state, 0 when the flow is not followed. */
static int decide(struct analyzer *an, struct flow *f, enum first_bytes kind, int side,
                  const uint8_t *data, size_t len, const struct reasm_meta *meta)
{
    struct wsconn *c;
    switch (kind) {
    case FB_H2:
        c = conn_new(an, f, side, 0);
        g_byte_array_free(c->req, TRUE);
        g_byte_array_free(c->resp, TRUE);
        c->req = c->resp = NULL;
        c->h2 = h2link_new(an, &c->view, f->outer ? f->outer->ws->tls : NULL, 0);
        f->state = FS_H2;
        return 1;
    case FB_TLS:
    case FB_HTTP:
        c = conn_new(an, f, side, kind == FB_TLS);
        if (!c) {
            ignore_flow(f);
            return 0;
        }
        if (kind == FB_HTTP)
            c->req_pkt = meta->pkt;
        f->state = kind == FB_TLS ? FS_TLS : FS_HTTP_REQ;
        return 1;
    default:
        if (f->midstream && start_midstream(an, f, side, data, len, meta))
            return 1;
        if (f->midstream) {
            char name[160], detail[256];
            conn_flow_name(f, name, sizeof name);
            snprintf(detail, sizeof detail,
                     "%s: no SYN and no HTTP request at the start; the flow is not followed",
                     name);
            report_finding(an->rep, NULL, an->file, meta->pkt, F_D_STREAM_MIDSTREAM, detail);
        }
        ignore_flow(f); /* not HTTP, not TLS: not ours */
        return 0;
    }
}

static void deliver_decided(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                            size_t len, uint64_t off, const struct reasm_meta *meta);

/* Decide what the buffered first bytes are (kind, or FB_WAIT: look now, with what came), then
 * replay them segment by segment. */
static void detect_flush_as(struct analyzer *an, struct flow *f, enum first_bytes kind)
{
    struct detect_buf *d = f->det;
    if (!d)
        return;
    f->det = NULL; /* nothing is buffered again while replaying */
    if (kind == FB_WAIT)
        kind = classify(f, d->side, d->data, d->len, 0, 1);
    uint64_t saved = f->cur_pkt;
    f->cur_pkt = d->chunk[0].cur_pkt;
    if (decide(an, f, kind, d->side, d->data, d->len, &d->chunk[0].meta)) {
        size_t pos = 0;
        for (size_t i = 0; i < d->nchunks && f->state != FS_IGNORE && f->state != FS_DONE; i++) {
            f->cur_pkt = d->chunk[i].cur_pkt;
            deliver_decided(an, f, d->side, d->data + pos, d->chunk[i].len, pos,
                            &d->chunk[i].meta);
            pos += d->chunk[i].len;
        }
    }
    f->cur_pkt = saved;
    f->det = d;
    conn_detect_free(an, f);
}

static void detect_flush(struct analyzer *an, struct flow *f)
{
    detect_flush_as(an, f, FB_WAIT);
}

/* FS_DETECT: decide from these bytes, or buffer them until a decision is possible. */
static void detect_bytes(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                         size_t len, uint64_t off, const struct reasm_meta *meta)
{
    struct detect_buf *d = f->det;
    if (d && side != d->side && off == 0 && h2_looks_like_preface(data, len) != 0 &&
        h2_server_start(d->data, d->len) != 0) {
        /* HTTP/2 whose server spoke first: the client is the side that sends the preface */
        struct detect_buf *kept = d;
        f->det = NULL;
        if (decide(an, f, FB_H2, side, data, len, meta)) {
            size_t pos = 0;
            uint64_t saved = f->cur_pkt;
            for (size_t i = 0; i < kept->nchunks && f->state == FS_H2; i++) {
                f->cur_pkt = kept->chunk[i].cur_pkt;
                deliver_decided(an, f, kept->side, kept->data + pos, kept->chunk[i].len, pos,
                                &kept->chunk[i].meta);
                pos += kept->chunk[i].len;
            }
            f->cur_pkt = saved;
            deliver_decided(an, f, side, data, len, off, meta);
        }
        f->det = kept;
        conn_detect_free(an, f);
        return;
    }
    if (d && (side != d->side || off != d->len)) {
        detect_flush(an, f); /* the other side spoke first: decide with what we have */
        deliver_decided(an, f, side, data, len, off, meta);
        return;
    }
    if (!d) {
        enum first_bytes kind = classify(f, side, data, len, off, off != 0);
        if (kind != FB_WAIT) {
            if (decide(an, f, kind, side, data, len, meta))
                deliver_decided(an, f, side, data, len, off, meta);
            return;
        }
        d = oom_check(calloc(1, sizeof *d), "protocol detection");
        f->det = d;
        d->side = side;
        an->state_used += sizeof *d;
    }
    size_t k = len < DETECT_MAX - d->len ? len : DETECT_MAX - d->len;
    memcpy(d->data + d->len, data, k);
    d->chunk[d->nchunks].len = k;
    d->chunk[d->nchunks].cur_pkt = f->cur_pkt;
    d->chunk[d->nchunks].meta = *meta;
    d->nchunks++;
    d->len += k;
    enum first_bytes kind = classify(f, d->side, d->data, d->len, 0, d->nchunks >= DETECT_MAX);
    if (kind == FB_WAIT)
        return; /* wait for more */
    detect_flush_as(an, f, kind);
    if (k < len && f->state != FS_IGNORE && f->state != FS_DONE)
        deliver_decided(an, f, side, data + k, len - k, off + k, meta);
}

void conn_deliver(struct analyzer *an, struct flow *f, int side, const uint8_t *data, size_t len,
                  uint64_t off, const struct reasm_meta *meta)
{
    if (f->state == FS_DETECT)
        detect_bytes(an, f, side, data, len, off, meta);
    else
        deliver_decided(an, f, side, data, len, off, meta);
}

/* TLS records, to the TLS session */
static void tls_bytes(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                      size_t len, uint64_t off, const struct reasm_meta *meta)
{
    (void)off;
    struct wsconn *c = f->ws;
    struct tls_seg ts = {meta->pkt, an->cur_ts};
    c->tls_meta = meta;
    tls_session_feed(c->tls, side == f->client_side ? TLS_C2S : TLS_S2C, data, len, &ts);
    if (f->ws == c)
        c->tls_meta = NULL;
    return;
}

/* the body of a 400 refusal: does it say the port speaks TLS? */
static void refusal_body_bytes(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                               size_t len, uint64_t off, const struct reasm_meta *meta)
{
    (void)an;
    (void)off;
    struct wsconn *c = f->ws;
    if (side != f->client_side)
        refusal_body(c, data, len, meta->pkt, 0);
    return;
}

/* a plain HTTP request's answer: only the server's first bytes */
static void plain_answer_bytes(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                               size_t len, uint64_t off, const struct reasm_meta *meta)
{
    (void)an;
    (void)off;
    struct wsconn *c = f->ws;
    if (side != f->client_side) {
        if (!c->resp->len)
            c->resp_pkt = meta->pkt;
        size_t room = PLAIN_ANSWER - c->resp->len;
        g_byte_array_append(c->resp, data, (guint)(len < room ? len : room));
        plain_answer(f, 0);
    }
    return;
}

/* WebSocket frames, to the WebSocket session */
static void websocket_bytes(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                            size_t len, uint64_t off, const struct reasm_meta *meta)
{
    (void)an;
    (void)off;
    struct wsconn *c = f->ws;
    struct ws_seg_ctx seg = seg_for(f, side, meta);
    ws_session_feed(&c->sess, ws_dir(f, side), data, len, &seg);
    return;
}

/* HTTP/2 frames, to the HTTP/2 connection */
static void h2_bytes(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                     size_t len, uint64_t off, const struct reasm_meta *meta)
{
    (void)an;
    (void)off;
    h2link_feed(f->ws->h2, side == f->client_side ? 0 : 1, data, len, meta->pkt, f->cur_pkt);
}

/* "h2c" among the Upgrade header's tokens */
static int upgrade_asks_h2c(struct ws_slice up)
{
    if (!up.p)
        return 0; /* no Upgrade header */
    const char *p = up.p, *end = up.p + up.len;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
            p++;
        const char *t = p;
        while (p < end && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        if (p - t == 3 && g_ascii_strncasecmp(t, "h2c", 3) == 0)
            return 1;
    }
    return 0;
}

/* the HTTP request, up to the end of its header block */
static void request_bytes(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                          size_t len, uint64_t off, const struct reasm_meta *meta)
{
    struct wsconn *c = f->ws;
    if (side != f->client_side) {
        /* the server spoke before the request was complete: keep it as the response */
        if (!c->resp->len)
            c->resp_pkt = meta->pkt;
        long rest = append_header(c->resp, data, len);
        (void)rest;
        return;
    }
    long rest = append_header(c->req, data, len);
    if (!c->req_confirmed && c->req->len >= 16) {
        if (ws_http_looks_like_request(c->req->data, c->req->len) != 1) {
            ignore_flow(f);
            return;
        }
        c->req_confirmed = 1;
    }
    if (rest == -1)
        return;
    if (rest == -2) {
        report_finding(an->rep, NULL, an->file, meta->pkt, F_D_HANDSHAKE_TOO_LARGE,
                       "HTTP request header block larger than 64 KiB");
        ignore_flow(f);
        return;
    }
    struct ws_http_msg *req = &c->req_msg;
    int parsed = ws_http_parse(c->req->data, c->req->len, 0, req);
    if (parsed == 0 && !req->upgrade_is_websocket && upgrade_asks_h2c(req->upgrade))
        c->h2c_upgrade = 1; /* HTTP/2 may follow (RFC 7540 §3.2): its answer decides */
    else if (parsed < 0 || !req->upgrade_is_websocket) {
        /* plain HTTP: only the server's first bytes are looked at (a TLS port?) */
        f->state = FS_HTTP_PLAIN;
        g_byte_array_free(c->req, TRUE);
        c->req = NULL;
        if (c->resp->len > PLAIN_ANSWER)
            g_byte_array_set_size(c->resp, PLAIN_ANSWER);
        plain_answer(f, 0);
        return;
    }
    c->req_end_off = off + len - (size_t)rest;
    f->state = FS_HTTP_RESP;
    keep_early(c, data + len - rest, (size_t)rest, meta);
    return;
}

/* the server's answer to an Upgrade request */
static void response_bytes(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                           size_t len, uint64_t off, const struct reasm_meta *meta)
{
    struct wsconn *c = f->ws;
    if (side == f->client_side) {
        keep_early(c, data, len, meta);
        return;
    }
    size_t before = c->resp->len;
    if (!before)
        c->resp_pkt = meta->pkt;
    long rest = append_header(c->resp, data, len);
    /* a TLS record instead of HTTP: judged once its header and alert are there, whatever
     * the segments */
    if (before < 7 && (c->resp->len >= 7 || rest != -1) &&
        server_answers_tls(c, c->resp->data, c->resp->len, c->resp_pkt)) {
        ignore_flow(f);
        return;
    }
    if (rest == -1)
        return;
    if (rest == -2) {
        report_finding(an->rep, &c->view, an->file, meta->pkt, F_D_HANDSHAKE_TOO_LARGE,
                       "HTTP response header block larger than 64 KiB");
        ignore_flow(f);
        return;
    }
    c->resp_end_off = off + len - (size_t)rest;
    if (c->h2c_upgrade)
        h2c_answered(c, data + len - rest, (size_t)rest, meta);
    else
        handshake_done(c, data + len - rest, (size_t)rest, meta);
}

/* A decided flow's bytes: one handler per state. FS_DETECT has none (detect_bytes comes
 * first); FS_IGNORE and FS_DONE look at nothing more. */
typedef void (*state_fn)(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                         size_t len, uint64_t off, const struct reasm_meta *meta);

static const state_fn state_handler[] = {
    [FS_HTTP_REQ] = request_bytes,      [FS_HTTP_RESP] = response_bytes,
    [FS_HTTP_PLAIN] = plain_answer_bytes, [FS_HTTP_BODY] = refusal_body_bytes,
    [FS_WS] = websocket_bytes,          [FS_TLS] = tls_bytes,
    [FS_H2] = h2_bytes,
    [FS_DONE] = NULL,
};

static void deliver_decided(struct analyzer *an, struct flow *f, int side, const uint8_t *data,
                            size_t len, uint64_t off, const struct reasm_meta *meta)
{
    state_fn fn = state_handler[f->state];
    if (fn)
        fn(an, f, side, data, len, off, meta);
}

void conn_gap(struct analyzer *an, struct flow *f, int side, uint64_t off, uint64_t len,
              enum reasm_gap_reason why, uint64_t pkt)
{
    detect_flush(an, f);
    struct wsconn *c = f->ws;
    char detail[160];
    if (f->state != FS_WS && f->state != FS_HTTP_REQ && f->state != FS_HTTP_RESP &&
        f->state != FS_TLS && f->state != FS_H2)
        return; /* flows we do not follow lose nothing we report on */
    snprintf(detail, sizeof detail, "%llu bytes missing from the %s stream at offset %llu%s",
             (unsigned long long)len, wsa_side(side != f->client_side),
             (unsigned long long)off,
             why == GAP_MEMCAP ? " (out-of-order buffer full)"
             : why == GAP_END  ? " (never filled before the connection ended)"
                               : " (acknowledged by the receiver but not captured)");
    report_finding(an->rep, &c->view, an->file, pkt,
                   why == GAP_MEMCAP ? F_D_STREAM_MEMCAP : F_D_STREAM_GAP, detail);
    if (f->state == FS_WS)
        ws_session_gap(&c->sess, ws_dir(f, side), len, pkt);
    else if (f->state == FS_TLS)
        tls_session_gap(c->tls, side == f->client_side ? TLS_C2S : TLS_S2C, len, pkt);
    else if (f->state == FS_H2)
        h2link_gap(c->h2, side == f->client_side ? 0 : 1, pkt);
    else
        ignore_flow(f); /* a handshake with a hole cannot be judged */
}

void conn_conflict(struct analyzer *an, struct flow *f, int side, uint64_t off, uint64_t pkt)
{
    char detail[128];
    if (f->state != FS_WS && f->state != FS_HTTP_REQ && f->state != FS_HTTP_RESP &&
        f->state != FS_TLS && f->state != FS_H2)
        return;
    snprintf(detail, sizeof detail, "%s stream offset %llu; the first copy was used",
             wsa_side(side != f->client_side), (unsigned long long)off);
    report_finding(an->rep, &f->ws->view, an->file, pkt, F_W_STREAM_OVERLAP_CONFLICT, detail);
}

void conn_side_end(struct analyzer *an, struct flow *f, int side, uint64_t pkt)
{
    detect_flush(an, f); /* a short first message: decide with what came */
    struct wsconn *c = f->ws;
    const struct flow *tcp = f->outer ? f->outer : f; /* wss://: the TCP flow around it */
    if (f->state == FS_WS)
        ws_session_end_dir_how(&c->sess, ws_dir(f, side),
                               tcp->rst                ? WS_END_RST
                               : tcp->fin_done[side]   ? WS_END_FIN
                                                       : WS_END_UNSEEN,
                               pkt);
    else if (f->state == FS_H2)
        h2link_side_end(c->h2, side == f->client_side ? 0 : 1,
                        tcp->rst                ? WS_END_RST
                        : tcp->fin_done[side]   ? WS_END_FIN
                                                : WS_END_UNSEEN,
                        pkt);
    else if (f->state == FS_TLS) {
        if (c->inner)
            conn_side_end(an, c->inner, side, pkt);
        tls_session_end_dir(c->tls, side == f->client_side ? TLS_C2S : TLS_S2C, pkt);
    }
    else if (f->state == FS_HTTP_PLAIN && side != f->client_side)
        plain_answer(f, 1);
    else if (f->state == FS_HTTP_BODY && side != f->client_side)
        refusal_body(c, NULL, 0, pkt, 1);
    else if (f->state == FS_HTTP_RESP && side != f->client_side && c->resp->len &&
             c->resp->len < 7 &&
             server_answers_tls(c, c->resp->data, c->resp->len, c->resp_pkt))
        ignore_flow(f); /* a short TLS record, then the server's end */
    else if (f->state == FS_HTTP_RESP && side != f->client_side && !c->resp->len &&
             (f->fin_done[side] || f->rst)) {
        report_finding(an->rep, &c->view, an->file, pkt, F_HTTP_NO_RESPONSE,
                       tls_no_response_detail);
        ignore_flow(f);
    }
}

/* why the TCP flow ended, as end records say it */
static const char *end_how(const struct flow *f)
{
    static const char *const why[] = {"fin", "idle_timeout", "capture_end", "flow_limit",
                                      "memcap"};
    if (f->end_reason == FLOW_END_TCP)
        return f->rst ? "rst" : "fin";
    return why[f->end_reason < 5 ? f->end_reason : 0];
}

/* The connection's end record: the TCP flow's counts, the WebSocket session's (the decrypted
 * one of wss://), and why it ended */
static void report_conn_end(struct analyzer *an, struct flow *f, uint64_t pkt)
{
    struct wsconn *c = f->ws;
    const struct flow *wf = f->state == FS_WS ? f
                            : c->inner && c->inner->state == FS_WS && c->inner->ws ? c->inner
                                                                                   : NULL;
    struct end_view e;
    memset(&e, 0, sizeof e);
    e.pkt = f->last_pkt ? f->last_pkt : pkt;
    e.end_ns = f->last_ns;
    int cs = f->client_side;
    if (f->state == FS_TLS)
        cs = 0; /* the TLS client is the initiator */
    for (int i = 0; i < 2; i++) {
        e.pkts[i] = f->pkts[i ? !cs : cs];
        e.bytes[i] = f->bytes[i ? !cs : cs];
    }
    uint64_t sev[4];
    for (int s = 0; s < 4; s++)
        sev[s] = c->sev[s] + (c->inner && c->inner->ws ? c->inner->ws->sev[s] : 0);
    struct conn_view v = c->view;
    v.by_severity = sev;
    if (wf)
        end_view_websocket(&e, &wf->ws->sess);
    if (c->tls)
        e.tls = tls_outcome_name(c->tls->hs.outcome);
    const struct flow *hf = f->state == FS_H2                          ? f
                            : c->inner && c->inner->state == FS_H2 ? c->inner
                                                                   : NULL;
    e.h2_streams = hf ? (int64_t)h2link_ws_streams(hf->ws->h2) : -1;
    e.how = wf && f->end_reason == FLOW_END_TCP && ws_session_closing_handshake(&wf->ws->sess)
                ? "close_handshake"
                : end_how(f);
    report_end(an->rep, &v, &e);
}

void conn_finish(struct analyzer *an, struct flow *f, int by_tcp, uint64_t pkt)
{
    if (f->state == FS_H2)
        h2link_end(f->ws->h2, by_tcp, pkt, end_how(f->outer ? f->outer : f));
    if (f->state == FS_WS)
        ws_session_end(&f->ws->sess, by_tcp, pkt);
    else if (f->state == FS_TLS) {
        if (f->ws->inner)
            conn_finish(an, f->ws->inner, by_tcp, pkt);
        tls_session_end(f->ws->tls, by_tcp, pkt);
    }
    if ((f->state == FS_WS || f->state == FS_TLS || f->state == FS_H2) && !f->outer)
        report_conn_end(an, f, pkt);
}

/* ---- wss://: the decrypted application data of a TLS flow ---- */

static struct flow *inner_flow(struct wsconn *c)
{
    if (c->inner)
        return c->inner;
    struct flow *o = c->f, *f = oom_check(calloc(1, sizeof *f), "the decrypted flow");
    f->key = o->key;
    f->an = o->an;
    f->id = o->id;
    f->first_ns = o->first_ns;
    f->init_is_a = o->init_is_a;
    f->state = FS_DETECT;
    f->outer = o;
    c->an->state_used += sizeof *f;
    c->inner = f;
    return f;
}

static void tls_app_data(struct wsconn *c, const struct tls_event *ev)
{
    struct flow *o = c->f;
    struct flow *f = inner_flow(c);
    if (!f || f->state == FS_IGNORE || f->state == FS_DONE)
        return;
    int side = ev->dir == TLS_C2S ? o->client_side : !o->client_side;
    struct reasm_meta m = {ev->pkt, 0, 0};
    if (c->tls_meta) {
        m.has_ack = c->tls_meta->has_ack;
        m.ack = c->tls_meta->ack;
    }
    f->cur_pkt = o->cur_pkt;
    conn_deliver(c->an, f, side, ev->data, ev->len, ev->plain_off, &m);
}

/* Application bytes lost to the decryption (a gap inside a record, a record that did not
 * authenticate): the inner stream has a hole of about that size. */
static void tls_app_gap(struct wsconn *c, const struct tls_event *ev)
{
    struct flow *f = c->inner;
    if (!f)
        return;
    int side = ev->dir == TLS_C2S ? c->f->client_side : !c->f->client_side;
    if (f->state == FS_WS)
        ws_session_gap(&f->ws->sess, ws_dir(f, side), ev->len, ev->pkt);
    else if (f->state == FS_H2)
        h2link_gap(f->ws->h2, side == f->client_side ? 0 : 1, ev->pkt);
    else if (f->state == FS_HTTP_REQ || f->state == FS_HTTP_RESP || f->state == FS_DETECT)
        ignore_flow(f); /* a handshake with a hole cannot be judged */
}

void conn_reasm_deliver(void *flow, int side, const uint8_t *data, size_t len, uint64_t off,
                        const struct reasm_meta *meta)
{
    struct flow *f = flow;
    conn_deliver(f->an, f, side, data, len, off, meta);
    conn_account(f);
}

void conn_reasm_gap(void *flow, int side, uint64_t off, uint64_t len, enum reasm_gap_reason why,
                    uint64_t pkt)
{
    struct flow *f = flow;
    conn_gap(f->an, f, side, off, len, why, pkt);
}

void conn_reasm_conflict(void *flow, int side, uint64_t off, uint64_t pkt)
{
    struct flow *f = flow;
    conn_conflict(f->an, f, side, off, pkt);
}
