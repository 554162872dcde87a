/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_facts.h - what one TLS handshake showed, and the protocol numbers it is read with.
 *
 * A leaf: types and constants only, no functions. tls_session.c fills these facts as it reads
 * the records; tls_explain.c reads them to name and explain the outcome; the front ends print
 * them. Both include this header and neither includes the other's, so the explanation can be
 * read (and tested) without the record-layer machinery.
 */
#ifndef WSAUDIT_TLS_FACTS_H
#define WSAUDIT_TLS_FACTS_H

#include <stdint.h>

#include "x509.h"

enum { TLS_C2S = 0, TLS_S2C = 1 };

/* protocol versions on the wire (RFC 8446 §4.2.1; SSL 3.0 is RFC 6101) */
enum {
    TLS_V_SSL2 = 0x0002,
    TLS_V_SSL3 = 0x0300,
    TLS_V_10 = 0x0301,
    TLS_V_11 = 0x0302,
    TLS_V_12 = 0x0303,
    TLS_V_13 = 0x0304,
};

/* record content types (RFC 8446 §5.1, RFC 6520 for heartbeat) */
enum {
    TLS_REC_CCS = 20,
    TLS_REC_ALERT = 21,
    TLS_REC_HANDSHAKE = 22,
    TLS_REC_APP = 23,
    TLS_REC_HEARTBEAT = 24,
};

/* alert levels (RFC 8446 §6) */
enum { TLS_LEVEL_WARNING = 1, TLS_LEVEL_FATAL = 2 };

/* handshake message types (RFC 8446 §4, RFC 5246 §7.4) */
enum {
    TLS_HS_CLIENT_HELLO = 1,
    TLS_HS_SERVER_HELLO = 2,
    TLS_HS_END_OF_EARLY_DATA = 5,
    TLS_HS_ENCRYPTED_EXTENSIONS = 8,
    TLS_HS_CERTIFICATE = 11,
    TLS_HS_FINISHED = 20,
    TLS_HS_KEY_UPDATE = 24,
};

/* hello extensions read (IANA TLS ExtensionType registry) */
enum {
    TLS_EXT_SERVER_NAME = 0,            /* RFC 6066 §3 */
    TLS_EXT_ALPN = 16,                  /* RFC 7301 §3.1 */
    TLS_EXT_ENCRYPT_THEN_MAC = 22,      /* RFC 7366 */
    TLS_EXT_EARLY_DATA = 42,            /* RFC 8446 §4.2.10 */
    TLS_EXT_SUPPORTED_VERSIONS = 43,    /* RFC 8446 §4.2.1 */
};

/* the signalling cipher suite value of a fallback retry (RFC 7507) */
#define TLS_FALLBACK_SCSV 0x5600

enum tls_alert_kind {
    TLS_AK_PLAIN,     /* level and description read from the record */
    TLS_AK_ENCRYPTED, /* TLS <= 1.2 alert record after ChangeCipherSpec: description hidden */
    TLS_AK_PROBABLE,  /* TLS 1.3 application_data record of alert size followed by FIN/RST */
    TLS_AK_DECRYPTED, /* level and description read from a decrypted record */
};

struct tls_alert_rec {
    int dir;
    uint64_t pkt;
    enum tls_alert_kind kind;
    uint8_t level, desc; /* TLS_AK_PLAIN only */
    uint16_t record_len;
    int in_handshake;     /* sent before the handshake completed */
    int after_peer_close; /* the peer had already closed its side (FIN/RST) */
};

#define TLS_MAX_VERSIONS 8

struct tls_hello {
    int seen;
    uint64_t pkt;
    uint16_t legacy_version;
    uint16_t versions[TLS_MAX_VERSIONS]; /* supported_versions without GREASE (server: chosen) */
    uint8_t n_versions, has_sv, has_sni, has_alpn, alpn_http11, fallback_scsv, hrr;
    char sni[1024]; /* escaped (escape.h): a 255-byte name fits whatever its bytes */
    char alpn[128]; /* offered list (client) or chosen protocol (server), comma separated */
    uint16_t n_suites, suite;
    uint8_t random[32];
    uint8_t etm, early_data; /* encrypt_then_mac, early_data extensions present */
    uint16_t suites13[8];    /* TLS 1.3 suites offered (client), for 0-RTT */
    uint8_t n_suites13;
};

struct tls_cert {
    int seen, decoded;
    uint64_t pkt;
    double ts;
    unsigned chain_len;
    struct x509_info leaf;
    char sha256[65];      /* the leaf's SHA-256 fingerprint (of its DER), lowercase hex */
    char top_issuer[256]; /* issuer of the last certificate sent */
};

enum tls_outcome {
    TLS_OUT_PENDING,
    TLS_OUT_COMPLETED,
    TLS_OUT_FAILED,     /* an alert, a probable encrypted alert, or a non-TLS peer */
    TLS_OUT_ABANDONED,  /* closed before completion without any alert */
    TLS_OUT_INCOMPLETE, /* the capture ended (or lost bytes) before the outcome was visible */
};

enum tls_cause {
    TLS_CAUSE_NONE,
    TLS_CAUSE_ALERT,           /* fail_alert is a plaintext alert */
    TLS_CAUSE_ENCRYPTED_ALERT, /* TLS <= 1.2, after ChangeCipherSpec */
    TLS_CAUSE_PROBABLE_ALERT,  /* TLS 1.3 by position */
    TLS_CAUSE_NO_ALERT,        /* abandoned: fail_dir closed first */
    TLS_CAUSE_NOT_TLS,         /* the server answered with something that is not TLS */
};

/* The handshake as the capture showed it: the hellos, the server's certificate, the outcome and
 * what decided it. */
struct tls_facts {
    struct tls_hello ch, sh;
    struct tls_cert cert;
    uint16_t version; /* negotiated, 0 while unknown */
    enum tls_outcome outcome;
    enum tls_cause cause;
    struct tls_alert_rec fail_alert;
    int fail_dir;
    uint64_t fail_pkt;
    uint64_t client_end_pkt; /* the client's FIN/RST, 0 while it has not closed */
    char not_tls[40];        /* printable start of the server's non-TLS answer */
};

#endif
