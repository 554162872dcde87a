/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the TLS observer (records, hellos, X.509, alerts, outcome, explanation)
 * fed arbitrary bytes, cut into chunks as chunks.h says.
 */
#include <stddef.h>
#include <stdint.h>

#include "chunks.h"
#include "tls_session.h"

static void sink(void *ctx, const struct tls_event *ev)
{
    (void)ctx;
    if (ev->type == TLS_EV_SUMMARY) {
        char text[1024];
        tls_explain_failure(ev->s, text, sizeof text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tls_session s;
    tls_session_init(&s, sink, NULL);
    size_t i = 0;
    uint64_t pkt = 1;
    struct chunk c;
    while (next_chunk(data, size, &i, &pkt, &c)) {
        struct tls_seg seg = {c.pkt, 1.7e9};
        if (c.gap)
            tls_session_gap(&s, c.dir, c.len, c.pkt);
        else
            tls_session_feed(&s, c.dir, c.data, c.len, &seg);
        if ((c.pkt & 31) == 0)
            tls_session_end_dir(&s, c.dir, c.pkt);
    }
    tls_session_end(&s, 1, pkt);
    tls_session_free(&s);
    return 0;
}
