/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * glue.c - the core, fed from Wireshark's tree: per TCP connection (tcp.stream) what it is
 * (WebSocket, TLS, neither), the HTTP Upgrade, each WebSocket frame's raw bytes and each TLS
 * record in order, TCP ends and lost bytes; what the core says is kept per frame for the
 * display (wsaudit_plugin.c).
 */
#include "plugin.h"

wmem_map_t *frame_results;
/* per-connection core state: tcp.stream -> struct wa_conn */
static wmem_map_t *conns;

static void add_item(uint32_t frame, const struct wa_item *it)
{
    wmem_array_t *a = wmem_map_lookup(frame_results, GUINT_TO_POINTER(frame));
    if (!a) {
        a = wmem_array_new(wmem_file_scope(), sizeof(struct wa_item));
        wmem_map_insert(frame_results, GUINT_TO_POINTER(frame), a);
    }
    wmem_array_append_one(a, *it);
}

static void add_finding(struct wa_conn *c, int id, const char *detail, uint32_t ref)
{
    struct wa_item it = {0};
    it.kind = WA_FINDING;
    it.finding = id;
    it.ref_frame = ref;
    it.text = wmem_strdup(wmem_file_scope(), detail ? detail : "");
    add_item(c->frame, &it);
}

static void handshake_finding(void *ctx, int id, int in_request, const char *detail)
{
    struct wa_conn *c = ctx;
    add_finding(c, id, detail, in_request ? c->req_frame : c->resp_frame);
}

/* a WebSocket frame inside an HTTP/2 stream: Wireshark does not decode those, so the plugin
 * lists them (over HTTP/1.1 Wireshark's own WebSocket tree does) */
static void h2_ws_frame(struct wa_conn *c, const struct ws_event *ev)
{
    struct wa_item it = {0};
    it.kind = WA_H2_FRAME;
    it.h2_stream = c->h2_cur;
    it.opcode = ev->hdr->opcode;
    it.frame_fin = ev->hdr->fin;
    it.frame_len = ev->hdr->len;
    it.frame_dir = (uint8_t)ev->dir;
    it.ref_frame = (uint32_t)ev->pkt;
    add_item(c->frame, &it);
}

static void on_ws_event(void *ctx, const struct ws_event *ev)
{
    struct wa_conn *c = ctx;
    if (c->h2_cur && (ev->type == WS_EV_FRAME || ev->type == WS_EV_CLOSE) && ev->complete)
        h2_ws_frame(c, ev);
    if (ev->type == WS_EV_CLOSE) {
        struct wa_item it = {0};
        it.h2_stream = c->h2_cur;
        it.kind = WA_CLOSE;
        it.has_code = (uint8_t)ev->has_code;
        it.code = ev->code;
        it.code_cls = ev->has_code ? (uint8_t)ev->code_info->cls : 0;
        if (ev->reason_len) {
            /* every byte kept: NUL, controls and invalid UTF-8 as \xNN (Wireshark's own
             * WebSocket tree stops at a NUL) */
            char r[4 * 125 + 8] = "";
            wsa_escape_append(r, sizeof r, ev->reason, ev->reason_len, "");
            it.text = wmem_strdup(wmem_file_scope(), r);
        }
        add_item(c->frame, &it);
    } else if (ev->type == WS_EV_STATUS) {
        struct wa_item it = {0};
        it.h2_stream = c->h2_cur;
        it.kind = WA_STATUS;
        it.saw[0] = ev->status->seen[WS_S2C]; /* the client received the server's Close */
        it.saw[1] = ev->status->seen[WS_C2S];
        it.ended_by = (int8_t)ev->status->ended_dir;
        it.how = (uint8_t)ev->status->how;
        it.handshake_complete = (uint8_t)ev->status->handshake_complete;
        it.ref_frame = (uint32_t)ev->status->ended_pkt;
        add_item(c->frame, &it);
    } else if (ev->type == WS_EV_FINDING) {
        struct wa_item it = {0};
        it.h2_stream = c->h2_cur;
        it.kind = WA_FINDING;
        it.finding = ev->finding;
        it.ref_frame = (uint32_t)ev->pkt;
        it.ref_end = (uint32_t)ev->pkt_end;
        const struct ws_unsupported *u = ev->unsup;
        if (u) {
            it.unsup_status = (uint8_t)(u->status + 1);
            it.opcode = u->opcode;
            it.ref_frame = (uint32_t)u->pkt;
            it.ref_end = (uint32_t)u->pkt_end;
        }
        it.text = wmem_strdup(wmem_file_scope(), ev->detail ? ev->detail : "");
        add_item(c->frame, &it);
    }
}

