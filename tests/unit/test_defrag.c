/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of IP fragment reassembly (analyzer/ip_defrag.c): orders, overlaps, holes,
 * timeouts, limits. Fragments are built as decode_packet() would describe them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "ip_defrag.h"

struct sink {
    GString *log;                    /* "id@pkt: detail\n" per finding */
    unsigned count[F_FINDING_COUNT]; /* findings per id */
};

static void on_finding(void *ctx, uint64_t pkt, enum wsa_finding_id id, const char *detail)
{
    struct sink *s = ctx;
    s->count[id]++;
    g_string_append_printf(s->log, "%s@%llu: %s\n", wsa_finding_info(id)->id,
                           (unsigned long long)pkt, detail);
}

/* a 20-byte IPv4 header, then a TCP header and payload: the datagram we cut up */
static uint8_t ip4_hdr[20] = {0x45, 0, 0,  0, 0x12, 0x34, 0x20, 0, 64, 6,
                              0,    0, 10, 0, 0,    1,    10,   0, 0,  2};
static uint8_t dgram[1000];

static void fill(void)
{
    for (size_t i = 0; i < sizeof dgram; i++)
        dgram[i] = (uint8_t)(i * 7 + 3);
    /* a valid TCP header at the start: ports 1000 -> 80, data offset 5 */
    memset(dgram, 0, 20);
    dgram[0] = 0x03, dgram[1] = 0xE8, dgram[3] = 80, dgram[12] = 0x50, dgram[13] = 0x18;
}

/* a reassembler with its findings log, and the last datagram it completed */
struct fx {
    struct sink s;
    struct defrag *d;
    const uint8_t *ip;
    uint32_t ip_len;
    int dlt;
};

static void fx_init(struct fx *f, size_t memcap)
{
    memset(f, 0, sizeof *f);
    fill();
    f->s.log = g_string_new(NULL);
    f->d = defrag_new(memcap, on_finding, &f->s);
}

static int fx_add(struct fx *f, const struct tcp_pkt *tp, uint64_t pkt, double ts)
{
    return defrag_add(f->d, tp, pkt, ts, &f->ip, &f->ip_len, &f->dlt);
}

static void fx_done(struct fx *f)
{
    defrag_free(f->d);
    g_string_free(f->s.log, TRUE);
}

static struct tcp_pkt frag4(uint32_t id, uint32_t off, uint32_t len, int more, const uint8_t *data)
{
    struct tcp_pkt tp;
    memset(&tp, 0, sizeof tp);
    tp.family = 4;
    memcpy(tp.src, ip4_hdr + 12, 4);
    memcpy(tp.dst, ip4_hdr + 16, 4);
    tp.frag.id = id;
    tp.frag.off = off;
    tp.frag.more = (uint8_t)more;
    tp.frag.proto = 6;
    tp.frag.ip_hdr = ip4_hdr;
    tp.frag.ip_hdr_len = 20;
    tp.frag.data = data ? data : dgram + off;
    tp.frag.len = tp.frag.wire_len = len;
    return tp;
}

/* Feed fragments of `total` bytes of dgram cut at `cuts` in the order `order`; returns 1 when
 * the last one completed the datagram and it decodes to the original TCP segment. */
static int feed(struct fx *f, const uint32_t *cuts, size_t n, const size_t *order, uint32_t total,
                uint64_t *pkt)
{
    int done = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        uint32_t lo = cuts[i], hi = i + 1 < n ? cuts[i + 1] : total;
        struct tcp_pkt tp = frag4(0x1234, lo, hi - lo, i + 1 < n, NULL);
        if (fx_add(f, &tp, (*pkt)++, 1.0)) {
            const uint8_t *ip = f->ip;
            uint32_t ip_len = f->ip_len;
            int dlt = f->dlt;
            assert_int_equal(k, n - 1); /* only the last fragment completes it */
            assert_int_equal(dlt, 228);
            assert_int_equal(ip_len, 20 + total);
            assert_int_equal((ip[2] << 8) | ip[3], 20 + total);
            assert_int_equal(ip[6] | ip[7], 0);
            assert_memory_equal(ip + 20, dgram, total);
            struct tcp_pkt whole;
            const char *why;
            assert_int_equal(decode_packet(dlt, ip, ip_len, ip_len, &whole, &why), DEC_TCP);
            assert_int_equal(whole.sport, 1000);
            assert_int_equal(whole.len, total - 20);
            done = 1;
        }
    }
    return done;
}

