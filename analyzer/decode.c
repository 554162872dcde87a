/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decode.c - link/IP/TCP decoding; see decode.h. */
#include "decode.h"

#include <pcap/dlt.h>
#include <string.h>

/* Bounds-checked reader over one packet: every access goes through these. */
struct rd {
    const uint8_t *p;
    uint32_t len, pos;
};

static uint16_t be16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}
static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int rd_has(const struct rd *r, uint32_t n)
{
    return r->pos <= r->len && r->len - r->pos >= n;
}
static uint8_t rd_u8(const struct rd *r, uint32_t at)
{
    return r->p[r->pos + at];
}
static uint16_t rd_be16(const struct rd *r, uint32_t at)
{
    return be16(r->p + r->pos + at);
}
static uint32_t rd_be32(const struct rd *r, uint32_t at)
{
    return be32(r->p + r->pos + at);
}

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#define LINKTYPE_RAW 101
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229

int decode_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case 14: /* DLT_RAW on OpenBSD */
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
        return 1;
    }
    return 0;
}

/* IP protocol numbers and IPv6 next headers read (IANA protocol-numbers registry) */
enum {
    IPP_HOPOPTS = 0,   /* Hop-by-Hop Options (RFC 8200 §4.3) */
    IPP_TCP = 6,
    IPP_ROUTING = 43,  /* RFC 8200 §4.4 */
    IPP_FRAGMENT = 44, /* RFC 8200 §4.5 */
    IPP_AH = 51,       /* Authentication Header (RFC 4302): length in 4-byte units */
    IPP_DSTOPTS = 60,  /* Destination Options (RFC 8200 §4.6) */
};

/* EtherTypes */
enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86DD,
    ETH_VLAN = 0x8100,
    ETH_QINQ = 0x88A8,
    ETH_QINQ_OLD = 0x9100
};

/* An IPv4 packet's addresses (ip: its header) */
static inline void fill_ipv4(struct tcp_pkt *out, const uint8_t *ip)
{
    out->family = 4;
    memset(out->src, 0, 16);
    memset(out->dst, 0, 16);
    memcpy(out->src, ip + 12, 4);
    memcpy(out->dst, ip + 16, 4);
}

/* A TCP header of off bytes (checked) at tcp: its fields, and the payload that follows, of which
 * present bytes are in the capture and want were on the wire */
static inline void fill_tcp(struct tcp_pkt *out, const uint8_t *tcp, uint32_t off, uint32_t present,
                            uint32_t want)
{
    out->sport = be16(tcp);
    out->dport = be16(tcp + 2);
    out->seq = be32(tcp + 4);
    out->ack = be32(tcp + 8);
    out->flags = tcp[13];
    out->payload = tcp + off;
    out->len = present < want ? present : want; /* ignore Ethernet padding */
    out->wire_len = want;
}

static enum decode_result decode_tcp(struct rd *r, uint32_t ip_payload_len, uint32_t wire_extra,
                                     struct tcp_pkt *out, const char **why)
{
    if (!rd_has(r, 20)) {
        *why = "TCP header cut short";
        return DEC_ERR_TRUNC;
    }
    uint32_t off = (uint32_t)(rd_u8(r, 12) >> 4) * 4;
    if (off < 20 || off > ip_payload_len) {
        *why = "bogus TCP data offset";
        return DEC_ERR_BOGUS;
    }
    if (!rd_has(r, off)) {
        *why = "TCP options cut short";
        return DEC_ERR_TRUNC;
    }
    fill_tcp(out, r->p + r->pos, off, r->len - r->pos - off, ip_payload_len - off);
    r->pos += off;
    (void)wire_extra;
    return DEC_TCP;
}

