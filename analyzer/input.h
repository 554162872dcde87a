/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input.h - capture bytes from a file or standard input, decompressed on the fly when they are
 * gzip, zstd, xz, bzip2 or lz4 (by their magic bytes, so also on stdin), as one stream libpcap
 * reads through a FILE.
 */
#ifndef WSAUDIT_INPUT_H
#define WSAUDIT_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Open the input files now (before privileges are dropped and the sandbox closes, see
 * confine.h); every later input_fopen or input_open of the same path reads the open file with
 * its own offset. "-" and files that cannot be opened are left for the later open to report.
 * Returns how many were opened. */
int input_preopen(const char *const *paths, int n);
/* Forget the files opened by input_preopen (closing them). */
void input_preopen_close(void);
/* A new reading FILE on path: on the file input_preopen opened, else fopen. */
/* A read-only descriptor of path: the one opened before confinement (*owned = 0, leave it
 * open) or a new one (*owned = 1, the caller closes it); -1 when it cannot be opened. */
int input_open_fd(const char *path, int *owned);
FILE *input_fopen(const char *path);

/* the compression of the first bytes of a stream: "gzip", "zstd", "xz", "bzip2", "lz4" or
 * NULL for none */
const char *input_compression(const uint8_t *p, size_t n);

/* The compression of a file by its first bytes (NULL: none, or the file cannot be read). */
const char *input_file_compression(const char *path);

struct input;

/* Open path ("-": standard input) as a stream of decompressed bytes. NULL with err set on
 * failure. *handle stays valid until the FILE is closed (closing it frees everything). */
FILE *input_open(const char *path, struct input **handle, char *err, size_t n);

/* why decompression failed ("" when it did not) */
const char *input_error(const struct input *in);

/* up to 4096 of the first decompressed bytes read so far (the capture file's header) */
const uint8_t *input_head(const struct input *in, size_t *len);

#endif
