/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x509.h - just enough DER to say what a certificate is: subject, issuer, validity dates and
 * DNS names of subjectAltName (RFC 5280 §4.1). Reads a bounded buffer, never allocates, never
 * trusts a length; any malformation makes x509_parse fail (the caller reports "not decoded").
 */
#ifndef WSAUDIT_X509_H
#define WSAUDIT_X509_H

#include <stddef.h>
#include <stdint.h>

struct x509_info {
    /* RFC 4514 order (the last RDN first): "CN=localhost,O=wsaudit tests"; several values of
     * one RDN joined with "+"; an attribute without a short name by its dotted OID; ",+\"<>;"
     * and bytes that are not printable UTF-8 as \xNN; truncated with "..." */
    char subject[256];
    char issuer[256];
    char serial[68];   /* serialNumber in uppercase hex (as openssl and Zeek print it) */
    char san_dns[256];             /* DNS names of subjectAltName, comma separated */
    char cn[128];                  /* the subject's last commonName */
    int64_t not_before, not_after; /* seconds since 1970 (UTC) */
    int self_issued;               /* subject == issuer (byte-wise) */
};

/* 0 on success, -1 when the bytes are not a certificate this parser understands. */
int x509_parse(const uint8_t *der, size_t len, struct x509_info *out);

/* "2021-01-01 00:00:00 UTC" */
void x509_format_time(int64_t t, char *out, size_t n);

/* 1 when host matches one of the SAN DNS names (or, without SANs, the CN); "*." wildcards
 * match one label (RFC 6125 §6.4.3). */
int x509_host_matches(const struct x509_info *x, const char *host);

#endif