static enum decode_result decode_ipv4(struct rd *r, struct tcp_pkt *out, const char **why)
{
    if (!rd_has(r, 20)) {
        *why = "IPv4 header cut short";
        return DEC_ERR_TRUNC;
    }
    uint8_t vihl = rd_u8(r, 0);
    uint32_t ihl = (uint32_t)(vihl & 0xF) * 4;
    uint32_t total = rd_be16(r, 2);
    if ((vihl >> 4) != 4 || ihl < 20 || total < ihl) {
        *why = "bogus IPv4 header lengths";
        return DEC_ERR_BOGUS;
    }
    if (!rd_has(r, ihl)) {
        *why = "IPv4 options cut short";
        return DEC_ERR_TRUNC;
    }
    uint16_t frag = rd_be16(r, 6);
    if (rd_u8(r, 9) != IPP_TCP)
        return DEC_OTHER;
    fill_ipv4(out, r->p + r->pos);
    if (frag & 0x3FFF) { /* MF set or a non-zero offset */
        struct ip_frag *fr = &out->frag;
        fr->id = rd_be16(r, 4);
        fr->off = (uint32_t)(frag & 0x1FFF) * 8;
        fr->more = (frag & 0x2000) != 0;
        fr->proto = IPP_TCP;
        fr->ip_hdr = r->p + r->pos;
        fr->ip_hdr_len = ihl;
        fr->data = r->p + r->pos + ihl;
        fr->wire_len = total - ihl;
        uint32_t present = r->len - r->pos - ihl;
        fr->len = present < fr->wire_len ? present : fr->wire_len;
        *why = "IPv4 fragment";
        return DEC_FRAGMENT;
    }
    r->pos += ihl;
    return decode_tcp(r, total - ihl, 0, out, why);
}

/* The fixed header, then the extension header chain walked to TCP: one branch per kind of
 * header, which keeps the walk in one place to read. */
static enum decode_result decode_ipv6(struct rd *r, struct tcp_pkt *out, const char **why)
{
    if (!rd_has(r, 40)) {
        *why = "IPv6 header cut short";
        return DEC_ERR_TRUNC;
    }
    if ((rd_u8(r, 0) >> 4) != 6) {
        *why = "bogus IPv6 version";
        return DEC_ERR_BOGUS;
    }
    uint32_t plen = rd_be16(r, 4);
    uint8_t next = rd_u8(r, 6);
    const uint8_t *fixed = r->p + r->pos;
    out->family = 6;
    memcpy(out->src, r->p + r->pos + 8, 16);
    memcpy(out->dst, r->p + r->pos + 24, 16);
    r->pos += 40;
    /* walk the extension header chain (RFC 8200 §4) */
    for (int hops = 0; hops < 16; hops++) {
        if (next == IPP_TCP)
            return decode_tcp(r, plen, 0, out, why);
        if (next == IPP_FRAGMENT) {
            if (!rd_has(r, 8) || plen < 8) {
                *why = "IPv6 fragment header cut short";
                return DEC_ERR_TRUNC;
            }
            if (rd_u8(r, 0) != IPP_TCP)
                return DEC_OTHER;
            struct ip_frag *fr = &out->frag;
            uint16_t offm = rd_be16(r, 2);
            fr->id = rd_be32(r, 4);
            fr->off = offm & 0xFFF8u;
            fr->more = offm & 1;
            fr->proto = IPP_TCP;
            fr->ip_hdr = fixed;
            fr->ip_hdr_len = 40;
            r->pos += 8;
            fr->data = r->p + r->pos;
            fr->wire_len = plen - 8;
            uint32_t present = r->len - r->pos;
            fr->len = present < fr->wire_len ? present : fr->wire_len;
            *why = "IPv6 fragment";
            return DEC_FRAGMENT;
        }
        if (next != IPP_HOPOPTS && next != IPP_ROUTING && next != IPP_DSTOPTS && next != IPP_AH)
            return DEC_OTHER;
        if (!rd_has(r, 2)) {
            *why = "IPv6 extension header cut short";
            return DEC_ERR_TRUNC;
        }
        uint32_t hlen =
            next == IPP_AH ? ((uint32_t)rd_u8(r, 1) + 2) * 4 : ((uint32_t)rd_u8(r, 1) + 1) * 8;
        if (hlen > plen) {
            *why = "bogus IPv6 extension header length";
            return DEC_ERR_BOGUS;
        }
        if (!rd_has(r, hlen)) {
            *why = "IPv6 extension header cut short";
            return DEC_ERR_TRUNC;
        }
        next = rd_u8(r, 0);
        r->pos += hlen;
        plen -= hlen;
    }
    *why = "IPv6 extension header chain too long";
    return DEC_ERR_BOGUS;
}

static enum decode_result decode_ethertype(struct rd *r, uint16_t type, struct tcp_pkt *out,
                                           const char **why)
{
    if (type == ETH_IPV4)
        return decode_ipv4(r, out, why);
    if (type == ETH_IPV6)
        return decode_ipv6(r, out, why);
    return DEC_OTHER;
}

static enum decode_result decode_by_version(struct rd *r, struct tcp_pkt *out, const char **why)
{
    if (!rd_has(r, 1)) {
        *why = "empty packet";
        return DEC_ERR_TRUNC;
    }
    switch (rd_u8(r, 0) >> 4) {
    case 4:
        return decode_ipv4(r, out, why);
    case 6:
        return decode_ipv6(r, out, why);
    }
    return DEC_OTHER;
}

