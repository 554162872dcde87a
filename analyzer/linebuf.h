/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linebuf.h - a bounded line builder for the per-frame output records, the bulk of the output:
 * numbers and strings are appended without printf, and the line is written with one fwrite.
 * Callers size their content below LB_SIZE (frame lines are < 200 bytes plus a file name that
 * is checked by the caller).
 */
#ifndef WSAUDIT_LINEBUF_H
#define WSAUDIT_LINEBUF_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LB_SIZE 512

struct lb {
    char b[LB_SIZE];
    size_t n;
};

static inline void lb_mem(struct lb *l, const char *s, size_t k)
{
    memcpy(l->b + l->n, s, k);
    l->n += k;
}

#define LB_LIT(l, s) lb_mem((l), (s), sizeof(s) - 1)

static inline void lb_str(struct lb *l, const char *s)
{
    lb_mem(l, s, strlen(s));
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
    l->n += u64_dec(l->b + l->n, v);
}

static inline void lb_write(const struct lb *l, FILE *f)
{
    fwrite(l->b, 1, l->n, f);
}

#endif
