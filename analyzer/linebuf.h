/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linebuf.h - the record builder of both output formats: numbers, literals and JSON strings are
 * appended to a buffer without printf, and the buffer goes to its FILE with one fwrite when the
 * record is done (lb_flush) or when the next piece would not fit (so a record of any length is
 * written whole, in order). stdio's per-call costs (vfprintf's parsing, fwrite's bookkeeping)
 * were a fifth of a -q run on small frames.
 */
#ifndef WSAUDIT_LINEBUF_H
#define WSAUDIT_LINEBUF_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LB_SIZE 4096

struct lb {
    size_t n;
    FILE *f;
    char b[LB_SIZE];
};

static inline void lb_init(struct lb *l, FILE *f)
{
    l->n = 0;
    l->f = f;
}

static inline void lb_flush(struct lb *l)
{
    if (l->n)
        fwrite(l->b, 1, l->n, l->f);
    l->n = 0;
}

/* room for k more bytes at the end (k <= LB_SIZE), where the caller writes them itself */
static inline char *lb_reserve(struct lb *l, size_t k)
{
    if (l->n + k > LB_SIZE)
        lb_flush(l);
    return l->b + l->n;
}

static inline void lb_mem(struct lb *l, const void *s, size_t k)
{
    if (l->n + k > LB_SIZE) {
        lb_flush(l);
        if (k > LB_SIZE) {
            fwrite(s, 1, k, l->f);
            return;
        }
    }
    memcpy(l->b + l->n, s, k);
    l->n += k;
}

#define LB_LIT(l, s) lb_mem((l), (s), sizeof(s) - 1)

static inline void lb_str(struct lb *l, const char *s)
{
    lb_mem(l, s, strlen(s));
}

static inline void lb_c(struct lb *l, char c)
{
    *lb_reserve(l, 1) = c;
    l->n++;
}

/* v in decimal at out (20 bytes at most, no terminator); its length */
static inline size_t u64_dec(char *out, uint64_t v)
{
    char t[20];
    int i = 20;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(out, t + i, (size_t)(20 - i));
    return (size_t)(20 - i);
}

static inline void lb_u(struct lb *l, uint64_t v)
{
    char *p = lb_reserve(l, 20);
    l->n += u64_dec(p, v);
}

static inline void lb_i(struct lb *l, int64_t v)
{
    if (v < 0) {
        lb_c(l, '-');
        lb_u(l, (uint64_t)0 - (uint64_t)v);
    } else {
        lb_u(l, (uint64_t)v);
    }
}

#endif
