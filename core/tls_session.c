/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_session.c - passive TLS handshake observer; see tls_session.h.
 *
 * Records are parsed per direction with a 5-byte header buffer, so any split of the stream
 * gives the same result. Plaintext handshake messages are reassembled across records (TLS <= 1.2
 * certificates often span several) into a per-direction buffer that is freed when the session
 * ends. What is encrypted is judged only by record type, length and position.
 */
#include "tls_session.h"

#include "escape.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_alert.h"
#include "tls_crypto.h"

#define REC_TYPE_SSLV2 0x80 /* pseudo type: the SSLv2-compatible ClientHello */

#define PLAIN_MAX 16384u
#define HS_MSG_MAX (256u * 1024u) /* larger handshake messages are skipped (reported) */

static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

/* ---- decryption state (only for connections whose keys were found) ---- */

#define REC_BUF (PLAIN_MAX + 2048 + 256 + 5) /* the largest protected record accepted */
#define PLAIN_MAP 64 /* recent records remembered to map TCP offsets to plaintext offsets */

enum { SWITCH_NONE, SWITCH_APP, SWITCH_HS, SWITCH_UPDATE };

struct tls_dec_dir {
    struct tls_cipher cur;   /* the keys of this direction now */
    struct tls_cipher early; /* client: 0-RTT keys (CLIENT_EARLY_TRAFFIC_SECRET) */
    uint8_t on;              /* protected records of this direction are decrypted */
    uint8_t failed;          /* a record did not authenticate: opaque from there on */
    uint8_t early_mode;      /* client: 0-RTT records come first */
    uint8_t early_tried;     /* the early keys' suite was looked for */
    uint8_t pending;         /* key change after this record (SWITCH_*) */
    uint8_t buffering;       /* the current record is collected for decryption */
    uint8_t delivered;       /* application data was handed on */
    uint8_t *rec, *copy;     /* the record (and a copy for trial decryption) */
    uint32_t have;
    uint64_t plain_off; /* application bytes delivered */
    struct {
        uint64_t tcp_end, plain_end;
    } map[PLAIN_MAP];
    unsigned map_n;
};

struct tls_dec {
    const struct tls_keys *keys;
    struct tls_dec_dir d[2];
};

static void dec_client_hello(struct tls_session *s);
static void dec_server_hello(struct tls_session *s);
static void dec_record_start(struct tls_session *s, int dir);
static int dec_record_end(struct tls_session *s, int dir);

