/* SPDX-License-Identifier: GPL-2.0-or-later */
/* escape.c - see escape.h. */
#include "escape.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* length of the valid UTF-8 sequence starting at p (2-4), or 0 */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    struct utf8_state st;
    utf8_init(&st);
    for (size_t i = 0; i < n && i < 4; i++) {
        if (utf8_feed(&st, p + i, 1) < 0)
            return 0;
        if (!st.need)
            return i + 1;
    }
    return 0;
}

size_t wsa_escape_one(const uint8_t *s, size_t len, const char *also, char piece[4], size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t c = s[0];
    if (c >= 0x80 && (*used = utf8_seq(s, len)) > 0) {
        memcpy(piece, s, *used);
        return *used;
    }
    *used = 1;
    if (c < 0x20 || c >= 0x7F || c == '\\' || (c && strchr(also, c))) {
        piece[0] = '\\';
        piece[1] = 'x';
        piece[2] = hex[c >> 4];
        piece[3] = hex[c & 15];
        return 4;
    }
    piece[0] = (char)c;
    return 1;
}

int wsa_escape_append(char *out, size_t n, const uint8_t *s, size_t len, const char *also)
{
    size_t have = strlen(out);
    for (size_t i = 0; i < len;) {
        char piece[4];
        size_t used, k = wsa_escape_one(s + i, len - i, also, piece, &used);
        if (have + k + 4 > n) { /* room for the piece, "..." and the NUL */
            if (have + 4 <= n)
                memcpy(out + have, "...", 4);
            return -1;
        }
        memcpy(out + have, piece, k);
        have += k;
        out[have] = 0;
        i += used;
    }
    return 0;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

size_t wsa_unescape(const char *s, size_t n, const char *backslashed, uint8_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && (hi = hex_digit(s[i + 2])) >= 0 &&
            (lo = hex_digit(s[i + 3])) >= 0) {
            uint8_t v = (uint8_t)(hi << 4 | lo);
            i += 3;
            if (v && strchr(backslashed, v))
                out[k++] = '\\';
            out[k++] = v;
        } else {
            out[k++] = (uint8_t)s[i];
        }
    }
    return k;
}
