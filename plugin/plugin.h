/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plugin.h - what the plugin's three parts share. read.c reads Wireshark's tree (fields by
 * name, data sources, the TCP header); glue.c feeds what it read to the core, one connection
 * at a time, and keeps what the core said per frame; wsaudit_plugin.c shows it (tree, expert
 * infos, statistics) and registers the plugin.
 */
#ifndef WSAUDIT_PLUGIN_H
#define WSAUDIT_PLUGIN_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/wmem_scopes.h>

#include "escape.h"
#include "finding.h"
#include "h2_ws.h"
#include "tls_alert.h"
#include "tls_session.h"
#include "ws_close.h"
#include "ws_frame.h"
#include "ws_handshake.h"
#include "ws_session.h"

/* Wireshark fields read from the tree. Several registered fields can share one name (TLS and
 * its relatives do), so every id with the name is primed and read. */
struct field_ref {
    const char *name;
    int ids[8];
    int n;
};
extern struct field_ref f_tcp_stream, f_tcp_srcport, f_tcp_len, f_ws, f_http, f_tls_record,
    f_alert_level, f_alert_desc, f_http_body, f_ack_lost, f_tcp_segment, f_tls_segment, f_hs_type,
    f_h2_frame, f_h2_hname, f_h2_hvalue;
/* Only these are primed: reading tcp.seq, tcp.ack or the tcp protocol item from the tree would
 * make Wireshark format their labels on every packet. The TCP header is read directly from the
 * frame at tcp.srcport's offset. */
extern struct field_ref *const all_refs[];
extern const size_t n_all_refs;

/* ---- what the core said, per frame ---- */

enum wa_kind { WA_CLOSE, WA_FINDING, WA_ALERT, WA_TLS, WA_STATUS, WA_H2_OPEN, WA_H2_FRAME };

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
    uint32_t h2_stream; /* a WebSocket over HTTP/2: its stream (RFC 8441); 0 otherwise */
    uint64_t frame_len;  /* WA_H2_FRAME: a WebSocket frame inside it (Wireshark shows none) */
    uint8_t frame_fin, frame_dir;
    const char *text;   /* file scope */
};

/* per-frame results: frame number -> wmem_array_t of struct wa_item (glue.c) */
extern wmem_map_t *frame_results;

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

/* what the plugin is looking at on a TCP connection */
enum conn_kind {
    CK_UNDECIDED,    /* no payload yet */
    CK_WEBSOCKET,    /* an HTTP Upgrade request (then the WebSocket session) */
    CK_TLS,          /* a TLS ClientHello (then the TLS session, wss:// when decrypted) */
    CK_OTHER,        /* neither: not followed */
    CK_WS_MIDSTREAM, /* WebSocket frames without the handshake (Decode As, mid-stream) */
    CK_H2,           /* HTTP/2 in the clear (prior knowledge, Upgrade: h2c) */
};

struct wa_conn {
    address client;
    guint32 client_port;
    enum conn_kind kind;
    uint8_t *req;
    size_t req_len;
    uint32_t req_frame, resp_frame; /* the Upgrade request, and its answer */
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
    /* HTTP/2 (prior knowledge, Upgrade: h2c, or ALPN h2 in decrypted TLS): the extended
     * CONNECT streams, fed from Wireshark's HTTP/2 frames */
    struct h2ws *h2;
    uint32_t h2_block_stream[2]; /* a header block waiting for its CONTINUATION, per side */
    uint8_t h2_block_flags[2], h2_block_type[2];
    uint32_t h2_cur; /* the stream whose WebSocket events are being kept */
};

/* ---- read.c: reading Wireshark's tree ---- */

/* the items of a field in this packet's tree (primed fields only), or NULL */
GPtrArray *finfos(proto_tree *tree, const struct field_ref *f);
/* every registered id of the field's name */
void resolve_ref(struct field_ref *f);
int first_uint(proto_tree *tree, const struct field_ref *hf, guint32 *out);
int own_segment_at(proto_tree *tree, tvbuff_t *ds, uint32_t num, gint *at);
gint ws_frame_length(tvbuff_t *tvb, gint start);
uint32_t first_packet(proto_tree *tree, tvbuff_t *ds, gint at, uint32_t cur);
int tcp_view(proto_tree *tree, struct tcpv *t);

/* ---- glue.c: the core, fed from the tree ---- */

/* the first pass over a packet: its connection's sessions get its bytes */
void first_pass(packet_info *pinfo, proto_tree *tree);
void init_maps(void);
void cleanup_maps(void);

#endif
