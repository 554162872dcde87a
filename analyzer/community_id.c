/* SPDX-License-Identifier: GPL-2.0-or-later */
/* community_id.c - Community ID v1 for TCP; see community_id.h. */
#include "community_id.h"

#include <glib.h>
#include <string.h>

#include "digest.h"

void community_id_tcp(uint16_t seed, int family, const uint8_t *a, uint16_t pa, const uint8_t *b,
                      uint16_t pb, char *out, size_t n)
{
    size_t alen = family == 4 ? 4 : 16;
    /* the spec orders the endpoints so both directions hash alike: the smaller address first,
     * the smaller port when the addresses are equal */
    int c = memcmp(a, b, alen);
    if (c > 0 || (c == 0 && pa > pb)) {
        const uint8_t *t = a;
        a = b;
        b = t;
        uint16_t tp = pa;
        pa = pb;
        pb = tp;
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t k = 0;
    buf[k++] = (uint8_t)(seed >> 8);
    buf[k++] = (uint8_t)seed;
    memcpy(buf + k, a, alen);
    k += alen;
    memcpy(buf + k, b, alen);
    k += alen;
    buf[k++] = 6; /* IPPROTO_TCP */
    buf[k++] = 0; /* padding */
    buf[k++] = (uint8_t)(pa >> 8);
    buf[k++] = (uint8_t)pa;
    buf[k++] = (uint8_t)(pb >> 8);
    buf[k++] = (uint8_t)pb;
    uint8_t digest[20];
    wsa_sha1(buf, k, NULL, 0, digest);
    char id[2 + 28 + 1] = "1:";
    wsa_base64(digest, sizeof digest, id + 2);
    g_strlcpy(out, id, n);
}
