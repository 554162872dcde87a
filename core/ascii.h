/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ascii.h - ASCII case-insensitive comparison for protocol tokens (HTTP header names, tokens).
 *
 * The same answer as g_ascii_strncasecmp(a, b, n) == 0 when b holds no NUL in its first n
 * bytes (a literal): only A-Z and a-z are folded. Inline, because glib's version folds each
 * byte through a call; with about thirteen header names per handshake it showed in profiles of
 * captures with many short connections; eight bytes at a time for the same reason.
 */
#ifndef WSAUDIT_ASCII_H
#define WSAUDIT_ASCII_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline unsigned char wsa_ascii_lower(unsigned char c)
{
    return (unsigned char)((unsigned)c - 'A' < 26u ? c + ('a' - 'A') : c);
}

/* wsa_ascii_lower of each of the eight bytes of w: the high bit of a byte of "h + c" says
 * whether its low seven bits reach 0x80 - c ('A' and '[' below), without carries between bytes */
static inline uint64_t wsa_ascii_lower8(uint64_t w)
{
    uint64_t h = w & 0x7f7f7f7f7f7f7f7full;
    uint64_t from_a = h + 0x3f3f3f3f3f3f3f3full, past_z = h + 0x2525252525252525ull;
    uint64_t upper = from_a & ~past_z & ~w & 0x8080808080808080ull;
    return w | upper >> 2; /* 0x80 >> 2: the case bit */
}

/* the n bytes at a and at b are equal but for the case of ASCII letters (eight at a time) */
static inline int wsa_ascii_ieq(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (wsa_ascii_lower8(x) != wsa_ascii_lower8(y))
            return 0;
    }
    for (; i < n; i++)
        if (wsa_ascii_lower((unsigned char)a[i]) != wsa_ascii_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

#endif
