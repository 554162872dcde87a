/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * confine.h - what the analyzer gives up once its inputs and outputs are open (issue 18): a
 * capture of hostile traffic is parsed, often as root on a sensor, so a parser bug must find
 * neither privileges nor system calls to abuse.
 *
 * 1. Privileges: run as root, it becomes USER (-Z USER, as tcpdump; default "nobody"; -Z root
 *    keeps root). Not root: nothing to drop.
 * 2. A seccomp filter (libseccomp): reading, writing to the descriptors already open, memory,
 *    threads, signals, time and opening files read-only are allowed; everything else (sockets,
 *    exec, opening for writing, ptrace, ...) is refused with an error, and a refused call the
 *    filter did not expect is said once on stderr. Where the kernel has no seccomp, it says so
 *    once and goes on unconfined.
 */
#ifndef WSAUDIT_CONFINE_H
#define WSAUDIT_CONFINE_H

/* Become user when running as root (user NULL: "nobody"; "root": stay). 0 on success or when
 * not root; -1 after a message on stderr (no such user, or the change failed). */
int confine_drop_privileges(const char *user);

/* Close the sandbox. 1: applied; 0: not available here (said once on stderr). */
int confine_sandbox(void);

#endif
