/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_handshake.h - the HTTP/1.1 Upgrade exchange that opens a WebSocket (RFC 6455 §4).
 *
 * The caller collects a header block (up to and including the empty line) and hands it over
 * whole; ws_http_header_end() tells where that block ends. Parsed fields are slices that point
 * into the caller's buffer: they stay valid as long as that buffer does. Nothing is allocated.
 */
#ifndef WSAUDIT_WS_HANDSHAKE_H
#define WSAUDIT_WS_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

struct ws_slice {
    const char *p;
    size_t len;
};

struct ws_http_msg {
    int is_response;
    /* request line */
    struct ws_slice method, target;
    /* status line */
    int status;
    struct ws_slice reason;
    int http_major, http_minor;
    /* the headers that matter (first occurrence; extensions/protocol joined by the caller's
     * view: first occurrence only, with counts so duplicates can be flagged) */
    struct ws_slice host, upgrade, connection, key, version, protocol, extensions, accept;
    unsigned n_key, n_protocol, n_extensions, n_accept;
    int connection_has_upgrade; /* "Upgrade" among the Connection tokens */
    int upgrade_is_websocket;   /* "websocket" among the Upgrade tokens */
};

/* Offset just past the CRLFCRLF (or LFLF) ending the header block, or 0 if not there yet. */
size_t ws_http_header_end(const uint8_t *buf, size_t len);
/* 1 when the bytes can start an HTTP/1.x request (a token then a space); 0 no; -1 need more. */
int ws_http_looks_like_request(const uint8_t *buf, size_t len);
/* Parse a complete header block. Returns 0, or -1 when it is not an HTTP/1.x message. */
int ws_http_parse(const uint8_t *buf, size_t len, int is_response, struct ws_http_msg *msg);

/* permessage-deflate as the server accepted it (RFC 7692 §7.1) */
struct ws_pmd_params {
    uint8_t server_no_context, client_no_context;
    uint8_t server_bits, client_bits; /* 8..15; 15 when not limited */
};

/* What the exchange negotiated, and what was wrong with it. */
struct ws_handshake_result {
    struct ws_pmd_params pmd_params;
    const char *pmd_problem; /* why the permessage-deflate parameters are invalid, or NULL */
    int upgraded;            /* status 101 */
    int accept_ok;           /* Sec-WebSocket-Accept verified */
    int pmd;                 /* permessage-deflate accepted by the server */
    int rsv_allowed;         /* RSV bits some negotiated extension defines (4 = RSV1) */
    struct ws_slice protocol, extensions;
    /* findings, in order: enum wsa_finding_id values */
    int findings[12];
    unsigned n_findings;
};

/* Judge a request/response pair (RFC 6455 §4.1, §4.2, §9.1). */
void ws_handshake_check(const struct ws_http_msg *req, const struct ws_http_msg *resp,
                        struct ws_handshake_result *out);
/* What an accepted exchange negotiated, HTTP/1.1 or HTTP/2 (RFC 8441 §4 keeps RFC 6455's
 * headers): the subprotocol and the extensions the server chose, each judged against the offer
 * (permessage-deflate parameters, RSV bits); sets r->protocol, extensions, pmd, rsv_allowed. */
void ws_handshake_negotiated(const struct ws_http_msg *req, const struct ws_http_msg *resp,
                             struct ws_handshake_result *r);
/* The detail line of one handshake finding (status, expected accept, what is wrong with the
 * permessage-deflate parameters); empty when the finding needs none. */
void ws_handshake_detail(int finding, const struct ws_http_msg *req, const struct ws_http_msg *resp,
                         const struct ws_handshake_result *res, char *out, size_t n);
/* An Upgrade exchange, parsed and judged together: what both front ends do once the response's
 * header block is complete. */
struct ws_upgrade {
    struct ws_http_msg req, resp;
    struct ws_handshake_result res;
};
/* Parse both header blocks and judge them. -1 (nothing judged) when the response is not an
 * HTTP/1.x message. */
int ws_upgrade_judge(struct ws_upgrade *u, const uint8_t *req, size_t req_len, const uint8_t *resp,
                     size_t resp_len);
/* The same, with u->req already parsed (by a front end that parsed the request when it was
 * complete, to see whether it asked for an upgrade); its slices must still point into bytes that
 * have not moved. */
int ws_upgrade_judge_response(struct ws_upgrade *u, const uint8_t *resp, size_t resp_len);
/* Each finding of the judgement, in order, with its detail; in_request: the request's packet
 * carries it (a malformed request or key), else the response's. */
typedef void (*ws_upgrade_finding_fn)(void *ctx, int finding, int in_request, const char *detail);
void ws_upgrade_findings(const struct ws_upgrade *u, ws_upgrade_finding_fn fn, void *ctx);
/* base64(SHA-1(key ‖ GUID)) into out (29 bytes incl. NUL). key is trimmed of spaces first. */
void ws_accept_for_key(const char *key, size_t key_len, char out[29]);

#endif
