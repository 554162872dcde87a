/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_explain.c - names and the failure explanation of a TLS session (tls_session.h): what went
 * wrong, the evidence the capture holds for it, and what fixes it. The wording is built from
 * the alert registry (tls_alert.c) and what the handshake showed (versions, SNI, ALPN, the
 * certificate when it travelled in plaintext).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tls_explain.h"

#include "finding.h"
#include "tls_alert.h"

const char *tls_version_name(uint16_t v, char *buf, size_t n)
{
    static const char *const names[] = {"SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"};
    if (v >= TLS_V_SSL3 && v <= TLS_V_13)
        snprintf(buf, n, "%s", names[v - TLS_V_SSL3]);
    else if ((v >> 8) == 0x7F)
        snprintf(buf, n, "TLS 1.3 draft %u", v & 0xFF);
    else if (v == TLS_V_SSL2)
        snprintf(buf, n, "SSL 2.0");
    else
        snprintf(buf, n, "0x%04x", v);
    return buf;
}

const char *tls_outcome_name(enum tls_outcome o)
{
    static const char *const names[] = {"pending", "completed", "failed", "abandoned",
                                        "incomplete"};
    return (unsigned)o < 5 ? names[o] : "?";
}

const char *tls_cause_name(const struct tls_facts *f)
{
    switch (f->cause) {
    case TLS_CAUSE_ALERT:
        return tls_alert_lookup(f->fail_alert.desc)->name;
    case TLS_CAUSE_ENCRYPTED_ALERT:
        return "encrypted_alert";
    case TLS_CAUSE_PROBABLE_ALERT:
        return "probable_encrypted_alert";
    case TLS_CAUSE_NO_ALERT:
        return "no_alert";
    case TLS_CAUSE_NOT_TLS:
        return "not_tls";
    default:
        return "none";
    }
}

