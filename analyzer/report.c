/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.c - counts, exit status and escaping shared by the output formats; see report.h. */
#include "linebuf.h"
#include "report.h"

#include <time.h>

#include <stdlib.h>
#include <string.h>

#include "../core/utf8.h"
#include "evidence.h"
#include "out_formats.h"

static const struct out_format *formats[] = {&out_text_format, &out_jsonl_format};

void report_init(struct report *r, enum report_format fmt, FILE *out)
{
    memset(r, 0, sizeof *r);
    r->fmt = fmt;
    r->out = out;
    r->show_frames = 1;
    r->fail_on = WSA_SEV_ERROR;
    r->ts_digits = 6;
    r->err = stderr;
}

void report_init_like(struct report *r, const struct report *model, FILE *out)
{
    report_init(r, model->fmt, out);
    r->show_frames = model->show_frames;
    r->show_payload = model->show_payload;
    r->show_h2_frames = model->show_h2_frames;
    r->fail_on = model->fail_on;
    r->ts_digits = model->ts_digits;
    r->show_time = model->show_time;
    r->err = model->err;
}

static _Thread_local const char *id_nonce;
static _Thread_local uint64_t (*id_global)(void *ctx, uint64_t id);
static _Thread_local void (*id_marked)(void *ctx);
static _Thread_local void *id_ctx;

void report_thread_ids(const char *nonce, uint64_t (*global)(void *ctx, uint64_t id),
                       void (*marked)(void *ctx), void *ctx)
{
    id_nonce = nonce;
    id_global = global;
    id_marked = marked;
    id_ctx = ctx;
}

size_t report_conn_id(uint64_t id, char *out)
{
    const char *nonce = id_nonce;
    if (nonce) {
        uint64_t g = id_global(id_ctx, id);
        if (g != UINT64_MAX) {
            id = g;
            nonce = NULL;
        } else {
            id_marked(id_ctx);
        }
    }
    size_t n = 0;
    if (nonce) {
        out[n++] = REPORT_ID_MARK;
        memcpy(out + n, nonce, REPORT_ID_NONCE);
        n += REPORT_ID_NONCE;
    }
    n += wsa_u64_dec(out + n, id);
    if (nonce)
        out[n++] = REPORT_ID_END;
    out[n] = 0;
    return n;
}

int report_locate(const struct report *r, uint64_t pkt, const char **file, uint64_t *file_pkt)
{
    const struct merge_map *mm = r->merge;
    if (!mm || !pkt || !mm->n || mm->lost || pkt < mm->runs[0].first)
        return 0;
    size_t lo = 0, hi = mm->n; /* the last run that starts at or before pkt */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (mm->runs[mid].first <= pkt)
            lo = mid;
        else
            hi = mid;
    }
    *file = mm->runs[lo].file;
    *file_pkt = mm->runs[lo].file_first + (pkt - mm->runs[lo].first);
    return 1;
}

/* "2026-12-03T01:02:03.123456Z": the date and time of day are formatted once per second of
 * capture time, the fraction by hand, without a division within that second (this runs for
 * every frame record) */