static void on_tls_event(void *ctx, const struct tls_event *ev)
{
    struct wa_conn *c = ctx;
    struct wa_item it = {0};
    if (ev->type == TLS_EV_ALERT) {
        it.kind = WA_ALERT;
        it.alert_desc = ev->alert->desc;
        it.alert_kind = (uint8_t)ev->alert->kind;
        it.alert_sender = (uint8_t)ev->alert->dir;
        it.ref_frame = (uint32_t)ev->alert->pkt;
    } else if (ev->type == TLS_EV_FINDING) {
        it.kind = WA_FINDING;
        it.finding = ev->finding;
        it.ref_frame = (uint32_t)ev->pkt;
        it.text = wmem_strdup(wmem_file_scope(), ev->detail);
    } else {
        char v[64], b[24];
        const struct tls_session *s = ev->s;
        tls_hello_versions(&s->hs.ch, v, sizeof v);
        it.kind = WA_TLS;
        it.tls_outcome = (uint8_t)s->hs.outcome;
        it.text = wmem_strdup_printf(
            wmem_file_scope(), "client offers %s%s%s%s; server chose %s; handshake %s",
            s->hs.ch.has_sv ? "" : "up to ", v, s->hs.ch.has_sni ? ", SNI " : "",
            s->hs.ch.has_sni ? s->hs.ch.sni : "",
            s->hs.sh.seen ? tls_version_name(s->hs.version, b, sizeof b) : "(no ServerHello)",
            tls_outcome_name(s->hs.outcome));
    }
    add_item(c->frame, &it);
}

static int is_client(const struct wa_conn *c, const packet_info *pinfo)
{
    return pinfo->srcport == c->client_port && addresses_equal(&pinfo->src, &c->client);
}

static int side_of(const struct wa_conn *c, const packet_info *pinfo)
{
    return c->init_known && pinfo->srcport == c->init_port &&
                   addresses_equal(&pinfo->src, &c->init_addr)
               ? 0
               : 1;
}

/* stream offset (0 = first byte after the SYN) of sequence number seq sent by side */
static int rel_off(const struct wa_conn *c, int side, uint32_t seq, uint64_t *off)
{
    if (!c->isn_known[side])
        return 0;
    *off = (uint32_t)(seq - c->isn[side] - 1u);
    return 1;
}

/* The stream offset just past an item. In reassembled data it is counted from this packet's
 * own bytes in it (with out-of-order segments, they need not be the last ones); else the item
 * ends this frame's data (minus bytes after it). */
static uint64_t end_offset(const struct wa_conn *c, packet_info *pinfo, proto_tree *tree,
                           const field_info *fi)
{
    uint64_t start;
    gint own;
    if (!rel_off(c, side_of(c, pinfo), c->cur.seq, &start))
        return 0;
    if (own_segment_at(tree, fi->ds_tvb, pinfo->num, &own))
        return start + (uint64_t)(fi->start + fi->length - own);
    gint total = (gint)tvb_captured_length(fi->ds_tvb);
    gint after = total - (fi->start + fi->length);
    return start + c->cur.len - (uint64_t)(after > 0 ? after : 0);
}