const char *tls_alert_kind_name(enum tls_alert_kind k)
{
    static const char *const names[] = {"plaintext", "encrypted", "probable_encrypted",
                                        "decrypted"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

void tls_hello_versions(const struct tls_hello *h, char *out, size_t n)
{
    char b[24];
    out[0] = 0;
    if (!h->seen)
        return;
    if (h->has_sv && h->n_versions) {
        size_t used = 0;
        for (unsigned i = 0; i < h->n_versions && used < n; i++)
            used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ", " : "",
                                     tls_version_name(h->versions[i], b, sizeof b));
    } else {
        snprintf(out, n, "%s", tls_version_name(h->legacy_version, b, sizeof b));
    }
}

long tls_cert_days_expired(const struct tls_cert *c)
{
    if (!c->decoded || c->ts <= 0)
        return 0;
    double now = c->ts;
    /* whole days, at least 1 once outside the validity period */
    if (now > (double)c->leaf.not_after) {
        long d = (long)((now - (double)c->leaf.not_after) / 86400.0);
        return d > 0 ? d : 1;
    }
    if (now < (double)c->leaf.not_before) {
        long d = (long)(((double)c->leaf.not_before - now) / 86400.0);
        return d > 0 ? -d : -1;
    }
    return 0;
}

/* bounded appender */
struct sb {
    char *p;
    size_t n, used;
};

static void add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct sb *b, const char *fmt, ...)
{
    if (b->used + 1 >= b->n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->used, b->n - b->used, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->used += (size_t)k < b->n - b->used ? (size_t)k : b->n - b->used - 1;
}

/* the client's offer in words: "TLS 1.2 only", "TLS 1.3, TLS 1.2" */
static void offer_text(const struct tls_facts *f, char *out, size_t n)
{
    char v[96];
    tls_hello_versions(&f->ch, v, sizeof v);
    if (!f->ch.seen)
        snprintf(out, n, "(ClientHello not captured)");
    else if (f->ch.has_sv)
        snprintf(out, n, "%s", v);
    else
        snprintf(out, n, "up to %s (no supported_versions extension)", v);
}

static int offers(const struct tls_hello *h, uint16_t v)
{
    if (!h->has_sv)
        return h->legacy_version >= v && v < TLS_V_13;
    for (unsigned i = 0; i < h->n_versions; i++)
        if (h->versions[i] == v)
            return 1;
    return 0;
}

static void cert_facts(const struct tls_facts *f, struct sb *b)
{
    const struct tls_cert *c = &f->cert;
    char na[40];
    if (!c->decoded) {
        if (f->version == TLS_V_13)
            add(b, " (the certificate travels encrypted in TLS 1.3: inspect it with "
                   "`openssl s_client -connect HOST:PORT -servername NAME -showcerts`)");
        return;
    }
    x509_format_time(c->leaf.not_after, na, sizeof na);
    add(b, " (certificate subject \"%s\", issuer \"%s\", valid until %s", c->leaf.subject,
        c->leaf.issuer, na);
    long days = tls_cert_days_expired(c);
    if (days > 0)
        add(b, ": expired %ld days before this capture", days);
    else if (days < 0)
        add(b, ": not valid until %ld days after this capture", -days);
    add(b, "; the server sent %u certificate%s)", c->chain_len, c->chain_len == 1 ? "" : "s");
}

/* A client that ended the handshake silently after the server's certificate: what in the
 * certificate a verifying client would reject, as the probable cause, with the fix. */
static void explain_silent_reject(const struct tls_facts *f, struct sb *b)
{
    const struct tls_cert *c = &f->cert;
    char na[40];
    long days = tls_cert_days_expired(c);
    x509_format_time(days < 0 ? c->leaf.not_before : c->leaf.not_after, na, sizeof na);
    if (days > 0) {
        add(b, "Probable cause: the server's certificate (subject \"%s\") expired %ld days "
               "before this capture (valid until %s). Fix: renew the server's certificate (and "
               "check the client's clock).",
            c->leaf.subject, days, na);
    } else if (days < 0) {
        add(b, "Probable cause: the server's certificate (subject \"%s\") is not valid until "
               "%s, %ld days after this capture. Fix: check the clocks of the client and of the "
               "machine that issued the certificate.",
            c->leaf.subject, na, -days);
    } else if (f->ch.has_sni && !x509_host_matches(&c->leaf, f->ch.sni)) {
        add(b, "Probable cause: the certificate does not name the host the client asked for "
               "(SNI \"%s\"; subjectAltName DNS: %s). Fix: use a certificate that names this "
               "host, or connect with a host name the certificate names.",
            f->ch.sni, c->leaf.san_dns[0] ? c->leaf.san_dns : "none");
    } else if (c->leaf.self_issued) {
        add(b, "Probable cause: the certificate is self-signed (subject \"%s\"), which a "
               "verifying client does not trust. Fix: use a certificate from a CA the client "
               "trusts, or add this certificate to the client's trust store.",
            c->leaf.subject);
    } else if (c->chain_len == 1) {
        add(b, "Probable cause: the server sent no intermediate certificate, so if \"%s\" is "
               "an intermediate CA the chain is incomplete. Fix: install the full chain (leaf + "
               "intermediates) on the server.",
            c->leaf.issuer);
    } else {
        add(b, "The certificate names the host and is valid at capture time, so the client "
               "probably does not trust its issuer (\"%s\", chain of %u from \"%s\"). Fix: "
               "add the issuing CA to the client's trust store, or use a certificate from a CA "
               "it trusts.",
            c->leaf.issuer, c->chain_len, c->top_issuer);
    }
}

int tls_cert_problem(const struct tls_facts *f)
{
    const struct tls_cert *c = &f->cert;
    if (!c->decoded)
        return 0;
    return tls_cert_days_expired(c) != 0 ||
           (f->ch.has_sni && !x509_host_matches(&c->leaf, f->ch.sni)) || c->leaf.self_issued;
}

void tls_explain_rejected_after(const struct tls_facts *f, char *out, size_t n)
{
    struct sb b = {out, n, 0};
    out[0] = 0;
    add(&b, "The client closed the connection in pkt %llu right after the handshake, without "
            "any request or alert, as clients that verify the certificate after the TLS "
            "handshake do when they reject it (Node.js: node ws reports \"certificate has "
            "expired\", \"self-signed certificate\", or a host name error, then close 1006). ",
        (unsigned long long)f->client_end_pkt);
    explain_silent_reject(f, &b);
}

static void explain_certificate(const struct tls_facts *f, uint8_t desc, struct sb *b)
{
    const struct tls_cert *c = &f->cert;
    long days = tls_cert_days_expired(c);
    int name_bad = c->decoded && f->ch.has_sni && !x509_host_matches(&c->leaf, f->ch.sni);
    if (desc == 45 || (desc == 42 && days != 0)) {
        add(b, "the client rejected the server's certificate as %s",
            days < 0 ? "not yet valid" : "expired");
        cert_facts(f, b);
        add(b, ". Fix: renew the server's certificate (and check the client's clock).");
    } else if (desc == 48 || (desc == 42 && c->decoded &&
                              (c->leaf.self_issued || c->chain_len == 1) && !name_bad)) {
        add(b, "the client does not trust the issuer of the server's certificate");
        cert_facts(f, b);
        if (c->decoded && c->leaf.self_issued)
            add(b, "; the certificate is self-signed");
        else if (c->decoded && c->chain_len == 1)
            add(b,
                "; the server sends no intermediate certificate, so if \"%s\" is an "
                "intermediate CA the chain is incomplete",
                c->leaf.issuer);
        add(b, ". Fix: install the full chain (leaf + intermediates) on the server, or add "
               "the issuing CA to the client's trust store.");
    } else if (desc == 42 && name_bad) {
        add(b,
            "the host name the client asked for (SNI \"%s\") is not in the server's "
            "certificate (subjectAltName DNS: %s)",
            f->ch.sni, c->leaf.san_dns[0] ? c->leaf.san_dns : "none");
        cert_facts(f, b);
        add(b, ". Fix: use a certificate that names this host, or connect with a host name "
               "the certificate names.");
    } else {
        const struct tls_alert_info *ai = tls_alert_lookup(desc);
        /* the meaning's sentence goes on with the certificate's facts, then the fix */
        size_t n = strlen(ai->meaning);
        add(b, "the client rejected the server's certificate: %.*s", (int)n - (n && ai->meaning[n - 1] == '.'),
            ai->meaning);
        cert_facts(f, b);
        add(b, ". Fix: %s", ai->hint);
    }
}

static void explain_versions(const struct tls_facts *f, uint8_t desc, int dir, struct sb *b)
{
    char off[160], chosen[32];
    offer_text(f, off, sizeof off);
    if (f->sh.seen && dir == TLS_C2S) {
        add(b,
            "no common TLS version: the server chose %s but the client offered %s. Fix: "
            "enable %s on the client or a version the client offers on the server.",
            tls_version_name(f->version, chosen, sizeof chosen), off, chosen);
        return;
    }
    int limited = f->ch.seen && (!offers(&f->ch, TLS_V_13) || !offers(&f->ch, TLS_V_12));
    if (desc == 40 && limited) {
        /* GnuTLS servers answer a version mismatch with handshake_failure, OpenSSL a missing
         * cipher suite: with a version-limited hello both are possible */
        add(b,
            "no common TLS version or no shared cipher suite/group: the client offered "
            "versions %s only, with %u cipher suites, and the server accepted neither "
            "combination. Fix: enable a common version (TLS 1.2 and 1.3 on both sides) and "
            "a cipher suite both support.",
            off, f->ch.n_suites);
    } else if (desc == 70) {
        add(b,
            "no common TLS version: the client offered %s and the server accepts none of "
            "them%s. Fix: enable a common version (TLS 1.2 and 1.3 on both sides).",
            off,
            !offers(&f->ch, TLS_V_13)   ? " (it probably requires TLS 1.3)"
            : !offers(&f->ch, TLS_V_12) ? " (it probably supports TLS 1.2 at most)"
                                      : "");
    } else {
        add(b,
            "the server found no acceptable cipher suite, group or signature algorithm in "
            "the ClientHello (versions %s, %u cipher suites offered). Fix: enable a cipher "
            "suite and key-exchange group both sides support.",
            off, f->ch.n_suites);
    }
}

static void explain_alert(const struct tls_facts *f, struct sb *b)
{
    const struct tls_alert_rec *a = &f->fail_alert;
    const struct tls_alert_info *ai = tls_alert_lookup(a->desc);
    add(b, "The %s sent %s alert %s (%u) in pkt %llu: ", wsa_side(a->dir),
        a->level == TLS_LEVEL_FATAL   ? "fatal"
        : a->level == TLS_LEVEL_WARNING ? "warning"
                        : "an",
        ai->name, a->desc, (unsigned long long)a->pkt);
    switch (a->desc) {
    case 42:
    case 43:
    case 44:
    case 45:
    case 46:
    case 48:
        if (a->dir == TLS_C2S) {
            explain_certificate(f, a->desc, b);
            return;
        }
        add(b, "the server rejected the client's certificate: %s Fix: %s", ai->meaning, ai->hint);
        return;
    case 40:
    case 70:
        explain_versions(f, a->desc, a->dir, b);
        return;
    case 112:
        add(b,
            "the server has no certificate for the host name the client asked for (SNI "
            "\"%s\"). Fix: connect with a host name the server is configured for, or add "
            "this name to the server.",
            f->ch.has_sni ? f->ch.sni : "(none sent)");
        return;
    case 120:
        add(b,
            "no ALPN protocol in common: the client offered %s. A WebSocket client needs "
            "http/1.1 (RFC 8441 WebSocket over HTTP/2 needs h2 and extended CONNECT). Fix: "
            "enable http/1.1 in the server's ALPN list.",
            f->ch.has_alpn ? f->ch.alpn : "no ALPN");
        return;
    case 10:
        if (a->dir == TLS_S2C && !f->sh.seen) {
            add(b, "the server could not read the client's first message as a TLS "
                   "ClientHello. Fix: check that the client speaks TLS to this port.");
            return;
        }
        break;
    case 50:
        if (a->dir == TLS_S2C && f->cert.seen) {
            add(b, "the server could not decode a client message; GnuTLS servers send this "
                   "when a required client certificate is missing. Fix: configure the client "
                   "certificate, or check the client's TLS stack.");
            return;
        }
        break;
    default:
        break;
    }
    add(b, "%s Fix: %s", ai->meaning, ai->hint);
}

/* TLS 1.3: an alert-sized encrypted record, then the end of the connection */
static void explain_probable(const struct tls_facts *f, struct sb *b)
{
    if (f->fail_alert.dir == TLS_C2S) {
        add(b,
            "The client sent one encrypted record of alert size (%u bytes) in pkt "
            "%llu instead of its Finished, then closed: a TLS 1.3 client that rejects "
            "the server's certificate does this (GnuTLS clients send the alert "
            "encrypted; OpenSSL clients send it in plaintext): expired certificate, "
            "untrusted CA, missing intermediate or wrong host name",
            f->fail_alert.record_len, (unsigned long long)f->fail_alert.pkt);
        if (f->cert.decoded)
            cert_facts(f, b);
        add(b, ". The description is encrypted: inspect the certificate with `openssl "
                "s_client -connect HOST:PORT -servername NAME -showcerts`, or capture "
                "with SSLKEYLOGFILE to decrypt.");
    } else {
        add(b,
            "The server sent one encrypted record of alert size (%u bytes) in pkt "
            "%llu after the client's Finished, then closed: it rejected the client's "
            "authentication, typically certificate_required (a client certificate is "
            "mandatory and none or an unacceptable one was sent). Fix: configure the "
            "client certificate the server expects.",
            f->fail_alert.record_len, (unsigned long long)f->fail_alert.pkt);
    }
}

/* a side closed during the handshake without any alert */
static void explain_no_alert(const struct tls_facts *f, struct sb *b)
{
    if (!f->sh.seen && f->fail_dir == TLS_S2C) {
        add(b, "The server closed the connection after the ClientHello without a "
                "ServerHello or any alert: it does not speak TLS on this port, or it "
                "rejects the hello silently (check the server's logs).");
    } else if (f->fail_dir == TLS_C2S) {
        add(b,
            "The client closed the connection %s without sending any alert, as clients "
            "that reject the server's certificate without telling do (python3-websockets "
            "on Python's asyncio closes before the alert is sent; Node.js in TLS 1.3 "
            "closes before its Finished). ",
            f->sh.seen ? "after the server's hello flight" : "before any ServerHello");
        if (f->sh.seen && f->cert.decoded) {
            explain_silent_reject(f, b);
        } else {
            add(b, "The certificate is not visible in this capture");
            cert_facts(f, b);
            add(b, ".");
        }
    } else {
        add(b, "The server closed the connection during the handshake without any alert "
                "(check the server's logs).");
    }
    if (f->fail_alert.pkt && f->fail_alert.after_peer_close &&
        f->fail_alert.kind == TLS_AK_PROBABLE)
        add(b,
            " The %s then sent an encrypted record of alert size in pkt %llu: its reaction "
            "to the unexpected end of the connection, not the cause.",
            wsa_side(f->fail_alert.dir), (unsigned long long)f->fail_alert.pkt);
    else if (f->fail_alert.pkt && f->fail_alert.after_peer_close)
        add(b,
            " The %s then sent %s (%u) in pkt %llu: its reaction to the unexpected end "
            "of the connection (OpenSSL sends decode_error), not the cause.",
            wsa_side(f->fail_alert.dir), tls_alert_lookup(f->fail_alert.desc)->name,
            f->fail_alert.desc, (unsigned long long)f->fail_alert.pkt);
}

void tls_explain_failure(const struct tls_facts *f, char *out, size_t n)
{
    struct sb b = {out, n, 0};
    out[0] = 0;
    switch (f->cause) {
    case TLS_CAUSE_NOT_TLS:
        add(&b,
            "The server answered the ClientHello with bytes that are not TLS (\"%s\"): a "
            "wss:// client is talking to a plain ws:// or HTTP port (OpenSSL clients "
            "report \"wrong version number\"). Fix: use ws:// for this port or connect to "
            "the server's TLS port.",
            f->not_tls);
        break;
    case TLS_CAUSE_ALERT:
        explain_alert(f, &b);
        break;
    case TLS_CAUSE_ENCRYPTED_ALERT:
        add(&b,
            "The %s sent an encrypted alert (record of %u bytes) after ChangeCipherSpec in "
            "pkt %llu, before the handshake completed: the description is hidden; at "
            "this point it is usually a failed Finished or MAC check (bad_record_mac, "
            "decrypt_error): mismatched keys, a broken middlebox or a TLS stack bug.",
            wsa_side(f->fail_alert.dir), f->fail_alert.record_len,
            (unsigned long long)f->fail_alert.pkt);
        break;
    case TLS_CAUSE_PROBABLE_ALERT:
        explain_probable(f, &b);
        break;
    case TLS_CAUSE_NO_ALERT:
        explain_no_alert(f, &b);
        break;
    default:
        add(&b, "The handshake did not complete.");
        break;
    }
    /* the title already says that a client reports 1015 */
    add(&b, " 1015 itself is never sent in a Close frame.");
}

/* what servers that speak TLS on a port answer, in plain HTTP, to a plain HTTP request */
static const char *const tls_port_answers[] = {
    "The plain HTTP request was sent to HTTPS port", /* nginx (captures/tls-nginx-*) */
};

int tls_refusal_says_tls(int status, const uint8_t *body, size_t len, char *detail, size_t n)
{
    if (status != 400)
        return 0;
    for (size_t i = 0; i < sizeof tls_port_answers / sizeof tls_port_answers[0]; i++) {
        const char *t = tls_port_answers[i];
        if (len >= strlen(t) && memmem(body, len, t, strlen(t))) {
            snprintf(detail, n,
                     "the server answered the Upgrade with 400 \"%s\": this port speaks TLS. "
                     "Fix: connect with wss:// (TLS), not ws://",
                     t);
            return 1;
        }
    }
    return 0;
}

int tls_plaintext_answer(const uint8_t *p, size_t len, char *detail, size_t n)
{
    if (len < 3 || (p[0] != 0x15 && p[0] != 0x16) || p[1] != 3 || p[2] > 4)
        return 0;
    if (p[0] == TLS_REC_ALERT && len >= 7 && p[3] == 0 && p[4] == 2) {
        const struct tls_alert_info *ai = tls_alert_lookup(p[6]);
        snprintf(detail, n,
                 "the server answered with TLS alert %s %s (%u): the client must use TLS "
                 "(wss:// / https://) on this port",
                 p[5] == TLS_LEVEL_FATAL ? "fatal" : "warning", ai->name, p[6]);
    } else {
        snprintf(detail, n,
                 "the server answered with a TLS %s record: the client must use TLS (wss:// / "
                 "https://) on this port",
                 p[0] == TLS_REC_ALERT ? "alert" : "handshake");
    }
    return 1;
}

const char tls_no_response_detail[] =
    "the server closed the connection without a byte of response; if the port serves TLS, the "
    "client must use wss://";
