/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fastpcap.h - a fast reader for plain pcap files (issue 19): large reads into one reusable
 * buffer, each packet handed out where it lies there, with no further copy and no call per
 * packet into stdio or libpcap. (Mapping the file was measured too, also with its pages mapped
 * in advance and with prefetching: slower than these reads, whose copy leaves the bytes in the
 * caches the analysis reads them from; README, "Speed and memory".)
 *
 * It gives exactly what libpcap gives (same packets, times in nanoseconds, lengths, order), and
 * only where that is certain: a pcap 2.4 file, either byte order, micro- or nanosecond times,
 * a link type whose packets libpcap does not rewrite, records that are whole and within the
 * snapshot length. Anything else - another format, a damaged or cut record - is libpcap's:
 * fastpcap_open declines the file, or fastpcap_next stops (-1) at the first packet it does not
 * vouch for, and the caller lets libpcap go on from that packet, with libpcap's own message
 * for whatever is wrong there. tests/unit/reader_diff.c holds both readers to this.
 */
#ifndef WSAUDIT_FASTPCAP_H
#define WSAUDIT_FASTPCAP_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

struct fastpcap {
    int fd, owned, eof;
    uint8_t *buf;      /* bytes of the file from file_off - len on */
    size_t cap, len, pos;
    uint64_t file_off;
    int swapped, nsec; /* byte order differs from ours; times in nanoseconds */
    uint32_t snaplen;
    int dlt;
    uint64_t count; /* packets handed out */
    struct pcap_pkthdr hdr;
};

/* Read the open file fd (its position is not used or moved; owned: closed with the reader): 0
 * when this reader reads it, -1 when it is for libpcap (not a plain pcap file, a variant or
 * link type not handled here) and fd is closed if owned. */
int fastpcap_open(struct fastpcap *r, int fd, int owned);
/* 1: the next packet (valid until the next call); 0: the clean end of the file; -1: a packet
 * this reader does not vouch for: r->count packets were handed out, libpcap reads on. */
int fastpcap_next(struct fastpcap *r, const struct pcap_pkthdr **h, const uint8_t **data);
void fastpcap_close(struct fastpcap *r);
/* Move libpcap past the first n packets of its file, for a reader that hands over to it there:
 * 1, or pcap_next_ex's result when it could not. */
int fastpcap_libpcap_skip(pcap_t *p, uint64_t n);
/* The next packet of a file read by r while *fast is set and it vouches, then by libpcap p,
 * opened on the same file with nanosecond times and read no further than its header: libpcap
 * is first moved past the packets r handed out. pcap_next_ex's result: 1, PCAP_ERROR_BREAK at
 * the end, PCAP_ERROR with pcap_geterr(p). */
int fastpcap_next_or_libpcap(struct fastpcap *r, int *fast, pcap_t *p,
                             const struct pcap_pkthdr **h, const uint8_t **data);

#endif
