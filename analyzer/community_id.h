/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * community_id.h - Community ID v1 of a TCP flow (https://github.com/corelight/community-id-spec),
 * the flow hash Zeek, Suricata and Wireshark write, so wsaudit's records join theirs.
 */
#ifndef WSAUDIT_COMMUNITY_ID_H
#define WSAUDIT_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#define COMMUNITY_ID_LEN 32 /* "1:" + 28 base64 characters + NUL, rounded up */

/* family 4 or 6; addresses in network byte order (4 or 16 bytes), ports in host order.
 * Writes "1:<base64 of SHA-1>" into out. */
void community_id_tcp(uint16_t seed, int family, const uint8_t *a, uint16_t pa, const uint8_t *b,
                      uint16_t pb, char *out, size_t n);

#endif
