/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the record writer's number and time formatting (core/decimal.h, analyzer/linebuf.h,
 * report_ts_n): every result against the C library's own formatting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linebuf.h"
#include "report.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_u64(uint64_t v)
{
    char want[32], got[32];
    snprintf(want, sizeof want, "%" PRIu64, v);
    memset(got, 'x', sizeof got);
    size_t n = wsa_u64_dec(got, v);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(got, want, n);
    assert_int_equal(got[n], 'x'); /* nothing written past it */
}

static void u64_dec_as_printf(void **state)
{
    (void)state;
    for (uint64_t v = 0; v <= 1000000; v++)
        check_u64(v);
    uint64_t p = 1;
    for (int i = 0; i < 20; i++) { /* around every power of ten */
        check_u64(p - 1);
        check_u64(p);
        check_u64(p + 1);
        if (i < 19)
            p *= 10;
    }
    check_u64(UINT64_MAX);
    check_u64(UINT64_MAX - 1);
    for (int i = 0; i < 200000; i++) /* every length */
        check_u64(next_rand() >> (next_rand() % 64));
}

static void dec_fixed_as_printf(void **state)
{
    (void)state;
    for (int digits = 1; digits <= 9; digits++) {
        uint32_t lim = 1;
        for (int i = 0; i < digits; i++)
            lim *= 10;
        for (int i = 0; i < 20000; i++) {
            uint32_t v = i < 200 ? (uint32_t)i % lim : (uint32_t)(next_rand() % lim);
            char want[16], got[16];
            snprintf(want, sizeof want, "%0*" PRIu32, digits, v);
            memset(got, 'x', sizeof got);
            wsa_dec_fixed(got, v, digits);
            assert_memory_equal(got, want, (size_t)digits);
            assert_int_equal(got[digits], 'x');
        }
    }
}

static void lb_numbers_as_printf(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct lb l;
    lb_init(&l, f);
    const int64_t vals[] = {0, -1, 1, INT64_MIN, INT64_MAX, -10, 99, -100, 123456789};
    static char want[32768];
    size_t w = 0;
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        lb_i(&l, vals[i]);
        lb_c(&l, ',');
        w += (size_t)snprintf(want + w, sizeof want - w, "%" PRId64 ",", vals[i]);
    }
    for (int i = 0; i < 1000; i++) { /* past the buffer's end: flushed between numbers */
        uint64_t v = next_rand() >> (i % 64);
        lb_u(&l, v);
        LB_LIT(&l, "\n");
        w += (size_t)snprintf(want + w, sizeof want - w, "%" PRIu64 "\n", v);
    }
    lb_flush(&l);
    fclose(f);
    assert_int_equal(len, w);
    assert_memory_equal(buf, want, w);
    free(buf);
}

/* the reference: strftime for the second, printf for the fraction */
static void ts_ref(uint64_t ns, int digits, char *out, size_t n)
{
    time_t sec = (time_t)(ns / 1000000000u);
    unsigned frac = (unsigned)(ns % 1000000000u);
    struct tm tm;
    char day[32];
    if (!gmtime_r(&sec, &tm) || strftime(day, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
        strcpy(day, "1970-01-01T00:00:00");
    if (digits == 6)
        snprintf(out, n, "%s.%06uZ", day, frac / 1000u);
    else
        snprintf(out, n, "%s.%09uZ", day, frac);
}

static void check_ts(struct report *r, uint64_t ns)
{
    char want[64];
    ts_ref(ns, r->ts_digits, want, sizeof want);
    size_t n;
    const char *got = report_ts_n(r, ns, &n);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
    assert_string_equal(report_ts(r, ns), want);
}

static void report_ts_as_strftime(void **state)
{
    (void)state;
    struct report r;
    memset(&r, 0, sizeof r);
    const uint64_t base = 1700000000ull * 1000000000u;
    for (int digits = 6; digits <= 9; digits += 3) {
        r.ts_digits = digits;
        check_ts(&r, 0);
        check_ts(&r, 999999999u);
        check_ts(&r, 1000000000u);
        check_ts(&r, base);
        for (uint64_t ns = base - 5000; ns < base + 3000000000u; ns += 999983) /* across seconds */
            check_ts(&r, ns);
        check_ts(&r, base + 123456789u); /* back to an earlier second */
        check_ts(&r, base - 1);
        check_ts(&r, base + 999999999u);
        check_ts(&r, base + 1000000000u);
        check_ts(&r, base + 999999999u); /* the second before, again */
        for (int i = 0; i < 20000; i++)
            check_ts(&r, base + next_rand() % (86400ull * 1000000000u));
        check_ts(&r, UINT64_MAX); /* (year 2554) */
    }
    /* the precision changing between two calls at the same time */
    r.ts_digits = 6;
    check_ts(&r, base + 1);
    r.ts_digits = 9;
    check_ts(&r, base + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(u64_dec_as_printf),
        cmocka_unit_test(dec_fixed_as_printf),
        cmocka_unit_test(lb_numbers_as_printf),
        cmocka_unit_test(report_ts_as_strftime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