static void http_items(struct wa_conn *c, packet_info *pinfo, proto_tree *tree)
{
    GPtrArray *a = finfos(tree, &f_http);
    if (!a)
        return;
    for (guint i = 0; i < a->len; i++) {
        field_info *fi = g_ptr_array_index(a, i);
        if (fi->length <= 0 || !fi->ds_tvb)
            continue;
        const uint8_t *p = tvb_get_ptr(fi->ds_tvb, fi->start, fi->length);
        size_t hend = ws_http_header_end(p, (size_t)fi->length);
        if (!hend)
            continue;
        if (!c->req && ws_http_looks_like_request(p, hend) == 1) {
            struct ws_http_msg m;
            if (ws_http_parse(p, hend, 0, &m) < 0 || !m.upgrade_is_websocket)
                continue;
            c->req = wmem_memdup(wmem_file_scope(), p, hend);
            c->req_len = hend;
            c->req_frame = pinfo->num;
            if (c->kind == CK_TLS) { /* decrypted wss://: TCP offsets do not apply to these bytes */
                c->req_end = 0;
            } else {
                copy_address_wmem(wmem_file_scope(), &c->client, &pinfo->src);
                c->client_port = pinfo->srcport;
                c->req_end = end_offset(c, pinfo, tree, fi) - ((size_t)fi->length - hend);
                c->kind = CK_WEBSOCKET;
            }
        } else if (c->req && !c->ws_started && !is_client(c, pinfo)) {
            struct ws_upgrade u;
            if (ws_upgrade_judge(&u, c->req, c->req_len, p, hend) < 0)
                continue;
            c->resp_frame = pinfo->num;
            ws_upgrade_findings(&u, handshake_finding, c);
            if (!u.res.upgraded) {
                /* the refusal's body (Wireshark's http.file_data) may say the port speaks TLS */
                GPtrArray *body = finfos(tree, &f_http_body);
                field_info *b = body && body->len ? g_ptr_array_index(body, 0) : NULL;
                char detail[256];
                if (b && b->ds_tvb && b->length > 0) {
                    guint blen = MIN((guint)b->length, TLS_REFUSAL_BODY_MAX);
                    if (tls_refusal_says_tls(u.resp.status, tvb_get_ptr(b->ds_tvb, b->start, (gint)blen),
                                             blen, detail, sizeof detail))
                        add_finding(c, F_TLS_PLAINTEXT_TO_TLS, detail, pinfo->num);
                }
                if (c->kind == CK_WEBSOCKET)
                    c->kind = CK_OTHER;
                continue;
            }
            c->ws_started = 1;
            ws_session_init_upgraded(&c->ws, &u.res, on_ws_event, c, c->req_end,
                                     c->kind == CK_TLS ? 0
                                                       : end_offset(c, pinfo, tree, fi) -
                                                             ((size_t)fi->length - hend));
        }
    }
}

static void websocket_frames(struct wa_conn *c, packet_info *pinfo, proto_tree *tree)
{
    GPtrArray *a = finfos(tree, &f_ws);
    if (a && !c->ws_started && c->kind == CK_UNDECIDED) {
        /* WebSocket without a handshake in the capture (Decode As, or a capture that started
         * mid-connection): the sender of masked frames is the client; extensions are unknown,
         * so every RSV bit is allowed and the 1003 annotation is judged by capture order */
        field_info *fi = g_ptr_array_index(a, 0);
        if (fi->length < 2 || !fi->ds_tvb)
            return;
        int masked = (tvb_get_guint8(fi->ds_tvb, fi->start + 1) & 0x80) != 0;
        if (masked) {
            copy_address_wmem(wmem_file_scope(), &c->client, &pinfo->src);
            c->client_port = pinfo->srcport;
        } else {
            copy_address_wmem(wmem_file_scope(), &c->client, &pinfo->dst);
            c->client_port = pinfo->destport;
        }
        c->kind = CK_WS_MIDSTREAM;
        c->ws_started = 1;
        ws_session_init_midstream(&c->ws, on_ws_event, c);
        add_finding(c, F_D_STREAM_MIDSTREAM,
                    "no WebSocket handshake in the capture: frames decoded as Wireshark found "
                    "them; extensions unknown",
                    pinfo->num);
    }
    if (!a || !c->ws_started)
        return;
    struct ws_seg_ctx seg = {pinfo->num, 0, 0, pinfo->num};
    if (c->kind == CK_WEBSOCKET && (c->cur.flags & TH_ACK) &&
        rel_off(c, !side_of(c, pinfo), c->cur.ack, &seg.ack_off))
        seg.ack_valid = 1;
    int dir = is_client(c, pinfo) ? WS_C2S : WS_S2C;
    for (guint i = 0; i < a->len; i++) {
        field_info *fi = g_ptr_array_index(a, i);
        if (fi->length <= 0 || !fi->ds_tvb)
            continue;
        gint n = ws_frame_length(fi->ds_tvb, fi->start);
        seg.pkt = first_packet(tree, fi->ds_tvb, fi->start, pinfo->num);
        ws_session_feed(&c->ws, dir, tvb_get_ptr(fi->ds_tvb, fi->start, n), (size_t)n, &seg);
    }
}

