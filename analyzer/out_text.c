/* SPDX-License-Identifier: GPL-2.0-or-later */
/* out_text.c - human-readable report: one line per event, prefixed by the connection id. */
#include <inttypes.h>
#include <string.h>

#include "../core/tls_alert.h"
#include "linebuf.h"
#include "../core/escape.h"
#include "out_formats.h"

/* wire bytes in a text line, escaped by the core's rule (escape.h), as the plugin shows them */
static void lb_escaped(struct lb *l, const uint8_t *s, size_t len)
{
    size_t used;
    for (size_t i = 0; i < len; i += used) {
        char *piece = lb_reserve(l, 4);
        l->n += wsa_escape_one(s + i, len - i, "", piece, &used);
    }
}

static void out_text_escaped(FILE *f, const uint8_t *s, size_t len)
{
    struct lb l;
    lb_init(&l, f);
    lb_escaped(&l, s, len);
    lb_flush(&l);
}

/* "#7", or "#7/s3" for HTTP/2 stream 3 of connection 7, at b (NUL-terminated, at most 64
 * bytes with the -j marks around the id); its length */
static size_t cid_at(char *b, const struct conn_view *c)
{
    b[0] = '#';
    size_t n = 1 + report_conn_id(c->id, b + 1);
    if (c->stream) {
        memcpy(b + n, "/s", 2);
        n += 2 + wsa_u64_dec(b + n + 2, c->stream);
    }
    b[n] = 0;
    return n;
}

/* the same, appended to a record */
/* "a/b": two counts of one thing (request/response packets, client/server frames) */
static void lb_pair(struct lb *l, uint64_t a, uint64_t b)
{
    lb_u(l, a);
    lb_c(l, '/');
    lb_u(l, b);
}

static void lb_cid(struct lb *l, const struct conn_view *c)
{
    char *p = lb_reserve(l, 64);
    l->n += cid_at(p, c);
}

static void t_file(struct report *r, const char *file, const char *linktype)
{
    if (r->merge) /* --merge: numbers count over all files, which follow in time order */
        fprintf(r->out, "== %s (%s; merged: packet numbers count over all files)\n", file,
                linktype);
    else
        fprintf(r->out, "== %s (%s)\n", file, linktype);
}

static void slice(struct lb *l, const char *label, struct ws_slice s)
{
    if (!s.p)
        return;
    lb_c(l, ' ');
    lb_str(l, label);
    lb_c(l, '=');
    lb_escaped(l, (const uint8_t *)s.p, s.len);
}

/* cid_at's text, for the lines still written with printf; valid until the next call in this
 * thread */
static const char *cid(const struct conn_view *c)
{
    static _Thread_local char b[64]; /* -j: writers run in several threads */
    cid_at(b, c);
    return b;
}

/* (a line per connection, and a capture of short connections has many: without printf) */
static void t_conn(struct report *r, const struct conn_view *c, const struct handshake_view *h,
                   uint64_t pkt)
{
    struct lb l;
    lb_init(&l, r->out);
    lb_cid(&l, c);
    if (!h) {
        LB_LIT(&l, " websocket (mid-stream, no handshake) ");
        lb_str(&l, c->client);
        LB_LIT(&l, " -> ");
        lb_str(&l, c->server);
        LB_LIT(&l, "  pkt ");
        lb_u(&l, pkt);
        lb_c(&l, '\n');
        lb_flush(&l);
        return;
    }
    lb_c(&l, ' ');
    lb_str(&l, h->res->upgraded ? (c->stream ? (c->tls ? "websocket (h2, wss, decrypted)"
                                                       : "websocket (h2)")
                                             : c->tls ? "websocket (wss, decrypted)"
                                                      : "websocket")
                                : "upgrade-refused");
    lb_c(&l, ' ');
    lb_str(&l, c->client);
    LB_LIT(&l, " -> ");
    lb_str(&l, c->server);
    LB_LIT(&l, "  pkt ");
    lb_pair(&l, h->req_pkt, h->resp_pkt);
    lb_c(&l, ' ');
    lb_escaped(&l, (const uint8_t *)h->req->method.p, h->req->method.len);
    lb_c(&l, ' ');
    lb_escaped(&l, (const uint8_t *)h->req->target.p, h->req->target.len);
    if (h->resp->status) {
        LB_LIT(&l, " -> ");
        lb_i(&l, h->resp->status);
    } else {
        LB_LIT(&l, " -> no answer (the stream was reset)");
    }
    slice(&l, "host", h->req->host);
    slice(&l, "subprotocol", h->res->protocol);
    slice(&l, "extensions", h->res->extensions);
    lb_c(&l, '\n');
    lb_flush(&l);
}

