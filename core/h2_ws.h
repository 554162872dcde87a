/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * h2_ws.h - WebSockets bootstrapped with HTTP/2's extended CONNECT (RFC 8441), from decoded
 * HTTP/2 frames. Both front ends call it: the analyzer with what h2_frame.c decodes, the
 * plugin with what Wireshark's HTTP/2 dissector shows.
 *
 * Contract:
 * - h2ws_init() sets up one HTTP/2 connection; direction 0 (WS_C2S) is the HTTP/2 client's.
 * - The caller reports the connection's frames in order: SETTINGS (h2ws_settings), decoded
 *   header blocks (h2ws_headers), DATA payload (h2ws_data, in pieces, padding removed),
 *   END_STREAM (h2ws_end_stream), RST_STREAM (h2ws_reset); h2ws_end() when the connection ends.
 * - An extended CONNECT stream with :protocol websocket is followed from its request: its
 *   answer (H2WS_EV_OPEN, 2xx: a WebSocket), then its DATA as the byte streams of an RFC 6455
 *   session (H2WS_EV_WS: the session's events, unchanged), then its end (H2WS_EV_END).
 *   RFC 8441's rules are checked on the way (H2WS_EV_FINDING). Other streams are not kept.
 *   DATA the client sends before the answer is kept and decoded once a 2xx comes.
 * - Events name the stream; they are valid only during the callback.
 */
#ifndef WSAUDIT_H2_WS_H
#define WSAUDIT_H2_WS_H

#include <glib.h>
#include <stdint.h>

#include "finding.h"
#include "h2_frame.h"
#include "ws_handshake.h"
#include "ws_session.h"

#define H2WS_STREAMS_MAX 512 /* extended CONNECT streams followed at once per connection */
#define H2WS_HELD 4          /* findings about a request, held until its answer is told */
#define H2WS_EARLY_MAX (64 * 1024) /* DATA a client sent before the answer, kept for it */

struct h2ws;

struct h2ws_stream {
    struct h2ws *h;
    uint32_t id;
    uint8_t answered, ws, ended[2], reset, finished, in_ws_ended;
    uint64_t req_pkt, resp_pkt;
    uint64_t req_ns, last_ns, last_pkt; /* its request's time; its last frame's time, packet */
    uint64_t pkts[2], bytes[2];         /* per direction: packets with its DATA, DATA bytes */
    uint64_t data_pkt[2];               /* the packet of the last DATA counted */
    /* the request's and answer's fields RFC 6455 and RFC 8441 name, as ws_http_msg views of
     * the strings below */
    struct ws_http_msg req, resp;
    struct ws_handshake_result res;
    char strings[1024];
    size_t used;
    struct {
        enum wsa_finding_id id;
        uint64_t pkt;
        char detail[200];
    } held[H2WS_HELD];
    uint8_t nheld;
    uint32_t reset_code;
    int reset_dir;
    /* the client's DATA that came before the answer (HTTP/2 lets it send at once): decoded
     * once a 2xx starts the WebSocket, dropped with a refusal; past H2WS_EARLY_MAX the rest is
     * a hole the session is told of */
    GByteArray *early;
    GArray *early_seg; /* per piece: struct ws_seg_ctx and its length */
    uint64_t early_lost;
    uint64_t early_end; /* the packet of the client's END_STREAM before the answer, or 0 */
    struct ws_session sess;
    void *user; /* the front end's, set at H2WS_EV_OPEN */
};

enum h2ws_ev_type { H2WS_EV_OPEN, H2WS_EV_WS, H2WS_EV_FINDING, H2WS_EV_END };

struct h2ws_event {
    enum h2ws_ev_type type;
    struct h2ws_stream *st; /* NULL for a finding about the whole connection */
    uint64_t pkt;
    const struct ws_event *ws; /* H2WS_EV_WS */
    enum wsa_finding_id finding;
    const char *detail;
    /* H2WS_EV_END: "close_handshake", "end_stream", "rst_stream", or the connection's end
     * ("connection_end") */
    const char *how;
};

typedef void (*h2ws_fn)(void *ctx, const struct h2ws_event *ev);

struct h2ws {
    GHashTable *streams; /* stream id -> struct h2ws_stream */
    h2ws_fn cb;
    void *ctx;
    int hash_messages;
    int server_ecp;      /* the server's SETTINGS_ENABLE_CONNECT_PROTOCOL (0 until seen) */
    int over_limit_said; /* streams beyond H2WS_STREAMS_MAX were reported */
    uint64_t ws_streams; /* WebSocket streams opened */
    uint64_t now_ns;     /* the front end's: the capture time of what it feeds now */
};

void h2ws_init(struct h2ws *h, h2ws_fn cb, void *ctx, int hash_messages);
void h2ws_free(struct h2ws *h);
size_t h2ws_heap(const struct h2ws *h);
void h2ws_settings(struct h2ws *h, int dir, int enable_connect, uint64_t pkt);
void h2ws_headers(struct h2ws *h, int dir, uint32_t stream, const struct h2_field *f, size_t n,
                  uint64_t pkt);
void h2ws_data(struct h2ws *h, int dir, uint32_t stream, const uint8_t *p, size_t n,
               const struct ws_seg_ctx *seg);
void h2ws_end_stream(struct h2ws *h, int dir, uint32_t stream, uint64_t pkt);
void h2ws_reset(struct h2ws *h, int dir, uint32_t stream, uint32_t code, uint64_t pkt);
/* The connection's direction dir ended (the TCP FIN or RST of its sender, or the capture's
 * end): so does that direction of every WebSocket stream still open */
void h2ws_tcp_end_dir(struct h2ws *h, int dir, enum ws_end_how how, uint64_t pkt);
/* bytes of dir were lost: every WebSocket stream's direction has a hole of unknown size */
void h2ws_gap(struct h2ws *h, int dir, uint64_t pkt);
/* The connection ended (by_tcp: FIN/RST, else the capture or a limit ended it): every stream
 * still open ends with it. */
void h2ws_end(struct h2ws *h, int by_tcp, uint64_t pkt);
/* "NO_ERROR", "PROTOCOL_ERROR", ... (RFC 9113 §7) */
const char *h2_error_name(uint32_t code);

#endif