/* The common packet, Ethernet without tags, IPv4 without options or fragmentation, TCP with
 * its header all there, decoded in one go: 1 when it was that (out filled as the general path
 * below fills it), 0 when the general path is to decode it. */
static int decode_eth_ipv4_tcp(const uint8_t *pkt, uint32_t caplen, struct tcp_pkt *out)
{
    if (caplen < 14 + 20 + 20 || be16(pkt + 12) != ETH_IPV4)
        return 0;
    const uint8_t *ip = pkt + 14, *tcp = ip + 20;
    uint32_t total = be16(ip + 2), off = (uint32_t)(tcp[12] >> 4) * 4;
    if (ip[0] != 0x45 || ip[9] != IPP_TCP || (be16(ip + 6) & 0x3FFF) || total < 20 + off ||
        off < 20 || caplen - 34 < off)
        return 0;
    fill_ipv4(out, ip);
    fill_tcp(out, tcp, off, caplen - 34 - off, total - 20 - off);
    return 1;
}

/* Ethernet, with up to four VLAN tags (the common packet in one go) */
static enum decode_result decode_ethernet(const uint8_t *pkt, uint32_t caplen, struct tcp_pkt *out,
                                          const char **why)
{
    if (decode_eth_ipv4_tcp(pkt, caplen, out))
        return DEC_TCP;
    struct rd r = {pkt, caplen, 0};
    if (!rd_has(&r, 14)) {
        *why = "Ethernet header cut short";
        return DEC_ERR_TRUNC;
    }
    uint16_t type = rd_be16(&r, 12);
    r.pos += 14;
    /* 802.1Q, 802.1ad (QinQ) and the old 0x9100 tag, any depth up to 4 */
    for (int tags = 0; type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD; tags++) {
        if (tags == 4 || !rd_has(&r, 4)) {
            *why = "VLAN header cut short";
            return DEC_ERR_TRUNC;
        }
        type = rd_be16(&r, 2);
        r.pos += 4;
    }
    return decode_ethertype(&r, type, out, why);
}

/* One case per link type read: the switch is as long as the list of link types. */
enum decode_result decode_packet(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
                                 struct tcp_pkt *out, const char **why)
{
    struct rd r = {pkt, caplen, 0};
    (void)wirelen;
    *why = "";
    switch (dlt) {
    case DLT_EN10MB:
        return decode_ethernet(pkt, caplen, out, why);
    case DLT_LINUX_SLL: /* 16-byte header, protocol at 14 */
        if (!rd_has(&r, 16)) {
            *why = "Linux cooked header cut short";
            return DEC_ERR_TRUNC;
        }
        r.pos += 16;
        return decode_ethertype(&r, rd_be16(&(struct rd){pkt, caplen, 0}, 14), out, why);
    case DLT_LINUX_SLL2: /* 20-byte header, protocol at 0 */
        if (!rd_has(&r, 20)) {
            *why = "Linux cooked v2 header cut short";
            return DEC_ERR_TRUNC;
        }
        r.pos += 20;
        return decode_ethertype(&r, rd_be16(&(struct rd){pkt, caplen, 0}, 0), out, why);
    case DLT_NULL:
    case DLT_LOOP: {
        if (!rd_has(&r, 4)) {
            *why = "loopback header cut short";
            return DEC_ERR_TRUNC;
        }
        /* DLT_NULL: host byte order of the writer; DLT_LOOP: network order. AF_INET is 2
         * everywhere; AF_INET6 is 24, 28 or 30 depending on the BSD. Accept both orders. */
        uint32_t af = rd_be32(&r, 0);
        if (af > 0xFFFF)
            af = (af >> 24) | ((af >> 8) & 0xFF00);
        r.pos += 4;
        if (af == 2)
            return decode_ipv4(&r, out, why);
        if (af == 24 || af == 28 || af == 30 || af == 10)
            return decode_ipv6(&r, out, why);
        return DEC_OTHER;
    }
    case DLT_RAW:
    case 14: /* DLT_RAW as OpenBSD numbers it */
    case LINKTYPE_RAW:
        return decode_by_version(&r, out, why);
    case LINKTYPE_IPV4:
        return decode_ipv4(&r, out, why);
    case LINKTYPE_IPV6:
        return decode_ipv6(&r, out, why);
    }
    *why = "unsupported link type";
    return DEC_UNSUP_LINK;
}
