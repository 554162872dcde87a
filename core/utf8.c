/* SPDX-License-Identifier: GPL-2.0-or-later */
/* utf8.c - streaming UTF-8 validation; see utf8.h. The byte ranges follow RFC 3629 §4. */
#include "utf8.h"

#include <string.h>

void utf8_init(struct utf8_state *s)
{
    s->need = 0;
    s->lo = 0x80;
    s->hi = 0xBF;
    s->failed = 0;
    s->offset = 0;
    s->bad_at = 0;
}

static inline int step(struct utf8_state *s, uint8_t b)
{
    if (s->need) {
        if (b < s->lo || b > s->hi)
            return -1;
        s->need--;
        s->lo = 0x80;
        s->hi = 0xBF;
        return 0;
    }
    if (b < 0x80)
        return 0;
    if (b < 0xC2) /* lone continuation byte, or overlong 2-byte lead C0/C1 */
        return -1;
    if (b < 0xE0) {
        s->need = 1;
    } else if (b < 0xF0) {
        s->need = 2;
        if (b == 0xE0) /* overlong */
            s->lo = 0xA0;
        else if (b == 0xED) /* surrogates U+D800..U+DFFF */
            s->hi = 0x9F;
    } else if (b < 0xF5) {
        s->need = 3;
        if (b == 0xF0) /* overlong */
            s->lo = 0x90;
        else if (b == 0xF4) /* above U+10FFFF */
            s->hi = 0x8F;
    } else {
        return -1;
    }
    return 0;
}

/* Eight bytes of the mask from payload offset pos on, as one word in memory order: the key
 * turned by pos % 4 bytes, twice (made in registers: eight single-byte stores read back as one
 * word stalled store-to-load forwarding at every call) */
static inline uint64_t mask_word(const uint8_t key[4], uint64_t pos)
{
    uint32_t k;
    memcpy(&k, key, 4);
    unsigned r = (unsigned)(pos & 3) * 8;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    k = r ? (k >> r | k << (32 - r)) : k; /* memory byte j = key[(pos + j) % 4] */
#else
    k = r ? (k << r | k >> (32 - r)) : k;
#endif
    return (uint64_t)k | (uint64_t)k << 32;
}

/* Between sequences, eight bytes at a time while they are all ASCII (the common text): the mask
 * repeats every four bytes, so one 64-bit word of it unmasks eight. */
static size_t ascii_run(const uint8_t *p, size_t n, const uint8_t key[4], uint64_t pos)
{
    uint64_t m = mask_word(key, pos), w;
    size_t i = 0;
    while (n - i >= 8) {
        memcpy(&w, p + i, 8);
        if ((w ^ m) & 0x8080808080808080ull)
            break;
        i += 8;
    }
    return i;
}

int utf8_feed_masked(struct utf8_state *s, const uint8_t *p, size_t n, const uint8_t key[4],
                     uint64_t pos)
{
    if (s->failed)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!s->need && n - i >= 8) {
            i += ascii_run(p + i, n - i, key, pos + i);
            if (i == n)
                break;
        }
        uint8_t b = (uint8_t)(p[i] ^ key[(pos + i) & 3]);
        if (step(s, b) < 0) {
            s->failed = 1;
            s->bad_at = s->offset + i;
            s->offset += n;
            return -1;
        }
    }
    s->offset += n;
    return 0;
}

int utf8_feed(struct utf8_state *s, const uint8_t *p, size_t n)
{
    static const uint8_t no_mask[4];
    return utf8_feed_masked(s, p, n, no_mask, 0);
}

int utf8_finish(const struct utf8_state *s)
{
    if (s->failed)
        return -1;
    return s->need ? 1 : 0;
}

int utf8_valid(const uint8_t *s, size_t len)
{
    struct utf8_state u;
    utf8_init(&u);
    return utf8_feed(&u, s, len) == 0 && utf8_finish(&u) == 0;
}
