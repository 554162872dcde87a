/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_close.h - the WebSocket close status code registry (RFC 6455 §7.4 and the IANA
 * "WebSocket Close Code Number Registry", where 1012-1014 were registered later).
 *
 * ws_close_lookup() never fails: every 16-bit value falls in exactly one row. A row says how the
 * code is classed, which finding (if any) a Close frame carrying it on the wire deserves, and a
 * one-line meaning and fix hint (also used by `wsaudit explain`).
 */
#ifndef WSAUDIT_WS_CLOSE_H
#define WSAUDIT_WS_CLOSE_H

#include <stdint.h>

#include "finding.h"

enum ws_close_class {
    WS_CLOSE_STANDARD,   /* defined by RFC 6455 or registered in its 1000-1015 range */
    WS_CLOSE_REGISTERED, /* 3000-3999: registered with IANA by libraries and frameworks */
    WS_CLOSE_PRIVATE,    /* 4000-4999: private use by applications */
    WS_CLOSE_RESERVED,   /* reserved values: 1004, and 1005/1006/1015 (local-only) */
    WS_CLOSE_INVALID,    /* 0-999 and unassigned 1016-2999 */
    WS_CLOSE_UNDEFINED,  /* 5000 and above: nothing is defined */
};

struct ws_close_info {
    uint16_t lo, hi;  /* inclusive range the row covers */
    const char *name; /* e.g. "Unsupported Data" */
    enum ws_close_class cls;
    int finding;         /* enum wsa_finding_id when sending it is wrong, else -1 */
    const char *meaning; /* what it means when you see it */
    const char *hint;    /* what to do about it */
};

const struct ws_close_info *ws_close_lookup(uint16_t code);
const char *ws_close_class_name(enum ws_close_class cls);
/* Rows in order, for `explain` and for tests; *count receives the number of rows. */
const struct ws_close_info *ws_close_table(unsigned *count);
/* When and where you see this code: in a Close frame on the wire, or only from an API. */
const char *ws_close_when(uint16_t code);

#endif