/* (findings, closes and statuses are a line per few packets on busy captures: built without
 * printf, like the frame lines) */
static void t_finding_line(FILE *f, const struct conn_view *c, uint64_t pkt, uint64_t pkt_end,
                           enum wsa_finding_id id, const char *detail)
{
    const struct wsa_finding_info *fi = wsa_finding_info(id);
    struct lb l;
    lb_init(&l, f);
    if (c) {
        lb_cid(&l, c);
        lb_c(&l, ' ');
    }
    LB_LIT(&l, "pkt ");
    lb_u(&l, pkt);
    if (pkt_end > pkt) {
        lb_c(&l, '-');
        lb_u(&l, pkt_end);
    }
    LB_LIT(&l, "  ! ");
    lb_str(&l, wsa_severity_name(fi->severity));
    lb_c(&l, ' ');
    lb_str(&l, fi->id);
    LB_LIT(&l, ": ");
    lb_str(&l, fi->title);
    if (detail && *detail) {
        LB_LIT(&l, " (");
        lb_str(&l, detail);
        lb_c(&l, ')');
    }
    if (fi->reference) {
        LB_LIT(&l, " [");
        lb_str(&l, fi->reference);
        lb_c(&l, ']');
    }
    lb_c(&l, '\n');
    lb_flush(&l);
}

static void t_status(FILE *f, const struct conn_view *c, const struct ws_event *ev)
{
    const struct ws_status *st = ev->status;
    struct lb l;
    lb_init(&l, f);
    lb_cid(&l, c);
    LB_LIT(&l, " pkt ");
    lb_u(&l, ev->pkt);
    LB_LIT(&l, "  status:");
    for (int side = 0; side < 2; side++) {
        int32_t code = st->seen[side == 0 ? WS_S2C : WS_C2S];
        if (side)
            lb_c(&l, ',');
        lb_c(&l, ' ');
        lb_str(&l, wsa_side(side));
        LB_LIT(&l, " saw ");
        if (code >= 0) {
            lb_u(&l, (uint64_t)code);
            LB_LIT(&l, " (");
            lb_str(&l, ws_close_lookup((uint16_t)code)->name);
            lb_c(&l, ')');
        } else {
            LB_LIT(&l, "unknown (the capture ended first or lost bytes)");
        }
    }
    if (st->ended_dir >= 0) {
        LB_LIT(&l, "; the ");
        lb_str(&l, wsa_side(st->ended_dir));
        lb_c(&l, ' ');
        lb_str(&l, c->stream ? (st->how == WS_END_RST ? "reset the stream (RST_STREAM)"
                                                      : "ended the stream (END_STREAM)")
                   : st->how == WS_END_RST ? "reset the connection"
                                           : "closed the connection");
        LB_LIT(&l, " in pkt ");
        lb_u(&l, st->ended_pkt);
    }
    lb_c(&l, '\n');
    lb_flush(&l);
}

static void t_message(FILE *f, const struct conn_view *c, const struct ws_event *ev)
{
    const struct ws_message *m = ev->msg;
    fprintf(f, "%s pkt %" PRIu64, cid(c), ev->pkt);
    if (ev->pkt_end != ev->pkt)
        fprintf(f, "-%" PRIu64, ev->pkt_end);
    fprintf(f, "  %s message %s %" PRIu64 " bytes", ev->dir == WS_C2S ? "c->s" : "s->c",
            ws_opcode_name(m->opcode), m->inflated_known ? m->inflated : m->size);
    if (m->compressed)
        fprintf(f, " (%" PRIu64 " compressed%s)", m->size,
                m->inflated_known ? "" : ", not inflated");
    fputs(": \"", f);
    out_text_escaped(f, m->preview, m->preview_len);
    fputs((m->inflated_known ? m->inflated : m->size) > m->preview_len ? "\"...\n" : "\"\n", f);
}

/* a frame's line up to its end: "#7 pkt 12-13  c->s TEXT   fin=1 rsv=000 masked len=5"
 * (inline in both: as a call, 8 more instructions per frame line) */
