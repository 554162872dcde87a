/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * utf8.h - streaming UTF-8 validator (RFC 3629) with state carried across calls, so a code point
 * split across frames or TCP segments validates the same as in one piece.
 *
 * Accepts U+0000 and noncharacters (they are valid UTF-8, RFC 6455 does not exclude them);
 * rejects overlongs, surrogates (U+D800..U+DFFF), values above U+10FFFF, and bytes F5..FF.
 * The state is plain data; zero-initialise it (or call utf8_init) before the first byte.
 */
#ifndef WSAUDIT_UTF8_H
#define WSAUDIT_UTF8_H

#include <stddef.h>
#include <stdint.h>

struct utf8_state {
    uint8_t need;    /* continuation bytes still expected */
    uint8_t lo, hi;  /* allowed range of the next continuation byte */
    uint8_t failed;  /* sticky */
    uint64_t offset; /* bytes consumed so far */
    uint64_t bad_at; /* offset of the first invalid byte, valid when failed */
};

void utf8_init(struct utf8_state *s);
/* Validate more bytes. Returns 0 while valid so far, -1 once invalid (and stays -1). */
int utf8_feed(struct utf8_state *s, const uint8_t *p, size_t n);
/* Same, but the bytes are XOR-masked with key[(pos + i) % 4] first (WebSocket masking). */
int utf8_feed_masked(struct utf8_state *s, const uint8_t *p, size_t n, const uint8_t key[4],
                     uint64_t pos);
/* At the end of a message: 0 when complete and valid, -1 invalid, 1 ends inside a sequence. */
int utf8_finish(const struct utf8_state *s);

/* 1 when the len bytes at s are whole, valid UTF-8 */
int utf8_valid(const uint8_t *s, size_t len);

#endif