/* TLS 1.3 handshake messages Wireshark decrypted with the capture's keys (the item of each
 * message's type byte, followed by its 3-byte length and body) are handed to the core, which
 * reads the server's certificate from them as the analyzer does when it decrypts. */
static void known_handshakes(struct wa_conn *c, int dir, packet_info *pinfo, proto_tree *tree)
{
    GPtrArray *a = finfos(tree, &f_hs_type);
    for (guint i = 0; a && i < a->len; i++) {
        field_info *fi = g_ptr_array_index(a, i);
        if (!fi->ds_tvb || fi->length != 1 ||
            tvb_captured_length_remaining(fi->ds_tvb, fi->start) < 4)
            continue;
        guint8 type = tvb_get_guint8(fi->ds_tvb, fi->start);
        guint32 len = tvb_get_ntoh24(fi->ds_tvb, fi->start + 1);
        if ((type != 8 && type != 11) ||
            (guint32)tvb_captured_length_remaining(fi->ds_tvb, fi->start + 4) < len)
            continue;
        tls_session_known_handshake(&c->tls, dir, type, tvb_get_ptr(fi->ds_tvb, fi->start + 4,
                                                                    (gint)len),
                                    len, pinfo->num);
    }
}

static void tls_records(struct wa_conn *c, packet_info *pinfo, proto_tree *tree)
{
    GPtrArray *a = finfos(tree, &f_tls_record);
    if (!a || !a->len)
        return;
    if (c->kind == CK_UNDECIDED) {
        field_info *fi = g_ptr_array_index(a, 0);
        if (fi->length < 6 || !fi->ds_tvb || tvb_get_guint8(fi->ds_tvb, fi->start) != 22 ||
            tvb_get_guint8(fi->ds_tvb, fi->start + 5) != 1) {
            c->kind = CK_OTHER; /* the capture did not start with a ClientHello */
            return;
        }
        c->kind = CK_TLS;
        copy_address_wmem(wmem_file_scope(), &c->client, &pinfo->src);
        c->client_port = pinfo->srcport;
        tls_session_init(&c->tls, on_tls_event, c);
        c->tls_started = 1;
    }
    if (c->kind != CK_TLS)
        return;
    struct tls_seg seg = {pinfo->num, nstime_to_sec(&pinfo->abs_ts)};
    int dir = is_client(c, pinfo) ? TLS_C2S : TLS_S2C;
    if (dir == TLS_S2C)
        c->tls_server_records++;
    known_handshakes(c, dir, pinfo, tree);
    /* Alerts Wireshark read in this frame: plaintext ones first take their own records; the
     * rest it decrypted, from the protected records of alert size, in order */
    GPtrArray *lv = finfos(tree, &f_alert_level), *ds = finfos(tree, &f_alert_desc);
    guint nalerts = lv && ds ? MIN(lv->len, ds->len) : 0, next_alert = 0;
    for (guint i = 0; i < a->len; i++) {
        field_info *fi = g_ptr_array_index(a, i);
        if (fi->length < 5 || !fi->ds_tvb)
            continue;
        const guint8 *p = tvb_get_ptr(fi->ds_tvb, fi->start, fi->length);
        guint type = p[0], len = (guint)(p[3] << 8 | p[4]);
        if (next_alert < nalerts && type == TLS_REC_ALERT && len == 2) {
            next_alert++; /* a plaintext alert: the core reads it itself */
        } else if (next_alert < nalerts &&
                   ((type == 23 && (len == 19 || len == 11)) || (type == 21 && len != 2))) {
            field_info *l = g_ptr_array_index(lv, next_alert), *d = g_ptr_array_index(ds, next_alert);
            next_alert++;
            tls_session_known_alert(&c->tls, dir, (uint8_t)fvalue_get_uinteger(&l->value),
                                    (uint8_t)fvalue_get_uinteger(&d->value));
        }
        tls_session_feed(&c->tls, dir, p, (size_t)fi->length, &seg);
    }
}

