/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keys.h - TLS secrets for the analyzer: key log files (--keylog) and the Decryption Secrets
 * Blocks of pcapng captures, read into the core's key store (core/tls_keylog.h). */
#ifndef WSAUDIT_KEYS_H
#define WSAUDIT_KEYS_H

#include "../core/tls_keylog.h"
#include "report.h"

/* Read a key log file into k; bad lines are reported on stderr with their line number and
 * skipped. 0 when the file could be read, -1 (message on stderr) when not. */
int keys_load_file(struct tls_keylog *k, const char *path, struct report *rep);

/* One store of every key log named (--keylog, in order); NULL when one cannot be read. */
struct tls_keylog *keys_load_files(const char *const *paths, int n, size_t mem_cap,
                                   struct report *rep);

/* The secrets inside a pcapng file (Decryption Secrets Blocks, wherever they are in the file):
 * a store of their own that falls back to `fallback`, or NULL when the file has none. */
struct tls_keylog *keys_from_pcapng(const char *path, const struct tls_keylog *fallback,
                                    size_t mem_cap, struct report *rep);

#endif
