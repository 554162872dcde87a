/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the TLS observer (core/tls_session.c, tls_explain.c, x509.c). Records are built
 * here byte by byte from RFC 8446 / RFC 5246 structures; every scenario is fed whole, one byte
 * at a time and cut at every position of every step, and must give the same events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "tls_session.h"
#include "unit_cert.h"
#include "x509.h"

/* ---------------- builders ---------------- */

static void put8(GByteArray *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    g_byte_array_append(b, &c, 1);
}

static void put16(GByteArray *b, unsigned v)
{
    put8(b, v >> 8);
    put8(b, v);
}

static void put24(GByteArray *b, unsigned v)
{
    put8(b, v >> 16);
    put16(b, v & 0xFFFF);
}

static void put(GByteArray *b, const void *p, size_t n)
{
    g_byte_array_append(b, p, (guint)n);
}

static GByteArray *record(unsigned type, const GByteArray *payload)
{
    GByteArray *r = g_byte_array_new();
    put8(r, type);
    put16(r, 0x0303);
    put16(r, payload->len);
    put(r, payload->data, payload->len);
    return r;
}

static GByteArray *opaque_record(unsigned type, unsigned len)
{
    GByteArray *p = g_byte_array_new();
    for (unsigned i = 0; i < len; i++)
        put8(p, (i * 7 + 1) & 0xFF);
    GByteArray *r = record(type, p);
    g_byte_array_free(p, TRUE);
    return r;
}

static GByteArray *hs_record(unsigned type, const GByteArray *body)
{
    GByteArray *m = g_byte_array_new();
    put8(m, type);
    put24(m, body->len);
    put(m, body->data, body->len);
    GByteArray *r = record(22, m);
    g_byte_array_free(m, TRUE);
    return r;
}

/* ClientHello: versions == NULL means no supported_versions extension */
static GByteArray *client_hello(const unsigned *versions, const char *sni, const char *alpn1,
                                const char *alpn2)
{
    GByteArray *b = g_byte_array_new(), *ext = g_byte_array_new();
    put16(b, 0x0303);
    for (unsigned i = 0; i < 32; i++)
        put8(b, i);
    put8(b, 0);
    put16(b, 6); /* three suites, one of them GREASE-free */
    put16(b, 0x1301);
    put16(b, 0xC02B);
    put16(b, 0xC02F);
    put8(b, 1);
    put8(b, 0);
    if (sni) {
        size_t n = strlen(sni);
        put16(ext, 0);
        put16(ext, (unsigned)n + 5);
        put16(ext, (unsigned)n + 3);
        put8(ext, 0);
        put16(ext, (unsigned)n);
        put(ext, sni, n);
    }
    if (alpn1) {
        size_t n1 = strlen(alpn1), n2 = alpn2 ? strlen(alpn2) : 0;
        size_t list = 1 + n1 + (alpn2 ? 1 + n2 : 0);
        put16(ext, 16);
        put16(ext, (unsigned)list + 2);
        put16(ext, (unsigned)list);
        put8(ext, (unsigned)n1);
        put(ext, alpn1, n1);
        if (alpn2) {
            put8(ext, (unsigned)n2);
            put(ext, alpn2, n2);
        }
    }
    if (versions) {
        unsigned n = 0;
        while (versions[n])
            n++;
        put16(ext, 43);
        put16(ext, 1 + 2 * (n + 1));
        put8(ext, 2 * (n + 1));
        put16(ext, 0x3A3A); /* GREASE, must be ignored */
        for (unsigned i = 0; i < n; i++)
            put16(ext, versions[i]);
    }
    put16(b, ext->len);
    put(b, ext->data, ext->len);
    GByteArray *r = hs_record(1, b);
    g_byte_array_free(b, TRUE);
    g_byte_array_free(ext, TRUE);
    return r;
}

static GByteArray *server_hello(unsigned sv, unsigned suite)
{
    GByteArray *b = g_byte_array_new();
    put16(b, 0x0303);
    for (unsigned i = 0; i < 32; i++)
        put8(b, 0x40 + i);
    put8(b, 0);
    put16(b, suite);
    put8(b, 0);
    if (sv) {
        put16(b, 6);
        put16(b, 43);
        put16(b, 2);
        put16(b, sv);
    } else {
        put16(b, 0);
    }
    GByteArray *r = hs_record(2, b);
    g_byte_array_free(b, TRUE);
    return r;
}

