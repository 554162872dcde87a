/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_alert.h - the TLS AlertDescription registry (RFC 8446 §6, RFC 5246 §7.2 and the IANA
 * "TLS Alerts" registry), with what each alert means when it ends a handshake and what usually
 * fixes it. Used for findings and by `wsaudit explain`.
 */
#ifndef WSAUDIT_TLS_ALERT_H
#define WSAUDIT_TLS_ALERT_H

#include <stdint.h>

enum tls_alert_class {
    TLS_ALERT_CLOSURE, /* close_notify, user_canceled: not an error */
    TLS_ALERT_ERROR,   /* an error alert (RFC 8446 §6.2) */
    TLS_ALERT_RETIRED, /* "_RESERVED" in the registry: must not be sent any more */
    TLS_ALERT_UNKNOWN, /* not in the registry */
};

struct tls_alert_info {
    uint8_t value;
    const char *name; /* registry name, e.g. "certificate_expired" */
    enum tls_alert_class cls;
    const char *meaning;
    const char *hint; /* likely fix when it ends a handshake */
};

/* Never NULL: unknown values get a row of class TLS_ALERT_UNKNOWN named "unknown". */
const struct tls_alert_info *tls_alert_lookup(uint8_t value);
/* By registry name (ASCII case-insensitive); NULL when there is none. */
const struct tls_alert_info *tls_alert_by_name(const char *name);
const char *tls_alert_class_name(enum tls_alert_class cls);
const struct tls_alert_info *tls_alert_table(unsigned *count);
/* Who sends it and when, as OpenSSL 3.0 and GnuTLS 3.7 do (CONFORMANCE.md §8.2). */
const char *tls_alert_when(uint8_t value);

#endif