static const uint8_t *payload(const struct wa_conn *c, size_t *len)
{
    *len = c->cur.plen;
    return c->cur.payload;
}

static void server_first_bytes(struct wa_conn *c, packet_info *pinfo)
{
    size_t len = 0;
    const uint8_t *p;
    if (!c->client_port || is_client(c, pinfo) || !(p = payload(c, &len)))
        return;
    int first = !c->server_spoke;
    c->server_spoke = 1;
    if (c->kind == CK_WEBSOCKET && !c->ws_started && first) {
        char detail[256];
        if (tls_plaintext_answer(p, len, detail, sizeof detail)) {
            add_finding(c, F_TLS_PLAINTEXT_TO_TLS, detail, pinfo->num);
            c->kind = CK_OTHER;
        }
    } else if (c->kind == CK_TLS && !c->tls_server_records) {
        /* Wireshark found no TLS record in the server's answer: let the core judge the bytes */
        struct tls_seg seg = {pinfo->num, nstime_to_sec(&pinfo->abs_ts)};
        tls_session_feed(&c->tls, TLS_S2C, p, len, &seg);
    }
}

/* ---- WebSocket over HTTP/2 (RFC 8441): Wireshark's HTTP/2 frames to the core's h2_ws ---- */

static void on_h2_event(void *ctx, const struct h2ws_event *ev)
{
    struct wa_conn *c = ctx;
    uint32_t sid = ev->st ? ev->st->id : 0;
    struct wa_item it = {0};
    it.h2_stream = sid;
    switch (ev->type) {
    case H2WS_EV_WS:
        c->h2_cur = sid;
        on_ws_event(c, ev->ws);
        c->h2_cur = 0;
        return;
    case H2WS_EV_FINDING:
        it.kind = WA_FINDING;
        it.finding = ev->finding;
        it.ref_frame = (uint32_t)ev->pkt;
        it.text = wmem_strdup(wmem_file_scope(), ev->detail ? ev->detail : "");
        break;
    case H2WS_EV_OPEN: {
        const struct ws_http_msg *q = &ev->st->req;
        it.kind = WA_H2_OPEN;
        it.ref_frame = (uint32_t)ev->st->req_pkt;
        it.text = wmem_strdup_printf(wmem_file_scope(), "CONNECT %.*s (:protocol %.*s) -> %s%d",
                                     (int)q->target.len, q->target.p ? q->target.p : "",
                                     (int)q->upgrade.len, q->upgrade.p ? q->upgrade.p : "",
                                     ev->st->resp.status ? "" : "reset ",
                                     ev->st->resp.status);
        break;
    }
    case H2WS_EV_END:
        return;
    }
    add_item(c->frame, &it);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The fields of the next decoded header block: Wireshark puts each block's
 * http2.header.name/value items on a data source of its own, in order */
static size_t h2_block_fields(GPtrArray *hn, GPtrArray *hv, guint *next, struct h2_field *out,
                              size_t max)
{
    size_t n = 0;
    if (!hn || !hv || *next >= hn->len || *next >= hv->len)
        return 0;
    tvbuff_t *ds = ((field_info *)g_ptr_array_index(hn, *next))->ds_tvb;
    for (; *next < hn->len && *next < hv->len; (*next)++) {
        field_info *a = g_ptr_array_index(hn, *next), *b = g_ptr_array_index(hv, *next);
        if (a->ds_tvb != ds)
            break;
        if (n >= max)
            continue;
        out[n].name = fvalue_get_string(&a->value);
        out[n].value = fvalue_get_string(&b->value);
        out[n].nlen = strlen(out[n].name);
        out[n].vlen = strlen(out[n].value);
        n++;
    }
    return n;
}

static void h2_setup(struct wa_conn *c, packet_info *pinfo)
{
    c->h2 = wmem_new0(wmem_file_scope(), struct h2ws);
    h2ws_init(c->h2, on_h2_event, c, 0);
    if (c->kind == CK_UNDECIDED)
        c->kind = CK_H2;
    if (!c->client_port) { /* the HTTP/2 client opened the TCP connection */
        if (c->init_known) {
            copy_address_wmem(wmem_file_scope(), &c->client, &c->init_addr);
            c->client_port = c->init_port;
        } else {
            copy_address_wmem(wmem_file_scope(), &c->client, &pinfo->src);
            c->client_port = pinfo->srcport;
        }
    }
}

/* a header block complete in this frame: a request or an answer (server pushes are not) */
static void h2_block(struct wa_conn *c, int dir, uint8_t type, uint8_t flags, uint32_t sid,
                     GPtrArray *hn, GPtrArray *hv, guint *next, uint32_t num)
{
    struct h2_field f[64];
    size_t n = h2_block_fields(hn, hv, next, f, G_N_ELEMENTS(f));
    if (type != H2_HEADERS)
        return;
    h2ws_headers(c->h2, dir, sid, f, n, num);
    if (flags & H2_END_STREAM)
        h2ws_end_stream(c->h2, dir, sid, num);
}

static void h2_frame(struct wa_conn *c, int dir, proto_tree *tree, field_info *fi,
                     packet_info *pinfo, GPtrArray *hn, GPtrArray *hv, guint *next)
{
    const uint8_t *p = tvb_get_ptr(fi->ds_tvb, fi->start, fi->length);
    struct h2_frame_head h; /* read as core/h2_frame.c reads them for the analyzer */
    h2_frame_head_read(p, &h);
    uint32_t len = h.len, sid = h.stream;
    uint8_t type = h.type, flags = h.flags;
    const uint8_t *pl = p + H2_FRAME_HEADER;
    if ((gint)len + H2_FRAME_HEADER > fi->length)
        return;
    int ecp;
    if (type == H2_SETTINGS && !(flags & H2_ACK)) {
        if ((ecp = h2_settings_enable_connect(pl, len)) >= 0)
            h2ws_settings(c->h2, dir, ecp, pinfo->num);
    } else if ((type == H2_HEADERS || type == H2_PUSH_PROMISE) && (flags & H2_END_HEADERS)) {
        h2_block(c, dir, type, flags, sid, hn, hv, next, pinfo->num);
    } else if (type == H2_HEADERS || type == H2_PUSH_PROMISE) {
        c->h2_block_stream[dir] = sid;
        c->h2_block_flags[dir] = flags;
        c->h2_block_type[dir] = type;
    } else if (type == H2_CONTINUATION && (flags & H2_END_HEADERS)) {
        h2_block(c, dir, c->h2_block_type[dir], c->h2_block_flags[dir], c->h2_block_stream[dir],
                 hn, hv, next, pinfo->num);
    } else if (type == H2_DATA) {
        size_t off, n;
        uint32_t promised;
        if (h2_payload_slice(type, flags, pl, len, &off, &n, &promised) < 0)
            return;
        struct ws_seg_ctx seg = {first_packet(tree, fi->ds_tvb, fi->start, pinfo->num), 0, 0,
                                 pinfo->num};
        h2ws_data(c->h2, dir, sid, pl + off, n, &seg);
        if (flags & H2_END_STREAM)
            h2ws_end_stream(c->h2, dir, sid, pinfo->num);
    } else if (type == H2_RST_STREAM && len >= 4) {
        h2ws_reset(c->h2, dir, sid, be32(pl), pinfo->num);
    }
}

/* The HTTP/2 frames Wireshark dissected in this packet (each http2.stream item covers one
 * frame: its 9-byte header and payload), in order */
static void h2_frames(struct wa_conn *c, packet_info *pinfo, proto_tree *tree)
{
    GPtrArray *a = finfos(tree, &f_h2_frame);
    if (!a || c->ended)
        return;
    if (!c->h2)
        h2_setup(c, pinfo);
    GPtrArray *hn = finfos(tree, &f_h2_hname), *hv = finfos(tree, &f_h2_hvalue);
    guint next = 0;
    int dir = is_client(c, pinfo) ? WS_C2S : WS_S2C;
    for (guint i = 0; i < a->len; i++) {
        field_info *fi = g_ptr_array_index(a, i);
        if (!fi->ds_tvb || fi->length < H2_FRAME_HEADER ||
            tvb_captured_length_remaining(fi->ds_tvb, fi->start) < fi->length ||
            h2_looks_like_preface(tvb_get_ptr(fi->ds_tvb, fi->start, 4), 4))
            continue; /* the client's preface has an item of its own */
        h2_frame(c, dir, tree, fi, pinfo, hn, hv, &next);
    }
}

/* The receiver acknowledged bytes that were never captured: that direction cannot be followed
 * any more (Wireshark's own reassembly does not fill the hole either). */
static void lost_bytes(struct wa_conn *c, packet_info *pinfo, proto_tree *tree)
{
    GPtrArray *a = finfos(tree, &f_ack_lost);
    if (!a || !c->client_port)
        return;
    int lost_dir = is_client(c, pinfo) ? 1 : 0; /* the other side's bytes are missing */
    /* how many: from the ACK to the end of what was captured of that side, as the analyzer
     * counts them; not known when captured bytes lie beyond the acknowledged ones */
    int peer = !side_of(c, pinfo);
    uint64_t ack_off, len = WS_GAP_UNKNOWN;
    if ((c->cur.flags & TH_ACK) && rel_off(c, peer, c->cur.ack, &ack_off) &&
        ack_off > c->seen_end[peer])
        len = ack_off - c->seen_end[peer];
    if (c->kind == CK_WEBSOCKET && c->ws_started)
        ws_session_gap(&c->ws, lost_dir ? WS_S2C : WS_C2S, len, pinfo->num);
    if (c->h2)
        h2ws_gap(c->h2, lost_dir ? WS_S2C : WS_C2S, pinfo->num);
    else if (c->kind == CK_TLS)
        tls_session_gap(&c->tls, lost_dir ? TLS_S2C : TLS_C2S, len, pinfo->num);
}

static void tcp_end(struct wa_conn *c, packet_info *pinfo, proto_tree *tree)
{
    (void)tree;
    int fin = (c->cur.flags & TH_FIN) != 0, rst = (c->cur.flags & TH_RST) != 0;
    if ((!fin && !rst) || c->ended || c->kind == CK_UNDECIDED || c->kind == CK_OTHER || !c->client_port)
        return;
    int side = is_client(c, pinfo) ? 0 : 1;
    if (c->kind == CK_WEBSOCKET && !c->ws_started && side == 1 && !c->server_spoke && c->req) {
        add_finding(c, F_HTTP_NO_RESPONSE, tls_no_response_detail, pinfo->num);
        c->kind = CK_OTHER;
        return;
    }
    for (int k = 0; k < 2; k++) {
        int s = k ? !side : side;
        if ((k == 0 || rst) && !c->fin[s]) {
            c->fin[s] = 1;
            if (c->ws_started)
                ws_session_end_dir_how(&c->ws, s == 0 ? WS_C2S : WS_S2C,
                                       rst ? WS_END_RST : WS_END_FIN, pinfo->num);
            if (c->h2)
                h2ws_tcp_end_dir(c->h2, s == 0 ? WS_C2S : WS_S2C, rst ? WS_END_RST : WS_END_FIN,
                                 pinfo->num);
            if (c->kind == CK_TLS)
                tls_session_end_dir(&c->tls, s == 0 ? TLS_C2S : TLS_S2C, pinfo->num);
        }
    }
    if (c->fin[0] && c->fin[1]) {
        c->ended = 1;
        if (c->ws_started) {
            ws_session_end(&c->ws, 1, pinfo->num);
            ws_session_free(&c->ws);
        }
        if (c->h2) {
            h2ws_end(c->h2, 1, pinfo->num);
            h2ws_free(c->h2);
            c->h2 = NULL;
        }
        if (c->kind == CK_TLS) {
            tls_session_end(&c->tls, 1, pinfo->num);
            tls_session_free(&c->tls);
        }
    }
}

/* the connection of tcp.stream, new when first seen */
static struct wa_conn *conn_of(guint32 stream)
{
    struct wa_conn *c = wmem_map_lookup(conns, GUINT_TO_POINTER(stream + 1));
    if (!c) {
        c = wmem_new0(wmem_file_scope(), struct wa_conn);
        wmem_map_insert(conns, GUINT_TO_POINTER(stream + 1), c);
    }
    return c;
}

void first_pass(packet_info *pinfo, proto_tree *tree)
{
    guint32 stream;
    if (!first_uint(tree, &f_tcp_stream, &stream))
        return;
    struct wa_conn *c = conn_of(stream);
    c->frame = pinfo->num;
    if (c->kind == CK_OTHER)
        return; /* neither WebSocket nor TLS: nothing more to read (cheap for bulk traffic) */
    if (!tcp_view(tree, &c->cur))
        return;
    if ((c->cur.flags & TH_SYN) && !(c->cur.flags & TH_ACK)) {
        copy_address_wmem(wmem_file_scope(), &c->init_addr, &pinfo->src);
        c->init_port = pinfo->srcport;
        c->init_known = 1;
        c->isn[0] = c->cur.seq;
        c->isn_known[0] = 1;
    } else if ((c->cur.flags & TH_SYN) && c->init_known && side_of(c, pinfo) == 1) {
        c->isn[1] = c->cur.seq;
        c->isn_known[1] = 1;
    }
    uint64_t seg_off;
    int side = side_of(c, pinfo);
    if (c->cur.len && rel_off(c, side, c->cur.seq, &seg_off) &&
        seg_off + c->cur.len > c->seen_end[side])
        c->seen_end[side] = seg_off + c->cur.len;
    if (c->kind == CK_UNDECIDED && !c->first_payload) {
        /* the flow's first payload decides, as in the analyzer: an HTTP request or a TLS
         * ClientHello keeps it, anything else is not followed (Decode As still is: the
         * WebSocket items are looked at below before giving up) */
        size_t len = 0;
        uint64_t off = 0;
        const uint8_t *p = payload(c, &len);
        /* only the very first bytes of the stream can say it (unknown without the SYN) */
        if (p && (!rel_off(c, side_of(c, pinfo), c->cur.seq, &off) || off == 0)) {
            c->first_payload = 1;
            if (ws_http_looks_like_request(p, len) == 0 &&
                tls_looks_like_client_hello(p, len) == 0 && !finfos(tree, &f_ws) &&
                !h2_looks_like_preface(p, len) && !finfos(tree, &f_h2_frame)) {
                c->kind = CK_OTHER;
                return;
            }
        }
    }
    /* TLS first: a decrypted wss:// connection then also carries HTTP and WebSocket items */
    if (c->kind == CK_UNDECIDED || c->kind == CK_TLS)
        tls_records(c, pinfo, tree);
    if (c->kind == CK_UNDECIDED || c->kind == CK_WEBSOCKET || c->kind == CK_TLS)
        http_items(c, pinfo, tree);
    if (c->kind != CK_OTHER) {
        websocket_frames(c, pinfo, tree);
        h2_frames(c, pinfo, tree);
    }
    lost_bytes(c, pinfo, tree);
    server_first_bytes(c, pinfo);
    tcp_end(c, pinfo, tree);
}

void init_maps(void)
{
    frame_results = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    conns = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
}

static void free_conn(gpointer key, gpointer value, gpointer user)
{
    (void)key;
    (void)user;
    struct wa_conn *c = value;
    if (c->tls_started)
        tls_session_free(&c->tls);
    if (c->ws_started)
        ws_session_free(&c->ws);
    if (c->h2)
        h2ws_free(c->h2);
}

void cleanup_maps(void)
{
    if (conns)
        wmem_map_foreach(conns, free_conn, NULL);
    conns = NULL;
    frame_results = NULL;
}