static void every_order_of_four_fragments_reassembles(void **state)
{
    (void)state;
    const uint32_t cuts[4] = {0, 8, 24, 512}; /* 8-byte first fragment splits the TCP header */
    size_t order[4] = {0, 1, 2, 3};
    int perms = 0;
    /* all 24 permutations (Heap's algorithm, iterative) */
    size_t c[4] = {0};
    uint64_t pkt = 1;
    struct fx f;
    fx_init(&f, 1 << 20);
    assert_true(feed(&f, cuts, 4, order, 700, &pkt));
    perms++;
    for (size_t i = 1; i < 4;) {
        if (c[i] < i) {
            size_t j = i % 2 ? c[i] : 0;
            size_t t = order[j];
            order[j] = order[i];
            order[i] = t;
            assert_true(feed(&f, cuts, 4, order, 700, &pkt));
            perms++;
            c[i]++;
            i = 1;
        } else {
            c[i++] = 0;
        }
    }
    assert_int_equal(perms, 24);
    defrag_flush(f.d);
    assert_string_equal(f.s.log->str, ""); /* nothing to report */
    fx_done(&f);
}

static void byte_sized_pieces_in_reverse(void **state)
{
    (void)state;
    uint32_t cuts[100];
    size_t order[100];
    for (size_t i = 0; i < 100; i++) {
        cuts[i] = (uint32_t)i * 8;
        order[i] = 99 - i;
    }
    uint64_t pkt = 1;
    struct fx f;
    fx_init(&f, 1 << 20);
    assert_true(feed(&f, cuts, 100, order, 800, &pkt));
    fx_done(&f);
}

static void overlap_keeps_first_copy_and_reports(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1 << 20);
    uint8_t bad[32];
    memcpy(bad, dgram + 16, 32);
    for (int i = 0; i < 8; i++)
        bad[i] ^= 0xFF; /* bytes 16..23 differ, 24..47 agree */
    struct tcp_pkt a = frag4(7, 0, 24, 1, NULL);
    struct tcp_pkt b = frag4(7, 16, 32, 1, bad);
    struct tcp_pkt c = frag4(7, 40, 60, 0, NULL);
    struct tcp_pkt same = frag4(7, 0, 24, 1, NULL); /* an exact duplicate: no report */
    assert_int_equal(fx_add(&f, &a, 1, 0), 0);
    assert_int_equal(fx_add(&f, &same, 2, 0), 0);
    assert_string_equal(f.s.log->str, "");
    assert_int_equal(fx_add(&f, &b, 3, 0), 0);
    assert_non_null(strstr(f.s.log->str, "capture.ip_fragment_overlap@3:"));
    assert_int_equal(fx_add(&f, &c, 4, 0), 1);
    assert_memory_equal(f.ip + 20, dgram, 100); /* the first copy of 16..23 won */
    fx_done(&f);
}

static void missing_fragment_is_reported_with_its_bytes(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1 << 20);
    struct tcp_pkt a = frag4(9, 0, 16, 1, NULL);
    struct tcp_pkt c = frag4(9, 48, 52, 0, NULL);
    fx_add(&f, &a, 5, 0);
    fx_add(&f, &c, 6, 0);
    defrag_flush(f.d);
    assert_non_null(strstr(f.s.log->str, "capture.ip_fragment@5: IPv4 datagram 10.0.0.1 -> "
                                         "10.0.0.2 id 0x9 (2 fragments, packets 5-6) incomplete "
                                         "at the end of the capture; payload bytes 16-47 of 100 "
                                         "never captured"));
    g_string_truncate(f.s.log, 0);
    /* no last fragment: the end is unknown */
    fx_add(&f, &a, 7, 0);
    defrag_flush(f.d);
    assert_non_null(strstr(f.s.log->str, "payload bytes 16-end (the last fragment) never"));
    fx_done(&f);
}

