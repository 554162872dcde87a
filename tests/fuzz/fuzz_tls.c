/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the TLS observer (records, hellos, X.509, alerts, outcome, explanation)
 * fed arbitrary bytes, cut into chunks as chunks.h says.
 * Invariants (issue 18): the same input fed again one byte per call gives exactly the same
 * events (alerts, findings and their details, the summary and its explanation), and no
 * explanation or detail holds a raw control byte (certificate strings come from the input).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunks.h"
#include "tls_session.h"

#define MAX_EVENTS 2048

struct ev_rec {
    int type, dir, finding;
    uint64_t pkt;
    uint8_t alert_level, alert_desc, alert_kind;
    uint32_t text_hash; /* detail, or the explanation of the summary */
};

struct ev_log {
    struct ev_rec ev[MAX_EVENTS];
    size_t n;
};

static uint32_t check_text(const char *s)
{
    uint32_t h = 2166136261u;
    for (; s && *s; s++) {
        if ((uint8_t)*s < 0x20 || *s == 0x7f) {
            fprintf(stderr, "raw control byte 0x%02x in TLS text\n", (uint8_t)*s);
            abort();
        }
        h = (h ^ (uint8_t)*s) * 16777619u;
    }
    return h;
}

static void sink(void *ctx, const struct tls_event *ev)
{
    struct ev_log *log = ctx;
    struct ev_rec r;
    memset(&r, 0, sizeof r);
    r.type = (int)ev->type;
    r.dir = ev->dir;
    r.pkt = ev->pkt;
    if (ev->type == TLS_EV_FINDING) {
        r.finding = (int)ev->finding;
        r.text_hash = check_text(ev->detail);
    } else if (ev->type == TLS_EV_ALERT && ev->alert) {
        r.alert_level = ev->alert->level;
        r.alert_desc = ev->alert->desc;
        r.alert_kind = (uint8_t)ev->alert->kind;
    } else if (ev->type == TLS_EV_SUMMARY) {
        char text[1024];
        tls_explain_failure(&ev->s->hs, text, sizeof text);
        r.text_hash = check_text(text);
    }
    if (log->n < MAX_EVENTS)
        log->ev[log->n++] = r;
}

static void run(const uint8_t *data, size_t size, int bytewise, struct ev_log *log)
{
    struct tls_session s;
    log->n = 0;
    tls_session_init(&s, sink, log);
    size_t i = 0;
    uint64_t pkt = 1;
    struct chunk c;
    while (next_chunk(data, size, &i, &pkt, &c)) {
        struct tls_seg seg = {c.pkt, 1.7e9};
        if (c.gap)
            tls_session_gap(&s, c.dir, c.len, c.pkt);
        else if (!bytewise)
            tls_session_feed(&s, c.dir, c.data, c.len, &seg);
        else
            for (size_t k = 0; k < c.len; k++)
                tls_session_feed(&s, c.dir, c.data + k, 1, &seg);
        if ((c.pkt & 31) == 0)
            tls_session_end_dir(&s, c.dir, c.pkt);
    }
    tls_session_end(&s, 1, pkt);
    tls_session_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ev_log whole, bytes;
    run(data, size, 0, &whole);
    run(data, size, 1, &bytes);
    if (whole.n != bytes.n) {
        fprintf(stderr, "fed whole: %zu events, byte by byte: %zu\n", whole.n, bytes.n);
        abort();
    }
    for (size_t k = 0; k < whole.n; k++)
        if (memcmp(&whole.ev[k], &bytes.ev[k], sizeof whole.ev[k]) != 0) {
            const struct ev_rec *a = &whole.ev[k], *b = &bytes.ev[k];
            fprintf(stderr,
                    "event %zu differs fed whole and byte by byte: type %d/%d dir %d/%d "
                    "pkt %llu/%llu finding %d/%d alert %u.%u/%u.%u text %08x/%08x\n",
                    k, a->type, b->type, a->dir, b->dir, (unsigned long long)a->pkt,
                    (unsigned long long)b->pkt, a->finding, b->finding, a->alert_level,
                    a->alert_desc, b->alert_level, b->alert_desc, a->text_hash, b->text_hash);
            abort();
        }
    return 0;
}
