/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * escape.h - text from the wire kept whole in a bounded string: printable ASCII and valid
 * UTF-8 as they are; control bytes, DEL, bytes that are not valid UTF-8, the backslash and any
 * character the caller names as \xNN. Nothing is replaced by '?' or dropped: what does not fit
 * is marked with "...".
 */
#ifndef WSAUDIT_ESCAPE_H
#define WSAUDIT_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

/* Append len bytes of s to the NUL-terminated out of capacity n, escaped; also: more ASCII
 * characters to escape (e.g. "," for a list), or "". Returns 0 when all of it fitted, -1 when
 * it was cut (then out ends with "..."). */
int wsa_escape_append(char *out, size_t n, const uint8_t *s, size_t len, const char *also);

/* The rule itself, for writers that stream (the analyzer's text output): the escaped form of
 * the character that starts s (len > 0 bytes) goes to piece (at most 4 bytes, not
 * NUL-terminated); returns its length and sets *used to the bytes of s it stands for. */
size_t wsa_escape_one(const uint8_t *s, size_t len, const char *also, char piece[4], size_t *used);

/* The decoder of that escape: the bytes escaped text s (n bytes) stands for, into out (n bytes
 * or more); a byte listed in backslashed comes out as '\\' and the byte (RFC 4514's own escape
 * for a distinguished name's specials). Returns the length. */
size_t wsa_unescape(const char *s, size_t n, const char *backslashed, uint8_t *out);

#endif