/* Certificate message (TLS <= 1.2) holding the unit certificate, as one handshake message
 * split over two records (RFC 5246 §6.2.1 allows it) */
static GByteArray *certificate_two_records(void)
{
    GByteArray *m = g_byte_array_new();
    put8(m, 11);
    put24(m, (unsigned)sizeof unit_cert_der + 6);
    put24(m, (unsigned)sizeof unit_cert_der + 3);
    put24(m, (unsigned)sizeof unit_cert_der);
    put(m, unit_cert_der, sizeof unit_cert_der);
    GByteArray *a = g_byte_array_new(), *c = g_byte_array_new();
    put(a, m->data, 100);
    put(c, m->data + 100, m->len - 100);
    GByteArray *r = record(22, a), *r2 = record(22, c);
    put(r, r2->data, r2->len);
    g_byte_array_free(m, TRUE);
    g_byte_array_free(a, TRUE);
    g_byte_array_free(c, TRUE);
    g_byte_array_free(r2, TRUE);
    return r;
}

static GByteArray *alert(unsigned level, unsigned desc)
{
    GByteArray *p = g_byte_array_new();
    put8(p, level);
    put8(p, desc);
    GByteArray *r = record(21, p);
    g_byte_array_free(p, TRUE);
    return r;
}

static GByteArray *raw(const char *s)
{
    GByteArray *b = g_byte_array_new();
    put(b, s, strlen(s));
    return b;
}

/* ---------------- scenarios and the feeding harness ---------------- */

enum step_kind { ST_DATA, ST_END_DIR, ST_GAP };

struct step {
    enum step_kind kind;
    int dir;
    uint64_t pkt;
    GByteArray *data; /* ST_DATA (owned) */
    uint64_t gap;     /* ST_GAP */
};

struct scenario {
    struct step steps[32];
    int n;
    int end_by_tcp;
    double ts;
};

static void add_data(struct scenario *sc, int dir, uint64_t pkt, GByteArray *data)
{
    sc->steps[sc->n++] = (struct step){ST_DATA, dir, pkt, data, 0};
}

static void add_end(struct scenario *sc, int dir, uint64_t pkt)
{
    sc->steps[sc->n++] = (struct step){ST_END_DIR, dir, pkt, NULL, 0};
}

static void add_gap(struct scenario *sc, int dir, uint64_t pkt, uint64_t len)
{
    sc->steps[sc->n++] = (struct step){ST_GAP, dir, pkt, NULL, len};
}

static void free_scenario(struct scenario *sc)
{
    for (int i = 0; i < sc->n; i++)
        if (sc->steps[i].data)
            g_byte_array_free(sc->steps[i].data, TRUE);
}

static void log_event(void *ctx, const struct tls_event *ev)
{
    GString *log = ctx;
    if (ev->type == TLS_EV_ALERT) {
        const struct tls_alert_rec *a = ev->alert;
        g_string_append_printf(log, "alert dir=%d pkt=%llu kind=%s level=%u desc=%u hs=%d\n",
                               a->dir, (unsigned long long)a->pkt, tls_alert_kind_name(a->kind),
                               a->level, a->desc, a->in_handshake);
    } else if (ev->type == TLS_EV_FINDING) {
        g_string_append_printf(log, "finding %s pkt=%llu %s\n", wsa_finding_info(ev->finding)->id,
                               (unsigned long long)ev->pkt, ev->detail);
    } else {
        const struct tls_session *s = ev->s;
        char v[24];
        g_string_append_printf(log, "summary outcome=%s cause=%s version=%s sni=%s alpn=%s\n",
                               tls_outcome_name(s->hs.outcome), tls_cause_name(&s->hs),
                               tls_version_name(s->hs.version, v, sizeof v), s->hs.ch.sni, s->hs.ch.alpn);
    }
}

