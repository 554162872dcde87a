/*
 * libFuzzer target: the TLS observer (records, hellos, X.509, alerts, outcome, explanation)
 * fed arbitrary bytes, chunked as in fuzz_ws.c.
 */
#include <stddef.h>
#include <stdint.h>

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
    while (i < size) {
        uint8_t ctl = data[i++];
        int dir = ctl & 1;
        size_t len = ctl >> 1;
        struct tls_seg seg = {pkt, 1.7e9};
        if (len == 0) {
            if (i < size)
                tls_session_gap(&s, dir, data[i++], pkt);
        } else {
            if (len > size - i)
                len = size - i;
            tls_session_feed(&s, dir, data + i, len, &seg);
            i += len;
        }
        if ((pkt & 31) == 0)
            tls_session_end_dir(&s, dir, pkt);
        pkt++;
    }
    tls_session_end(&s, 1, pkt);
    tls_session_free(&s);
    return 0;
}
