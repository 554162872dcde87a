/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decimal.h - unsigned numbers in decimal without printf, two digits at a time: the analyzer's
 * records (linebuf.h) and the core's most frequent finding details write them.
 */
#ifndef WSAUDIT_DECIMAL_H
#define WSAUDIT_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* "00".."99": numbers are written two digits at a time */
static const char wsa_digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                         "25262728293031323334353637383940414243444546474849"
                                         "50515253545556575859606162636465666768697071727374"
                                         "75767778798081828384858687888990919293949596979899";

/* v (below 10^digits) as exactly digits decimal digits, leading zeros included, at p */
static inline void wsa_dec_fixed(char *p, uint32_t v, int digits)
{
    while (digits >= 2) {
        digits -= 2;
        __builtin_memcpy(p + digits, wsa_digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (digits)
        p[0] = (char)('0' + v);
}

/* v in decimal at out (up to 20 bytes, no terminator); its length. A frame record has six
 * numbers, most of them a digit or two; findings' details carry some. */
static inline size_t wsa_u64_dec(char *out, uint64_t v)
{
    static const uint64_t pow10[20] = {1u,
                                       10u,
                                       100u,
                                       1000u,
                                       10000u,
                                       100000u,
                                       1000000u,
                                       10000000u,
                                       100000000u,
                                       1000000000u,
                                       10000000000u,
                                       100000000000u,
                                       1000000000000u,
                                       10000000000000u,
                                       100000000000000u,
                                       1000000000000000u,
                                       10000000000000000u,
                                       100000000000000000u,
                                       1000000000000000000u,
                                       10000000000000000000u};
    if (v < 10) {
        out[0] = (char)('0' + v);
        return 1;
    }
    if (v < 100) {
        __builtin_memcpy(out, wsa_digit_pairs + 2 * v, 2);
        return 2;
    }
    size_t n = 3;
    while (n < 20 && v >= pow10[n])
        n++;
    char *p = out + n;
    while (v >= 100) {
        p -= 2;
        __builtin_memcpy(p, wsa_digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10)
        __builtin_memcpy(p - 2, wsa_digit_pairs + 2 * v, 2);
    else
        p[-1] = (char)('0' + v);
    return n;
}

#endif
