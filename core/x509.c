/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x509.c - minimal DER reading of a certificate; see x509.h. */
#include "x509.h"

#include "escape.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct der {
    const uint8_t *p;
    size_t len;
};

/* Read one TLV from in; val gets its contents. Only low tag numbers and definite lengths of up
 * to 4 bytes, as DER certificates use. */
static int der_next(struct der *in, uint8_t *tag, struct der *val)
{
    if (in->len < 2)
        return -1;
    *tag = in->p[0];
    if ((*tag & 0x1F) == 0x1F)
        return -1;
    size_t pos = 2, n = in->p[1];
    if (n & 0x80) {
        size_t k = n & 0x7F;
        if (k == 0 || k > 4 || in->len < 2 + k)
            return -1;
        n = 0;
        for (size_t i = 0; i < k; i++)
            n = (n << 8) | in->p[2 + i];
        pos += k;
    }
    if (n > in->len - pos)
        return -1;
    val->p = in->p + pos;
    val->len = n;
    in->p += pos + n;
    in->len -= pos + n;
    return 0;
}

static int der_expect(struct der *in, uint8_t want, struct der *val)
{
    uint8_t tag;
    if (der_next(in, &tag, val) < 0 || tag != want)
        return -1;
    return 0;
}

/* append s to a bounded string, every byte kept (escape.h), truncation marked with "..." */
static void put(char *out, size_t n, const char *s, size_t slen)
{
    wsa_escape_append(out, n, (const uint8_t *)s, slen, "");
}

static const char *attr_name(struct der oid)
{
    static const struct {
        uint8_t last;
        const char *name;
    } at[] = {{3, "CN"}, {5, "serialNumber"}, {6, "C"}, {7, "L"}, {8, "ST"}, {10, "O"}, {11, "OU"}};
    static const uint8_t email[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01};
    if (oid.len == 3 && oid.p[0] == 0x55 && oid.p[1] == 0x04)
        for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
            if (at[i].last == oid.p[2])
                return at[i].name;
    if (oid.len == sizeof email && memcmp(oid.p, email, sizeof email) == 0)
        return "emailAddress";
    return NULL;
}

/* an OBJECT IDENTIFIER in dotted decimal (RFC 4514 §2.3 for attribute types without a name) */
static void dotted_oid(struct der oid, char *out, size_t n)
{
    size_t k = 0;
    uint64_t v = 0;
    out[0] = 0;
    for (size_t i = 0; i < oid.len && k + 24 < n; i++) {
        v = v << 7 | (oid.p[i] & 0x7F);
        if (oid.p[i] & 0x80)
            continue;
        if (k == 0) { /* the first two arcs share one number */
            unsigned first = v < 80 ? (unsigned)(v / 40) : 2;
            k += (size_t)snprintf(out + k, n - k, "%u.%llu", first,
                                  (unsigned long long)(v - first * 40u));
        } else {
            k += (size_t)snprintf(out + k, n - k, ".%llu", (unsigned long long)v);
        }
        v = 0;
    }
    if (!k)
        snprintf(out, n, "0.0");
}

#define X509_MAX_RDNS 16

/* RFC 4514 §2.1: the RDNs last first, joined with ","; values of one RDN with "+" */
static int parse_name(struct der name, char *out, size_t n, char *cn, size_t cn_n)
{
    struct der rdns[X509_MAX_RDNS];
    size_t nrdn = 0;
    out[0] = 0;
    while (name.len) {
        struct der set;
        if (der_expect(&name, 0x31, &set) < 0)
            return -1;
        if (nrdn < X509_MAX_RDNS)
            rdns[nrdn++] = set;
    }
    for (size_t r = nrdn; r-- > 0;) {
        struct der set = rdns[r];
        int first = 1;
        while (set.len) {
            struct der atv, oid, value;
            uint8_t tag;
            if (der_expect(&set, 0x30, &atv) < 0 || der_expect(&atv, 0x06, &oid) < 0 ||
                der_next(&atv, &tag, &value) < 0)
                return -1;
            const char *an = attr_name(oid);
            if (out[0])
                put(out, n, first ? "," : "+", 1);
            first = 0;
            char dotted[64];
            if (!an) {
                dotted_oid(oid, dotted, sizeof dotted);
                an = dotted;
            }
            put(out, n, an, strlen(an));
            put(out, n, "=", 1);
            /* RFC 4514 §2.4's special characters, in wsaudit's escape */
            wsa_escape_append(out, n, value.p, value.len, ",+\"<>;");
            if (an != dotted && strcmp(an, "CN") == 0 && cn && !cn[0])
                put(cn, cn_n, (const char *)value.p, value.len); /* the most specific CN */
        }
    }
    return 0;
}

