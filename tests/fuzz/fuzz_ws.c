/*
 * libFuzzer target: the WebSocket session (frame parser, message rules, UTF-8, inflate) fed
 * arbitrary bytes. The first byte chooses the options (permessage-deflate on/off, hashing);
 * then chunks are taken from the input, each prefixed by one control byte: bit 0 = direction,
 * bits 1-7 = chunk length (0 = a gap of the next byte's value).
 */
#include <stddef.h>
#include <stdint.h>

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
    while (i < size) {
        uint8_t ctl = data[i++];
        int dir = ctl & 1;
        size_t len = ctl >> 1;
        struct ws_seg_ctx seg = {pkt, (ctl & 0x80) != 0, pkt * 7, pkt};
        if (len == 0) {
            if (i < size)
                ws_session_gap(&s, dir, data[i++], pkt);
        } else {
            if (len > size - i)
                len = size - i;
            ws_session_feed(&s, dir, data + i, len, &seg);
            i += len;
        }
        if ((pkt & 15) == 0)
            ws_session_end_dir(&s, dir, pkt);
        pkt++;
    }
    ws_session_end(&s, 1, pkt);
    ws_session_free(&s);
    return 0;
}
