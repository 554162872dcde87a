/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evidence.h - -w FILE: the packets of the connections that have findings (at or above a
 * severity, or with chosen ids), written to a pcapng file an analyst can hand on or open in
 * Wireshark.
 *
 * The analysis notes which flow each packet it reads belongs to, and which flows (or, for a
 * finding outside any connection, which packets) have a finding that counts. When it is done,
 * the same files are read again in the same order and the packets so marked are written.
 */
#ifndef WSAUDIT_EVIDENCE_H
#define WSAUDIT_EVIDENCE_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/finding.h"

struct evidence;

/* level: the least severity that counts; ids (n of them): finding ids that count instead of
 * a level, an id ending in '*' standing for those that start with what precedes it. out is
 * open for writing (before confinement); it stays the caller's. */
struct evidence *evidence_new(FILE *out, const char *out_name, int level, const char *const *ids,
                              int nids);
void evidence_free(struct evidence *ev);

/* ---- first pass: the analysis ---- */
/* a new capture (a file, or the merged files): flow numbers start again; in both passes */
void evidence_file(struct evidence *ev);
void evidence_packet(struct evidence *ev); /* a packet is read */
void evidence_flow(struct evidence *ev, uint64_t flow); /* it belongs to this flow */
/* a finding: of a connection (flow >= 0), or outside any, about packet pkt */
void evidence_finding(struct evidence *ev, int64_t flow, enum wsa_finding_id id, uint64_t pkt);
/* these packets (the fragments of the datagram just read) go with the current one's flow */
void evidence_like(struct evidence *ev, const uint64_t *pkts, size_t n);

struct tls_keys;
/* the TLS secrets of a flow: written (as a Decryption Secrets Block) when the flow is */
void evidence_keys(struct evidence *ev, uint64_t flow, const struct tls_keys *k);

/* ---- second pass: the same packets again, in the same order ---- */
void evidence_rewind(struct evidence *ev);
/* why writing failed, NULL while it has not */
const char *evidence_failed(const struct evidence *ev);
/* 0, or -1 when the file could not be written (err says why) */
int evidence_take(struct evidence *ev, const struct pcap_pkthdr *h, const u_char *data, int dlt,
                  char *err, size_t n);
/* the file complete (an empty capture when nothing counted) and flushed; -1 (err set) when
 * it could not be written */
int evidence_finish(struct evidence *ev, char *err, size_t n);
/* what was written: packets, connections; 0 when nothing counted */
void evidence_counts(const struct evidence *ev, uint64_t *packets, uint64_t *conns);
const char *evidence_name(const struct evidence *ev);
/* true when some finding counted (the second pass is needed) */
int evidence_wanted(const struct evidence *ev);

#endif
