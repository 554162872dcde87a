/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ip_defrag.h - IPv4 and IPv6 fragment reassembly for TCP datagrams (CONFORMANCE CAP-15).
 *
 * Fragments are keyed by (family, source, destination, identification). Each datagram is put
 * together with the TCP reassembler's ordering (tcp_reasm.c, offsets instead of sequence
 * numbers), so overlaps keep the first copy seen; bytes that differ from it are reported once
 * per datagram (capture.ip_fragment_overlap). A complete datagram is handed back as one IP
 * packet (header + payload) to decode as if it had not been fragmented.
 *
 * A datagram that cannot complete is reported (capture.ip_fragment) with the byte ranges that
 * are missing: after 30 s of capture time without completing (Linux's ipfrag_time), at the
 * end of the file, or when the fragment memory limit makes room (reported stream.memcap);
 * its TCP bytes then show up as a gap in the stream. A datagram that would exceed 65535
 * bytes, or whose fragments disagree on its end, is malformed and dropped (reported).
 */
#ifndef WSAUDIT_IP_DEFRAG_H
#define WSAUDIT_IP_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/finding.h"
#include "decode.h"

typedef void (*defrag_report_fn)(void *ctx, uint64_t pkt, enum wsa_finding_id id,
                                 const char *detail);

struct defrag;

struct defrag *defrag_new(size_t memcap, defrag_report_fn report, void *ctx);
void defrag_free(struct defrag *d);
/* Add the fragment decoded into tp (DEC_FRAGMENT) from packet pkt at time ts. Returns 1 when
 * it completed its datagram: *ip (LINKTYPE_IPV4 or IPV6 per *dlt) holds the whole packet,
 * valid until the next call. */
int defrag_add(struct defrag *d, const struct tcp_pkt *tp, uint64_t pkt, double ts,
               const uint8_t **ip, uint32_t *ip_len, int *dlt);
/* The packets whose fragments made the datagram defrag_add last completed (NULL, *n 0, when
 * out of memory): -w writes them all with its connection. */
const uint64_t *defrag_done_pkts(const struct defrag *d, size_t *n);
/* Report and drop datagrams whose first fragment is older than the timeout. */
void defrag_expire(struct defrag *d, double now);
/* End of the file: report and drop every incomplete datagram. */
void defrag_flush(struct defrag *d);

#endif
