/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_session.h - a passive TLS observer for one TCP connection, both directions, without keys:
 * record layer, plaintext handshake messages (ClientHello, ServerHello, Certificate), alerts
 * (plaintext, encrypted in TLS <= 1.2, probable encrypted in TLS 1.3 judged by position), and
 * the handshake's outcome with an explanation of a failure (the 1015 a WebSocket client sees).
 *
 * Contract (as ws_session.h): the caller owns the struct; tls_session_feed() takes the next
 * in-order bytes of one direction; any split of the streams gives the same events;
 * tls_session_gap() reports bytes never captured; tls_session_end_dir() says one side closed
 * (FIN/RST); tls_session_end() finishes the connection. tls_session_free() releases the
 * handshake reassembly buffers (the only allocation). Events are valid during the callback.
 */
#ifndef WSAUDIT_TLS_SESSION_H
#define WSAUDIT_TLS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "finding.h"
#include "tls_keylog.h"
#include "tls_explain.h"
#include "tls_facts.h"

struct tls_seg {
    uint64_t pkt;
    double ts; /* capture time of that packet, seconds since 1970 */
};

#define TLS_MAX_MSGS 16

struct tls_dir {
    uint8_t hdr[5], hdr_len;
    uint8_t type;
    uint16_t rec_len;
    uint32_t rec_left;
    uint64_t rec_pkt;
    uint8_t *hs; /* handshake message being assembled (plaintext only) */
    uint32_t hs_len, hs_cap, hs_need, hs_skip;
    uint8_t alert_part, alert_part_len; /* alert split across records (TLS <= 1.2) */
    uint8_t ccs, enc, finished, fatal_sent, data_after_fatal, stopped, ended, lost;
    uint8_t collecting;         /* gathering a non-TLS answer's first line */
    uint8_t msgs[TLS_MAX_MSGS]; /* plaintext handshake message types, in order */
    uint8_t n_msgs;
    uint64_t records, enc_records, plain_bytes_seen;
    uint64_t first_enc_pkt;
    uint64_t off;
    /* TLS 1.3: an alert-sized encrypted record; an alert if nothing follows it from this side */
    uint8_t cand, cand_in_hs, cand_after_peer_end; /* the peer had closed before it */
    uint16_t cand_len;
    uint64_t cand_pkt;
    uint64_t end_pkt;
    unsigned end_order;
};

struct tls_event;
typedef void (*tls_event_fn)(void *ctx, const struct tls_event *ev);

/* Decryption (tls_session_set_keys): whether it was possible for this connection */
enum tls_decrypt_status {
    TLS_DEC_NO_KEYS_GIVEN, /* no key log at all: today's keyless analysis */
    TLS_DEC_PENDING,       /* keys given, not yet known whether they cover this connection */
    TLS_DEC_KEYS_MISSING,  /* the key log has nothing (or not enough) for this ClientHello */
    TLS_DEC_UNSUPPORTED,   /* keys found, but the cipher suite is not one we decrypt */
    TLS_DEC_DECRYPTED,     /* records decrypted and authenticated */
    TLS_DEC_FAILED,        /* a record did not authenticate: wrong key or damaged capture */
};

struct tls_dec; /* tls_session.c: ciphers and record buffers, only with keys */

struct tls_session {
    struct tls_dir d[2];
    struct tls_facts hs; /* what the handshake showed (tls_facts.h) */
    uint64_t n_alerts, n_alerts_plain;
    uint8_t summary_sent, ended, hrr_seen;
    unsigned ends;
    tls_event_fn cb;
    void *cb_ctx;
    struct tls_seg seg;
    /* decryption */
    const struct tls_keylog *keylog;
    struct tls_dec *dec;
    enum tls_decrypt_status dec_status;
    uint8_t keys_note_sent, dec_failed_dir[2];
    uint64_t dec_records[2]; /* records decrypted per direction */
    uint8_t early_accepted, resumed;
    uint8_t ch_sid[32], ch_sid_len; /* the ClientHello's session id (resumption) */
    uint8_t known_alert[2], known_level[2], known_desc[2]; /* tls_session_known_alert */
    /* a completed handshake with a certificate out of its validity period: whether the client
     * accepted it shows in what the client does next (a request, or a silent close) */
    uint8_t cert_verdict_pending, client_app_data;
};

enum tls_event_type {
    TLS_EV_ALERT,
    TLS_EV_FINDING,
    TLS_EV_SUMMARY,
    TLS_EV_DATA,     /* decrypted application data */
    TLS_EV_DATA_GAP, /* application data lost (a record not captured or not decryptable) */
};

struct tls_event {
    enum tls_event_type type;
    int dir;
    uint64_t pkt;
    const struct tls_alert_rec *alert; /* TLS_EV_ALERT */
    enum wsa_finding_id finding;       /* TLS_EV_FINDING */
    const char *detail;
    const struct tls_session *s; /* always */
    /* TLS_EV_DATA: the bytes, their offset in the direction's plaintext, and the TCP stream
     * offset just past the record that carried them; TLS_EV_DATA_GAP: len bytes, about */
    const uint8_t *data;
    size_t len;
    uint64_t plain_off, tcp_end;
};

/* 1 when the bytes start like a TLS record or an SSLv2-compatible ClientHello, 0 when not,
 * -1 when more bytes are needed to say. */
int tls_looks_like_client_hello(const uint8_t *p, size_t len);

void tls_session_init(struct tls_session *s, tls_event_fn cb, void *ctx);
/* Decrypt with the secrets of this key log (looked up by the ClientHello random). */
void tls_session_set_keys(struct tls_session *s, const struct tls_keylog *k);
/* Plaintext bytes of dir in the records that ended at or before TCP stream offset tcp_off
 * (what a receiver that acknowledged tcp_off could have decrypted); 0 when known. */
int tls_session_plain_acked(const struct tls_session *s, int dir, uint64_t tcp_off,
                            uint64_t *plain_off);
const char *tls_decrypt_status_name(enum tls_decrypt_status st);
/* A host that decrypts by itself (Wireshark) says what the next protected alert-sized record of
 * dir holds: that record is then reported as this exact, decrypted alert, never as probable. */
void tls_session_known_alert(struct tls_session *s, int dir, uint8_t level, uint8_t desc);
/* A host that decrypts by itself hands over a TLS 1.3 handshake message it decrypted (type,
 * body without the 4-byte header): the server's Certificate and EncryptedExtensions are read as
 * if this session had decrypted them, so a failure is explained from the certificate. Ignored
 * for other messages, for TLS <= 1.2 (whose handshake is read in the clear) and when this
 * session decrypts by itself. */
void tls_session_known_handshake(struct tls_session *s, int dir, uint8_t type, const uint8_t *b,
                                 size_t len, uint64_t pkt);
void tls_session_feed(struct tls_session *s, int dir, const uint8_t *data, size_t len,
                      const struct tls_seg *seg);
void tls_session_gap(struct tls_session *s, int dir, uint64_t len, uint64_t pkt);
void tls_session_end_dir(struct tls_session *s, int dir, uint64_t pkt);
/* by_tcp: the connection ended with FIN/RST (else the capture ended). */
void tls_session_end(struct tls_session *s, int by_tcp, uint64_t pkt);
void tls_session_free(struct tls_session *s);
/* Heap bytes the session holds now (handshake reassembly buffers), for memory caps. */
size_t tls_session_heap(const struct tls_session *s);

#endif