static void timeout_after_30_seconds_of_capture_time(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1 << 20);
    struct tcp_pkt a = frag4(1, 0, 16, 1, NULL);
    fx_add(&f, &a, 1, 100.0);
    defrag_expire(f.d, 129.0);
    assert_string_equal(f.s.log->str, "");
    defrag_expire(f.d, 99.0); /* time going backwards changes nothing */
    defrag_expire(f.d, 130.5);
    assert_non_null(strstr(f.s.log->str, "capture.ip_fragment@1:"));
    assert_non_null(strstr(f.s.log->str, "incomplete after 30 s"));
    /* the late rest starts a new datagram, which cannot complete either */
    g_string_truncate(f.s.log, 0);
    struct tcp_pkt b = frag4(1, 16, 84, 0, NULL);
    assert_int_equal(fx_add(&f, &b, 2, 131.0), 0);
    defrag_flush(f.d);
    assert_non_null(strstr(f.s.log->str, "payload bytes 0-15 of 100 never captured"));
    fx_done(&f);
}

static void impossible_datagrams_are_malformed(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1 << 20);
    struct tcp_pkt big = frag4(2, 65528, 16, 0, dgram);
    assert_int_equal(fx_add(&f, &big, 1, 0), 0);
    assert_non_null(strstr(f.s.log->str, "capture.malformed_packet@1:"));
    assert_non_null(strstr(f.s.log->str, "beyond the 65515 bytes"));
    g_string_truncate(f.s.log, 0);
    struct tcp_pkt end1 = frag4(3, 64, 16, 0, NULL);
    struct tcp_pkt end2 = frag4(3, 64, 24, 0, NULL);
    fx_add(&f, &end1, 2, 0);
    fx_add(&f, &end2, 3, 0);
    assert_non_null(strstr(f.s.log->str, "two last fragments give different datagram lengths"));
    g_string_truncate(f.s.log, 0);
    struct tcp_pkt last = frag4(4, 64, 16, 0, NULL);
    struct tcp_pkt past = frag4(4, 80, 8, 1, NULL);
    fx_add(&f, &last, 4, 0);
    fx_add(&f, &past, 5, 0);
    assert_non_null(strstr(f.s.log->str, "a fragment lies past the datagram's end"));
    defrag_flush(f.d);
    fx_done(&f);
}

static void snaplen_cut_fragment_never_completes(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1 << 20);
    struct tcp_pkt a = frag4(5, 0, 64, 1, NULL);
    a.frag.len = 40; /* 24 bytes cut by the snapshot length */
    struct tcp_pkt b = frag4(5, 64, 36, 0, NULL);
    fx_add(&f, &a, 1, 0);
    assert_int_equal(fx_add(&f, &b, 2, 0), 0);
    defrag_flush(f.d);
    assert_non_null(strstr(f.s.log->str, "payload bytes 40-63 of 100 never captured (fragments "
                                         "were cut by the capture's snapshot length)"));
    fx_done(&f);
}

static void memory_limit_drops_oldest_and_reports(void **state)
{
    (void)state;
    /* room for a few datagrams only */
    struct fx f;
    fx_init(&f, 16 * 1024);
    for (uint32_t id = 0; id < 100000; id++) {
        struct tcp_pkt a = frag4(id, 0, 16, 1, NULL);
        fx_add(&f, &a, id + 1, 0);
    }
    /* every dropped datagram was reported, as stream.memcap */
    unsigned memcap = f.s.count[F_D_STREAM_MEMCAP];
    assert_true(memcap > 99000);
    assert_non_null(strstr(f.s.log->str, "dropped to make room (fragment memory limit)"));
    defrag_flush(f.d);
    unsigned rest = f.s.count[F_D_IP_FRAGMENT];
    assert_int_equal(memcap + rest, 100000); /* none lost silently */
    fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_order_of_four_fragments_reassembles),
        cmocka_unit_test(byte_sized_pieces_in_reverse),
        cmocka_unit_test(overlap_keeps_first_copy_and_reports),
        cmocka_unit_test(missing_fragment_is_reported_with_its_bytes),
        cmocka_unit_test(timeout_after_30_seconds_of_capture_time),
        cmocka_unit_test(impossible_datagrams_are_malformed),
        cmocka_unit_test(snaplen_cut_fragment_never_completes),
        cmocka_unit_test(memory_limit_drops_oldest_and_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