static int digits(const uint8_t *p, int k)
{
    int v = 0;
    for (int i = 0; i < k; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* days since 1970-01-01 of a proleptic Gregorian date (era-based day counting) */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int parse_time(struct der *in, int64_t *t)
{
    uint8_t tag;
    struct der v;
    if (der_next(in, &tag, &v) < 0)
        return -1;
    int year;
    const uint8_t *p = v.p;
    if (tag == 0x17 && v.len == 13) { /* UTCTime YYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.1) */
        year = digits(p, 2);
        if (year < 0)
            return -1;
        year += year < 50 ? 2000 : 1900;
        p += 2;
    } else if (tag == 0x18 && v.len == 15) { /* GeneralizedTime YYYYMMDDHHMMSSZ */
        year = digits(p, 4);
        if (year < 0)
            return -1;
        p += 4;
    } else {
        return -1;
    }
    int mo = digits(p, 2), d = digits(p + 2, 2), h = digits(p + 4, 2), mi = digits(p + 6, 2),
        s = digits(p + 8, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
        s > 60 || p[10] != 'Z')
        return -1;
    *t = days_from_civil(year, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return 0;
}

static void parse_san(struct der ext_value, struct x509_info *out)
{
    struct der names, gn;
    uint8_t tag;
    if (der_expect(&ext_value, 0x30, &names) < 0)
        return;
    while (names.len && der_next(&names, &tag, &gn) == 0) {
        if (tag != 0x82) /* dNSName [2] IMPLICIT IA5String */
            continue;
        if (out->san_dns[0])
            put(out->san_dns, sizeof out->san_dns, ",", 1);
        wsa_escape_append(out->san_dns, sizeof out->san_dns, gn.p, gn.len, ",");
    }
}

static void parse_extensions(struct der exts, struct x509_info *out)
{
    static const uint8_t san_oid[] = {0x55, 0x1D, 0x11};
    struct der seq, ext, oid, v;
    uint8_t tag;
    if (der_expect(&exts, 0x30, &seq) < 0)
        return;
    while (seq.len && der_expect(&seq, 0x30, &ext) == 0) {
        if (der_expect(&ext, 0x06, &oid) < 0 || der_next(&ext, &tag, &v) < 0)
            continue;
        if (tag == 0x01 && der_next(&ext, &tag, &v) < 0) /* critical flag */
            continue;
        if (tag == 0x04 && oid.len == sizeof san_oid && memcmp(oid.p, san_oid, 3) == 0)
            parse_san(v, out);
    }
}

int x509_parse(const uint8_t *der, size_t len, struct x509_info *out)
{
    struct der in = {der, len}, cert, tbs, skip, issuer, validity, subject;
    uint8_t tag;
    memset(out, 0, sizeof *out);
    if (der_expect(&in, 0x30, &cert) < 0 || der_expect(&cert, 0x30, &tbs) < 0)
        return -1;
    if (tbs.len && tbs.p[0] == 0xA0 && der_next(&tbs, &tag, &skip) < 0) /* [0] version */
        return -1;
    struct der serial;
    if (der_expect(&tbs, 0x02, &serial) < 0 || /* serialNumber */
        der_expect(&tbs, 0x30, &skip) < 0 ||   /* signature algorithm */
        der_expect(&tbs, 0x30, &issuer) < 0 || /* issuer */
        der_expect(&tbs, 0x30, &validity) < 0 || der_expect(&tbs, 0x30, &subject) < 0)
        return -1;
    if (parse_time(&validity, &out->not_before) < 0 || parse_time(&validity, &out->not_after) < 0)
        return -1;
    if (parse_name(issuer, out->issuer, sizeof out->issuer, NULL, 0) < 0 ||
        parse_name(subject, out->subject, sizeof out->subject, out->cn, sizeof out->cn) < 0)
        return -1;
    out->self_issued = issuer.len == subject.len && memcmp(issuer.p, subject.p, issuer.len) == 0;
    for (size_t i = 0, k = 0; i < serial.len && k + 3 <= sizeof out->serial; i++) {
        if (i == 0 && serial.p[0] == 0 && serial.len > 1)
            continue; /* the sign byte of a positive number */
        k += (size_t)snprintf(out->serial + k, sizeof out->serial - k, "%02X", serial.p[i]);
    }
    /* subjectPublicKeyInfo, optional unique ids, then [3] extensions */
    while (tbs.len && der_next(&tbs, &tag, &skip) == 0)
        if (tag == 0xA3)
            parse_extensions(skip, out);
    return 0;
}

void x509_format_time(int64_t t, char *out, size_t n)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    /* civil date from days (inverse of days_from_civil) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(out, n, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld UTC", (long long)y, (long long)m,
             (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
             (long long)(secs % 60));
}

static int name_matches(const char *pattern, size_t plen, const char *host)
{
    size_t hlen = strlen(host);
    if (plen > 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *dot = strchr(host, '.');
        if (!dot || dot == host)
            return 0;
        size_t rest = hlen - (size_t)(dot - host);
        return rest == plen - 1 && strncasecmp(dot, pattern + 1, rest) == 0;
    }
    return plen == hlen && strncasecmp(pattern, host, hlen) == 0;
}

int x509_host_matches(const struct x509_info *x, const char *host)
{
    if (!x->san_dns[0])
        return name_matches(x->cn, strlen(x->cn), host);
    const char *p = x->san_dns;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (name_matches(p, n, host))
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}