/* ---- small helpers ---- */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static int is_grease(uint16_t v)
{
    return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

static int is_tls13(uint16_t v)
{
    return v == TLS_V_13 || (v >> 8) == 0x7F; /* drafts */
}

/* bounded reader over a message body */
struct rd {
    const uint8_t *p;
    size_t len;
    int bad;
};

static const uint8_t *rd_take(struct rd *r, size_t n)
{
    if (r->bad || n > r->len) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->len -= n;
    return p;
}

static unsigned rd_u8(struct rd *r)
{
    const uint8_t *p = rd_take(r, 1);
    return p ? p[0] : 0;
}

static unsigned rd_u16(struct rd *r)
{
    const uint8_t *p = rd_take(r, 2);
    return p ? be16(p) : 0;
}

/* a sub-reader of n bytes */
static struct rd rd_sub(struct rd *r, size_t n)
{
    struct rd s = {NULL, 0, 0};
    const uint8_t *p = rd_take(r, n);
    if (!p)
        s.bad = 1;
    else {
        s.p = p;
        s.len = n;
    }
    return s;
}

/* add one item to a comma-separated list, every byte kept (escape.h) */
static void append_list(char *out, size_t n, const uint8_t *s, size_t len)
{
    size_t have = strlen(out);
    if (have && have + 2 < n) {
        out[have++] = ',';
        out[have] = 0;
    }
    wsa_escape_append(out, n, s, len, ",");
}

/* ---- events ---- */

static void emit(struct tls_session *s, const struct tls_event *ev)
{
    if (s->cb)
        s->cb(s->cb_ctx, ev);
}

static void finding(struct tls_session *s, int dir, uint64_t pkt, enum wsa_finding_id id,
                    const char *detail)
{
    struct tls_event ev = {TLS_EV_FINDING, dir, pkt, NULL, id, detail ? detail : "", s};
    emit(s, &ev);
}

static void emit_alert(struct tls_session *s, const struct tls_alert_rec *a)
{
    s->n_alerts++;
    if (a->kind == TLS_AK_PLAIN)
        s->n_alerts_plain++;
    struct tls_event ev = {TLS_EV_ALERT, a->dir, a->pkt, a, F_FINDING_COUNT, "", s};
    emit(s, &ev);
}

static void summary(struct tls_session *s, uint64_t pkt)
{
    if (s->summary_sent)
        return;
    s->summary_sent = 1;
    struct tls_event ev = {TLS_EV_SUMMARY, -1, pkt, NULL, F_FINDING_COUNT, "", s};
    emit(s, &ev);
}

/* The outcome is known: write the summary, then (for a failure) the one failure finding. */
static void settle(struct tls_session *s, enum tls_outcome o, enum tls_cause cause, int dir,
                   uint64_t pkt)
{
    if (s->hs.outcome != TLS_OUT_PENDING)
        return;
    s->hs.outcome = o;
    s->hs.cause = cause;
    s->hs.fail_dir = dir;
    s->hs.fail_pkt = pkt;
    summary(s, pkt);
    if (o == TLS_OUT_FAILED || o == TLS_OUT_ABANDONED) {
        char text[1024];
        tls_explain_failure(&s->hs, text, sizeof text);
        finding(s, dir, pkt, F_TLS_HANDSHAKE_FAILURE, text);
    } else if (o == TLS_OUT_COMPLETED && s->hs.cert.decoded && tls_cert_days_expired(&s->hs.cert)) {
        s->cert_verdict_pending = 1; /* the client's next move says whether it accepted it */
    }
}

/* A completed handshake with a certificate outside its validity period, once the client's
 * next move is known: accepted (it sent a request) or only completed (the capture cannot say
 * more). A silent close instead is tls.rejected_after_handshake (after_handshake below). */
static void cert_verdict(struct tls_session *s, int accepted)
{
    if (!s->cert_verdict_pending)
        return;
    s->cert_verdict_pending = 0;
    long days = tls_cert_days_expired(&s->hs.cert);
    char text[512], when[40];
    x509_format_time(days > 0 ? s->hs.cert.leaf.not_after : s->hs.cert.leaf.not_before, when,
                     sizeof when);
    snprintf(text, sizeof text, "%s: %s %s (%ld days %s this capture); %s", s->hs.cert.leaf.subject,
             days > 0 ? "expired" : "valid only from", when, days > 0 ? days : -days,
             days > 0 ? "before" : "after",
             accepted ? "the client accepted it, so it does not verify certificates"
                      : "the client completed the handshake with it");
    finding(s, TLS_S2C, s->hs.cert.pkt, F_TLS_CERT_EXPIRED, text);
}

/* application data from the client after the handshake: it accepted the server */
static void client_data(struct tls_session *s, int dir)
{
    if (dir != TLS_C2S)
        return;
    s->client_app_data = 1;
    if (s->hs.outcome == TLS_OUT_COMPLETED)
        cert_verdict(s, 1);
}

/* The client completed the handshake, sent nothing and closed first, and the certificate has
 * a flaw a verifying client rejects: a client that verifies after the handshake (Node.js in
 * TLS 1.2) rejected it. Without a visible flaw the same close is a health check or a client
 * that changed its mind: nothing is said. */
static void after_handshake(struct tls_session *s, int by_tcp)
{
    const struct tls_dir *c = &s->d[TLS_C2S], *sv = &s->d[TLS_S2C];
    int client_first = c->ended && (!sv->ended || c->end_order < sv->end_order);
    if (s->hs.outcome == TLS_OUT_COMPLETED && by_tcp && client_first && !s->client_app_data &&
        !c->lost && !sv->lost && c->fatal_sent == 0 && tls_cert_problem(&s->hs)) {
        char text[1024];
        s->cert_verdict_pending = 0;
        tls_explain_rejected_after(&s->hs, text, sizeof text);
        finding(s, TLS_C2S, c->end_pkt, F_TLS_REJECTED_AFTER_HANDSHAKE, text);
    }
    cert_verdict(s, 0);
}

/* ---- handshake messages ---- */

static void parse_hello_exts(struct tls_session *s, struct tls_hello *h, struct rd *r, int server)
{
    if (!r->len)
        return;
    struct rd exts = rd_sub(r, rd_u16(r));
    while (!exts.bad && exts.len) {
        unsigned type = rd_u16(&exts);
        struct rd e = rd_sub(&exts, rd_u16(&exts));
        if (e.bad)
            break;
        if (type == TLS_EXT_SERVER_NAME && !server) {
            struct rd list = rd_sub(&e, rd_u16(&e));
            while (!list.bad && list.len) {
                unsigned nt = rd_u8(&list);
                struct rd name = rd_sub(&list, rd_u16(&list));
                if (!name.bad && nt == 0 && !h->has_sni) {
                    h->has_sni = 1;
                    h->sni[0] = 0;
                    append_list(h->sni, sizeof h->sni, name.p, name.len);
                }
            }
        } else if (type == TLS_EXT_ALPN) {
            struct rd list = rd_sub(&e, rd_u16(&e));
            h->has_alpn = 1;
            while (!list.bad && list.len) {
                struct rd name = rd_sub(&list, rd_u8(&list));
                if (name.bad)
                    break;
                append_list(h->alpn, sizeof h->alpn, name.p, name.len);
                if (name.len == 8 && memcmp(name.p, "http/1.1", 8) == 0)
                    h->alpn_http11 = 1;
            }
        } else if (type == TLS_EXT_ENCRYPT_THEN_MAC) {
            h->etm = 1;
        } else if (type == TLS_EXT_EARLY_DATA) {
            h->early_data = 1;
        } else if (type == TLS_EXT_SUPPORTED_VERSIONS) {
            h->has_sv = 1;
            h->n_versions = 0;
            if (server) {
                h->versions[h->n_versions++] = (uint16_t)rd_u16(&e);
            } else {
                struct rd list = rd_sub(&e, rd_u8(&e));
                while (!list.bad && list.len >= 2) {
                    uint16_t v = (uint16_t)rd_u16(&list);
                    if (!is_grease(v) && h->n_versions < TLS_MAX_VERSIONS)
                        h->versions[h->n_versions++] = v;
                }
            }
        }
    }
    if (exts.bad)
        r->bad = 1;
    (void)s;
}

static void check_legacy_version(struct tls_session *s, int dir, const struct tls_hello *h)
{
    if (h->legacy_version <= TLS_V_SSL3) {
        char d[96];
        snprintf(d, sizeof d, "%s legacy_version 0x%04x",
                 dir == TLS_C2S ? "ClientHello" : "ServerHello", h->legacy_version);
        finding(s, dir, h->pkt, F_TLS_V_LEGACY_VERSION, d);
    }
}

static void undecoded(struct tls_session *s, int dir, uint64_t pkt, const char *what)
{
    char d[160];
    snprintf(d, sizeof d, "%s from the %s", what, wsa_side(dir));
    finding(s, dir, pkt, F_D_TLS_UNDECODED, d);
}

static void client_hello(struct tls_session *s, const uint8_t *b, size_t len, uint64_t pkt)
{
    if (s->hs.ch.seen)
        return; /* the second ClientHello after a HelloRetryRequest repeats the offer */
    struct tls_hello *h = &s->hs.ch;
    struct rd r = {b, len, 0};
    h->seen = 1;
    h->pkt = pkt;
    h->legacy_version = (uint16_t)rd_u16(&r);
    const uint8_t *random = rd_take(&r, 32);
    if (random)
        memcpy(h->random, random, 32);
    struct rd sid = rd_sub(&r, rd_u8(&r));
    if (!sid.bad && sid.len <= sizeof s->ch_sid) {
        memcpy(s->ch_sid, sid.p, sid.len);
        s->ch_sid_len = (uint8_t)sid.len;
    }
    struct rd suites = rd_sub(&r, rd_u16(&r));
    h->n_suites = (uint16_t)(suites.len / 2);
    while (!suites.bad && suites.len >= 2) {
        uint16_t cs = (uint16_t)rd_u16(&suites);
        if (cs == TLS_FALLBACK_SCSV)
            h->fallback_scsv = 1; /* TLS_FALLBACK_SCSV (RFC 7507) */
        else if ((cs >> 8) == 0x13 && h->n_suites13 < 8)
            h->suites13[h->n_suites13++] = cs;
    }
    rd_sub(&r, rd_u8(&r)); /* compression methods */
    parse_hello_exts(s, h, &r, 0);
    if (r.bad)
        undecoded(s, TLS_C2S, pkt, "malformed ClientHello");
    check_legacy_version(s, TLS_C2S, h);
    if (random)
        dec_client_hello(s);
}

static void server_hello(struct tls_session *s, const uint8_t *b, size_t len, uint64_t pkt)
{
    struct tls_hello *h = &s->hs.sh;
    struct rd r = {b, len, 0};
    int again = h->seen;
    memset(h, 0, sizeof *h);
    h->seen = 1;
    h->pkt = pkt;
    h->legacy_version = (uint16_t)rd_u16(&r);
    const uint8_t *random = rd_take(&r, 32);
    if (random)
        memcpy(h->random, random, 32);
    struct rd sid = rd_sub(&r, rd_u8(&r));
    int same_sid = !sid.bad && sid.len && sid.len == s->ch_sid_len &&
                   memcmp(sid.p, s->ch_sid, sid.len) == 0;
    h->suite = (uint16_t)rd_u16(&r);
    rd_u8(&r);
    parse_hello_exts(s, h, &r, 1);
    if (r.bad)
        undecoded(s, TLS_S2C, pkt, "malformed ServerHello");
    if (random && memcmp(random, hrr_random, 32) == 0)
        h->hrr = s->hrr_seen = 1;
    s->hs.version = h->has_sv && h->n_versions ? h->versions[0] : h->legacy_version;
    s->resumed = (uint8_t)(same_sid && !is_tls13(s->hs.version)); /* abbreviated handshake */
    if (!again)
        check_legacy_version(s, TLS_S2C, h);
    if (!h->hrr && random)
        dec_server_hello(s);
}

static void certificate(struct tls_session *s, const uint8_t *b, size_t len, uint64_t pkt)
{
    if (s->hs.cert.seen)
        return;
    /* TLS 1.3 (only ever seen decrypted): a request context first, extensions per entry */
    int v13 = is_tls13(s->hs.version);
    struct tls_cert *c = &s->hs.cert;
    struct rd r = {b, len, 0};
    c->seen = 1;
    c->pkt = pkt;
    c->ts = s->seg.ts;
    if (v13)
        rd_sub(&r, rd_u8(&r)); /* certificate_request_context */
    const uint8_t *total = rd_take(&r, 3);
    struct rd list = rd_sub(&r, total ? be24(total) : 0);
    while (!list.bad && list.len >= 3) {
        const uint8_t *lp = rd_take(&list, 3);
        struct rd der = rd_sub(&list, be24(lp));
        if (v13)
            rd_sub(&list, rd_u16(&list)); /* CertificateEntry extensions */
        if (der.bad)
            break;
        struct x509_info xi;
        int ok = x509_parse(der.p, der.len, &xi) == 0;
        if (c->chain_len == 0) {
            if (ok) {
                c->leaf = xi;
                c->decoded = 1;
                /* the fingerprint Zeek's x509.log and tshark show, to join on */
                GChecksum *h = g_checksum_new(G_CHECKSUM_SHA256);
                g_checksum_update(h, der.p, (gssize)der.len);
                snprintf(c->sha256, sizeof c->sha256, "%s", g_checksum_get_string(h));
                g_checksum_free(h);
            } else {
                undecoded(s, TLS_S2C, pkt, "server certificate not decoded");
            }
        }
        if (ok)
            snprintf(c->top_issuer, sizeof c->top_issuer, "%s", xi.issuer);
        c->chain_len++;
    }
}

/* TLS 1.3 EncryptedExtensions (decrypted): the server's ALPN choice and 0-RTT answer */
static void encrypted_extensions(struct tls_session *s, const uint8_t *b, size_t len)
{
    struct rd r = {b, len, 0};
    parse_hello_exts(s, &s->hs.sh, &r, 1);
    s->early_accepted = s->hs.sh.early_data;
}

static void completed(struct tls_session *s, uint64_t pkt);

/* A Finished message, decrypted: TLS <= 1.2 completes with both; TLS 1.3 switches this side to
 * its application keys after this record. */
static void finished_msg(struct tls_session *s, int dir, uint64_t pkt)
{
    struct tls_dir *d = &s->d[dir];
    if (!d->finished) {
        d->finished = 1;
        if (!is_tls13(s->hs.version) && s->d[!dir].finished)
            completed(s, pkt);
    }
    if (is_tls13(s->hs.version) && s->dec)
        s->dec->d[dir].pending = SWITCH_APP;
}

static void handshake_msg(struct tls_session *s, int dir, uint8_t type, const uint8_t *b,
                          size_t len, uint64_t pkt)
{
    struct tls_dir *d = &s->d[dir];
    if (d->n_msgs < TLS_MAX_MSGS)
        d->msgs[d->n_msgs++] = type;
    if (type == TLS_HS_CLIENT_HELLO && dir == TLS_C2S)
        client_hello(s, b, len, pkt);
    else if (type == TLS_HS_SERVER_HELLO && dir == TLS_S2C)
        server_hello(s, b, len, pkt);
    else if (type == TLS_HS_CERTIFICATE && dir == TLS_S2C)
        certificate(s, b, len, pkt);
    else if (type == TLS_HS_ENCRYPTED_EXTENSIONS && dir == TLS_S2C)
        encrypted_extensions(s, b, len);
    else if (type == TLS_HS_FINISHED)
        finished_msg(s, dir, pkt);
    else if (type == TLS_HS_KEY_UPDATE && s->dec)
        s->dec->d[dir].pending = SWITCH_UPDATE;
    else if (type == TLS_HS_END_OF_EARLY_DATA && dir == TLS_C2S && s->dec)
        s->dec->d[dir].pending = SWITCH_HS;
}

static int hs_reserve(struct tls_dir *d, uint32_t need)
{
    if (need <= d->hs_cap)
        return 0;
    uint32_t cap = d->hs_cap ? d->hs_cap : 1024;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(d->hs, cap);
    if (!p)
        return -1;
    d->hs = p;
    d->hs_cap = cap;
    return 0;
}

/* plaintext handshake bytes: messages may span records and records may hold several */
static void hs_bytes(struct tls_session *s, int dir, const uint8_t *p, size_t n)
{
    struct tls_dir *d = &s->d[dir];
    while (n) {
        if (d->hs_skip) {
            size_t k = n < d->hs_skip ? n : d->hs_skip;
            d->hs_skip -= (uint32_t)k;
            p += k;
            n -= k;
            continue;
        }
        uint32_t target = d->hs_len < 4 ? 4 : d->hs_need;
        size_t k = target - d->hs_len;
        if (k > n)
            k = n;
        if (hs_reserve(d, target) < 0) {
            d->hs_skip = target - d->hs_len;
            d->hs_len = 0;
            continue;
        }
        memcpy(d->hs + d->hs_len, p, k);
        d->hs_len += (uint32_t)k;
        p += k;
        n -= k;
        if (d->hs_len == 4 && !d->hs_need) {
            uint32_t mlen = be24(d->hs + 1);
            if (mlen > HS_MSG_MAX) {
                undecoded(s, dir, d->rec_pkt, "handshake message larger than 256 KiB skipped");
                d->hs_skip = mlen;
                d->hs_len = 0;
                continue;
            }
            d->hs_need = 4 + mlen;
        }
        if (d->hs_need && d->hs_len == d->hs_need) {
            handshake_msg(s, dir, d->hs[0], d->hs + 4, d->hs_len - 4, d->rec_pkt);
            d->hs_len = d->hs_need = 0;
        }
    }
}

/* ---- alerts ---- */

static void alert_msg(struct tls_session *s, int dir, uint8_t level, uint8_t desc,
                      enum tls_alert_kind kind)
{
    struct tls_dir *d = &s->d[dir];
    struct tls_alert_rec a = {dir,
                              d->rec_pkt,
                              kind,
                              level,
                              desc,
                              d->rec_len,
                              s->hs.outcome == TLS_OUT_PENDING,
                              s->d[!dir].ended};
    emit_alert(s, &a);
    const struct tls_alert_info *ai = tls_alert_lookup(desc);
    char det[96];
    snprintf(det, sizeof det, "%s alert %u", wsa_side(dir), desc);
    if (ai->cls == TLS_ALERT_UNKNOWN)
        finding(s, dir, a.pkt, F_TLS_ALERT_UNKNOWN, det);
    else if (ai->cls == TLS_ALERT_RETIRED && !(desc == 100 /* no_renegotiation: retired in TLS 1.3 only */ && !is_tls13(s->hs.version)))
        finding(s, dir, a.pkt, F_TLS_ALERT_RETIRED, det);
    if (is_tls13(s->hs.version) && level == TLS_LEVEL_WARNING && ai->cls != TLS_ALERT_CLOSURE) {
        snprintf(det, sizeof det, "%s with level warning", ai->name);
        finding(s, dir, a.pkt, F_TLS_V_ALERT_LEVEL, det);
    }
    /* RFC 8446 §6: unknown alerts and every error alert in TLS 1.3 end the connection */
    int fatal = level == TLS_LEVEL_FATAL || (is_tls13(s->hs.version) && ai->cls != TLS_ALERT_CLOSURE);
    if (fatal && !d->fatal_sent) {
        d->fatal_sent = 1;
        if (s->hs.outcome == TLS_OUT_PENDING) {
            s->hs.fail_alert = a;
            if (a.after_peer_close) /* a reaction to the peer's silent close, not the cause */
                settle(s, TLS_OUT_ABANDONED, TLS_CAUSE_NO_ALERT, !dir, s->d[!dir].end_pkt);
            else
                settle(s, TLS_OUT_FAILED, TLS_CAUSE_ALERT, dir, a.pkt);
        }
    } else if (ai->cls == TLS_ALERT_CLOSURE && s->hs.outcome == TLS_OUT_PENDING &&
               !s->hs.fail_alert.pkt) {
        s->hs.fail_alert = a; /* a cancelled handshake, if nothing completes it */
    }
}

/* ---- records ---- */

static void stop_dir(struct tls_session *s, int dir, uint64_t pkt, const char *why)
{
    struct tls_dir *d = &s->d[dir];
    if (d->stopped)
        return;
    d->stopped = 1;
    d->lost = 1;
    char det[192];
    snprintf(det, sizeof det, "%s stream offset %llu: %s", wsa_side(dir), (unsigned long long)d->off,
             why);
    finding(s, dir, pkt, F_D_TLS_STOPPED, det);
}

static int header_ok(const uint8_t *h)
{
    return h[0] >= TLS_REC_CCS && h[0] <= TLS_REC_HEARTBEAT && h[1] == 3 && h[2] <= 4;
}

/* The server's answer is not TLS: gather its first line (up to CR/LF or the buffer's size),
 * then report. The verdict waits for those bytes so any segmentation gives the same text. */
static void not_tls_done(struct tls_session *s)
{
    struct tls_dir *d = &s->d[TLS_S2C];
    if (!d->collecting)
        return;
    d->collecting = 0;
    d->stopped = 1;
    char det[96];
    snprintf(det, sizeof det, "the server's first bytes: \"%s\"", s->hs.not_tls);
    finding(s, TLS_S2C, d->rec_pkt, F_TLS_NOT_TLS_ANSWER, det);
    settle(s, TLS_OUT_FAILED, TLS_CAUSE_NOT_TLS, TLS_S2C, d->rec_pkt);
}

static void not_tls_byte(struct tls_session *s, uint8_t c)
{
    size_t o = strlen(s->hs.not_tls);
    if (c == '\r' || c == '\n' || o + 1 >= sizeof s->hs.not_tls) {
        not_tls_done(s);
        return;
    }
    s->hs.not_tls[o] = c >= 0x20 && c < 0x7F ? (char)c : '.';
    s->hs.not_tls[o + 1] = 0;
}

static void record_start(struct tls_session *s, int dir)
{
    struct tls_dir *d = &s->d[dir];
    const uint8_t *h = d->hdr;
    d->rec_pkt = s->seg.pkt;
    if (d->records == 0 && dir == TLS_C2S && (h[0] & 0x80) && h[2] == 1) {
        /* SSLv2-compatible CLIENT-HELLO: 2-byte length, msg type, version (RFC 5246 App. E.2) */
        d->type = REC_TYPE_SSLV2;
        d->rec_len = (uint16_t)(((h[0] & 0x7F) << 8) | h[1]);
        d->rec_left = d->rec_len >= 3 ? d->rec_len - 3u : 0;
        s->hs.ch.seen = 1;
        s->hs.ch.pkt = d->rec_pkt;
        s->hs.ch.legacy_version = be16(h + 3);
        d->records++;
        finding(s, dir, d->rec_pkt, F_TLS_SSLV2_HELLO, "");
        return;
    }
    if (!header_ok(h)) {
        if (d->records == 0 && dir == TLS_S2C) {
            /* the server does not speak TLS: keep its first line to show it */
            d->collecting = 1;
            for (int k = 0; k < 5; k++)
                not_tls_byte(s, h[k]);
            return;
        }
        char why[96];
        snprintf(why, sizeof why, "invalid record header %02x %02x %02x %02x %02x", h[0], h[1],
                 h[2], h[3], h[4]);
        stop_dir(s, dir, d->rec_pkt, why);
        return;
    }
    d->type = h[0];
    d->rec_len = be16(h + 3);
    d->rec_left = d->rec_len;
    d->records++;
    if (d->fatal_sent && !d->data_after_fatal) {
        d->data_after_fatal = 1;
        finding(s, dir, d->rec_pkt, F_TLS_V_DATA_AFTER_FATAL,
                dir == TLS_C2S ? "client record after its fatal alert"
                               : "server record after its fatal alert");
    }
    int protected_rec = d->enc || d->type == TLS_REC_APP;
    uint32_t limit = !protected_rec         ? PLAIN_MAX
                     : is_tls13(s->hs.version) ? PLAIN_MAX + 256
                                            : PLAIN_MAX + 2048;
    if (d->rec_len > limit) {
        char det[96];
        snprintf(det, sizeof det, "record of %u bytes (limit %u)", d->rec_len, limit);
        finding(s, dir, d->rec_pkt, F_TLS_V_RECORD_OVERFLOW, det);
    }
    if (protected_rec)
        dec_record_start(s, dir);
}

static void record_payload(struct tls_session *s, int dir, const uint8_t *p, size_t n)
{
    struct tls_dir *d = &s->d[dir];
    if (s->dec && s->dec->d[dir].buffering) {
        struct tls_dec_dir *dd = &s->dec->d[dir];
        memcpy(dd->rec + dd->have, p, n);
        dd->have += (uint32_t)n;
        return;
    }
    if (d->type == TLS_REC_HANDSHAKE && !d->enc && !d->lost) {
        hs_bytes(s, dir, p, n);
    } else if (d->type == REC_TYPE_SSLV2) {
        /* cipher_spec_length is the first field after the version */
        for (size_t i = 0; i < n; i++) {
            uint32_t at = d->rec_len - 3u - d->rec_left + (uint32_t)i;
            if (at == 0)
                s->hs.ch.n_suites = (uint16_t)(p[i] << 8);
            else if (at == 1)
                s->hs.ch.n_suites = (uint16_t)((s->hs.ch.n_suites | p[i]) / 3);
        }
    } else if (d->type == TLS_REC_ALERT && !d->enc) {
        for (size_t i = 0; i < n; i++) {
            if (!d->alert_part_len) {
                d->alert_part = p[i];
                d->alert_part_len = 1;
            } else {
                d->alert_part_len = 0;
                alert_msg(s, dir, d->alert_part, p[i], TLS_AK_PLAIN);
            }
        }
    }
}

static void completed(struct tls_session *s, uint64_t pkt)
{
    settle(s, TLS_OUT_COMPLETED, TLS_CAUSE_NONE, -1, pkt);
}

/* A protected record whose alert the host decrypted (tls_session_known_alert): reported as
 * that exact alert, where the record ended. 1 when this record was it. */
static int known_alert_record(struct tls_session *s, int dir)
{
    struct tls_dir *d = &s->d[dir];
    if (!s->known_alert[dir] || d->type != (d->enc ? TLS_REC_ALERT : TLS_REC_APP))
        return 0;
    s->known_alert[dir] = 0;
    uint64_t start = d->rec_pkt;
    d->rec_pkt = s->seg.pkt;
    alert_msg(s, dir, s->known_level[dir], s->known_desc[dir], TLS_AK_DECRYPTED);
    d->rec_pkt = start;
    d->cand = 0;
    return 1;
}

/* A ChangeCipherSpec: this side's records are protected from here (TLS <= 1.2). */
static void ccs_record(struct tls_session *s, int dir)
{
    struct tls_dir *d = &s->d[dir];
    d->ccs = 1;
    /* TLS 1.3's ChangeCipherSpec is a compatibility dummy (RFC 8446 App. D.4) */
    if (s->hs.version && !is_tls13(s->hs.version)) {
        d->enc = 1;
        if (s->dec && s->dec->d[dir].cur.ready && !s->dec->d[dir].failed)
            s->dec->d[dir].on = 1;
    } else if (!s->hs.version && !s->hs.sh.seen && s->hs.ch.seen) {
        int offers13 = 0;
        for (unsigned i = 0; i < s->hs.ch.n_versions; i++)
            offers13 |= is_tls13(s->hs.ch.versions[i]);
        d->enc = !offers13;
    }
}

/* An alert record that was not read in the clear: hidden after ChangeCipherSpec (TLS <= 1.2);
 * in TLS 1.3 a plaintext alert record must hold exactly one alert. */
static void opaque_alert_record(struct tls_session *s, int dir)
{
    struct tls_dir *d = &s->d[dir];
    if (d->enc) {
        struct tls_alert_rec a = {dir,
                                  d->rec_pkt,
                                  TLS_AK_ENCRYPTED,
                                  0,
                                  0,
                                  d->rec_len,
                                  s->hs.outcome == TLS_OUT_PENDING,
                                  s->d[!dir].ended};
        emit_alert(s, &a);
        if (a.in_handshake) {
            s->hs.fail_alert = a;
            settle(s, TLS_OUT_FAILED, TLS_CAUSE_ENCRYPTED_ALERT, dir, a.pkt);
        }
    } else if (d->rec_len != 2 && is_tls13(s->hs.version)) {
        char det[64];
        snprintf(det, sizeof det, "alert record of %u bytes", d->rec_len);
        finding(s, dir, d->rec_pkt, F_TLS_V_ALERT_RECORD_LENGTH, det);
    }
}

/* An application_data record not decrypted: data after the handshake, or in TLS 1.3 (where
 * everything after the hellos is application_data) the Finished, or an alert judged by its
 * size and by what follows it. */
static void app_record(struct tls_session *s, int dir)
{
    struct tls_dir *d = &s->d[dir];
    int v13 = is_tls13(s->hs.version);
    if (!d->enc_records)
        d->first_enc_pkt = d->rec_pkt;
    d->enc_records++;
    /* TLS 1.3: the client's first protected record is its Finished */
    if (!v13 || d->enc_records > 1)
        client_data(s, dir);
    if (!v13)
        return;
    /* 2 bytes of alert, 1 of inner type, a 16- or 8-byte AEAD tag (RFC 8446 §5.2) */
    int alert_sized = d->rec_len == 2 + 1 + 16 || d->rec_len == 2 + 1 + 8;
    if (dir == TLS_S2C && s->d[TLS_C2S].enc_records &&
        s->d[TLS_C2S].first_enc_pkt <= d->rec_pkt && (!alert_sized || d->cand))
        completed(s, d->rec_pkt); /* the server went on after the client's Finished */
    d->cand = (uint8_t)alert_sized;
    if (alert_sized) {
        d->cand_len = d->rec_len;
        d->cand_pkt = d->rec_pkt;
        d->cand_after_peer_end = s->d[!dir].ended;
        /* the client's first protected record is its Finished: anything after it is
         * sent once the handshake is over from the client's point of view */
        d->cand_in_hs = s->hs.outcome == TLS_OUT_PENDING && (dir == TLS_S2C || d->enc_records == 1);
    }
}

/* A record of dir is complete: one handler per content type. */
static void record_end(struct tls_session *s, int dir)
{
    struct tls_dir *d = &s->d[dir];
    if (dec_record_end(s, dir)) {
        d->cand = 0;
        return;
    }
    if (known_alert_record(s, dir))
        return;
    switch (d->type) {
    case TLS_REC_CCS:
        ccs_record(s, dir);
        break;
    case TLS_REC_HANDSHAKE:
        if (d->enc && !d->finished) {
            d->finished = 1; /* the first protected handshake message is Finished */
            if (s->d[!dir].finished)
                completed(s, d->rec_pkt);
        }
        break;
    case TLS_REC_ALERT:
        opaque_alert_record(s, dir);
        break;
    case TLS_REC_APP:
        app_record(s, dir);
        break;
    default:
        break;
    }
    if (d->type != TLS_REC_APP)
        d->cand = 0;
}

/* ---- decryption ---- */

static const char *const secret_names[TLS_SECRET_KINDS] = {
    "CLIENT_RANDOM (master secret)",   "CLIENT_EARLY_TRAFFIC_SECRET",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",         "SERVER_TRAFFIC_SECRET_0",
};

const char *tls_decrypt_status_name(enum tls_decrypt_status st)
{
    static const char *const names[] = {"no_keys_given", "pending",     "keys_missing",
                                        "unsupported",   "decrypted",   "failed"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

/* One note per connection: which key is missing, so a user sees why it stayed opaque. */
static void keys_missing(struct tls_session *s, int dir, uint64_t pkt, const char *what)
{
    if (s->keys_note_sent)
        return;
    s->keys_note_sent = 1;
    if (s->dec_status != TLS_DEC_DECRYPTED && s->dec_status != TLS_DEC_UNSUPPORTED)
        s->dec_status = TLS_DEC_KEYS_MISSING;
    char det[320], hex[17];
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", s->hs.ch.random[i]);
    snprintf(det, sizeof det, "%s record in pkt %llu: %s (ClientHello random %s...)%s", wsa_side(dir),
             (unsigned long long)pkt, what, hex,
             s->dec_status == TLS_DEC_DECRYPTED ? "; the records before it were decrypted" : "");
    finding(s, dir, pkt, F_TLS_KEYS_MISSING, det);
}

static void dec_client_hello(struct tls_session *s)
{
    if (!s->keylog || s->dec)
        return;
    const struct tls_keys *k = tls_keylog_find(s->keylog, s->hs.ch.random);
    s->dec_status = k ? TLS_DEC_PENDING : TLS_DEC_KEYS_MISSING;
    if (!k || !(s->dec = calloc(1, sizeof *s->dec)))
        return;
    s->dec->keys = k;
    struct tls_dec_dir *c = &s->dec->d[TLS_C2S];
    if (s->hs.ch.early_data && k->len[TLS_SECRET_CLIENT_EARLY])
        c->on = c->early_mode = 1; /* 0-RTT records may follow the ClientHello */
}

static void dec_server_hello(struct tls_session *s)
{
    struct tls_dec *dec = s->dec;
    if (!dec)
        return;
    const struct tls_keys *k = dec->keys;
    const struct tls_suite *su = tls_suite_find(s->hs.sh.suite);
    int v13 = is_tls13(s->hs.version);
    if (!su || su->tls13 != v13) {
        char what[96];
        snprintf(what, sizeof what, "cipher suite 0x%04x is not one wsaudit decrypts",
                 s->hs.sh.suite);
        s->dec_status = TLS_DEC_UNSUPPORTED;
        dec->d[0].on = dec->d[1].on = dec->d[0].early_mode = 0;
        s->keys_note_sent = 0;
        keys_missing(s, TLS_S2C, s->hs.sh.pkt, what);
        return;
    }
    if (v13) {
        for (int dir = 0; dir < 2; dir++) {
            struct tls_dec_dir *dd = &dec->d[dir];
            int kind = dir == TLS_C2S ? TLS_SECRET_CLIENT_HS : TLS_SECRET_SERVER_HS;
            if (k->len[kind] && tls_cipher_init13(&dd->cur, su, k->secret[kind], k->len[kind]) == 0)
                dd->on = 1;
            else
                dd->on = dd->early_mode; /* 0-RTT keys still apply until EndOfEarlyData */
        }
        return;
    }
    if (!k->len[TLS_SECRET_MASTER])
        return;
    struct tls_cipher c[2];
    memset(c, 0, sizeof c);
    if (tls_cipher_init12(c, su, s->hs.version, k->secret[TLS_SECRET_MASTER], s->hs.ch.random,
                          s->hs.sh.random, s->hs.ch.etm && s->hs.sh.etm) < 0) {
        tls_cipher_free(&c[0]);
        tls_cipher_free(&c[1]);
        return;
    }
    for (int dir = 0; dir < 2; dir++) {
        tls_cipher_free(&dec->d[dir].cur); /* a second ServerHello replaces the keys */
        dec->d[dir].cur = c[dir];          /* switched on at that side's ChangeCipherSpec */
    }
}

/* Which secret this direction lacks now (for the keys_missing note). */
static const char *missing_secret(const struct tls_session *s, int dir)
{
    const struct tls_keys *k = s->dec->keys;
    if (!is_tls13(s->hs.version))
        return k->len[TLS_SECRET_MASTER] ? "no keys could be derived"
                                         : secret_names[TLS_SECRET_MASTER];
    if (!s->hs.sh.seen)
        return secret_names[TLS_SECRET_CLIENT_EARLY];
    int app = s->d[dir].finished;
    return secret_names[dir == TLS_C2S ? (app ? TLS_SECRET_CLIENT_APP : TLS_SECRET_CLIENT_HS)
                                       : (app ? TLS_SECRET_SERVER_APP : TLS_SECRET_SERVER_HS)];
}

static void dec_record_start(struct tls_session *s, int dir)
{
    struct tls_dir *d = &s->d[dir];
    if (!s->dec) {
        if (s->keylog && s->dec_status != TLS_DEC_UNSUPPORTED)
            keys_missing(s, dir, d->rec_pkt, "no secret for this connection in the key logs");
        return;
    }
    struct tls_dec_dir *dd = &s->dec->d[dir];
    if (!dd->on) {
        if (!dd->failed && s->dec_status != TLS_DEC_UNSUPPORTED) {
            char what[96];
            snprintf(what, sizeof what, "no %s in the key logs", missing_secret(s, dir));
            keys_missing(s, dir, d->rec_pkt, what);
        }
        return;
    }
    if (d->rec_len > REC_BUF - 5 || (!dd->rec && !(dd->rec = malloc(REC_BUF)))) {
        dd->on = 0;
        return;
    }
    dd->buffering = 1;
    dd->have = 0;
}

static void data_gap(struct tls_session *s, int dir, uint64_t len)
{
    struct tls_event ev = {TLS_EV_DATA_GAP, dir, s->seg.pkt, NULL, F_FINDING_COUNT, "", s,
                           NULL, (size_t)len, s->dec->d[dir].plain_off, s->d[dir].off};
    emit(s, &ev);
}

static void dec_fail(struct tls_session *s, int dir, enum tls_dec_result r)
{
    struct tls_dir *d = &s->d[dir];
    struct tls_dec_dir *dd = &s->dec->d[dir];
    dd->on = 0;
    dd->failed = 1;
    s->dec_failed_dir[dir] = 1;
    s->dec_status = TLS_DEC_FAILED;
    char det[320];
    snprintf(det, sizeof det,
             "%s record of %u bytes ending in pkt %llu %s with the logged keys (record %llu of "
             "this key); the %s's records are not decrypted from here on",
             wsa_side(dir), d->rec_len, (unsigned long long)s->seg.pkt,
             r == TLS_DEC_BAD_AUTH ? "did not authenticate" : "could not be decrypted",
             (unsigned long long)(dd->cur.seq ? dd->cur.seq - 1 : 0), wsa_side(dir));
    finding(s, dir, s->seg.pkt, F_D_TLS_DECRYPT_FAILED, det);
    size_t over = tls_cipher_overhead(&dd->cur);
    data_gap(s, dir, d->rec_len > over ? d->rec_len - over : 0);
}

/* 0-RTT: the early keys' suite is the one whose trial decryption of the first early record
 * authenticates; a record they do not open is the first under the handshake keys. */
static enum tls_dec_result dec_early(struct tls_session *s, int dir, size_t *off, size_t *n,
                                     uint8_t *type)
{
    struct tls_dec_dir *dd = &s->dec->d[dir];
    const struct tls_keys *k = s->dec->keys;
    const uint8_t *hdr = s->d[dir].hdr;
    if (!dd->copy && !(dd->copy = malloc(REC_BUF)))
        return TLS_DEC_BAD_FORMAT;
    memcpy(dd->copy, dd->rec, dd->have);
    if (!dd->early_tried) {
        dd->early_tried = 1;
        for (unsigned i = 0; i < s->hs.ch.n_suites13; i++) {
            const struct tls_suite *su = tls_suite_find(s->hs.ch.suites13[i]);
            if (!su || tls_cipher_init13(&dd->early, su, k->secret[TLS_SECRET_CLIENT_EARLY],
                                         k->len[TLS_SECRET_CLIENT_EARLY]) < 0)
                continue;
            if (tls_cipher_decrypt(&dd->early, hdr, dd->rec, dd->have, off, n, type) == 0)
                return TLS_DEC_OK;
            memcpy(dd->rec, dd->copy, dd->have);
            dd->early.ready = 0;
        }
    } else if (dd->early.ready) {
        if (tls_cipher_decrypt(&dd->early, hdr, dd->rec, dd->have, off, n, type) == 0)
            return TLS_DEC_OK;
        memcpy(dd->rec, dd->copy, dd->have);
        dd->early.seq--;
    }
    dd->early_mode = 0;
    if (!dd->cur.ready)
        return TLS_DEC_BAD_FORMAT;
    return tls_cipher_decrypt(&dd->cur, hdr, dd->rec, dd->have, off, n, type);
}

static void dec_switch(struct tls_session *s, int dir)
{
    struct tls_dec_dir *dd = &s->dec->d[dir];
    const struct tls_keys *k = s->dec->keys;
    int kind = dir == TLS_C2S ? TLS_SECRET_CLIENT_APP : TLS_SECRET_SERVER_APP;
    switch (dd->pending) {
    case SWITCH_APP:
        dd->on = k->len[kind] && dd->cur.suite &&
                 tls_cipher_init13(&dd->cur, dd->cur.suite, k->secret[kind], k->len[kind]) == 0;
        break;
    case SWITCH_HS:
        dd->early_mode = 0;
        dd->on = dd->cur.ready;
        break;
    case SWITCH_UPDATE:
        dd->on = tls_cipher_update13(&dd->cur) == 0;
        break;
    default:
        break;
    }
    dd->pending = SWITCH_NONE;
}

/* What a record held, once decrypted. */
static void dec_plaintext(struct tls_session *s, int dir, uint8_t type, const uint8_t *p,
                          size_t n)
{
    struct tls_dir *d = &s->d[dir];
    struct tls_dec_dir *dd = &s->dec->d[dir];
    int v13 = is_tls13(s->hs.version);
    switch (type) {
    case TLS_REC_HANDSHAKE:
        hs_bytes(s, dir, p, n);
        break;
    case TLS_REC_ALERT:
        if (v13 && n != 2) {
            char det[64];
            snprintf(det, sizeof det, "alert record of %zu bytes (decrypted)", n);
            finding(s, dir, d->rec_pkt, F_TLS_V_ALERT_RECORD_LENGTH, det);
        }
        for (size_t i = 0; i + 1 < n; i += 2)
            alert_msg(s, dir, p[i], p[i + 1], TLS_AK_DECRYPTED);
        break;
    case TLS_REC_APP: {
        struct tls_event ev = {TLS_EV_DATA, dir, s->seg.pkt, NULL, F_FINDING_COUNT, "", s,
                               p, n, dd->plain_off, d->off};
        dd->plain_off += n;
        dd->delivered = 1;
        client_data(s, dir);
        unsigned slot = dd->map_n++ % PLAIN_MAP;
        dd->map[slot].tcp_end = d->off;
        dd->map[slot].plain_end = dd->plain_off;
        emit(s, &ev);
        break;
    }
    default:
        break; /* heartbeat, or a ChangeCipherSpec that should not be protected */
    }
    /* TLS 1.3: the server went on after the client's Finished */
    if (v13 && dir == TLS_S2C && type != TLS_REC_ALERT && s->d[TLS_C2S].finished)
        completed(s, s->seg.pkt);
}

/* The end of a protected record of a direction that has keys: decrypt and handle it. 1 when
 * handled (also when skipped), 0 when the record is left to the keyless judgement. */
static int dec_record_end(struct tls_session *s, int dir)
{
    if (!s->dec || !s->dec->d[dir].buffering)
        return 0;
    struct tls_dir *d = &s->d[dir];
    struct tls_dec_dir *dd = &s->dec->d[dir];
    dd->buffering = 0;
    size_t off, n;
    uint8_t type;
    enum tls_dec_result r;
    int hs_try = dir == TLS_C2S && s->hs.ch.early_data && !dd->early_mode && !s->dec_records[dir];
    if (dd->early_mode)
        r = dec_early(s, dir, &off, &n, &type);
    else
        r = tls_cipher_decrypt(&dd->cur, d->hdr, dd->rec, dd->have, &off, &n, &type);
    if (r != TLS_DEC_OK && hs_try) {
        /* 0-RTT data we have no key for, before the handshake keys' first record */
        dd->cur.seq--;
        keys_missing(s, dir, s->seg.pkt, "0-RTT data: no CLIENT_EARLY_TRAFFIC_SECRET");
        return 1;
    }
    if (r != TLS_DEC_OK) {
        dec_fail(s, dir, r);
        return 0;
    }
    s->dec_records[dir]++;
    if (s->dec_status == TLS_DEC_PENDING)
        s->dec_status = TLS_DEC_DECRYPTED;
    if (!d->enc_records)
        d->first_enc_pkt = d->rec_pkt;
    d->enc_records++;
    uint64_t start = d->rec_pkt;
    d->rec_pkt = s->seg.pkt; /* decrypted content is where its record ended, as tshark shows */
    dec_plaintext(s, dir, type, dd->rec + off, n);
    d->rec_pkt = start;
    if (dd->pending)
        dec_switch(s, dir);
    return 1;
}

int tls_session_plain_acked(const struct tls_session *s, int dir, uint64_t tcp_off,
                            uint64_t *plain_off)
{
    if (!s->dec)
        return -1;
    const struct tls_dec_dir *dd = &s->dec->d[dir];
    unsigned n = dd->map_n < PLAIN_MAP ? dd->map_n : PLAIN_MAP;
    for (unsigned i = 0; i < n; i++) {
        unsigned slot = (dd->map_n - 1 - i) % PLAIN_MAP;
        if (dd->map[slot].tcp_end <= tcp_off) {
            *plain_off = dd->map[slot].plain_end;
            return 0;
        }
    }
    if (dd->map_n > PLAIN_MAP)
        return -1; /* older than what is remembered */
    *plain_off = 0;
    return 0;
}

void tls_session_known_alert(struct tls_session *s, int dir, uint8_t level, uint8_t desc)
{
    s->known_alert[dir] = 1;
    s->known_level[dir] = level;
    s->known_desc[dir] = desc;
}

void tls_session_known_handshake(struct tls_session *s, int dir, uint8_t type, const uint8_t *b,
                                 size_t len, uint64_t pkt)
{
    if (dir != TLS_S2C || !is_tls13(s->hs.version) || s->dec ||
        (type != TLS_HS_CERTIFICATE && type != TLS_HS_ENCRYPTED_EXTENSIONS))
        return;
    handshake_msg(s, dir, type, b, len, pkt);
}

void tls_session_set_keys(struct tls_session *s, const struct tls_keylog *k)
{
    s->keylog = k;
    s->dec_status = k ? TLS_DEC_PENDING : TLS_DEC_NO_KEYS_GIVEN;
}

static void dec_free(struct tls_session *s)
{
    if (!s->dec)
        return;
    for (int i = 0; i < 2; i++) {
        tls_cipher_free(&s->dec->d[i].cur);
        tls_cipher_free(&s->dec->d[i].early);
        free(s->dec->d[i].rec);
        free(s->dec->d[i].copy);
    }
    free(s->dec);
    s->dec = NULL;
}

void tls_session_feed(struct tls_session *s, int dir, const uint8_t *data, size_t len,
                      const struct tls_seg *seg)
{
    struct tls_dir *d = &s->d[dir];
    s->seg = *seg;
    while (len && !d->stopped) {
        if (d->collecting) {
            not_tls_byte(s, *data++);
            len--;
            d->off++;
            continue;
        }
        if (d->hdr_len < 5) {
            size_t k = 5u - d->hdr_len;
            if (k > len)
                k = len;
            memcpy(d->hdr + d->hdr_len, data, k);
            d->hdr_len = (uint8_t)(d->hdr_len + k);
            data += k;
            len -= k;
            d->off += k;
            if (d->hdr_len < 5)
                break;
            record_start(s, dir);
            if (d->stopped || d->collecting)
                continue;
            if (d->rec_left == 0) {
                record_end(s, dir);
                d->hdr_len = 0;
            }
            continue;
        }
        size_t k = len < d->rec_left ? len : d->rec_left;
        record_payload(s, dir, data, k);
        d->rec_left -= (uint32_t)k;
        data += k;
        len -= k;
        d->off += k;
        if (d->rec_left == 0) {
            record_end(s, dir);
            d->hdr_len = 0;
        }
    }
}

void tls_session_gap(struct tls_session *s, int dir, uint64_t len, uint64_t pkt)
{
    struct tls_dir *d = &s->d[dir];
    if (d->stopped)
        return;
    if (d->hdr_len == 5 && len <= d->rec_left) {
        /* inside one record's payload: boundaries stay known */
        if (s->dec && s->dec->d[dir].buffering) {
            /* a protected record we cannot authenticate: skipped, its sequence number used */
            struct tls_dec_dir *dd = &s->dec->d[dir];
            dd->buffering = 0;
            dd->cur.seq++;
            size_t over = tls_cipher_overhead(&dd->cur);
            data_gap(s, dir, d->rec_len > over ? d->rec_len - over : 0);
        } else if (d->type == TLS_REC_HANDSHAKE && !d->enc) {
            d->lost = 1; /* handshake messages from here on are not decoded */
            d->hs_len = d->hs_need = d->hs_skip = 0;
        }
        d->rec_left -= (uint32_t)len;
        d->off += len;
        if (d->rec_left == 0) {
            record_end(s, dir);
            d->hdr_len = 0;
        }
        return;
    }
    d->off += len;
    stop_dir(s, dir, pkt, "bytes missing across a record boundary");
    if (s->dec && s->dec->d[dir].on) {
        s->dec->d[dir].on = 0;
        data_gap(s, dir, len);
    }
}

static void resolve_candidate(struct tls_session *s, int dir)
{
    struct tls_dir *d = &s->d[dir];
    if (!d->cand)
        return;
    d->cand = 0;
    int in_hs = d->cand_in_hs && s->hs.outcome == TLS_OUT_PENDING;
    struct tls_alert_rec a = {dir,   d->cand_pkt, TLS_AK_PROBABLE, 0, 0, d->cand_len, in_hs,
                              d->cand_after_peer_end};
    emit_alert(s, &a);
    const struct tls_dir *peer = &s->d[!dir];
    if (in_hs && a.after_peer_close && dir == TLS_S2C && peer->enc_records == 0) {
        /* the client closed before its Finished, without an alert; this record is the
         * server's reaction to that (as OpenSSL's plaintext decode_error is), not the cause */
        s->hs.fail_alert = a;
        settle(s, TLS_OUT_ABANDONED, TLS_CAUSE_NO_ALERT, TLS_C2S, peer->end_pkt);
    } else if (in_hs) {
        char det[256];
        snprintf(det, sizeof det,
                 "%s record of %u bytes in pkt %llu, %s, then the %s closed the connection",
                 wsa_side(dir), d->cand_len, (unsigned long long)d->cand_pkt,
                 dir == TLS_C2S ? "its first encrypted record (before its Finished)"
                                : "after the client's Finished, before any application data",
                 wsa_side(dir));
        finding(s, dir, d->cand_pkt, F_TLS_ALERT_PROBABLE_ENCRYPTED, det);
        s->hs.fail_alert = a;
        settle(s, TLS_OUT_FAILED, TLS_CAUSE_PROBABLE_ALERT, dir, d->cand_pkt);
    }
}

void tls_session_end_dir(struct tls_session *s, int dir, uint64_t pkt)
{
    struct tls_dir *d = &s->d[dir];
    if (d->ended)
        return;
    d->ended = 1;
    d->end_pkt = pkt;
    if (dir == TLS_C2S)
        s->hs.client_end_pkt = pkt;
    d->end_order = ++s->ends;
    if (dir == TLS_S2C)
        not_tls_done(s);
}

void tls_session_end(struct tls_session *s, int by_tcp, uint64_t pkt)
{
    if (s->ended)
        return;
    s->ended = 1;
    not_tls_done(s);
    /* Alert-sized last records are judged once both sides are over: the peer may still have
     * shown that the handshake completed (a server's tickets after the client's close_notify).
     * Only a record followed by that side's FIN/RST counts; earlier packet first. */
    int first = s->d[TLS_S2C].cand_pkt < s->d[TLS_C2S].cand_pkt ? TLS_S2C : TLS_C2S;
    for (int k = 0; k < 2; k++) {
        int dir = k ? !first : first;
        struct tls_dir *d = &s->d[dir];
        if (d->ended && !d->stopped && !d->lost)
            resolve_candidate(s, dir);
    }
    if (s->hs.outcome == TLS_OUT_PENDING && s->dec && s->d[0].finished && s->d[1].finished &&
        s->dec_records[0] && s->dec_records[1])
        completed(s, pkt); /* both Finished decrypted, and no alert after them */
    if (s->hs.outcome == TLS_OUT_PENDING) {
        int lost = s->d[0].lost || s->d[1].lost;
        int closer = -1;
        for (int i = 0; i < 2; i++)
            if (s->d[i].ended && (closer < 0 || s->d[i].end_order < s->d[closer].end_order))
                closer = i;
        if (by_tcp && !lost && closer >= 0) {
            if (s->hs.fail_alert.pkt) /* only a closure alert was seen: the handshake was cancelled */
                settle(s, TLS_OUT_FAILED, TLS_CAUSE_ALERT, s->hs.fail_alert.dir, s->hs.fail_alert.pkt);
            else
                settle(s, TLS_OUT_ABANDONED, TLS_CAUSE_NO_ALERT, closer, s->d[closer].end_pkt);
        } else {
            settle(s, TLS_OUT_INCOMPLETE, TLS_CAUSE_NONE, -1, pkt);
        }
    }
    after_handshake(s, by_tcp);
    summary(s, pkt);
}

void tls_session_init(struct tls_session *s, tls_event_fn cb, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->cb = cb;
    s->cb_ctx = ctx;
    s->hs.fail_dir = -1;
}

void tls_session_free(struct tls_session *s)
{
    dec_free(s);
    for (int i = 0; i < 2; i++) {
        free(s->d[i].hs);
        s->d[i].hs = NULL;
        s->d[i].hs_cap = 0;
    }
}

size_t tls_session_heap(const struct tls_session *s)
{
    size_t n = (size_t)s->d[0].hs_cap + s->d[1].hs_cap;
    if (s->dec) {
        n += sizeof *s->dec;
        for (int i = 0; i < 2; i++)
            n += (s->dec->d[i].rec ? REC_BUF : 0) + (s->dec->d[i].copy ? REC_BUF : 0);
    }
    return n;
}

int tls_looks_like_client_hello(const uint8_t *p, size_t len)
{
    if (len < 3)
        return len && (p[0] == TLS_REC_HANDSHAKE || (p[0] & 0x80)) ? -1 : 0;
    if (p[0] == TLS_REC_HANDSHAKE && p[1] == 3 && p[2] <= 4)
        return len < 6 ? -1 : p[5] == 1; /* handshake type client_hello */
    if ((p[0] & 0x80) && p[2] == 1)      /* SSLv2-compatible CLIENT-HELLO */
        return len < 4 ? -1 : p[3] == 3 || p[3] == 2;
    return 0;
}
