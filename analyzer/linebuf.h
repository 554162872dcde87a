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

#include "decimal.h"

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

/* -j: a worker thread's output stream (par.c) takes records straight from the buffer; through
 * its FILE (fopencookie, unbuffered) each record cost stdio's fwrite path first. Per thread. */
struct lb_direct {
    FILE *f;
    void (*write)(void *ctx, const void *p, size_t n);
    void *ctx;
};
extern __thread struct lb_direct lb_direct;

/* out of line: inline, it made the compiler stop inlining lb_mem, the per-field copy */
static __attribute__((noinline, unused)) void lb_write(FILE *f, const void *p, size_t n)
{
    if (f == lb_direct.f)
        lb_direct.write(lb_direct.ctx, p, n);
    else
        fwrite(p, 1, n, f);
}

static inline void lb_flush(struct lb *l)
{
    if (l->n)
        lb_write(l->f, l->b, l->n);
    l->n = 0;
}

/* room for k more bytes at the end (k <= LB_SIZE), where the caller writes them itself */
static inline char *lb_reserve(struct lb *l, size_t k)
{
    if (l->n + k > LB_SIZE)
        lb_flush(l);
    return l->b + l->n;
}

/* (The copies here are __builtin_memcpy: with _FORTIFY_SOURCE=3 each memcpy into l->b became a
 * call to __memcpy_chk with the room left worked out at run time, ten per frame record, 7% of
 * a full JSONL run; the bound is checked here before every copy.) */
static inline void lb_mem(struct lb *l, const void *s, size_t k)
{
    if (l->n + k > LB_SIZE) {
        lb_flush(l);
        if (k > LB_SIZE) {
            lb_write(l->f, s, k);
            return;
        }
    }
    __builtin_memcpy(l->b + l->n, s, k);
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

static inline void lb_u(struct lb *l, uint64_t v)
{
    char *p = lb_reserve(l, 20);
    l->n += wsa_u64_dec(p, v);
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