static inline __attribute__((always_inline)) void lb_frame_line(struct lb *l, const struct conn_view *c,
                                                              const struct ws_event *ev)
{
    const struct ws_frame_hdr *h = ev->hdr;
    static const char pad[] = "      ";
    lb_cid(l, c);
    LB_LIT(l, " pkt ");
    lb_u(l, ev->pkt);
    if (ev->pkt_end != ev->pkt) {
        lb_c(l, '-');
        lb_u(l, ev->pkt_end);
    }
    if (ev->dir == WS_C2S)
        LB_LIT(l, "  c->s ");
    else
        LB_LIT(l, "  s->c ");
    const char *on = ws_opcode_name(h->opcode);
    size_t onl = strlen(on);
    lb_mem(l, on, onl);
    if (onl < 6) /* as printf's %-6s */
        lb_mem(l, pad, 6 - onl);
    LB_LIT(l, " fin=");
    lb_u(l, h->fin);
    LB_LIT(l, " rsv=");
    lb_u(l, (h->rsv >> 2) & 1);
    lb_u(l, (h->rsv >> 1) & 1);
    lb_u(l, h->rsv & 1);
    if (h->masked)
        LB_LIT(l, " masked len=");
    else
        LB_LIT(l, " unmasked len=");
    lb_u(l, h->len);
    if (!ev->complete)
        LB_LIT(l, " (incomplete)");
}

/* the bulk of the output: built without printf */
static void t_frame(FILE *f, const struct conn_view *c, const struct ws_event *ev)
{
    struct lb l;
    lb_init(&l, f);
    lb_frame_line(&l, c, ev);
    lb_c(&l, '\n');
    lb_flush(&l);
}

static void t_close(FILE *f, const struct conn_view *c, const struct ws_event *ev)
{
    struct lb l;
    lb_init(&l, f);
    lb_frame_line(&l, c, ev);
    if (ev->has_code) {
        LB_LIT(&l, "  code=");
        lb_u(&l, ev->code);
        LB_LIT(&l, " (");
        lb_str(&l, ev->code_info->name);
        LB_LIT(&l, ", ");
        lb_str(&l, ws_close_class_name(ev->code_info->cls));
        LB_LIT(&l, ") reason=\"");
        lb_escaped(&l, ev->reason, ev->reason_len);
        lb_c(&l, '"');
    } else {
        LB_LIT(&l, "  (no status code)");
    }
    lb_c(&l, '\n');
    lb_flush(&l);
}

static void t_ws_event(struct report *r, const struct conn_view *c, const struct ws_event *ev)
{
    switch (ev->type) {
    case WS_EV_STATUS:
        t_status(r->out, c, ev);
        break;
    case WS_EV_FINDING:
        t_finding_line(r->out, c, ev->pkt, ev->pkt_end, ev->finding, ev->detail);
        break;
    case WS_EV_MESSAGE:
        t_message(r->out, c, ev);
        break;
    case WS_EV_FRAME:
        t_frame(r->out, c, ev);
        break;
    case WS_EV_CLOSE:
        t_close(r->out, c, ev);
        break;
    }
}

static void t_tls_summary(struct report *r, const struct conn_view *c, const struct tls_session *s)
{
    FILE *f = r->out;
    char v[96], b[24];
    fprintf(f, "%s tls %s -> %s  pkt %" PRIu64, cid(c), c->client, c->server, s->hs.ch.pkt);
    if (s->hs.ch.seen) {
        tls_hello_versions(&s->hs.ch, v, sizeof v);
        fprintf(f, "  client offers %s%s", s->hs.ch.has_sv ? "" : "up to ", v);
        if (s->hs.ch.has_sni)
            fprintf(f, " sni=%s", s->hs.ch.sni);
        if (s->hs.ch.has_alpn)
            fprintf(f, " alpn=%s", s->hs.ch.alpn);
    }
    if (s->hs.sh.seen)
        fprintf(f, "; server chose %s suite 0x%04x%s%s%s",
                tls_version_name(s->hs.version, b, sizeof b), s->hs.sh.suite,
                s->hs.sh.has_alpn ? " alpn=" : "", s->hs.sh.has_alpn ? s->hs.sh.alpn : "",
                s->hrr_seen ? " (after HelloRetryRequest)" : "");
    fprintf(f, "; handshake %s", tls_outcome_name(s->hs.outcome));
    if (s->dec_status != TLS_DEC_NO_KEYS_GIVEN)
        fprintf(f, "; decryption: %s", tls_decrypt_status_name(s->dec_status));
    if (s->hs.outcome == TLS_OUT_FAILED || s->hs.outcome == TLS_OUT_ABANDONED)
        fprintf(f, " (%s, %s, pkt %" PRIu64 ")", tls_cause_name(&s->hs),
                wsa_side(s->hs.fail_dir), s->hs.fail_pkt);
    fputc('\n', f);
    if (s->hs.cert.decoded) {
        char nb[40], na[40];
        x509_format_time(s->hs.cert.leaf.not_before, nb, sizeof nb);
        x509_format_time(s->hs.cert.leaf.not_after, na, sizeof na);
        long days = tls_cert_days_expired(&s->hs.cert);
        if (r->show_time)
            fprintf(f, "%s ", report_ts(r, r->now_ns));
        fprintf(f,
                "%s pkt %" PRIu64
                "  certificate subject=\"%s\" issuer=\"%s\" valid %s .. %s",
                cid(c), s->hs.cert.pkt, s->hs.cert.leaf.subject, s->hs.cert.leaf.issuer, nb, na);
        if (s->hs.cert.leaf.san_dns[0])
            fprintf(f, " dns=%s", s->hs.cert.leaf.san_dns);
        fprintf(f, " chain=%u", s->hs.cert.chain_len);
        if (days > 0)
            fprintf(f, " (expired %ld days before this capture)", days);
        else if (days < 0)
            fprintf(f, " (not yet valid: starts %ld days after this capture)", -days);
        fputc('\n', f);
    }
}

