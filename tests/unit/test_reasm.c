/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the analyzer's TCP reassembly (analyzer/tcp_reasm.c): order, retransmission,
 * overlap conflicts (first copy wins), sequence wraparound, holes and the memory caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "tcp_reasm.h"

struct sink {
    GString *data;   /* bytes delivered, in order */
    GString *events; /* gaps and conflicts */
};

static void on_deliver(void *ctx, int dir, const uint8_t *d, size_t n, uint64_t off,
                       const struct reasm_meta *m)
{
    struct sink *s = ctx;
    (void)dir, (void)m;
    assert_int_equal(off, s->data->len); /* offsets are contiguous */
    g_string_append_len(s->data, (const char *)d, (gssize)n);
}

static void on_gap(void *ctx, int dir, uint64_t off, uint64_t len, enum reasm_gap_reason why,
                   uint64_t pkt)
{
    struct sink *s = ctx;
    (void)dir;
    g_string_append_printf(s->events, "gap %llu+%llu why=%d pkt=%llu;", (unsigned long long)off,
                           (unsigned long long)len, why, (unsigned long long)pkt);
    for (uint64_t i = 0; i < len; i++)
        g_string_append_c(s->data, '#'); /* keep offsets aligned in the record */
}

static void on_conflict(void *ctx, int dir, uint64_t off, uint64_t pkt)
{
    struct sink *s = ctx;
    (void)dir;
    g_string_append_printf(s->events, "conflict %llu pkt=%llu;", (unsigned long long)off,
                           (unsigned long long)pkt);
}

struct fixture {
    struct sink sink;
    struct reasm_cb cb;
    struct reasm_budget budget;
    struct reasm_dir r;
};

static void setup_fx(struct fixture *fx, uint32_t isn, size_t cap)
{
    fx->sink.data = g_string_new(NULL);
    fx->sink.events = g_string_new(NULL);
    fx->cb = (struct reasm_cb){on_deliver, on_gap, on_conflict, &fx->sink};
    fx->budget = (struct reasm_budget){0, 1 << 20};
    reasm_init(&fx->r, 0, cap, &fx->budget);
    reasm_set_base(&fx->r, isn + 1);
}

static void seg(struct fixture *fx, uint32_t seq, const char *s, uint64_t pkt)
{
    struct reasm_meta m = {pkt, 0, 0};
    reasm_segment(&fx->r, &fx->cb, seq, (const uint8_t *)s, (uint32_t)strlen(s), &m);
}

static void teardown_fx(struct fixture *fx)
{
    reasm_free(&fx->r);
    assert_int_equal(fx->budget.used, 0);
    g_string_free(fx->sink.data, TRUE);
    g_string_free(fx->sink.events, TRUE);
}

static void reorders_and_drops_exact_retransmissions(void **state)
{
    (void)state;
    struct fixture fx;
    setup_fx(&fx, 1000, 1 << 20);
    seg(&fx, 1007, "world", 2); /* ahead: buffered */
    seg(&fx, 1001, "hello ", 1);
    seg(&fx, 1001, "hello ", 3); /* exact retransmission */
    seg(&fx, 1012, "!", 4);
    assert_string_equal(fx.sink.data->str, "hello world!");
    assert_string_equal(fx.sink.events->str, "");
    teardown_fx(&fx);
}

static void conflicting_overlap_keeps_first_copy_and_reports(void **state)
{
    (void)state;
    struct fixture fx;
    setup_fx(&fx, 0, 1 << 20);
    seg(&fx, 1, "abcdef", 1);
    seg(&fx, 4, "XYZghi", 2); /* overlaps "def" with different bytes */
    assert_string_equal(fx.sink.data->str, "abcdefghi");
    assert_string_equal(fx.sink.events->str, "conflict 3 pkt=2;");
    /* and among buffered segments */
    seg(&fx, 20, "0123", 3);
    seg(&fx, 18, "..ZZ45", 4); /* "ZZ45" lies on "0123" (offsets 19-22): the first copy wins */
    seg(&fx, 10, "jklmnopq", 5);
    assert_string_equal(fx.sink.data->str, "abcdefghijklmnopq..0123");
    assert_non_null(strstr(fx.sink.events->str, "conflict 19 pkt=4;"));
    teardown_fx(&fx);
}

