/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn_h2.h - a flow that speaks HTTP/2 (prior-knowledge h2c, "Upgrade: h2c", or ALPN h2 inside
 * decrypted TLS): its bytes to the core's HTTP/2 framing (h2_frame.c), its frames to the
 * core's RFC 8441 streams (h2_ws.c), and what they say to the report, each WebSocket stream as
 * a connection record of its own that names its HTTP/2 stream.
 */
#ifndef WSAUDIT_CONN_H2_H
#define WSAUDIT_CONN_H2_H

#include <stddef.h>
#include <stdint.h>

#include "../core/ws_session.h"
#include "report.h"

struct analyzer;
struct h2link;

/* view: the TCP (or decrypted) connection's; its findings are counted in view->by_severity.
 * preface_seen: the client's preface was already taken (the HTTP/1.1 upgrade path) */
struct tls_session;
/* tls: the TLS session around a decrypted HTTP/2 connection (its outcome goes in the streams'
 * end records), else NULL */
struct h2link *h2link_new(struct analyzer *an, const struct conn_view *view,
                          const struct tls_session *tls, int preface_seen);
void h2link_feed(struct h2link *h, int dir, const uint8_t *data, size_t len, uint64_t pkt,
                 uint64_t cur_pkt);
void h2link_gap(struct h2link *h, int dir, uint64_t pkt);
/* The TCP connection's side dir (0: the HTTP/2 client) ended (FIN, RST): so does that
 * direction of every WebSocket stream */
void h2link_side_end(struct h2link *h, int dir, enum ws_end_how how, uint64_t pkt);
/* The connection ended: the streams still open end with it; how: the flow's end ("fin",
 * "rst", "capture_end", ...) */
void h2link_end(struct h2link *h, int by_tcp, uint64_t pkt, const char *how);
void h2link_free(struct h2link *h);
size_t h2link_heap(const struct h2link *h);
/* WebSocket streams it opened */
uint64_t h2link_ws_streams(const struct h2link *h);

#endif