static void t_tls_event(struct report *r, const struct conn_view *c, const struct tls_event *ev)
{
    FILE *f = r->out;
    if (ev->type == TLS_EV_FINDING) {
        t_finding_line(f, c, ev->pkt, ev->pkt, ev->finding, ev->detail);
        return;
    }
    if (ev->type == TLS_EV_SUMMARY) {
        t_tls_summary(r, c, ev->s);
        return;
    }
    const struct tls_alert_rec *a = ev->alert;
    fprintf(f, "%s pkt %" PRIu64 "  alert %s ", cid(c), a->pkt,
            a->dir == TLS_C2S ? "c->s" : "s->c");
    if (a->kind == TLS_AK_PLAIN || a->kind == TLS_AK_DECRYPTED) {
        const struct tls_alert_info *ai = tls_alert_lookup(a->desc);
        fprintf(f, "%s %s (%u) %s",
                a->level == TLS_LEVEL_FATAL   ? "fatal"
                : a->level == TLS_LEVEL_WARNING ? "warning"
                                : "level?",
                ai->name, a->desc, tls_alert_kind_name(a->kind));
    } else {
        fprintf(f, "%s (%u-byte record, description hidden%s)", tls_alert_kind_name(a->kind),
                a->record_len, a->in_handshake ? "" : ", probably close_notify");
    }
    fputs(a->in_handshake ? ", during the handshake\n" : "\n", f);
}

static void t_keylog(struct report *r, const char *source, const char *kind, size_t secrets,
                     size_t randoms, unsigned long bad)
{
    fprintf(r->out, "== keys from %s (%s): %zu secrets for %zu connections", source, kind,
            secrets, randoms);
    if (bad)
        fprintf(r->out, ", %lu bad lines skipped", bad);
    fputc('\n', r->out);
}

static void t_finding(struct report *r, const struct conn_view *c, const char *file, uint64_t pkt,
                      enum wsa_finding_id id, const char *detail)
{
    (void)file;
    t_finding_line(r->out, c, pkt, pkt, id, detail);
}

static void t_error(struct report *r, const char *file, uint64_t pkt, const char *msg, int fatal)
{
    const char *in_file;
    uint64_t file_pkt;
    if (report_locate(r, pkt, &in_file, &file_pkt))
        fprintf(r->out, "error: %s: packet %" PRIu64 " (%" PRIu64 " of the merged capture): %s%s\n",
                in_file, file_pkt, pkt, msg, fatal ? "" : " (findings before this point are above)");
    else if (pkt)
        fprintf(r->out, "error: %s: packet %" PRIu64 ": %s%s\n", file, pkt, msg,
                fatal ? "" : " (findings before this point are above)");
    else
        fprintf(r->out, "error: %s: %s\n", file, msg);
}

