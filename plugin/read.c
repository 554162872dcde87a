/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * read.c - reading Wireshark's tree: the fields the plugin wants (primed through
 * set_postdissector_wanted_hfids), where their bytes are (data sources, reassembly), and the
 * TCP header of the frame.
 */
#include "plugin.h"

struct field_ref f_tcp_stream = {"tcp.stream"}, f_tcp_srcport = {"tcp.srcport"},
                 f_tcp_len = {"tcp.len"}, f_ws = {"websocket"}, f_http = {"http"},
                 f_tls_record = {"tls.record"}, f_alert_level = {"tls.alert_message.level"},
                 f_alert_desc = {"tls.alert_message.desc"}, f_http_body = {"http.file_data"},
                 f_ack_lost = {"tcp.analysis.ack_lost_segment"}, f_tcp_segment = {"tcp.segment"},
                 f_tls_segment = {"tls.segment"}, f_hs_type = {"tls.handshake.type"},
                 f_h2_frame = {"http2.stream"}, f_h2_hname = {"http2.header.name"},
                 f_h2_hvalue = {"http2.header.value"};
/* Only these are primed: reading tcp.seq, tcp.ack or the tcp protocol item from the tree would
 * make Wireshark format their labels on every packet. The TCP header is read directly from the
 * frame at tcp.srcport's offset. */
struct field_ref *const all_refs[] = {&f_tcp_stream,  &f_tcp_srcport, &f_tcp_len,     &f_ws,
                                      &f_http,        &f_tls_record,  &f_ack_lost,    &f_alert_level,
                                      &f_alert_desc,  &f_http_body,   &f_tcp_segment, &f_tls_segment,
                                      &f_hs_type,     &f_h2_frame,    &f_h2_hname,    &f_h2_hvalue};
const size_t n_all_refs = sizeof all_refs / sizeof all_refs[0];

GPtrArray *finfos(proto_tree *tree, const struct field_ref *f)
{
    for (int i = 0; i < f->n; i++) {
        GPtrArray *a = proto_get_finfo_ptr_array(tree, f->ids[i]);
        if (a && a->len)
            return a;
    }
    return NULL;
}

void resolve_ref(struct field_ref *f)
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

int first_uint(proto_tree *tree, const struct field_ref *hf, guint32 *out)
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

/* Where this packet's own bytes sit in data Wireshark reassembled (its entry in the TCP
 * reassembly tree of that data source); 0 when the data was not reassembled. */
int own_segment_at(proto_tree *tree, tvbuff_t *ds, uint32_t num, gint *at)
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

/* The `websocket` item covers the frame header only: the frame is the header and the payload
 * length it announces (RFC 6455 §5.2), bounded by the data source. */
/* the bytes of the WebSocket frame at start: its header and payload, or what is there */
gint ws_frame_length(tvbuff_t *tvb, gint start)
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
uint32_t first_packet(proto_tree *tree, tvbuff_t *ds, gint at, uint32_t cur)
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

/* the first payload bytes of this frame, as Wireshark captured them */
/* Read the TCP header at tcp.srcport's offset in the frame; 0 when this is not TCP. */
int tcp_view(proto_tree *tree, struct tcpv *t)
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