/* mode 0: whole steps; 1: one byte at a time; 2: step `cut_step` split at `cut` */
static GString *run(const struct scenario *sc, int mode, int cut_step, size_t cut)
{
    GString *log = g_string_new("");
    struct tls_session s;
    tls_session_init(&s, log_event, log);
    for (int i = 0; i < sc->n; i++) {
        const struct step *st = &sc->steps[i];
        struct tls_seg seg = {st->pkt, sc->ts};
        if (st->kind == ST_END_DIR) {
            tls_session_end_dir(&s, st->dir, st->pkt);
            continue;
        }
        if (st->kind == ST_GAP) {
            tls_session_gap(&s, st->dir, st->gap, st->pkt);
            continue;
        }
        const uint8_t *p = st->data->data;
        size_t n = st->data->len;
        if (mode == 1) {
            for (size_t k = 0; k < n; k++)
                tls_session_feed(&s, st->dir, p + k, 1, &seg);
        } else if (mode == 2 && i == cut_step) {
            tls_session_feed(&s, st->dir, p, cut, &seg);
            tls_session_feed(&s, st->dir, p + cut, n - cut, &seg);
        } else {
            tls_session_feed(&s, st->dir, p, n, &seg);
        }
    }
    tls_session_end(&s, sc->end_by_tcp, 99);
    tls_session_free(&s);
    return log;
}

/* Feed every way; all must agree. Returns the log (caller frees). */
static GString *run_all(const struct scenario *sc)
{
    GString *whole = run(sc, 0, 0, 0);
    GString *bytewise = run(sc, 1, 0, 0);
    assert_string_equal(whole->str, bytewise->str);
    g_string_free(bytewise, TRUE);
    for (int i = 0; i < sc->n; i++) {
        if (sc->steps[i].kind != ST_DATA)
            continue;
        for (size_t cut = 1; cut < sc->steps[i].data->len; cut++) {
            GString *split = run(sc, 2, i, cut);
            assert_string_equal(whole->str, split->str);
            g_string_free(split, TRUE);
        }
    }
    return whole;
}

