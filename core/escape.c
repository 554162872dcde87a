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

int wsa_escape_append(char *out, size_t n, const uint8_t *s, size_t len, const char *also)
{
    size_t have = strlen(out);
    for (size_t i = 0; i < len;) {
        char piece[8];
        size_t k = 0, used = 1;
        uint8_t c = s[i];
        if (c >= 0x80 && (used = utf8_seq(s + i, len - i)) > 0) {
            memcpy(piece, s + i, used);
            k = used;
        } else if (c < 0x20 || c >= 0x7F || c == '\\' || (c && strchr(also, c))) {
            snprintf(piece, sizeof piece, "\\x%02x", c);
            k = 4;
            used = 1;
        } else {
            piece[0] = (char)c;
            k = used = 1;
        }
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
