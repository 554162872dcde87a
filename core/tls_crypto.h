/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_crypto.h - TLS record decryption with libgcrypt, one direction at a time.
 *
 * TLS 1.3 (RFC 8446 §5.2, §7.1-7.3): traffic keys from a logged traffic secret with
 * HKDF-Expand-Label; AES-128/256-GCM, ChaCha20-Poly1305, AES-128-CCM and CCM_8; the inner
 * content type and zero padding are removed; KeyUpdate derives the next secret.
 * TLS 1.0-1.2 (RFC 5246 §5, §6.3, §6.2.3): the key block from a logged master secret with the
 * version's PRF; AES-GCM and AES-CCM (explicit nonce), ChaCha20-Poly1305 (RFC 7905), AES-CBC
 * with HMAC-SHA1/SHA256/SHA384, MAC-then-encrypt or encrypt-then-MAC (RFC 7366).
 * Every record's tag or MAC is checked: a record that does not authenticate is never returned.
 */
#ifndef WSAUDIT_TLS_CRYPTO_H
#define WSAUDIT_TLS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "tls_keylog.h"

enum tls_aead { TLS_GCM, TLS_CCM, TLS_CHACHA, TLS_CBC };

struct tls_suite {
    uint16_t id;
    const char *name;
    enum tls_aead mode;
    uint8_t key_len, mac_len; /* mac_len: HMAC length for CBC suites */
    uint8_t tag_len;          /* AEAD tag */
    int hash;                 /* gcrypt MD algorithm of the PRF / HKDF (and of the CBC HMAC) */
    int mac_hash;             /* CBC: HMAC algorithm */
    uint8_t tls13;
};

/* The suite's description, or NULL when it is not one we decrypt. */
const struct tls_suite *tls_suite_find(uint16_t id);

struct tls_cipher {
    const struct tls_suite *suite;
    void *c;   /* gcry_cipher_hd_t */
    void *mac; /* gcry_md_hd_t (CBC) */
    uint8_t iv[12];
    uint64_t seq;
    uint16_t version;
    uint8_t etm, ready;
    uint8_t secret[TLS_SECRET_MAX]; /* TLS 1.3: the current traffic secret (KeyUpdate) */
    uint8_t secret_len;
};

/* TLS 1.3 keys of one direction from a traffic secret; 0 on success. The record sequence
 * number starts at 0. */
int tls_cipher_init13(struct tls_cipher *c, const struct tls_suite *s, const uint8_t *secret,
                      size_t secret_len);
/* KeyUpdate (RFC 8446 §7.2): the next traffic secret of this direction. */
int tls_cipher_update13(struct tls_cipher *c);
/* TLS <= 1.2 keys of both directions (c[0] client, c[1] server) from the master secret. */
int tls_cipher_init12(struct tls_cipher c[2], const struct tls_suite *s, uint16_t version,
                      const uint8_t ms[48], const uint8_t client_random[32],
                      const uint8_t server_random[32], int etm);
void tls_cipher_free(struct tls_cipher *c);

enum tls_dec_result { TLS_DEC_OK = 0, TLS_DEC_BAD_AUTH = -1, TLS_DEC_BAD_FORMAT = -2 };

/* Decrypt one record in place. hdr is the 5-byte record header as received; rec/len its body.
 * On success the plaintext is rec[*off .. *off + *plain_len) and *type its content type (TLS
 * 1.3: the inner type). The sequence number advances whatever the result. */
enum tls_dec_result tls_cipher_decrypt(struct tls_cipher *c, const uint8_t hdr[5], uint8_t *rec,
                                       size_t len, size_t *off, size_t *plain_len,
                                       uint8_t *type);

/* Bytes of overhead of a record of this cipher besides its plaintext, at least (tag, explicit
 * nonce, MAC, TLS 1.3 inner type): for estimating what a lost record held. */
size_t tls_cipher_overhead(const struct tls_cipher *c);

/* HKDF-Expand-Label (RFC 8446 §7.1) with an empty context; exposed for the unit tests. */
int tls_hkdf_expand_label(int hash, const uint8_t *secret, size_t secret_len, const char *label,
                          uint8_t *out, size_t out_len);
/* The TLS 1.2 PRF (RFC 5246 §5) with the given hash; exposed for the unit tests. */
int tls12_prf(int hash, const uint8_t *secret, size_t slen, const char *label,
              const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

#endif