static void assert_contains(const GString *log, const char *needle)
{
    if (!strstr(log->str, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, log->str);
}

static void assert_lacks(const GString *log, const char *needle)
{
    if (strstr(log->str, needle))
        fail_msg("did not expect \"%s\" in:\n%s", needle, log->str);
}

static const unsigned v12_13[] = {0x0304, 0x0303, 0};
static const unsigned v13[] = {0x0304, 0};

/* capture time 2026-11-24: the unit certificate expired 2021-01-01 */
#define TS_2026 1795478400.0

/* ---------------- tests ---------------- */

static void tls12_certificate_expired_plaintext_alert(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1, .ts = TS_2026};
    add_data(&sc, TLS_C2S, 4, client_hello(NULL, "unit.example", "h2", "http/1.1"));
    GByteArray *flight = server_hello(0, 0xC02B);
    GByteArray *cert = certificate_two_records();
    put(flight, cert->data, cert->len);
    g_byte_array_free(cert, TRUE);
    add_data(&sc, TLS_S2C, 6, flight);
    add_data(&sc, TLS_C2S, 8, alert(2, 45));
    add_end(&sc, TLS_C2S, 8);
    add_end(&sc, TLS_S2C, 9);
    GString *log = run_all(&sc);
    assert_contains(log, "alert dir=0 pkt=8 kind=plaintext level=2 desc=45 hs=1");
    assert_contains(log, "summary outcome=failed cause=certificate_expired version=TLS 1.2 "
                         "sni=unit.example alpn=h2,http/1.1");
    assert_contains(log, "finding tls.handshake_failure pkt=8 The client sent fatal alert "
                         "certificate_expired (45)");
    assert_contains(log, "valid until 2021-01-01 00:00:00 UTC: expired 2153 days before this "
                         "capture");
    /* the title says a client reports 1015; the detail says it is never on the wire, once */
    assert_non_null(strstr(wsa_finding_info(F_TLS_HANDSHAKE_FAILURE)->title, "close status 1015"));
    assert_contains(log, "1015 itself is never sent in a Close frame.");
    assert_lacks(log, "reports this connection as close status 1015");
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

static void tls12_bad_certificate_names_hostname_mismatch(void **state)
{
    (void)state;
    /* GnuTLS sends bad_certificate for every failure: the certificate tells which one */
    struct scenario sc = {.end_by_tcp = 1, .ts = 1600000000.0 /* 2020-09: cert valid */};
    add_data(&sc, TLS_C2S, 1, client_hello(NULL, "other.example", NULL, NULL));
    GByteArray *flight = server_hello(0, 0xC02B);
    GByteArray *cert = certificate_two_records();
    put(flight, cert->data, cert->len);
    g_byte_array_free(cert, TRUE);
    add_data(&sc, TLS_S2C, 2, flight);
    add_data(&sc, TLS_C2S, 3, alert(2, 42));
    GString *log = run_all(&sc);
    assert_contains(log, "(SNI \"other.example\") is not in the server's certificate "
                         "(subjectAltName DNS: unit.example,*.wild.example)");
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

static void tls13_version_mismatch_protocol_version(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 4, client_hello(v13, "a.example", NULL, NULL));
    add_data(&sc, TLS_S2C, 6, alert(2, 70));
    add_end(&sc, TLS_S2C, 6);
    GString *log = run_all(&sc);
    assert_contains(log, "summary outcome=failed cause=protocol_version");
    assert_contains(log, "no common TLS version: the client offered TLS 1.3 and the server "
                         "accepts none of them");
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

/* RFC 8446: after ServerHello the server's flight is application_data records; a GnuTLS
 * client rejecting the certificate answers with one 19-byte record and closes (TLS-04) */
static void tls13_probable_encrypted_alert_from_client(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 4, client_hello(v12_13, "x.example", "http/1.1", NULL));
    GByteArray *flight = server_hello(0x0304, 0x1302);
    GByteArray *ccs = opaque_record(20, 1), *enc = opaque_record(23, 700);
    put(flight, ccs->data, ccs->len);
    put(flight, enc->data, enc->len);
    add_data(&sc, TLS_S2C, 6, flight);
    add_data(&sc, TLS_C2S, 8, ccs);
    add_data(&sc, TLS_C2S, 9, opaque_record(23, 19));
    add_end(&sc, TLS_C2S, 10);
    add_end(&sc, TLS_S2C, 11);
    g_byte_array_free(enc, TRUE);
    GString *log = run_all(&sc);
    assert_contains(log, "alert dir=0 pkt=9 kind=probable_encrypted level=0 desc=0 hs=1");
    assert_contains(log, "finding tls.alert_probable_encrypted pkt=9");
    assert_contains(log, "summary outcome=failed cause=probable_encrypted_alert version=TLS 1.3");
    assert_contains(log, "finding tls.handshake_failure pkt=9 The client sent one encrypted "
                         "record of alert size (19 bytes)");
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

/* a completed TLS 1.3 session whose both sides end with a 19-byte close_notify (TLS-05) */
static void tls13_close_notify_after_data_is_not_a_failure(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 4, client_hello(v12_13, NULL, NULL, NULL));
    GByteArray *flight = server_hello(0x0304, 0x1301);
    GByteArray *enc = opaque_record(23, 900);
    put(flight, enc->data, enc->len);
    g_byte_array_free(enc, TRUE);
    add_data(&sc, TLS_S2C, 6, flight);
    add_data(&sc, TLS_C2S, 8, opaque_record(23, 53));  /* Finished */
    add_data(&sc, TLS_S2C, 9, opaque_record(23, 250)); /* NewSessionTicket */
    add_data(&sc, TLS_C2S, 10, opaque_record(23, 19));
    add_data(&sc, TLS_S2C, 11, opaque_record(23, 19));
    add_end(&sc, TLS_C2S, 12);
    add_end(&sc, TLS_S2C, 13);
    GString *log = run_all(&sc);
    assert_contains(log, "summary outcome=completed cause=none version=TLS 1.3");
    assert_contains(log, "alert dir=0 pkt=10 kind=probable_encrypted level=0 desc=0 hs=0");
    assert_contains(log, "alert dir=1 pkt=11 kind=probable_encrypted level=0 desc=0 hs=0");
    assert_lacks(log, "finding");
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

/* the server rejects the client after its Finished (certificate_required, encrypted) */
static void tls13_probable_alert_from_server_after_client_finished(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 1, client_hello(v13, NULL, NULL, NULL));
    GByteArray *flight = server_hello(0x0304, 0x1301);
    GByteArray *enc = opaque_record(23, 900);
    put(flight, enc->data, enc->len);
    g_byte_array_free(enc, TRUE);
    add_data(&sc, TLS_S2C, 2, flight);
    add_data(&sc, TLS_C2S, 3, opaque_record(23, 60));
    add_data(&sc, TLS_S2C, 4, opaque_record(23, 19));
    add_end(&sc, TLS_S2C, 5);
    GString *log = run_all(&sc);
    assert_contains(log, "summary outcome=failed cause=probable_encrypted_alert");
    assert_contains(log, "certificate_required");
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

/* TLS 1.2: alerts after ChangeCipherSpec are encrypted (TLS-03) */
static void tls12_encrypted_alerts_after_completion(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 1, client_hello(NULL, NULL, NULL, NULL));
    add_data(&sc, TLS_S2C, 2, server_hello(0, 0xC02F));
    GByteArray *cflight = opaque_record(20, 1), *fin = opaque_record(22, 40);
    put(cflight, fin->data, fin->len);
    add_data(&sc, TLS_C2S, 3, cflight);
    GByteArray *sflight = opaque_record(20, 1);
    put(sflight, fin->data, fin->len);
    add_data(&sc, TLS_S2C, 4, sflight);
    g_byte_array_free(fin, TRUE);
    add_data(&sc, TLS_C2S, 5, opaque_record(23, 100));
    add_data(&sc, TLS_C2S, 6, opaque_record(21, 26));
    add_end(&sc, TLS_C2S, 6);
    GString *log = run_all(&sc);
    assert_contains(log, "summary outcome=completed");
    assert_contains(log, "alert dir=0 pkt=6 kind=encrypted level=0 desc=0 hs=0");
    assert_lacks(log, "finding");
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

/* TLS <= 1.2 may split an alert over records (RFC 5246 §6.2.1); TLS 1.3 may not (TLS-02) */
static void alert_fragmentation_rules(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 1, client_hello(NULL, NULL, NULL, NULL));
    GByteArray *a = g_byte_array_new(), *b = g_byte_array_new();
    put8(a, 2);
    put8(b, 40);
    GByteArray *r = record(21, a), *r2 = record(21, b);
    put(r, r2->data, r2->len);
    g_byte_array_free(r2, TRUE);
    g_byte_array_free(a, TRUE);
    g_byte_array_free(b, TRUE);
    add_data(&sc, TLS_S2C, 2, r);
    GString *log = run_all(&sc);
    assert_contains(log, "alert dir=1 pkt=2 kind=plaintext level=2 desc=40 hs=1");
    assert_lacks(log, "alert_record_length");
    g_string_free(log, TRUE);
    free_scenario(&sc);

    struct scenario s13 = {.end_by_tcp = 1};
    add_data(&s13, TLS_C2S, 1, client_hello(v13, NULL, NULL, NULL));
    add_data(&s13, TLS_S2C, 2, server_hello(0x0304, 0x1301));
    GByteArray *two = alert(2, 10), *second = alert(2, 80);
    GByteArray *p = g_byte_array_new();
    put(p, two->data + 5, 2);
    put(p, second->data + 5, 2);
    add_data(&s13, TLS_C2S, 3, record(21, p));
    g_byte_array_free(two, TRUE);
    g_byte_array_free(second, TRUE);
    g_byte_array_free(p, TRUE);
    log = run_all(&s13);
    assert_contains(log, "finding tls.violation.alert_record_length pkt=3");
    g_string_free(log, TRUE);
    free_scenario(&s13);
}

static void alert_rule_violations(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 1, client_hello(v13, NULL, NULL, NULL));
    add_data(&sc, TLS_S2C, 2, server_hello(0x0304, 0x1301));
    add_data(&sc, TLS_C2S, 3, alert(1, 48));  /* TLS-08: error alert with level warning */
    add_data(&sc, TLS_C2S, 4, alert(2, 200)); /* unknown description, after a fatal one */
    add_data(&sc, TLS_C2S, 5, alert(2, 41));  /* retired */
    GString *log = run_all(&sc);
    assert_contains(log, "finding tls.violation.alert_level pkt=3 unknown_ca with level warning");
    assert_contains(log, "finding tls.violation.data_after_fatal_alert pkt=4");
    assert_contains(log, "finding tls.alert_unknown pkt=4");
    assert_contains(log, "finding tls.alert_retired pkt=5");
    /* the first alert ended the handshake: one failure only */
    assert_contains(log, "summary outcome=failed cause=unknown_ca");
    assert_int_equal(
        strstr(strstr(log->str, "tls.handshake_failure") + 1, "tls.handshake_failure") == NULL, 1);
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

static void server_that_is_not_tls(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 4, client_hello(v12_13, "localhost", NULL, NULL));
    add_data(&sc, TLS_S2C, 6, raw("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    GString *log = run_all(&sc);
    assert_contains(log, "finding tls.not_tls_answer pkt=6 the server's first bytes: "
                         "\"HTTP/1.1 400 Bad Request\"");
    assert_contains(log, "summary outcome=failed cause=not_tls");
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

static void abandoned_without_alert(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 4, client_hello(v12_13, NULL, NULL, NULL));
    add_end(&sc, TLS_S2C, 6);
    add_end(&sc, TLS_C2S, 7);
    GString *log = run_all(&sc);
    assert_contains(log, "summary outcome=abandoned cause=no_alert");
    assert_contains(log, "finding tls.handshake_failure pkt=6 The server closed the connection "
                         "after the ClientHello without a ServerHello or any alert");
    g_string_free(log, TRUE);
    free_scenario(&sc);

    /* the same at the end of the capture, without FIN/RST: not a failure, just incomplete */
    struct scenario open = {.end_by_tcp = 0};
    add_data(&open, TLS_C2S, 4, client_hello(v12_13, NULL, NULL, NULL));
    log = run_all(&open);
    assert_contains(log, "summary outcome=incomplete");
    assert_lacks(log, "finding");
    g_string_free(log, TRUE);
    free_scenario(&open);
}

static void gaps_inside_and_across_records(void **state)
{
    (void)state;
    /* a hole inside an application_data record keeps the boundaries */
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 1, client_hello(v13, NULL, NULL, NULL));
    GByteArray *flight = server_hello(0x0304, 0x1301);
    GByteArray *hdr = g_byte_array_new();
    put8(hdr, 23);
    put16(hdr, 0x0303);
    put16(hdr, 1000);
    put(flight, hdr->data, hdr->len);
    g_byte_array_free(hdr, TRUE);
    add_data(&sc, TLS_S2C, 2, flight);
    add_gap(&sc, TLS_S2C, 3, 1000);
    add_data(&sc, TLS_C2S, 4, opaque_record(23, 60));
    add_data(&sc, TLS_S2C, 5, opaque_record(23, 300));
    GString *log = run_all(&sc);
    assert_contains(log, "summary outcome=completed");
    assert_lacks(log, "direction_stopped");
    g_string_free(log, TRUE);
    free_scenario(&sc);

    /* a hole that swallows a record header stops the direction */
    struct scenario st = {.end_by_tcp = 1};
    add_data(&st, TLS_C2S, 1, client_hello(v13, NULL, NULL, NULL));
    add_gap(&st, TLS_S2C, 2, 400);
    add_end(&st, TLS_S2C, 3);
    log = run_all(&st);
    assert_contains(log, "finding tls.direction_stopped pkt=2");
    assert_contains(log, "summary outcome=incomplete"); /* bytes lost: never "abandoned" */
    g_string_free(log, TRUE);
    free_scenario(&st);
}

static void record_overflow_and_sslv2_hello(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 1, client_hello(NULL, NULL, NULL, NULL));
    add_data(&sc, TLS_S2C, 2, opaque_record(22, 16385));
    GString *log = run(&sc, 0, 0, 0);
    assert_contains(log, "finding tls.violation.record_overflow pkt=2 record of 16385 bytes "
                         "(limit 16384)");
    g_string_free(log, TRUE);
    free_scenario(&sc);

    /* SSLv2-compatible CLIENT-HELLO: 2-byte header with bit 7 set (RFC 5246 App. E.2) */
    static const uint8_t v2[] = {0x80, 0x2E, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00,
                                 0x10, 0x00, 0x00, 0x2F, 0x00, 0x00, 0x35, 0x00, 0x00, 0x0A,
                                 0x00, 0x00, 0x05, 0x00, 0x00, 0x04, 0x00, 0xFF, 0x00, 0x01,
                                 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B,
                                 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13};
    assert_int_equal(tls_looks_like_client_hello(v2, sizeof v2), 1);
    struct scenario s2 = {.end_by_tcp = 1};
    GByteArray *b = g_byte_array_new();
    put(b, v2, sizeof v2);
    add_data(&s2, TLS_C2S, 1, b);
    add_data(&s2, TLS_S2C, 2, alert(2, 40));
    log = run_all(&s2);
    assert_contains(log, "finding tls.sslv2_hello pkt=1");
    assert_contains(log, "summary outcome=failed cause=handshake_failure");
    g_string_free(log, TRUE);
    free_scenario(&s2);
}

