/* SPDX-License-Identifier: GPL-2.0-or-later */
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
    /* an Enhanced Packet Block read as libpcap reads it, for certain: micro- or nanosecond
     * times without an offset, caplen within len and the interface's snapshot length (the
     * fast path of run.c hands any other packet to libpcap) */
    int plain;
};

struct pcapng_reader;

/* Read the first Section Header Block; NULL with a message in err when f is not pcapng. */
struct pcapng_reader *pcapng_open(FILE *f, char *err, size_t errlen);
/* 1: a packet; 0: end of file; -1: error (message in err, with the byte offset). */
int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *p, char *err, size_t errlen);
void pcapng_close(struct pcapng_reader *r); /* does not close f */

/* Decryption Secrets Blocks (type 10): secrets type (0x544c534b "TLSK": an NSS key log), the
 * bytes, and the block's byte offset. */
/* block types (draft-ietf-opsawg-pcapng §4, §10.1) */
enum {
    PCAPNG_SHB = 0x0A0D0D0A, /* Section Header */
    PCAPNG_IDB = 1,          /* Interface Description */
    PCAPNG_PB = 2,           /* Packet (obsolete) */
    PCAPNG_SPB = 3,          /* Simple Packet */
    PCAPNG_EPB = 6,          /* Enhanced Packet */
    PCAPNG_DSB = 10,         /* Decryption Secrets */
};

#define PCAPNG_SECRETS_TLS 0x544c534bu
typedef void (*pcapng_secrets_fn)(void *ctx, uint32_t type, const uint8_t *data, uint32_t len,
                                  uint64_t block_offset);
/* Read every Decryption Secrets Block of the pcapng file f (from its start), skipping the
 * other blocks without reading them; the number found, or -1 when f is not pcapng. */
int pcapng_scan_secrets(FILE *f, pcapng_secrets_fn cb, void *ctx, char *err, size_t n);

#endif
