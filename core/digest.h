/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * digest.h - SHA-1 and base64 for the two places that need them per connection:
 * Sec-WebSocket-Accept (RFC 6455 §4.2.2) and the Community ID (analyzer). libgcrypt's one-shot
 * hash (no allocation; the CPU's SHA instructions where it has them) and a base64 encoder that
 * writes into the caller's buffer.
 */
#ifndef WSAUDIT_DIGEST_H
#define WSAUDIT_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/* libgcrypt initialised once per process (whatever the threads), unless the host program
 * (Wireshark) has done it already. */
void wsa_gcrypt_ready(void);

/* SHA-1 of a (alen bytes) followed by b (blen bytes; b may be NULL when blen is 0). */
void wsa_sha1(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[20]);

/* The same through GLib: what wsa_sha1 falls back on when libgcrypt refuses. */
void wsa_sha1_glib(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[20]);

/* Base64 (RFC 4648 §4, with padding) of n bytes into out, NUL-terminated; out holds at least
 * 4 * ((n + 2) / 3) + 1 bytes. Returns the length written, without the NUL. */
size_t wsa_base64(const uint8_t *in, size_t n, char *out);

#endif
