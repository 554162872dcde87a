/*
 * pcapng.h - a small pcapng reader for what libpcap refuses: interfaces of different link
 * types in one file (libpcap 1.10: "an interface has a type N different from the type of the
 * first interface", CONFORMANCE CAP-04), sections of different byte order (CAP-05).
 *
 * It reads Section Header, Interface Description (link type, snaplen, if_tsresol,
 * if_tsoffset), Enhanced, Simple and obsolete Packet blocks, and skips the others. Every length
 * is checked against the block and the block against the file; a bad block is an error that
 * names its byte offset. Blocks larger than 16 MiB are refused (no allocation by a declared
 * length beyond that).
 */
#ifndef WSAUDIT_PCAPNG_H
#define WSAUDIT_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

struct pcapng_packet {
    int dlt;               /* link type of the packet's interface */
    uint32_t caplen, len;  /* bytes captured / on the wire */
    int64_t sec;           /* timestamp */
    uint32_t nsec;
    const uint8_t *data;   /* valid until the next call */
    uint64_t block_offset; /* where its block starts in the file */
};

struct pcapng_reader;

/* Read the first Section Header Block; NULL with a message in err when f is not pcapng. */
struct pcapng_reader *pcapng_open(FILE *f, char *err, size_t errlen);
/* 1: a packet; 0: end of file; -1: error (message in err, with the byte offset). */
int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *p, char *err, size_t errlen);
void pcapng_close(struct pcapng_reader *r); /* does not close f */

#endif
