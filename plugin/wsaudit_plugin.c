/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wsaudit_plugin.c - Wireshark 4.0 postdissector that adds wsaudit's verdicts to Wireshark and
 * tshark, on top of Wireshark's own TCP reassembly, HTTP, WebSocket and TLS dissectors.
 *
 * Every verdict comes from core/: the raw bytes of each WebSocket frame Wireshark dissected (the
 * `websocket` item's data source), of the HTTP Upgrade request and response, and of each TLS
 * record are fed, in order, to the same ws_session / tls_session the analyzer uses.
 *
 * Passes: the core runs once, on the first pass over the file (frames in order); what it says is
 * stored per frame (file scope) and replayed on every later dissection, so the GUI's random
 * access and tshark's -2 show the same as the first pass. A verdict is shown on the frame being
 * dissected when the core produced it (a 1003 annotation waiting for the peer's bytes, or a TLS
 * 1.3 alert judged at the end of the connection, appears there and links to the packet it is
 * about), so one-pass and two-pass output are identical.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <epan/expert.h>
#include <epan/ftypes/ftypes.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>
#include <epan/wmem_scopes.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#include "escape.h"
#include "finding.h"
#include "tls_alert.h"
#include "tls_session.h"
#include "ws_close.h"
#include "ws_frame.h"
#include "ws_handshake.h"
#include "ws_session.h"

#ifndef WSAUDIT_VERSION
#define WSAUDIT_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = WSAUDIT_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);

static int proto_wsaudit = -1;
static int hf_close_code = -1, hf_close_class = -1, hf_close_illegal = -1, hf_close_reason = -1;
static int hf_unsup_opcode = -1, hf_unsup_frame = -1, hf_unsup_status = -1;
static int hf_tls_alert = -1, hf_tls_alert_sender = -1, hf_tls_alert_kind = -1;
static int hf_tls_failed = -1, hf_tls_outcome = -1, hf_tls_summary = -1;
static int hf_finding = -1, hf_finding_detail = -1, hf_ref_frame = -1, hf_ref_end = -1;
static int hf_cause = -1, hf_evidence = -1, hf_fix = -1, hf_note = -1, hf_more = -1;
static int hf_status = -1, hf_client_saw = -1, hf_server_saw = -1, hf_closing_handshake = -1,
           hf_ended_by = -1, hf_ended_frame = -1, hf_end_how = -1;
static gint ett_wsaudit = -1, ett_finding = -1, ett_text = -1;
static expert_field ei_findings[F_FINDING_COUNT];
static int wsaudit_tap = -1;
static dissector_handle_t wsaudit_handle;

/* Wireshark fields read from the tree. Several registered fields can share one name (TLS and
 * its relatives do), so every id with the name is primed and read. */
struct field_ref {
    const char *name;
    int ids[8];
    int n;
};
static struct field_ref f_tcp_stream = {"tcp.stream"}, f_tcp_srcport = {"tcp.srcport"},
                        f_tcp_len = {"tcp.len"}, f_ws = {"websocket"}, f_http = {"http"},
                        f_tls_record = {"tls.record"},
                        f_alert_level = {"tls.alert_message.level"},
                        f_alert_desc = {"tls.alert_message.desc"},
                        f_http_body = {"http.file_data"},
                        f_ack_lost = {"tcp.analysis.ack_lost_segment"},
                        f_tcp_segment = {"tcp.segment"}, f_tls_segment = {"tls.segment"},
                        f_hs_type = {"tls.handshake.type"};
/* Only these are primed: reading tcp.seq, tcp.ack or the tcp protocol item from the tree would
 * make Wireshark format their labels on every packet. The TCP header is read directly from the
 * frame at tcp.srcport's offset. */
static struct field_ref *const all_refs[] = {&f_tcp_stream, &f_tcp_srcport, &f_tcp_len, &f_ws,
                                             &f_http,       &f_tls_record,  &f_ack_lost,
                                             &f_alert_level, &f_alert_desc,  &f_http_body,
                                             &f_tcp_segment, &f_tls_segment, &f_hs_type};

/* ---- what the core said, per frame ---- */

enum wa_kind { WA_CLOSE, WA_FINDING, WA_ALERT, WA_TLS, WA_STATUS };

struct wa_item {
    enum wa_kind kind;
    int finding; /* WA_FINDING */
    uint16_t code;
    uint8_t code_cls, has_code;
    uint8_t opcode, unsup_status, alert_desc, alert_kind, alert_sender, tls_outcome;
    uint32_t ref_frame; /* the packet it is about (a multi-packet frame's first packet) */
    uint32_t ref_end;   /* the packet that completed that frame, when later than ref_frame */
    int32_t saw[2];     /* WA_STATUS: what the client [0] and the server [1] saw, -1 unknown */
    int8_t ended_by;    /* WA_STATUS: WS_C2S (client), WS_S2C (server) or -1 */
    uint8_t how, handshake_complete;
    const char *text;   /* file scope */
};

/* per-frame results: frame number -> wmem_array_t of struct wa_item */
static wmem_map_t *frame_results;
/* per-connection core state: tcp.stream -> struct wa_conn */
static wmem_map_t *conns;

/* the TCP header of the frame being processed, read from the frame itself */
struct tcpv {
    uint32_t seq, ack, len;
    uint8_t flags;
    const uint8_t *payload;
    size_t plen;
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

struct wa_conn {
    address client;
    guint32 client_port;
    int kind; /* 0 undecided, 1 WebSocket, 2 TLS, 3 neither, 4 WebSocket without handshake */
    uint8_t *req;
    size_t req_len;
    uint32_t req_frame;
    uint64_t req_end;
    int ws_started;
    struct ws_session ws;
    struct tls_session tls;
    int tls_started, fin[2], ended;
    int server_spoke, tls_server_records, first_payload;
    uint32_t frame;
    /* TCP: the initiator and each side's initial sequence number (from SYN / SYN-ACK) */
    address init_addr;
    guint32 init_port;
    uint32_t isn[2];
    uint8_t isn_known[2], init_known;
    uint64_t seen_end[2]; /* per side: the stream offset past the last byte captured */
    struct tcpv cur;      /* the frame being processed */
};

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

static void on_ws_event(void *ctx, const struct ws_event *ev)
{
    struct wa_conn *c = ctx;
    if (ev->type == WS_EV_CLOSE) {
        struct wa_item it = {0};
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
        tls_hello_versions(&s->ch, v, sizeof v);
        it.kind = WA_TLS;
        it.tls_outcome = (uint8_t)s->outcome;
        it.text = wmem_strdup_printf(
            wmem_file_scope(), "client offers %s%s%s%s; server chose %s; handshake %s",
            s->ch.has_sv ? "" : "up to ", v, s->ch.has_sni ? ", SNI " : "",
            s->ch.has_sni ? s->ch.sni : "",
            s->sh.seen ? tls_version_name(s->version, b, sizeof b) : "(no ServerHello)",
            tls_outcome_name(s->outcome));
    }
    add_item(c->frame, &it);
}

/* ---- reading Wireshark's tree ---- */

static GPtrArray *finfos(proto_tree *tree, const struct field_ref *f)
{
    for (int i = 0; i < f->n; i++) {
        GPtrArray *a = proto_get_finfo_ptr_array(tree, f->ids[i]);
        if (a && a->len)
            return a;
    }
    return NULL;
}

static void resolve_ref(struct field_ref *f)
{
    header_field_info *h = proto_registrar_get_byname(f->name);
    f->n = 0;
    if (!h)
        return;
    while (h->same_name_prev_id != -1)
        h = proto_registrar_get_nth((guint)h->same_name_prev_id);
    for (; h && f->n < 8; h = h->same_name_next)
        f->ids[f->n++] = h->id;
}

static int first_uint(proto_tree *tree, const struct field_ref *hf, guint32 *out)
{
    GPtrArray *a = finfos(tree, hf);
    if (!a || !a->len)
        return 0;
    field_info *fi = g_ptr_array_index(a, 0);
    if (fi->hfinfo->type == FT_BOOLEAN) /* booleans are 64-bit values in 4.0 */
        *out = fvalue_get_uinteger64(&fi->value) != 0;
    else
        *out = fvalue_get_uinteger(&fi->value);
    return 1;
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

/* Where this packet's own bytes sit in data Wireshark reassembled (its entry in the TCP
 * reassembly tree of that data source); 0 when the data was not reassembled. */
static int own_segment_at(proto_tree *tree, tvbuff_t *ds, uint32_t num, gint *at)
{
    GPtrArray *a = finfos(tree, &f_tcp_segment);
    for (guint i = 0; a && i < a->len; i++) {
        field_info *fi = g_ptr_array_index(a, i);
        if (fi->ds_tvb == ds && fvalue_get_uinteger(&fi->value) == num) {
            *at = fi->start;
            return 1;
        }
    }
    return 0;
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
            if (c->kind == 2) { /* decrypted wss://: TCP offsets do not apply to these bytes */
                c->req_end = 0;
            } else {
                copy_address_wmem(wmem_file_scope(), &c->client, &pinfo->src);
                c->client_port = pinfo->srcport;
                c->req_end = end_offset(c, pinfo, tree, fi) - ((size_t)fi->length - hend);
                c->kind = 1;
            }
        } else if (c->req && !c->ws_started && !is_client(c, pinfo)) {
            struct ws_http_msg req, resp;
            struct ws_handshake_result res;
            ws_http_parse(c->req, c->req_len, 0, &req);
            if (ws_http_parse(p, hend, 1, &resp) < 0)
                continue;
            ws_handshake_check(&req, &resp, &res);
            for (unsigned k = 0; k < res.n_findings; k++) {
                char detail[160];
                int id = res.findings[k];
                ws_handshake_detail(id, &req, &resp, &res, detail, sizeof detail);
                add_finding(c, id, detail,
                            id == F_V_BAD_REQUEST || id == F_V_BAD_KEY ? c->req_frame : pinfo->num);
            }
            if (!res.upgraded) {
                /* the refusal's body (Wireshark's http.file_data) may say the port speaks TLS */
                GPtrArray *body = finfos(tree, &f_http_body);
                field_info *b = body && body->len ? g_ptr_array_index(body, 0) : NULL;
                char detail[256];
                if (b && b->ds_tvb && b->length > 0) {
                    guint blen = MIN((guint)b->length, TLS_REFUSAL_BODY_MAX);
                    if (tls_refusal_says_tls(resp.status, tvb_get_ptr(b->ds_tvb, b->start, (gint)blen),
                                             blen, detail, sizeof detail))
                        add_finding(c, F_TLS_PLAINTEXT_TO_TLS, detail, pinfo->num);
                }
                if (c->kind == 1)
                    c->kind = 3;
                continue;
            }
            c->ws_started = 1;
            ws_session_init(&c->ws, res.rsv_allowed, res.pmd, on_ws_event, c);
            if (res.pmd)
                ws_session_set_pmd(&c->ws, &res.pmd_params);
            ws_session_start(&c->ws, c->req_end,
                             c->kind == 2 ? 0
                                          : end_offset(c, pinfo, tree, fi) - ((size_t)fi->length - hend));
        }
    }
}

/* The `websocket` item covers the frame header only: the frame is the header and the payload
 * length it announces (RFC 6455 §5.2), bounded by the data source. */
/* the bytes of the WebSocket frame at start: its header and payload, or what is there */
static gint ws_frame_length(tvbuff_t *tvb, gint start)
{
    gint avail = (gint)tvb_captured_length_remaining(tvb, start);
    struct ws_frame_hdr h;
    if (avail <= 0 || ws_frame_header(tvb_get_ptr(tvb, start, MIN(avail, 14)),
                                      (size_t)MIN(avail, 14), &h) != 1)
        return avail;
    guint64 total = (guint64)h.hdr_len + h.len;
    return total < (guint64)avail ? (gint)total : avail;
}

/* The packet that carried the first byte of a PDU Wireshark reassembled (TCP segments, or TLS
 * records of wss://): its reassembly tree lists each segment at its offset in the reassembled
 * data; the segment holding the PDU's first byte is the one (the earliest such frame when a
 * retransmission repeats it). The analyzer names a frame by that packet too. */
static uint32_t first_packet(proto_tree *tree, tvbuff_t *ds, gint at, uint32_t cur)
{
    const struct field_ref *refs[] = {&f_tcp_segment, &f_tls_segment};
    uint32_t first = 0;
    for (size_t r = 0; r < G_N_ELEMENTS(refs); r++) {
        GPtrArray *a = finfos(tree, refs[r]);
        for (guint i = 0; a && i < a->len; i++) {
            field_info *fi = g_ptr_array_index(a, i);
            uint32_t num = fvalue_get_uinteger(&fi->value);
            if (fi->ds_tvb == ds && fi->start <= at && at < fi->start + fi->length &&
                (!first || num < first))
                first = num;
        }
    }
    return first ? first : cur;
}

static void websocket_frames(struct wa_conn *c, packet_info *pinfo, proto_tree *tree)
{
    GPtrArray *a = finfos(tree, &f_ws);
    if (a && !c->ws_started && c->kind == 0) {
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
        c->kind = 4;
        c->ws_started = 1;
        ws_session_init(&c->ws, 7, 0, on_ws_event, c);
        ws_session_start(&c->ws, 0, 0);
        add_finding(c, F_D_STREAM_MIDSTREAM,
                    "no WebSocket handshake in the capture: frames decoded as Wireshark found "
                    "them; extensions unknown",
                    pinfo->num);
    }
    if (!a || !c->ws_started)
        return;
    struct ws_seg_ctx seg = {pinfo->num, 0, 0, pinfo->num};
    if (c->kind == 1 && (c->cur.flags & TH_ACK) &&
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
    if (c->kind == 0) {
        field_info *fi = g_ptr_array_index(a, 0);
        if (fi->length < 6 || !fi->ds_tvb || tvb_get_guint8(fi->ds_tvb, fi->start) != 22 ||
            tvb_get_guint8(fi->ds_tvb, fi->start + 5) != 1) {
            c->kind = 3; /* the capture did not start with a ClientHello */
            return;
        }
        c->kind = 2;
        copy_address_wmem(wmem_file_scope(), &c->client, &pinfo->src);
        c->client_port = pinfo->srcport;
        tls_session_init(&c->tls, on_tls_event, c);
        c->tls_started = 1;
    }
    if (c->kind != 2)
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
        if (next_alert < nalerts && type == 21 && len == 2) {
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

/* the first payload bytes of this frame, as Wireshark captured them */
/* Read the TCP header at tcp.srcport's offset in the frame; 0 when this is not TCP. */
static int tcp_view(proto_tree *tree, struct tcpv *t)
{
    GPtrArray *a = finfos(tree, &f_tcp_srcport);
    guint32 len = 0;
    memset(t, 0, sizeof *t);
    if (!a || !first_uint(tree, &f_tcp_len, &len))
        return 0;
    field_info *fi = g_ptr_array_index(a, 0);
    tvbuff_t *tvb = fi->ds_tvb;
    gint at = fi->start;
    if (!tvb || tvb_captured_length_remaining(tvb, at) < 20)
        return 0;
    gint hlen = (tvb_get_guint8(tvb, at + 12) >> 4) * 4;
    t->seq = tvb_get_ntohl(tvb, at + 4);
    t->ack = tvb_get_ntohl(tvb, at + 8);
    t->flags = tvb_get_guint8(tvb, at + 13);
    t->len = len;
    gint avail = (gint)tvb_captured_length_remaining(tvb, at + hlen);
    if (len && avail > 0) {
        t->plen = len < (guint32)avail ? len : (size_t)avail;
        t->payload = tvb_get_ptr(tvb, at + hlen, (gint)t->plen);
    }
    return 1;
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
    if (c->kind == 1 && !c->ws_started && first) {
        char detail[256];
        if (tls_plaintext_answer(p, len, detail, sizeof detail)) {
            add_finding(c, F_TLS_PLAINTEXT_TO_TLS, detail, pinfo->num);
            c->kind = 3;
        }
    } else if (c->kind == 2 && !c->tls_server_records) {
        /* Wireshark found no TLS record in the server's answer: let the core judge the bytes */
        struct tls_seg seg = {pinfo->num, nstime_to_sec(&pinfo->abs_ts)};
        tls_session_feed(&c->tls, TLS_S2C, p, len, &seg);
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
    if (c->kind == 1 && c->ws_started)
        ws_session_gap(&c->ws, lost_dir ? WS_S2C : WS_C2S, len, pinfo->num);
    else if (c->kind == 2)
        tls_session_gap(&c->tls, lost_dir ? TLS_S2C : TLS_C2S, len, pinfo->num);
}

static void tcp_end(struct wa_conn *c, packet_info *pinfo, proto_tree *tree)
{
    (void)tree;
    int fin = (c->cur.flags & TH_FIN) != 0, rst = (c->cur.flags & TH_RST) != 0;
    if ((!fin && !rst) || c->ended || c->kind == 0 || c->kind == 3 || !c->client_port)
        return;
    int side = is_client(c, pinfo) ? 0 : 1;
    if (c->kind == 1 && !c->ws_started && side == 1 && !c->server_spoke && c->req) {
        add_finding(c, F_HTTP_NO_RESPONSE, tls_no_response_detail, pinfo->num);
        c->kind = 3;
        return;
    }
    for (int k = 0; k < 2; k++) {
        int s = k ? !side : side;
        if ((k == 0 || rst) && !c->fin[s]) {
            c->fin[s] = 1;
            if (c->ws_started)
                ws_session_end_dir_how(&c->ws, s == 0 ? WS_C2S : WS_S2C,
                                       rst ? WS_END_RST : WS_END_FIN, pinfo->num);
            if (c->kind == 2)
                tls_session_end_dir(&c->tls, s == 0 ? TLS_C2S : TLS_S2C, pinfo->num);
        }
    }
    if (c->fin[0] && c->fin[1]) {
        c->ended = 1;
        if (c->ws_started) {
            ws_session_end(&c->ws, 1, pinfo->num);
            ws_session_free(&c->ws);
        }
        if (c->kind == 2) {
            tls_session_end(&c->tls, 1, pinfo->num);
            tls_session_free(&c->tls);
        }
    }
}

static void first_pass(packet_info *pinfo, proto_tree *tree)
{
    guint32 stream;
    if (!first_uint(tree, &f_tcp_stream, &stream))
        return;
    struct wa_conn *c = wmem_map_lookup(conns, GUINT_TO_POINTER(stream + 1));
    if (!c) {
        c = wmem_new0(wmem_file_scope(), struct wa_conn);
        wmem_map_insert(conns, GUINT_TO_POINTER(stream + 1), c);
    }
    c->frame = pinfo->num;
    if (c->kind == 3)
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
    if (c->kind == 0 && !c->first_payload) {
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
                tls_looks_like_client_hello(p, len) == 0 && !finfos(tree, &f_ws)) {
                c->kind = 3;
                return;
            }
        }
    }
    /* TLS first: a decrypted wss:// connection then also carries HTTP and WebSocket items */
    if (c->kind == 0 || c->kind == 2)
        tls_records(c, pinfo, tree);
    if (c->kind <= 2)
        http_items(c, pinfo, tree);
    if (c->kind != 3)
        websocket_frames(c, pinfo, tree);
    lost_bytes(c, pinfo, tree);
    server_first_bytes(c, pinfo);
    tcp_end(c, pinfo, tree);
}

/* ---- showing it ---- */

/* Every wsaudit item is computed, not bytes of the packet: marked generated, as Wireshark's own
 * analysis items are (shown in [brackets]) */
static proto_item *gen(proto_item *pi)
{
    proto_item_set_generated(pi);
    return pi;
}

/* The two bytes of the status code of the nth Close frame with a code that Wireshark dissected
 * in this packet (in the frame's data source: the packet, reassembled or decrypted data; masked
 * as sent); 0 when there is none. */
static int close_code_bytes(proto_tree *tree, guint nth, tvbuff_t **ds, gint *at)
{
    GPtrArray *a = tree ? finfos(tree, &f_ws) : NULL, *found = NULL;
    /* the GUI's dissection of the selected packet does not prime the fields a postdissector
     * wants: there, look for them in the tree */
    for (int k = 0; tree && !a && k < f_ws.n; k++) {
        found = proto_find_finfo(tree, f_ws.ids[k]);
        if (found && found->len)
            a = found;
        else if (found)
            g_ptr_array_free(found, TRUE), found = NULL;
    }
    int ok = 0;
    for (guint i = 0; a && i < a->len && !ok; i++) {
        field_info *fi = g_ptr_array_index(a, i);
        struct ws_frame_hdr h;
        /* (the websocket item covers the header; the payload follows it in the data source) */
        gint avail = fi->ds_tvb ? tvb_captured_length_remaining(fi->ds_tvb, fi->start) : 0;
        gint n = MIN(avail, 14);
        if (n < 2 || ws_frame_header(tvb_get_ptr(fi->ds_tvb, fi->start, n), (size_t)n, &h) != 1 ||
            h.opcode != 8 || h.len < 2 || avail < (gint)h.hdr_len + 2)
            continue;
        if (nth-- == 0) {
            *ds = fi->ds_tvb;
            *at = fi->start + h.hdr_len;
            ok = 1;
        }
    }
    if (found)
        g_ptr_array_free(found, TRUE);
    return ok;
}

/* ---- readable where Wireshark shows it: no label past its 240-character limit ---- */

/* what a label may hold: Wireshark cuts at ITEM_LABEL_LENGTH (240 with the NUL); an expert
 * info's summary is shown after "Expert Info (Warning/Response code): " (38 characters) */
#define LABEL_ROOM 225
#define EXPERT_ROOM 195

/* Where to cut text so that at most room bytes come first: after the last space within room
 * (else at a UTF-8 character boundary). */
static size_t cut_at(const char *text, size_t room)
{
    size_t n = strlen(text);
    if (n <= room)
        return n;
    size_t at = room;
    while (at > room / 2 && text[at] != ' ')
        at--;
    if (text[at] != ' ') {
        at = room;
        while (at > 0 && ((unsigned char)text[at] & 0xC0) == 0x80)
            at--;
    }
    return at;
}

/* A string field whose text may be long: the item holds the whole text (filters and exports see
 * it all); its label shows what fits, and the rest follows as "continued" child items, each
 * under the limit. */
static proto_item *add_text(proto_tree *tree, int hf, tvbuff_t *tvb, const char *text)
{
    const char *name = proto_registrar_get_name(hf);
    size_t first = cut_at(text, LABEL_ROOM - strlen(name));
    if (!text[first])
        return gen(proto_tree_add_string(tree, hf, tvb, 0, 0, text));
    proto_item *pi = gen(proto_tree_add_string_format(tree, hf, tvb, 0, 0, text, "%s: %.*s ...",
                                                      name, (int)first, text));
    proto_tree *sub = proto_item_add_subtree(pi, ett_text);
    for (const char *rest = text + first; *rest;) {
        while (*rest == ' ')
            rest++;
        size_t n = cut_at(rest, LABEL_ROOM);
        if (!n)
            break;
        gen(proto_tree_add_string_format(sub, hf_more, tvb, 0, 0, "", "... %.*s", (int)n, rest));
        rest += n;
    }
    return pi;
}

/* Expert groups as Wireshark's own dissectors choose them: a bad field value or framing is
 * Malformed, bytes or messages in the wrong order Sequence, a certificate or TLS failure
 * Security, a status the application reported Response code, missing keys Decryption, partial
 * analysis Undecoded; the rest is Protocol. */
static int expert_group(enum wsa_finding_id id)
{
    switch (id) {
    case F_CLOSE_BAD_PAYLOAD:
    case F_V_C2S_UNMASKED:
    case F_V_S2C_MASKED:
    case F_V_RSV_BITS:
    case F_V_RESERVED_OPCODE:
    case F_V_CONTROL_TOO_LONG:
    case F_V_CONTROL_FRAGMENTED:
    case F_V_LENGTH_MSB_SET:
    case F_V_NONMINIMAL_LENGTH:
    case F_V_INVALID_UTF8:
    case F_V_BAD_DEFLATE:
    case F_TLS_V_ALERT_RECORD_LENGTH:
    case F_TLS_V_ALERT_LEVEL:
    case F_TLS_V_RECORD_OVERFLOW:
    case F_TLS_V_LEGACY_VERSION:
        return PI_MALFORMED;
    case F_V_CONTINUATION_WITHOUT_START:
    case F_V_INTERLEAVED_DATA:
    case F_V_DATA_AFTER_CLOSE:
    case F_V_PONG_MISMATCH:
    case F_W_CONTROL_AFTER_CLOSE:
    case F_CLOSE_UNANSWERED:
    case F_TLS_V_DATA_AFTER_FATAL:
    case F_W_STREAM_OVERLAP_CONFLICT:
        return PI_SEQUENCE;
    case F_TLS_HANDSHAKE_FAILURE:
    case F_TLS_CERT_EXPIRED:
    case F_TLS_REJECTED_AFTER_HANDSHAKE:
    case F_TLS_SSLV2_HELLO:
    case F_TLS_PLAINTEXT_TO_TLS:
        return PI_SECURITY;
    case F_CLOSE_UNSUPPORTED_DATA:
    case F_UPGRADE_REFUSED:
    case F_CLOSE_ABNORMAL:
        return PI_RESPONSE_CODE;
    case F_TLS_KEYS_MISSING:
    case F_D_TLS_DECRYPT_FAILED:
        return PI_DECRYPTION;
    default:
        return wsa_finding_info(id)->severity == WSA_SEV_DEGRADED ? PI_UNDECODED : PI_PROTOCOL;
    }
}

/* The cause as an expert summary of at most room bytes: whole when it fits; else without its
 * parenthesised asides (which the tree shows); else up to its last clause (": ", "; ", ", ")
 * that fits, followed by " ...". out holds room + 5 bytes. */
static void summary_of(const char *cause, size_t room, char *out)
{
    if (strlen(cause) <= room) {
        strcpy(out, cause);
        return;
    }
    size_t n = 0;
    int depth = 0, quoted = 0;
    for (const char *p = cause; *p; p++) {
        if (*p == '"' && !depth)
            quoted = !quoted;
        if (!quoted && *p == '(') {
            if (!depth++ && n && out[n - 1] == ' ')
                n--; /* the space before the aside goes with it */
            continue;
        }
        if (!quoted && *p == ')' && depth) {
            depth--;
            continue;
        }
        if (depth)
            continue;
        if (n == room + 4)
            break;
        out[n++] = *p;
    }
    out[n] = 0;
    if (n <= room)
        return;
    size_t cut = 0;
    for (size_t i = 0; i + 1 < n && i <= room; i++)
        if ((out[i] == ':' || out[i] == ';' || out[i] == ',') && out[i + 1] == ' ')
            cut = i;
    if (!cut)
        cut = cut_at(out, room);
    strcpy(out + cut, " ...");
}

/* A finding in the tree: the id and title on one line; the cause, the evidence, the fix and a
 * note as child items (each readable whole); the analyzer's whole detail text as a hidden field
 * (wsaudit.finding.detail, for filters and exports). The expert info's summary is the cause. */
static proto_item *finding_tree(proto_tree *t, tvbuff_t *tvb, packet_info *pinfo,
                                const struct wa_item *it, int close_code, proto_tree **ft_out)
{
    const struct wsa_finding_info *fi = wsa_finding_info((enum wsa_finding_id)it->finding);
    proto_item *fitem = gen(proto_tree_add_string_format_value(
        t, hf_finding, tvb, 0, 0, fi->id, "%s: %s%s%s%s", fi->id, fi->title,
        fi->reference ? " [" : "", fi->reference ? fi->reference : "", fi->reference ? "]" : ""));
    proto_tree *ft = proto_item_add_subtree(fitem, ett_finding);
    struct wsa_detail_parts parts = {"", "", "", {NULL}, 0};
    char *buf = NULL;
    if (it->text && *it->text) {
        buf = wmem_alloc(pinfo->pool, strlen(it->text) + 1);
        wsa_detail_split(it->text, buf, &parts);
        /* a finding about a Close's code: what the code means and what fixes it, from the
         * close code registry (as `wsaudit explain CODE` says them) */
        if (close_code >= 0 && !*parts.fix &&
            (it->finding == F_CLOSE_RESERVED_CODE || it->finding == F_CLOSE_INVALID_CODE ||
             it->finding == F_CLOSE_UNDEFINED_CODE || it->finding == F_CLOSE_UNSUPPORTED_DATA)) {
            const struct ws_close_info *ci = ws_close_lookup((uint16_t)close_code);
            parts.fix = ci->hint;
            if (!parts.nnotes)
                parts.note[parts.nnotes++] = ci->meaning;
        }
        if (*parts.cause)
            add_text(ft, hf_cause, tvb, parts.cause);
        if (*parts.evidence)
            add_text(ft, hf_evidence, tvb, parts.evidence);
        if (*parts.fix)
            add_text(ft, hf_fix, tvb, parts.fix);
        for (int k = 0; k < parts.nnotes; k++)
            add_text(ft, hf_note, tvb, parts.note[k]);
        proto_item_set_hidden(gen(proto_tree_add_string(ft, hf_finding_detail, tvb, 0, 0,
                                                        it->text)));
    }
    /* the summary a user scans in Expert Information: the id, then the cause */
    const char *cause = *parts.cause ? parts.cause : fi->title;
    size_t room = EXPERT_ROOM - strlen(fi->id) - 6;
    char *sum = wmem_alloc(pinfo->pool, room + 5);
    summary_of(cause, room, sum);
    expert_add_info_format(pinfo, fitem, &ei_findings[it->finding], "%s: %s", fi->id, sum);
    *ft_out = ft;
    return fitem;
}

/* as Wireshark's own websocket.opcode shows them (BASE_DEC, so -T ek gives a number) */
static const value_string ws_opcode_vals[] = {{0, "Continuation"}, {1, "Text"},
                                              {2, "Binary"},       {8, "Connection Close"},
                                              {9, "Ping"},         {10, "Pong"},
                                              {0, NULL}};

static const value_string alert_kind_vals[] = {{TLS_AK_PLAIN, "plaintext"},
                                               {TLS_AK_ENCRYPTED, "encrypted"},
                                               {TLS_AK_PROBABLE, "probable_encrypted"},
                                               {TLS_AK_DECRYPTED, "decrypted"},
                                               {0, NULL}};

/* RFC 6455 §7.1.5: the close status each side's application saw when the connection ended */
static void status_tree(proto_tree *t, tvbuff_t *tvb, const struct wa_item *it)
{
    static const char *const how[] = {"capture_end", "fin", "rst"};
    proto_item *si = gen(proto_tree_add_none_format(t, hf_status, tvb, 0, 0, "Connection status:"));
    proto_tree *st = proto_item_add_subtree(si, ett_finding);
    for (int side = 0; side < 2; side++) {
        int hf = side ? hf_server_saw : hf_client_saw;
        const char *who = side ? "server" : "client";
        if (it->saw[side] >= 0) {
            const struct ws_close_info *ci = ws_close_lookup((uint16_t)it->saw[side]);
            gen(proto_tree_add_uint_format_value(st, hf, tvb, 0, 0, (guint32)it->saw[side],
                                             "%d (%s)", it->saw[side], ci->name));
            proto_item_append_text(si, "%s %s saw %d (%s)", side ? "," : "", who, it->saw[side],
                                   ci->name);
        } else {
            proto_item_append_text(si, "%s %s saw unknown", side ? "," : "", who);
        }
    }
    gen(proto_tree_add_boolean(st, hf_closing_handshake, tvb, 0, 0, it->handshake_complete));
    if (it->ended_by >= 0) {
        gen(proto_tree_add_string(st, hf_ended_by, tvb, 0, 0,
                              it->ended_by == WS_C2S ? "client" : "server"));
        gen(proto_tree_add_uint(st, hf_ended_frame, tvb, 0, 0, it->ref_frame));
    }
    gen(proto_tree_add_string(st, hf_end_how, tvb, 0, 0, how[it->how < 3 ? it->how : 0]));
}

static int dissect_wsaudit(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    (void)data;
    if (!PINFO_FD_VISITED(pinfo))
        first_pass(pinfo, tree);
    wmem_array_t *a = wmem_map_lookup(frame_results, GUINT_TO_POINTER(pinfo->num));
    if (!a)
        return 0;
    proto_item *ti = gen(proto_tree_add_item(tree, proto_wsaudit, tvb, 0, 0, ENC_NA));
    proto_tree *t = proto_item_add_subtree(ti, ett_wsaudit);
    guint n = wmem_array_get_count(a), closes_seen = 0;
    int close_code = -1; /* the code of this packet's Close, for the findings about it */
    for (guint i = 0; i < n; i++) {
        const struct wa_item *it = wmem_array_index(a, i);
        if (it->kind == WA_CLOSE && it->has_code) {
            const struct ws_close_info *ci = ws_close_lookup(it->code);
            close_code = it->code;
            /* the code's own bytes are highlighted when the Close is in this packet */
            tvbuff_t *ds = NULL;
            gint at = 0;
            if (close_code_bytes(tree, closes_seen++, &ds, &at))
                proto_tree_add_uint_format_value(t, hf_close_code, ds, at, 2, it->code, "%u (%s)",
                                                 it->code, ci->name);
            else
                gen(proto_tree_add_uint_format_value(t, hf_close_code, tvb, 0, 0, it->code,
                                                     "%u (%s)", it->code, ci->name));
            gen(proto_tree_add_string(t, hf_close_class, tvb, 0, 0, ws_close_class_name(ci->cls)));
            if (ci->finding == F_CLOSE_RESERVED_CODE || ci->finding == F_CLOSE_INVALID_CODE)
                gen(proto_tree_add_boolean(t, hf_close_illegal, tvb, 0, 0, TRUE));
            if (it->text)
                add_text(t, hf_close_reason, tvb, it->text);
        } else if (it->kind == WA_ALERT) {
            proto_item *ai;
            if (it->alert_kind == TLS_AK_PLAIN || it->alert_kind == TLS_AK_DECRYPTED)
                ai = gen(proto_tree_add_uint_format_value(
                    t, hf_tls_alert, tvb, 0, 0, it->alert_desc, "%s (%u)",
                    tls_alert_lookup(it->alert_desc)->name, it->alert_desc));
            else
                ai = gen(proto_tree_add_string(t, hf_tls_alert_kind, tvb, 0, 0,
                                           val_to_str_const(it->alert_kind, alert_kind_vals, "?")));
            proto_item_append_text(ai, " from the %s", it->alert_sender ? "server" : "client");
            gen(proto_tree_add_string(t, hf_tls_alert_sender, tvb, 0, 0,
                                  it->alert_sender ? "server" : "client"));
            if (it->ref_frame != pinfo->num)
                gen(proto_tree_add_uint(t, hf_ref_frame, tvb, 0, 0, it->ref_frame));
            col_append_fstr(pinfo->cinfo, COL_INFO, " [wsaudit: TLS alert %s]",
                            (it->alert_kind == TLS_AK_PLAIN || it->alert_kind == TLS_AK_DECRYPTED)
                                ? tls_alert_lookup(it->alert_desc)->name
                                : val_to_str_const(it->alert_kind, alert_kind_vals, "?"));
        } else if (it->kind == WA_STATUS) {
            status_tree(t, tvb, it);
        } else if (it->kind == WA_TLS) {
            add_text(t, hf_tls_summary, tvb, it->text);
            gen(proto_tree_add_string(t, hf_tls_outcome, tvb, 0, 0,
                                  tls_outcome_name((enum tls_outcome)it->tls_outcome)));
        } else if (it->kind == WA_FINDING) {
            const struct wsa_finding_info *fi = wsa_finding_info((enum wsa_finding_id)it->finding);
            proto_tree *ft;
            finding_tree(t, tvb, pinfo, it, close_code, &ft);
            if (it->unsup_status) {
                /* the message, when one was found (also for "unknown": the last one seen) */
                if (it->unsup_status == WS_UNSUP_OBSERVED + 1 ||
                    (it->unsup_status == WS_UNSUP_UNKNOWN + 1 && it->ref_frame)) {
                    gen(proto_tree_add_uint_format_value(
                        ft, hf_unsup_opcode, tvb, 0, 0, it->opcode, "%s (%u)",
                        val_to_str_const(it->opcode, ws_opcode_vals, "Reserved"), it->opcode));
                    gen(proto_tree_add_uint(ft, hf_unsup_frame, tvb, 0, 0, it->ref_frame));
                }
                static const char *const st[] = {"", "observed", "none_observed", "unknown",
                                                 "reply"};
                gen(proto_tree_add_string(ft, hf_unsup_status, tvb, 0, 0, st[it->unsup_status]));
            } else if (it->ref_frame && it->ref_frame != pinfo->num) {
                gen(proto_tree_add_uint(ft, hf_ref_frame, tvb, 0, 0, it->ref_frame));
            }
            if (it->ref_end > it->ref_frame && it->unsup_status != WS_UNSUP_REPLY + 1)
                /* a frame (or the 1003's offending message) spread over packets: where it ended */
                gen(proto_tree_add_uint(ft, hf_ref_end, tvb, 0, 0, it->ref_end));
            if (it->finding == F_TLS_HANDSHAKE_FAILURE)
                gen(proto_tree_add_boolean(ft, hf_tls_failed, tvb, 0, 0, TRUE));
            col_append_fstr(pinfo->cinfo, COL_INFO, " [wsaudit: %s]", fi->id);
        }
    }
    tap_queue_packet(wsaudit_tap, pinfo, a);
    return (int)tvb_captured_length(tvb);
}

/* ---- statistics: tshark -z wsaudit,tree ---- */

static int st_closes = -1, st_findings = -1, st_alerts = -1;

static void st_init(stats_tree *st)
{
    st_closes = stats_tree_create_node(st, "Close codes by class", 0, STAT_DT_INT, TRUE);
    st_findings = stats_tree_create_node(st, "Findings by id", 0, STAT_DT_INT, TRUE);
    st_alerts = stats_tree_create_node(st, "TLS alerts", 0, STAT_DT_INT, TRUE);
}

static tap_packet_status st_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt,
                                   const void *p, tap_flags_t flags)
{
    (void)pinfo;
    (void)edt;
    (void)flags;
    wmem_array_t *a = (wmem_array_t *)p;
    guint n = wmem_array_get_count(a);
    for (guint i = 0; i < n; i++) {
        const struct wa_item *it = wmem_array_index(a, i);
        if (it->kind == WA_CLOSE && it->has_code) {
            /* per class, and within it per code ("1003 Unsupported Data") */
            char code[64];
            snprintf(code, sizeof code, "%u %s", it->code, ws_close_lookup(it->code)->name);
            tick_stat_node(st, "Close codes by class", 0, TRUE);
            int cls = tick_stat_node(st, ws_close_class_name((enum ws_close_class)it->code_cls),
                                     st_closes, TRUE);
            tick_stat_node(st, code, cls, FALSE);
        } else if (it->kind == WA_FINDING) {
            tick_stat_node(st, "Findings by id", 0, TRUE);
            tick_stat_node(st, wsa_finding_info((enum wsa_finding_id)it->finding)->id, st_findings,
                           FALSE);
        } else if (it->kind == WA_ALERT) {
            tick_stat_node(st, "TLS alerts", 0, TRUE);
            tick_stat_node(st,
                           (it->alert_kind == TLS_AK_PLAIN || it->alert_kind == TLS_AK_DECRYPTED)
                               ? tls_alert_lookup(it->alert_desc)->name
                               : val_to_str_const(it->alert_kind, alert_kind_vals, "?"),
                           st_alerts, FALSE);
        }
    }
    return TAP_PACKET_REDRAW;
}

/* ---- registration ---- */

static void init_maps(void)
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
}

static void cleanup_maps(void)
{
    if (conns)
        wmem_map_foreach(conns, free_conn, NULL);
    conns = NULL;
    frame_results = NULL;
}

static void proto_register_wsaudit(void)
{
    static hf_register_info hf[] = {
        {&hf_close_code,
         {"Close status code", "wsaudit.close.code", FT_UINT16, BASE_DEC, NULL, 0,
          "The status code of a Close frame (RFC 6455 §7.4), with its registry name", HFILL}},
        {&hf_close_class,
         {"Close code class", "wsaudit.close.class", FT_STRING, BASE_NONE, NULL, 0,
          "standard, registered, private, reserved, invalid or undefined", HFILL}},
        {&hf_close_reason,
         {"Close reason", "wsaudit.close.reason", FT_STRING, BASE_NONE, NULL, 0,
          "the reason text, every byte kept: control bytes, backslash and invalid UTF-8 as \\xNN",
          HFILL}},
        {&hf_close_illegal,
         {"Close code must not be sent", "wsaudit.close.illegal", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Reserved (1005, 1006, 1015, 1004) or invalid code on the wire", HFILL}},
        {&hf_unsup_opcode,
         {"Offending opcode", "wsaudit.unsupported.opcode", FT_UINT8, BASE_DEC,
          VALS(ws_opcode_vals), 0,
          "First-frame opcode of the message that provoked a 1003 close", HFILL}},
        {&hf_unsup_frame,
         {"Offending message", "wsaudit.unsupported.frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
          "Frame carrying the first frame of the message that provoked a 1003 close", HFILL}},
        {&hf_unsup_status,
         {"1003 annotation", "wsaudit.unsupported.status", FT_STRING, BASE_NONE, NULL, 0,
          "observed (the offending message was found), none_observed, unknown (a gap, a stopped "
          "direction or history exceeded) or reply (the Close answers the peer's 1003)",
          HFILL}},
        {&hf_tls_alert,
         {"TLS alert", "wsaudit.tls.alert", FT_UINT8, BASE_DEC, NULL, 0,
          "The description of a TLS alert read in plaintext or decrypted by Wireshark", HFILL}},
        {&hf_tls_alert_kind,
         {"TLS alert (encrypted)", "wsaudit.tls.alert_kind", FT_STRING, BASE_NONE, NULL, 0,
          "An alert that could not be read: encrypted, or probable_encrypted (a record the size "
          "of an encrypted alert)",
          HFILL}},
        {&hf_tls_alert_sender,
         {"TLS alert sender", "wsaudit.tls.alert_sender", FT_STRING, BASE_NONE, NULL, 0,
          "client or server", HFILL}},
        {&hf_tls_failed,
         {"TLS handshake failed (client reports 1015)", "wsaudit.tls.handshake_failed", FT_BOOLEAN,
          BASE_NONE, NULL, 0,
          "A wss:// client would report this connection as close status 1015", HFILL}},
        {&hf_tls_outcome,
         {"TLS handshake outcome", "wsaudit.tls.outcome", FT_STRING, BASE_NONE, NULL, 0,
          "completed, failed, abandoned or incomplete", HFILL}},
        {&hf_tls_summary,
         {"TLS handshake", "wsaudit.tls.summary", FT_STRING, BASE_NONE, NULL, 0,
          "Versions, server name, cipher suite and outcome of the handshake", HFILL}},
        {&hf_finding,
         {"Finding", "wsaudit.finding", FT_STRING, BASE_NONE, NULL, 0, "The analyzer's finding id",
          HFILL}},
        {&hf_finding_detail,
         {"Detail", "wsaudit.finding.detail", FT_STRING, BASE_NONE, NULL, 0,
          "The finding's specifics, the same text as the analyzer's detail (hidden in the tree, "
          "which shows it cut into cause, evidence, fix and note)",
          HFILL}},
        {&hf_cause,
         {"Cause", "wsaudit.finding.cause", FT_STRING, BASE_NONE, NULL, 0,
          "What happened: the detail's first part", HFILL}},
        {&hf_evidence,
         {"Evidence", "wsaudit.finding.evidence", FT_STRING, BASE_NONE, NULL, 0,
          "What in the capture shows it (certificate names and dates, counts, packets)", HFILL}},
        {&hf_fix,
         {"Fix", "wsaudit.finding.fix", FT_STRING, BASE_NONE, NULL, 0,
          "What to change, and on which side", HFILL}},
        {&hf_note,
         {"Note", "wsaudit.finding.note", FT_STRING, BASE_NONE, NULL, 0,
          "What else to know (e.g. that 1015 itself is never sent)", HFILL}},
        {&hf_more,
         {"Continued", "wsaudit.text_continued", FT_STRING, BASE_NONE, NULL, 0,
          "The rest of a text too long for one line of the tree (the item above holds it whole)",
          HFILL}},
        {&hf_status,
         {"Connection status", "wsaudit.status", FT_NONE, BASE_NONE, NULL, 0,
          "How the WebSocket connection ended: the close status each side's application saw",
          HFILL}},
        {&hf_client_saw,
         {"Client saw", "wsaudit.status.client_saw", FT_UINT16, BASE_DEC, NULL, 0,
          "The close status the client's application saw: the code of the Close it received, "
          "1005 when that Close had no code, 1006 when the connection ended without one; absent "
          "when the capture cannot tell",
          HFILL}},
        {&hf_server_saw,
         {"Server saw", "wsaudit.status.server_saw", FT_UINT16, BASE_DEC, NULL, 0,
          "The close status the server's application saw (as wsaudit.status.client_saw)", HFILL}},
        {&hf_closing_handshake,
         {"Closing handshake", "wsaudit.status.closing_handshake", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Both sides sent a Close", HFILL}},
        {&hf_ended_by,
         {"Ended by", "wsaudit.status.ended_by", FT_STRING, BASE_NONE, NULL, 0,
          "The side whose FIN or RST ended the TCP connection first", HFILL}},
        {&hf_ended_frame,
         {"Ended in", "wsaudit.status.ended_frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
          "The packet of that FIN or RST", HFILL}},
        {&hf_end_how,
         {"How", "wsaudit.status.how", FT_STRING, BASE_NONE, NULL, 0, "fin, rst or capture_end",
          HFILL}},
        {&hf_ref_end,
         {"Frame completed in", "wsaudit.frame_end", FT_FRAMENUM, BASE_NONE, NULL, 0,
          "The packet in which the WebSocket frame the finding is about became complete (the "
          "finding's own frame is its first packet)",
          HFILL}},
        {&hf_ref_frame,
         {"About frame", "wsaudit.frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
          "The packet the finding or alert is about, when it is not this one", HFILL}},
    };
    static gint *ett[] = {&ett_wsaudit, &ett_finding, &ett_text};
    static ei_register_info ei[F_FINDING_COUNT];
    static char names[F_FINDING_COUNT][80];

    proto_wsaudit = proto_register_protocol("wsaudit verdicts", "wsaudit", "wsaudit");
    proto_register_field_array(proto_wsaudit, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    /* findings only the analyzer's own capture reading, TCP reassembly and HTTP/2 check can
     * raise (Wireshark reports those conditions with its own expert infos): not registered, so
     * they do not show in the filter completion as if the plugin could raise them */
    static const enum wsa_finding_id analyzer_only[] = {
        F_V_EARLY_DATA,    F_D_HANDSHAKE_TOO_LARGE, F_D_STREAM_GAP,        F_D_STREAM_MEMCAP,
        F_W_STREAM_OVERLAP_CONFLICT, F_D_CAPTURE_TRUNCATED, F_D_PACKET_MALFORMED,
        F_D_IP_FRAGMENT,   F_W_IP_FRAGMENT_OVERLAP, F_D_FLOW_MEMCAP,       F_TLS_INNER_HTTP2};
    int nei = 0;
    for (int i = 0; i < F_FINDING_COUNT; i++) {
        const struct wsa_finding_info *fi = wsa_finding_info((enum wsa_finding_id)i);
        int skip = 0;
        for (size_t k = 0; k < array_length(analyzer_only); k++)
            skip |= analyzer_only[k] == (enum wsa_finding_id)i;
        ei_findings[i] = (expert_field)EI_INIT;
        if (skip)
            continue;
        static const int sev[] = {PI_NOTE, PI_WARN, PI_ERROR, PI_WARN};
        /* one scheme: fields are wsaudit.<what>.<attribute>; a finding is the wsaudit.finding
         * field, and its expert info wsaudit.finding.<its id> */
        snprintf(names[i], sizeof names[i], "wsaudit.finding.%s", fi->id);
        ei_register_info r = {&ei_findings[i],
                              {names[i], expert_group((enum wsa_finding_id)i), sev[fi->severity],
                               fi->title, EXPFILL}};
        ei[nei++] = r;
    }
    expert_module_t *em = expert_register_protocol(proto_wsaudit);
    expert_register_field_array(em, ei, nei);
    wsaudit_tap = register_tap("wsaudit");
    register_init_routine(init_maps);
    register_cleanup_routine(cleanup_maps);
}

static void proto_reg_handoff_wsaudit(void)
{
    wsaudit_handle = create_dissector_handle(dissect_wsaudit, proto_wsaudit);
    register_postdissector(wsaudit_handle);
    GArray *wanted = g_array_new(FALSE, FALSE, sizeof(int));
    for (size_t i = 0; i < array_length(all_refs); i++) {
        resolve_ref(all_refs[i]);
        for (int k = 0; k < all_refs[i]->n; k++)
            g_array_append_val(wanted, all_refs[i]->ids[k]);
    }
    set_postdissector_wanted_hfids(wsaudit_handle, wanted);
}

static void register_stats(void)
{
    stats_tree_register_plugin("wsaudit", "wsaudit", "wsaudit/Close codes and findings", 0,
                               st_packet, st_init, NULL);
}

void plugin_register(void)
{
    static proto_plugin plug;
    static tap_plugin tplug;
    plug.register_protoinfo = proto_register_wsaudit;
    plug.register_handoff = proto_reg_handoff_wsaudit;
    proto_register_plugin(&plug);
    tplug.register_tap_listener = register_stats;
    tap_register_plugin(&tplug);
}
