/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the WebSocket session (frame parser, message rules, UTF-8, inflate) fed
 * arbitrary bytes. The first byte chooses the options (permessage-deflate on/off, hashing);
 * the rest is cut into chunks as chunks.h says.
 */
#include <stddef.h>
#include <stdint.h>

#include "chunks.h"
#include "ws_session.h"

static void sink(void *ctx, const struct ws_event *ev)
{
    (void)ctx;
    (void)ev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct ws_session s;
    uint8_t opt = data[0];
    ws_session_init(&s, (opt & 1) ? 4 : 0, opt & 1, sink, NULL);
    if (opt & 1) {
        struct ws_pmd_params p = {(uint8_t)((opt >> 1) & 1), (uint8_t)((opt >> 2) & 1), 15, 15};
        ws_session_set_pmd(&s, &p);
    }
    ws_session_hash_messages(&s, (opt >> 3) & 1);
    ws_session_start(&s, 0, 0);
    size_t i = 1;
    uint64_t pkt = 1;
    struct chunk c;
    while (next_chunk(data, size, &i, &pkt, &c)) {
        struct ws_seg_ctx seg = {c.pkt, c.flag, c.pkt * 7, c.pkt};
        if (c.gap)
            ws_session_gap(&s, c.dir, c.len, c.pkt);
        else
            ws_session_feed(&s, c.dir, c.data, c.len, &seg);
        if ((c.pkt & 15) == 0)
            ws_session_end_dir(&s, c.dir, c.pkt);
    }
    ws_session_end(&s, 1, pkt);
    ws_session_free(&s);
    return 0;
}
