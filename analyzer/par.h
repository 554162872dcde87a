/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * par.h - one capture on several threads (-j), with the output of one.
 *
 * Every thread reads the whole file (the page cache holds it once), decodes every packet and
 * reassembles IP datagrams as one thread does, and follows the flows of its shards
 * (flow_shard() modulo the threads); at every TCP packet it expires its own flows at the
 * capture's time, so flows end at the same packets as in one thread. The first thread alone
 * writes what concerns the capture rather than a flow. Each thread writes its records into a
 * stream of its own, each stretch tagged with the place the one-thread run gives it:
 *   (packet, 0)                the capture's records at the packet (decoding, fragments)
 *   (packet, 1, due, last)     a flow finished by time before the packet, in the order of the
 *                              times they were due and then of their last packets
 *   (packet, 2)                the records the packet itself makes (one flow: one worker)
 *   (end, 0) / (end, 3, last)  the end of the capture: the capture's, then each flow's
 * The threads take turns writing the streams out in that order (the merge). Connection ids,
 * numbered in the order flows begin, are known only then: the threads write a mark with their
 * own number, which the merge replaces.
 *
 * Limits that hold for all flows together (--max-flows, --memcap, the out-of-order budget) are
 * watched by the merge: each worker publishes the most it has held, and when their sum could
 * reach a limit, a limit one thread would have applied differently, the shared run stops and
 * the capture is read again in one thread, the output already written being skipped.
 */
#ifndef WSAUDIT_PAR_H
#define WSAUDIT_PAR_H

#include <stdint.h>

#include "decode.h"
#include "flow.h"
#include "report.h"

struct par;

/* Set up sharing a capture among n threads (n >= 2): an is the configured model of their
 * analyzers, the merged records go to rep->out. NULL when it cannot. */
struct par *par_start(struct analyzer *an, struct report *rep, int n);
/* Analyse the file on the threads (each runs run_file_one). 1 when it must be read again in
 * one thread (a limit was near, or threads could not start): *written bytes of rep->out are
 * out then and no count was added to rep; else 0, every thread's counts added to rep, *rc
 * run_file_one's result. */
int par_run(struct par *p, const char *path, const char *filter, uint64_t *written, int *rc);
void par_free(struct par *p);
/* errors the threads said on stderr (not to be said again by a run in one thread) */
uint64_t par_errors_said(const struct par *p);
/* run.c, in a thread (an->shared set): what it writes now belongs to packet pkt (UINT64_MAX:
 * the capture's end) */
void par_key(struct analyzer *an, uint64_t pkt);
/* The shared run cannot go on (a limit, an output error): the thread stops reading. */
int par_stopped(const struct analyzer *an);
/* Under a limit on memory (ulimit -v, -d) one thread: every thread's stack and allocator
 * arena would take its share of the limit, and an allocation failing in a thread's arena can
 * make GLib recurse while it formats the message. 1 when there is no such limit. */
int par_threads_allowed(void);
/* The number of cores this process may run on (at least 1). */
int par_cores(void);

#endif
