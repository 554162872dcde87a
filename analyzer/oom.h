/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oom.h - running out of memory is a report, not an abort (issue 18). GLib's allocator (which
 * most of the analyzer's memory goes through) and libgcrypt end the process when an
 * allocation fails; oom_init catches both: a reserve set aside at the start is given back, the
 * error (file, packet, what failed) is written as an error record, then the summary, and the
 * process exits with the partial status (3, or 4 with findings at --fail-on). Everything
 * written before stays; connections still open are not finished (their state may be half
 * updated), which the error says.
 */
#ifndef WSAUDIT_OOM_H
#define WSAUDIT_OOM_H

struct report;

/* Catch allocation failures from now on; rep is the report the main thread writes. 0 on
 * success, -1 when not even the reserve could be had (said on stderr). */
int oom_init(struct report *rep);
/* p, or, when an allocation of the analyzer's own gave NULL, the out-of-memory report (what:
 * what was being allocated); it does not return then. */
void *oom_check(void *p, const char *what);

/* The report this thread writes (a -j worker's own); NULL: the main one. */
void oom_watch(struct report *rep);
/* While set, an allocation failure in a thread that watches a report other than the main one
 * calls fn with that report and the message, instead of only saying it on stderr; fn does not
 * return (par.c: the records in order so far, the error and the summary). NULL: none. */
void oom_set_hook(void (*fn)(void *ctx, struct report *r, const char *msg), void *ctx);
/* 1 when the address space or the data segment is limited (ulimit -v, -d): then small
 * allocations can fail, and threads' stacks and arenas count against the limit */
int oom_rlimited(void);

#endif
