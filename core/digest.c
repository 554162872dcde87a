/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * digest.c - SHA-1 through libgcrypt and a base64 encoder; see digest.h.
 */
#include "digest.h"

#include <gcrypt.h>
#include <glib.h>

void wsa_gcrypt_ready(void)
{
    /* libgcrypt's initialisation is not thread-safe (-j starts threads before any hash) */
    static gsize done;
    if (g_once_init_enter(&done)) {
        if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
            gcry_check_version(NULL);
            gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
            gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
        }
        g_once_init_leave(&done, 1);
    }
}

void wsa_sha1_glib(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[20])
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA1);
    gsize dlen = 20;
    g_checksum_update(sum, a, (gssize)alen);
    if (blen)
        g_checksum_update(sum, b, (gssize)blen);
    g_checksum_get_digest(sum, out, &dlen);
    g_checksum_free(sum);
}

void wsa_sha1(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[20])
{
    wsa_gcrypt_ready();
    gcry_buffer_t iov[2] = {{.len = alen, .data = (void *)a}, {.len = blen, .data = (void *)b}};
    if (gcry_md_hash_buffers(GCRY_MD_SHA1, 0, out, iov, blen ? 2 : 1) != 0)
        wsa_sha1_glib(a, alen, b, blen, out); /* libgcrypt refused (a FIPS-mode policy, say) */
}

size_t wsa_base64(const uint8_t *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = abc[v >> 18];
        *o++ = abc[(v >> 12) & 63];
        *o++ = abc[(v >> 6) & 63];
        *o++ = abc[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = abc[v >> 18];
        *o++ = abc[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = abc[v >> 18];
        *o++ = abc[(v >> 12) & 63];
        *o++ = abc[(v >> 6) & 63];
        *o++ = '=';
    }
    *o = '\0';
    return (size_t)(o - out);
}