/* TLS-09: a warning unrecognized_name lets a TLS 1.2 handshake go on (RFC 6066 §3) */
static void tls12_warning_unrecognized_name_is_not_a_failure(void **state)
{
    (void)state;
    struct scenario sc = {.end_by_tcp = 1};
    add_data(&sc, TLS_C2S, 1, client_hello(NULL, "nobody.example", NULL, NULL));
    GByteArray *flight = alert(1, 112), *sh = server_hello(0, 0xC02F);
    put(flight, sh->data, sh->len);
    g_byte_array_free(sh, TRUE);
    add_data(&sc, TLS_S2C, 2, flight);
    GByteArray *fin = opaque_record(22, 40);
    GByteArray *c = opaque_record(20, 1);
    put(c, fin->data, fin->len);
    add_data(&sc, TLS_C2S, 3, c);
    GByteArray *sv = opaque_record(20, 1);
    put(sv, fin->data, fin->len);
    add_data(&sc, TLS_S2C, 4, sv);
    g_byte_array_free(fin, TRUE);
    GString *log = run_all(&sc);
    assert_contains(log, "alert dir=1 pkt=2 kind=plaintext level=1 desc=112 hs=1");
    assert_contains(log, "summary outcome=completed");
    assert_lacks(log, "finding");
    g_string_free(log, TRUE);
    free_scenario(&sc);
}

