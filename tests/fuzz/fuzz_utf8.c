/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the streaming UTF-8 validator, checked against an independent oracle.
 * The oracle decodes each sequence to its code point and applies RFC 3629's rules by value
 * (shortest form, no surrogates, at most U+10FFFF); the validator works on byte ranges. Both must
 * agree on valid/invalid/incomplete and on the offset of the first bad byte, whether the input
 * is fed whole, cut where the first byte says, or masked with a WebSocket key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "utf8.h"

/* -1 invalid (first bad byte at *bad), 1 ends inside a sequence, 0 valid */
static int oracle(const uint8_t *p, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        size_t len;
        uint32_t cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            len = 2, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            len = 3, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            len = 4, cp = b & 0x07, min = 0x10000;
        } else {
            *bad = i;
            return -1;
        }
        /* the validator reports the first byte at which no valid continuation is possible:
         * for a lead byte whose every completion is invalid that is the lead itself */
        if (b == 0xC0 || b == 0xC1 || b >= 0xF5) {
            *bad = i;
            return -1;
        }
        for (size_t k = 1; k < len; k++) {
            if (i + k >= n)
                return 1;
            uint8_t c = p[i + k];
            if ((c & 0xC0) != 0x80) {
                *bad = i + k;
                return -1;
            }
            cp = (cp << 6) | (c & 0x3F);
            /* decide as early as the byte that makes it impossible */
            if (k == 1) {
                uint32_t top = cp << (6 * (len - 2)); /* smallest value with this prefix */
                uint32_t span = (1u << (6 * (len - 2))) - 1;
                if (top + span < min || top > 0x10FFFF ||
                    (top >= 0xD800 && top + span <= 0xDFFF)) {
                    *bad = i + k;
                    return -1;
                }
            }
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            *bad = i + len - 1;
            return -1;
        }
        i += len;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    uint8_t cut = data[0];
    const uint8_t key[4] = {data[1], data[2], data[3], data[4]};
    const uint8_t *p = data + 5;
    size_t n = size - 5;

    size_t bad = 0;
    int want = oracle(p, n, &bad);

    struct utf8_state whole;
    utf8_init(&whole);
    utf8_feed(&whole, p, n);
    int got = utf8_finish(&whole);
    if (got != want || (want < 0 && whole.bad_at != bad))
        abort();

    /* in pieces of 1..16 bytes as the cut byte's bits say */
    struct utf8_state part;
    utf8_init(&part);
    size_t pos = 0, step = (size_t)(cut & 15) + 1;
    while (pos < n) {
        size_t k = n - pos < step ? n - pos : step;
        utf8_feed(&part, p + pos, k);
        pos += k;
        step = ((step * 5 + cut) & 15) + 1;
    }
    if (utf8_finish(&part) != got || (got < 0 && part.bad_at != whole.bad_at))
        abort();

    /* masked: the validator unmasks, so mask the bytes first */
    uint8_t *m = malloc(n ? n : 1);
    if (!m)
        return 0;
    for (size_t i = 0; i < n; i++)
        m[i] = (uint8_t)(p[i] ^ key[i & 3]);
    struct utf8_state masked;
    utf8_init(&masked);
    size_t half = n / 2 + (cut & 3);
    if (half > n)
        half = n;
    utf8_feed_masked(&masked, m, half, key, 0);
    utf8_feed_masked(&masked, m + half, n - half, key, half);
    free(m);
    if (utf8_finish(&masked) != got || (got < 0 && masked.bad_at != whole.bad_at))
        abort();
    return 0;
}
