/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * chunks.h - how the stream fuzz targets cut their input into segments: each chunk starts with
 * a control byte, bit 0 = direction, bits 1-7 = length (0 = a gap whose length is the next
 * byte); the packet number counts chunks.
 */
#ifndef WSAUDIT_FUZZ_CHUNKS_H
#define WSAUDIT_FUZZ_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

struct chunk {
    int dir, gap, flag; /* flag: bit 7 of the control byte */
    const uint8_t *data;
    size_t len; /* bytes, or the gap length */
    uint64_t pkt;
};

/* Next chunk from data[*i..size); 0 at the end. */
static inline int next_chunk(const uint8_t *data, size_t size, size_t *i, uint64_t *pkt,
                             struct chunk *c)
{
    if (*i >= size)
        return 0;
    uint8_t ctl = data[(*i)++];
    c->dir = ctl & 1;
    c->flag = (ctl & 0x80) != 0;
    c->pkt = (*pkt)++;
    c->len = ctl >> 1;
    c->gap = c->len == 0;
    c->data = data + *i;
    if (c->gap) {
        c->len = *i < size ? data[(*i)++] : 0;
    } else {
        if (c->len > size - *i)
            c->len = size - *i;
        *i += c->len;
    }
    return 1;
}

#endif