static void x509_decodes_unit_certificate(void **state)
{
    (void)state;
    struct x509_info xi;
    char t[40];
    assert_int_equal(x509_parse(unit_cert_der, sizeof unit_cert_der, &xi), 0);
    /* RFC 4514 order, as `openssl x509 -nameopt RFC2253 -subject` prints it */
    assert_string_equal(xi.subject, "CN=unit.example,O=wsaudit unit");
    assert_string_equal(xi.serial, "07"); /* openssl x509 -serial: 07 */
    assert_string_equal(xi.issuer, xi.subject);
    assert_true(xi.self_issued);
    assert_string_equal(xi.san_dns, "unit.example,*.wild.example");
    x509_format_time(xi.not_before, t, sizeof t);
    assert_string_equal(t, "2020-01-01 00:00:00 UTC");
    x509_format_time(xi.not_after, t, sizeof t);
    assert_string_equal(t, "2021-01-01 00:00:00 UTC");
    assert_true(x509_host_matches(&xi, "UNIT.example"));
    assert_true(x509_host_matches(&xi, "a.wild.example"));
    assert_false(x509_host_matches(&xi, "a.b.wild.example")); /* one label only */
    assert_false(x509_host_matches(&xi, "wild.example"));
    assert_false(x509_host_matches(&xi, "localhost"));
    /* every truncation fails cleanly (lengths are never trusted) */
    for (size_t n = 0; n < sizeof unit_cert_der; n++)
        assert_int_equal(x509_parse(unit_cert_der, n, &xi), -1);
    /* every single-byte corruption either parses or fails, without reading out of bounds */
    uint8_t copy[sizeof unit_cert_der];
    for (size_t i = 0; i < sizeof copy; i++) {
        memcpy(copy, unit_cert_der, sizeof copy);
        copy[i] ^= 0xFF;
        (void)x509_parse(copy, sizeof copy, &xi);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls12_certificate_expired_plaintext_alert),
        cmocka_unit_test(tls12_bad_certificate_names_hostname_mismatch),
        cmocka_unit_test(tls13_version_mismatch_protocol_version),
        cmocka_unit_test(tls13_probable_encrypted_alert_from_client),
        cmocka_unit_test(tls13_close_notify_after_data_is_not_a_failure),
        cmocka_unit_test(tls13_probable_alert_from_server_after_client_finished),
        cmocka_unit_test(tls12_encrypted_alerts_after_completion),
        cmocka_unit_test(alert_fragmentation_rules),
        cmocka_unit_test(alert_rule_violations),
        cmocka_unit_test(server_that_is_not_tls),
        cmocka_unit_test(abandoned_without_alert),
        cmocka_unit_test(gaps_inside_and_across_records),
        cmocka_unit_test(record_overflow_and_sslv2_hello),
        cmocka_unit_test(tls12_warning_unrecognized_name_is_not_a_failure),
        cmocka_unit_test(x509_decodes_unit_certificate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
