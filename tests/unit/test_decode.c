/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the packet decoder (analyzer/decode.c): the one-go path for untagged Ethernet,
 * IPv4 without options and TCP gives exactly what the general path gives. The general path is
 * reached with the same IPv4 packet under LINKTYPE_IPV4 (no link header): every result, reason
 * and field must agree, for well-formed packets and for every header byte changed and every
 * capture length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <string.h>

#include "decode.h"

#define LINKTYPE_IPV4 228

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* an Ethernet frame carrying IPv4 and TCP: optlen bytes of TCP options, paylen of payload */
static uint32_t make_packet(uint8_t *b, uint32_t optlen, uint32_t paylen)
{
    memset(b, 0, 14);
    b[12] = 0x08; /* IPv4 */
    uint8_t *ip = b + 14, *tcp = ip + 20;
    uint32_t total = 20 + 20 + optlen + paylen;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(total >> 8);
    ip[3] = (uint8_t)total;
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    for (int i = 12; i < 20; i++)
        ip[i] = (uint8_t)next_rand();
    for (int i = 0; i < 20; i++)
        tcp[i] = (uint8_t)next_rand();
    tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
    for (uint32_t i = 0; i < optlen + paylen; i++)
        tcp[20 + i] = (uint8_t)next_rand();
    return 14 + total;
}

static void same(const uint8_t *frame, uint32_t caplen)
{
    struct tcp_pkt a, b;
    memset(&a, 0xA5, sizeof a);
    memset(&b, 0xA5, sizeof b);
    const char *wa = NULL, *wb = NULL;
    uint32_t ipcap = caplen >= 14 ? caplen - 14 : 0;
    enum decode_result ra = decode_packet(DLT_EN10MB, frame, caplen, caplen, &a, &wa);
    if (caplen < 14) {
        assert_int_equal(ra, DEC_ERR_TRUNC);
        return;
    }
    if (frame[12] != 0x08 || frame[13] != 0x00)
        return; /* not IPv4 (a tag, IPv6, another type): not the same packet under LINKTYPE_IPV4 */
    enum decode_result rb = decode_packet(LINKTYPE_IPV4, frame + 14, ipcap, ipcap, &b, &wb);
    assert_int_equal(ra, rb);
    assert_string_equal(wa, wb);
    if (ra != DEC_TCP && ra != DEC_FRAGMENT)
        return;
    assert_int_equal(a.family, b.family);
    assert_memory_equal(a.src, b.src, 16);
    assert_memory_equal(a.dst, b.dst, 16);
    if (ra == DEC_FRAGMENT) {
        assert_int_equal(a.frag.id, b.frag.id);
        assert_int_equal(a.frag.off, b.frag.off);
        assert_int_equal(a.frag.more, b.frag.more);
        assert_int_equal(a.frag.len, b.frag.len);
        assert_int_equal(a.frag.wire_len, b.frag.wire_len);
        assert_ptr_equal(a.frag.data, b.frag.data);
        return;
    }
    assert_int_equal(a.sport, b.sport);
    assert_int_equal(a.dport, b.dport);
    assert_int_equal(a.seq, b.seq);
    assert_int_equal(a.ack, b.ack);
    assert_int_equal(a.flags, b.flags);
    assert_int_equal(a.len, b.len);
    assert_int_equal(a.wire_len, b.wire_len);
    assert_ptr_equal(a.payload, b.payload); /* the same bytes of the same buffer */
}

/* well-formed packets of every shape, at every capture length */
static void one_go_as_general_path(void **state)
{
    (void)state;
    static uint8_t b[14 + 20 + 60 + 300 + 16];
    for (uint32_t opt = 0; opt <= 40; opt += 4)
        for (uint32_t pay = 0; pay <= 300; pay += (pay < 8 ? 1 : 37)) {
            uint32_t n = make_packet(b, opt, pay);
            for (uint32_t cap = 0; cap <= n + 6; cap++) /* cut short, whole, with padding */
                same(b, cap);
        }
}

/* each byte of the Ethernet, IPv4 and TCP headers set to values that matter and to random ones */
static void one_go_as_general_path_mutated(void **state)
{
    (void)state;
    static const uint8_t special[] = {0x00, 0x01, 0x06, 0x08, 0x11, 0x14, 0x20, 0x3F, 0x40,
                                      0x44, 0x45, 0x46, 0x4F, 0x50, 0x60, 0x81, 0x86, 0xDD,
                                      0xF0, 0xFF};
    static uint8_t b[14 + 20 + 60 + 64 + 16], m[sizeof b];
    for (int round = 0; round < 40; round++) {
        uint32_t n = make_packet(b, (next_rand() % 11) * 4, next_rand() % 64);
        for (uint32_t at = 0; at < 14 + 20 + 20; at++) {
            for (size_t v = 0; v < sizeof special + 4; v++) {
                memcpy(m, b, n);
                m[at] = v < sizeof special ? special[v] : (uint8_t)next_rand();
                same(m, n);
                same(m, n - 1 - next_rand() % 8); /* and cut short */
                same(m, n + 4);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_go_as_general_path),
        cmocka_unit_test(one_go_as_general_path_mutated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