static void sequence_numbers_wrap(void **state)
{
    (void)state;
    struct fixture fx;
    setup_fx(&fx, 0xFFFFFFFC, 1 << 20);
    seg(&fx, 0xFFFFFFFD, "abc", 1);
    seg(&fx, 0x00000001, "efg", 3); /* after the wrap, out of order */
    seg(&fx, 0x00000000, "d", 2);
    seg(&fx, 0xFFFFFFFD, "abc", 4); /* old retransmission from before the wrap */
    assert_string_equal(fx.sink.data->str, "abcdefg");
    assert_string_equal(fx.sink.events->str, "");
    teardown_fx(&fx);
}

static void hole_acknowledged_by_receiver_is_a_gap(void **state)
{
    (void)state;
    struct fixture fx;
    setup_fx(&fx, 0, 1 << 20);
    seg(&fx, 1, "abc", 1);
    seg(&fx, 8, "hij", 3);            /* 4..7 missing */
    reasm_acked(&fx.r, &fx.cb, 5, 4); /* receiver has bytes up to offset 4 only: still a hole */
    assert_string_equal(fx.sink.events->str, "");
    reasm_acked(&fx.r, &fx.cb, 11, 5); /* it has everything: the hole was lost by the capture */
    assert_string_equal(fx.sink.data->str, "abc####hij");
    assert_string_equal(fx.sink.events->str, "gap 3+4 why=0 pkt=5;");
    teardown_fx(&fx);
}

static void hole_at_end_is_reported_on_flush(void **state)
{
    (void)state;
    struct fixture fx;
    setup_fx(&fx, 0, 1 << 20);
    seg(&fx, 1, "ab", 1);
    seg(&fx, 5, "ef", 2);
    reasm_fin(&fx.r, 9);
    reasm_flush(&fx.r, &fx.cb, 7);
    assert_string_equal(fx.sink.data->str, "ab##ef##");
    assert_string_equal(fx.sink.events->str, "gap 2+2 why=2 pkt=7;gap 6+2 why=2 pkt=7;");
    teardown_fx(&fx);
}

static void buffer_cap_is_reported_as_memcap(void **state)
{
    (void)state;
    struct fixture fx;
    /* room for two 4-byte out-of-order segments (bytes and headers count) */
    setup_fx(&fx, 0, 2 * reasm_seg_cost(4));
    seg(&fx, 1, "a", 1);
    seg(&fx, 3, "cdef", 2);
    seg(&fx, 7, "ghij", 3);
    assert_string_equal(fx.sink.events->str, "");
    seg(&fx, 11, "k", 4); /* a third segment: give up on the hole at offset 1 */
    assert_string_equal(fx.sink.data->str, "a#cdefghijk");
    assert_string_equal(fx.sink.events->str, "gap 1+1 why=1 pkt=4;");
    teardown_fx(&fx);
}

static void many_tiny_segments_stay_bounded(void **state)
{
    (void)state;
    struct fixture fx;
    setup_fx(&fx, 0, 1 << 20);
    /* 100000 one-byte segments, every other one missing: bounded by REASM_MAX_SEGS */
    for (uint32_t i = 0; i < 100000; i++)
        seg(&fx, 3 + 2 * i, "x", i + 1);
    assert_true(fx.r.ooo_segs <= REASM_MAX_SEGS);
    assert_true(fx.r.ooo_bytes <= REASM_MAX_SEGS * reasm_seg_cost(1));
    assert_non_null(strstr(fx.sink.events->str, "why=1"));
    /* 64 KiB of memory for the direction: one-byte segments are held to it, headers counted */
    teardown_fx(&fx);
    setup_fx(&fx, 0, 64 * 1024);
    for (uint32_t i = 0; i < 100000; i++)
        seg(&fx, 3 + 2 * i, "x", i + 1);
    assert_true(fx.r.ooo_bytes <= 64 * 1024);
    assert_true(fx.r.ooo_segs < 64 * 1024 / reasm_seg_cost(1) + 1);
    teardown_fx(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reorders_and_drops_exact_retransmissions),
        cmocka_unit_test(conflicting_overlap_keeps_first_copy_and_reports),
        cmocka_unit_test(sequence_numbers_wrap),
        cmocka_unit_test(hole_acknowledged_by_receiver_is_a_gap),
        cmocka_unit_test(hole_at_end_is_reported_on_flush),
        cmocka_unit_test(buffer_cap_is_reported_as_memcap),
        cmocka_unit_test(many_tiny_segments_stay_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