const char *report_ts_n(struct report *r, uint64_t ns, size_t *len)
{
    int digits = r->ts_digits == 9 ? 9 : 6;
    *len = 19 + 1 + (size_t)digits + 1;
    if (ns == r->ts_cached_ns && digits == r->ts_cached_digits && r->ts_cached[0])
        return r->ts_cached;
    uint64_t frac = ns - r->ts_sec_ns;
    if (!r->ts_cached[0] || ns < r->ts_sec_ns || frac >= 1000000000u) {
        time_t sec = (time_t)(ns / 1000000000u);
        struct tm tm;
        if (!gmtime_r(&sec, &tm) || strftime(r->ts_cached, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
            memcpy(r->ts_cached, "1970-01-01T00:00:00", 20);
        r->ts_sec_ns = ns - ns % 1000000000u;
        frac = ns - r->ts_sec_ns;
    }
    uint32_t f = (uint32_t)frac;
    if (digits == 6)
        f /= 1000u;
    char *p = r->ts_cached + 19;
    *p++ = '.';
    wsa_dec_fixed(p, f, digits);
    p[digits] = 'Z';
    p[digits + 1] = 0;
    r->ts_cached_ns = ns;
    r->ts_cached_digits = digits;
    return r->ts_cached;
}

const char *report_ts(struct report *r, uint64_t ns)
{
    size_t n;
    return report_ts_n(r, ns, &n);
}

/* text output with --time: the line starts with the time the record was made */
static void text_time(struct report *r, uint64_t ns)
{
    if (r->fmt == FMT_TEXT && r->show_time)
        fprintf(r->out, "%s ", report_ts(r, ns));
}

void report_file(struct report *r, const char *file, const char *linktype)
{
    r->files++;
    formats[r->fmt]->file(r, file, linktype);
}

void report_conn(struct report *r, const struct conn_view *c, const struct handshake_view *h,
                 uint64_t pkt)
{
    if (!h || h->res->upgraded)
        r->ws_conns++;
    text_time(r, c->start_ns);
    formats[r->fmt]->conn(r, c, h, pkt);
}

static void count_finding(struct report *r, const struct conn_view *c, enum wsa_finding_id id,
                          uint64_t pkt)
{
    const struct wsa_finding_info *fi = wsa_finding_info(id);
    if (r->ev)
        evidence_finding(r->ev, c ? (int64_t)c->id : -1, id, pkt);
    r->by_finding[id]++;
    r->by_severity[fi->severity]++;
    if (c && c->by_severity)
        c->by_severity[fi->severity]++;
}

void report_ws_event(struct report *r, const struct conn_view *c, const struct ws_event *ev)
{
    if (ev->type == WS_EV_MESSAGE) {
        if (!r->show_payload)
            return;
    } else if (ev->type == WS_EV_STATUS) {
        /* one per WebSocket connection: what each side's application saw */
    } else if (ev->type == WS_EV_FINDING) {
        count_finding(r, c, ev->finding, ev->pkt);
    } else {
        r->frames++;
        if (ev->type == WS_EV_CLOSE) {
            r->closes++;
            if (ev->has_code)
                r->by_close_class[ev->code_info->cls]++;
        }
        if (!r->show_frames && ev->type == WS_EV_FRAME)
            return;
    }
    text_time(r, r->now_ns);
    formats[r->fmt]->ws_event(r, c, ev);
}

void report_h2_frame(struct report *r, const struct conn_view *c, const struct h2_event *ev)
{
    text_time(r, r->now_ns);
    formats[r->fmt]->h2_frame(r, c, ev);
}

void report_tls_event(struct report *r, const struct conn_view *c, const struct tls_event *ev)
{
    /* -w: a TLS connection's secrets, for the evidence file (pcapng carries them, so Wireshark
     * decrypts what is handed on) */
    const struct tls_keys *k;
    if (r->ev && c && ev->s && ev->s->keylog && ev->s->hs.ch.seen &&
        (k = tls_keylog_find(ev->s->keylog, ev->s->hs.ch.random)))
        evidence_keys(r->ev, c->id, k);
    if (ev->type == TLS_EV_FINDING) {
        count_finding(r, c, ev->finding, ev->pkt);
    } else if (ev->type == TLS_EV_ALERT) {
        r->tls_alerts++;
    } else {
        r->tls_conns++;
        if (ev->s->hs.outcome == TLS_OUT_FAILED || ev->s->hs.outcome == TLS_OUT_ABANDONED)
            r->tls_failed++;
    }
    text_time(r, ev->type == TLS_EV_SUMMARY ? c->start_ns : r->now_ns);
    formats[r->fmt]->tls_event(r, c, ev);
}

void end_view_websocket(struct end_view *e, const struct ws_session *s)
{
    e->websocket = 1;
    for (int i = 0; i < 2; i++) { /* [0] the client's side: WS_C2S */
        const struct ws_dir *d = &s->d[i];
        e->frames[i] = d->frames;
        e->msgs[i] = d->msgs;
        e->closed[i] = d->close_sent;
        e->close_code[i] = d->close_has_code ? d->close_code : -1;
    }
    const struct ws_dir *cd = &s->d[WS_C2S], *sd = &s->d[WS_S2C];
    e->first_close = cd->close_sent && (!sd->close_sent || cd->close_pkt <= sd->close_pkt) ? 0
                     : sd->close_sent                                                   ? 1
                                                                                        : -1;
}

void report_end(struct report *r, const struct conn_view *c, const struct end_view *e)
{
    text_time(r, r->now_ns);
    formats[r->fmt]->end(r, c, e);
}

void report_keylog(struct report *r, const char *source, const char *kind, size_t secrets,
                   size_t randoms, unsigned long bad)
{
    formats[r->fmt]->keylog(r, source, kind, secrets, randoms, bad);
}

void report_finding(struct report *r, const struct conn_view *c, const char *file, uint64_t pkt,
                    enum wsa_finding_id id, const char *detail)
{
    count_finding(r, c, id, pkt);
    text_time(r, r->now_ns);
    formats[r->fmt]->finding(r, c, file, pkt, id, detail);
}

void report_evidence(struct report *r, const char *file, uint64_t packets, uint64_t conns,
                     const char *level, const char *const *ids, int nids)
{
    formats[r->fmt]->evidence(r, file, packets, conns, level, ids, nids);
}

void report_error(struct report *r, const char *file, uint64_t pkt, const char *msg, int fatal)
{
    if (fatal)
        r->fatal++;
    else
        r->errors++;
    if (pkt)
        text_time(r, r->now_ns);
    formats[r->fmt]->error(r, file, pkt, msg, fatal);
    fflush(r->out);
    /* and on stderr, one line, whatever the output format (once: not again when a run that
     * said it is read again) */
    const char *in_file;
    uint64_t file_pkt;
    if (r->err && r->err_skip) {
        r->err_skip--;
        return;
    }
    if (r->err)
        r->err_said++;
    if (r->err && report_locate(r, pkt, &in_file, &file_pkt))
        fprintf(r->err, "wsaudit: %s: packet %llu (%llu of the merged capture): %s\n", in_file,
                (unsigned long long)file_pkt, (unsigned long long)pkt, msg);
    else if (r->err && pkt)
        fprintf(r->err, "wsaudit: %s: packet %llu: %s\n", file, (unsigned long long)pkt, msg);
    else if (r->err)
        fprintf(r->err, "wsaudit: %s: %s\n", file, msg);
}

void report_release(struct report *r)
{
    fflush(r->out);
    free(r->json_file);
    r->json_file = NULL;
    r->json_file_for = NULL;
}

void report_summary(struct report *r)
{
    formats[r->fmt]->summary(r);
    report_release(r);
}

void report_merge(struct report *into, const struct report *from)
{
    into->files += from->files;
    into->packets += from->packets;
    into->tcp_packets += from->tcp_packets;
    into->flows += from->flows;
    into->ws_conns += from->ws_conns;
    into->frames += from->frames;
    into->closes += from->closes;
    into->tls_conns += from->tls_conns;
    into->tls_failed += from->tls_failed;
    into->tls_alerts += from->tls_alerts;
    into->errors += from->errors;
    into->fatal += from->fatal;
    for (int i = 0; i < 4; i++)
        into->by_severity[i] += from->by_severity[i];
    for (int i = 0; i < F_FINDING_COUNT; i++)
        into->by_finding[i] += from->by_finding[i];
    for (int i = 0; i < 6; i++)
        into->by_close_class[i] += from->by_close_class[i];
}

/*
 * 2: nothing could be read (usage errors are handled before this); 3: input failed part-way
 * or the analysis is partial (a degraded record was written); 1: findings at or above
 * --fail-on; 0: none of these.
 */
int report_exit_status(const struct report *r)
{
    if (r->fatal && r->files <= r->fatal && r->packets == 0)
        return 2;
    /* findings stay visible when the analysis was partial: 4 = partial with findings, so a
     * pipeline gates on findings with 1 or 4, on completeness with 3 or 4 */
    int partial = r->fatal || r->errors || r->by_severity[WSA_SEV_DEGRADED];
    int found = 0;
    for (int s = r->fail_on; s <= WSA_SEV_ERROR; s++)
        found |= r->by_severity[s] != 0;
    return partial ? (found ? 4 : 3) : found;
}

