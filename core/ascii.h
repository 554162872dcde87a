/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ascii.h - ASCII case-insensitive comparison for protocol tokens (HTTP header names, tokens).
 *
 * The same answer as g_ascii_strncasecmp(a, b, n) == 0 when b holds no NUL in its first n
 * bytes (a literal): only A-Z and a-z are folded. Inline, because glib's version folds each
 * byte through a call; with about thirteen header names per handshake it showed in profiles of
 * captures with many short connections.
 */
#ifndef WSAUDIT_ASCII_H
#define WSAUDIT_ASCII_H

#include <stddef.h>

static inline unsigned char wsa_ascii_lower(unsigned char c)
{
    return (unsigned char)((unsigned)c - 'A' < 26u ? c + ('a' - 'A') : c);
}

/* the n bytes at a and at b are equal but for the case of ASCII letters */
static inline int wsa_ascii_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (wsa_ascii_lower((unsigned char)a[i]) != wsa_ascii_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

#endif