static void t_summary(struct report *r)
{
    FILE *f = r->out;
    fprintf(f,
            "\nSummary: %" PRIu64 " file(s), %" PRIu64 " packets, %" PRIu64 " TCP flows, %" PRIu64
            " WebSocket connection(s), %" PRIu64 " frames, %" PRIu64 " close frames\n",
            r->files, r->packets, r->flows, r->ws_conns, r->frames, r->closes);
    if (r->tls_conns)
        fprintf(
            f, "  TLS connections %" PRIu64 ", failed handshakes %" PRIu64 ", alerts %" PRIu64 "\n",
            r->tls_conns, r->tls_failed, r->tls_alerts);
    for (int i = 0; i < 6; i++)
        if (r->by_close_class[i])
            fprintf(f, "  close codes %-10s %" PRIu64 "\n",
                    ws_close_class_name((enum ws_close_class)i), r->by_close_class[i]);
    for (int i = 0; i < F_FINDING_COUNT; i++)
        if (r->by_finding[i]) {
            const struct wsa_finding_info *fi = wsa_finding_info((enum wsa_finding_id)i);
            fprintf(f, "  %-8s %-40s %" PRIu64 "\n", wsa_severity_name(fi->severity), fi->id,
                    r->by_finding[i]);
        }
    if (r->errors || r->fatal)
        fprintf(f, "  input errors: %" PRIu64 "\n", r->errors + r->fatal);
    fprintf(f, "exit status %d\n", report_exit_status(r));
}

static void t_end(struct report *r, const struct conn_view *c, const struct end_view *e)
{
    uint64_t dur = e->end_ns > c->start_ns ? e->end_ns - c->start_ns : 0;
    struct lb l;
    lb_init(&l, r->out);
    lb_cid(&l, c);
    LB_LIT(&l, " pkt ");
    lb_u(&l, e->pkt);
    LB_LIT(&l, "  end: ");
    lb_str(&l, e->how);
    LB_LIT(&l, " after ");
    lb_u(&l, dur / 1000000000u);
    char *us = lb_reserve(&l, 7); /* .%06u */
    us[0] = '.';
    wsa_dec_fixed(us + 1, (uint32_t)(dur % 1000000000u / 1000u), 6);
    l.n += 7;
    LB_LIT(&l, " s;");
    for (int side = 0; side < 2; side++) {
        lb_str(&l, side ? ", server " : " client ");
        lb_u(&l, e->pkts[side]);
        LB_LIT(&l, " pkts ");
        lb_u(&l, e->bytes[side]);
        LB_LIT(&l, " B");
    }
    if (e->websocket) {
        LB_LIT(&l, "; frames ");
        lb_pair(&l, e->frames[0], e->frames[1]);
        LB_LIT(&l, ", messages ");
        lb_pair(&l, e->msgs[0], e->msgs[1]);
    }
    if (e->h2_streams >= 0) {
        LB_LIT(&l, "; HTTP/2 with ");
        lb_i(&l, e->h2_streams);
        LB_LIT(&l, " WebSocket stream(s)");
    }
    if (c->by_severity) {
        LB_LIT(&l, "; findings ");
        lb_u(&l, c->by_severity[WSA_SEV_ERROR]);
        LB_LIT(&l, " error, ");
        lb_u(&l, c->by_severity[WSA_SEV_WARNING]);
        LB_LIT(&l, " warning, ");
        lb_u(&l, c->by_severity[WSA_SEV_NOTE]);
        LB_LIT(&l, " note, ");
        lb_u(&l, c->by_severity[WSA_SEV_DEGRADED]);
        LB_LIT(&l, " degraded");
    }
    lb_c(&l, '\n');
    lb_flush(&l);
}

static void t_evidence(struct report *r, const char *file, uint64_t packets, uint64_t conns,
                       const char *level, const char *const *ids, int nids)
{
    fprintf(r->out, "== evidence: %" PRIu64 " packets of %" PRIu64 " connection(s) written to %s (",
            packets, conns, file);
    if (level)
        fprintf(r->out, "findings at or above %s", level);
    for (int i = 0; i < nids; i++)
        fprintf(r->out, "%s%s", i ? ", " : "findings ", ids[i]);
    fputs(")\n", r->out);
}

static void t_h2_frame(struct report *r, const struct conn_view *c, const struct h2_event *ev)
{
    fprintf(r->out, "%s pkt %" PRIu64, cid(c), ev->pkt);
    if (ev->pkt_end != ev->pkt)
        fprintf(r->out, "-%" PRIu64, ev->pkt_end);
    fprintf(r->out, "  %s h2 %s stream %" PRIu32 " len %" PRIu32 " flags 0x%02x\n",
            ev->dir == WS_C2S ? "c->s" : "s->c", h2_frame_type_name(ev->ftype), ev->stream,
            ev->len, ev->flags);
}

const struct out_format out_text_format = {t_file,    t_conn,  t_ws_event, t_tls_event,
                                           t_finding, t_error, t_summary,  t_keylog,
                                           t_end, t_evidence, t_h2_frame};
