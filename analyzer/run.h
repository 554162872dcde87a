/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run.h - analyse one capture (see run.c). */
#ifndef WSAUDIT_RUN_H
#define WSAUDIT_RUN_H

#include <pcap/pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "flow.h"

/* set by a signal handler: stop reading, report the interruption */
extern volatile sig_atomic_t wsaudit_stop_requested;

/* Wait on cv (mu held) for a signal or ms milliseconds, whichever comes first: a stop request
 * does not signal conditions, so waits that must notice it are timed. */
void wait_a_while(pthread_cond_t *cv, pthread_mutex_t *mu, long ms);

/* Read every file with libpcap, not the zero-copy reader (fastpcap.h): --reader=libpcap, for
 * checks and benchmarks against libpcap. */
extern int wsaudit_libpcap_only;

/* Open path ("-" = stdin) and analyse it; 0 when read to the end. With an->threads > 1 the
 * file is shared by threads (par.h), with the same output. */
int run_file(struct analyzer *an, struct report *rep, const char *path, const char *filter);
/* The same on this thread alone: the capture's records go to rep, the flows' to an->rep. */
int run_file_one(struct analyzer *an, struct report *rep, const char *path, const char *filter);
/* Analyse the files as one capture (--merge): packets in time order, flows carried from one
 * file to the next, packets numbered over the whole; records say each packet's file. */
int run_merged(struct analyzer *an, struct report *rep, const char *const *paths, int n,
               const char *filter);
/* A stream whose bytes go nowhere (output that is not wanted), written by one thread. */
FILE *run_null_output(void);
struct evidence;
/* -w: read the files again as the analysis read them (merged or not) and write the packets
 * the analysis marked (keys: the key logs, for pcapng files' own). 0, or -1 with err. */
int run_evidence(struct evidence *ev, const struct tls_keylog *keys, size_t keylog_cap,
                 const char *const *paths, int n, int merge, char *err, size_t errn);
/* Analyse an opened capture (closed here); name is how the report calls it. */
int run_pcap(struct analyzer *an, struct report *rep, pcap_t *p, const char *name,
             const char *filter);
/* Analyse a pcapng stream with our own reader (link type per interface); f stays open. */
int run_pcapng(struct analyzer *an, struct report *rep, FILE *f, const char *name,
               const char *filter);

#endif
