/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_keylog.h - TLS secrets from NSS key log text (SSLKEYLOGFILE, pcapng Decryption Secrets
 * Blocks), indexed once by the ClientHello random so that a connection finds its keys with one
 * hash lookup whatever the size of the log.
 *
 * Labels read (NSS's key log format, which every common TLS stack writes): CLIENT_RANDOM (TLS <= 1.2 master secret),
 * CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * SERVER_TRAFFIC_SECRET_0, CLIENT_EARLY_TRAFFIC_SECRET (TLS 1.3). Other labels (EXPORTER_SECRET,
 * RSA, ...) are ignored; '#' comments and blank lines are allowed; a malformed line is reported
 * to the caller with its line number and skipped.
 */
#ifndef WSAUDIT_TLS_KEYLOG_H
#define WSAUDIT_TLS_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

enum tls_secret_kind {
    TLS_SECRET_MASTER, /* CLIENT_RANDOM: the TLS <= 1.2 master secret (48 bytes) */
    TLS_SECRET_CLIENT_EARLY,
    TLS_SECRET_CLIENT_HS,
    TLS_SECRET_SERVER_HS,
    TLS_SECRET_CLIENT_APP,
    TLS_SECRET_SERVER_APP,
    TLS_SECRET_KINDS
};

#define TLS_SECRET_MAX 64 /* SHA-512 sized secrets at most */

/* All secrets logged for one ClientHello random. */
struct tls_keys {
    uint8_t random[32];
    uint8_t len[TLS_SECRET_KINDS]; /* 0: not logged */
    uint8_t secret[TLS_SECRET_KINDS][TLS_SECRET_MAX];
};

struct tls_keylog;

struct tls_keylog *tls_keylog_new(size_t mem_cap);
void tls_keylog_free(struct tls_keylog *k);

/* Called for each line that is not a valid key log line (line is 1-based). */
typedef void (*tls_keylog_bad_fn)(void *ctx, unsigned long line, const char *why);

/* Add the lines of a key log (any size; lines end with LF or CRLF; the last may lack one).
 * Returns the number of secrets taken; bad lines go to bad(). When the store reaches its
 * memory cap, further new randoms are refused (reported once through bad() with line 0). */
size_t tls_keylog_add_text(struct tls_keylog *k, const char *text, size_t len,
                           tls_keylog_bad_fn bad, void *ctx);

/* Look in fallback for what k does not have (a capture's own secrets, then --keylog files). */
void tls_keylog_chain(struct tls_keylog *k, const struct tls_keylog *fallback);

/* The secrets for a ClientHello random, or NULL. */
const struct tls_keys *tls_keylog_find(const struct tls_keylog *k, const uint8_t random[32]);

/* Randoms with at least one secret (for the report). */
size_t tls_keylog_count(const struct tls_keylog *k);

#endif
