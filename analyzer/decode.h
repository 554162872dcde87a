/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decode.h - link layer, IPv4/IPv6 and TCP header decoding of one captured packet.
 *
 * decode_packet() reads only the caplen bytes it is given (every length is checked against
 * them) and fills a tcp_pkt whose payload points into the packet. It returns DEC_TCP for a TCP
 * segment, DEC_OTHER for traffic we do not follow, and a DEC_ERR_* value, with a reason, for
 * headers that are malformed or cut short.
 */
#ifndef WSAUDIT_DECODE_H
#define WSAUDIT_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

struct tcp_pkt {
    uint8_t family; /* 4 or 6 */
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    const uint8_t *payload;
    uint32_t len;      /* payload bytes present in the capture */
    uint32_t wire_len; /* payload bytes on the wire (more when cut by the snaplen) */
    /* DEC_FRAGMENT: one IPv4 fragment, or an IPv6 one (Fragment header), of a TCP datagram;
     * family, src and dst above are set */
    struct ip_frag {
        uint32_t id;            /* IPv4 identification or IPv6 fragment identification */
        uint32_t off;           /* fragment offset in bytes */
        uint8_t more;           /* more fragments follow */
        uint8_t proto;          /* 6 */
        const uint8_t *ip_hdr;  /* IPv4 header (with options) or IPv6 fixed header */
        uint32_t ip_hdr_len;
        const uint8_t *data;    /* fragment data present in the capture */
        uint32_t len, wire_len; /* bytes present / bytes on the wire */
    } frag;
};

enum decode_result {
    DEC_TCP,
    DEC_OTHER,
    DEC_FRAGMENT,   /* a fragment of an IP datagram carrying TCP: see tcp_pkt.frag */
    DEC_ERR_TRUNC,  /* headers cut by the capture length */
    DEC_ERR_BOGUS,  /* header fields inconsistent */
    DEC_UNSUP_LINK, /* link type not supported */
};

int decode_link_supported(int dlt);
enum decode_result decode_packet(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
                                 struct tcp_pkt *out, const char **why);

#endif
