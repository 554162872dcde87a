/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_session.h - RFC 6455 message layer for one WebSocket connection, both directions:
 * frames -> messages, closes and rule checks, reported as events to one callback.
 *
 * Contract:
 * - The caller owns the struct (plain data, embed it anywhere); ws_session_init() sets it up.
 * - ws_session_feed() takes the next in-order bytes of one direction with the segment they came
 *   in (packet number, and the ACK that segment carried for the other direction, as a stream
 *   offset). Any split of the stream gives the same events.
 * - ws_session_gap() says len bytes of a direction were never captured. The direction stays in
 *   sync only when the gap lies inside a frame's payload; otherwise it stops (reported).
 * - ws_session_end() at the end of the connection or capture flushes what is pending.
 * - Events point into the session or into the caller's input; they are valid only during the
 *   callback. No allocation, no I/O.
 */
#ifndef WSAUDIT_WS_SESSION_H
#define WSAUDIT_WS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "finding.h"
#include "utf8.h"
#include "ws_close.h"
#include "ws_frame.h"
#include "ws_handshake.h"
#include "ws_inflate.h"

enum { WS_C2S = 0, WS_S2C = 1 };

struct ws_seg_ctx {
    uint64_t pkt;     /* packet number (1-based, as Wireshark's frame.number) */
    int ack_valid;    /* the segment carried an ACK we could map to the peer's stream */
    uint64_t ack_off; /* peer stream offset acknowledged by that ACK */
    uint64_t cur_pkt; /* packet being processed when these bytes became in-order (>= pkt) */
};

enum ws_unsup_status {
    WS_UNSUP_OBSERVED,      /* the offending message was found */
    WS_UNSUP_NONE_OBSERVED, /* the peer sent no data message before the close */
    WS_UNSUP_UNKNOWN,       /* cannot be known (gap, lost bytes, ...): see reason */
    WS_UNSUP_REPLY,         /* this Close answers the peer's Close 1003 (pkt = that Close) */
};

/* The 1003 annotation: which message from the peer provoked the close. */
struct ws_unsupported {
    enum ws_unsup_status status;
    uint8_t opcode;    /* first-frame opcode of that message */
    uint64_t pkt;      /* packet carrying that message's first frame header */
    uint64_t pkt_end;  /* packet that completed its last frame received (>= pkt) */
    int complete;      /* its last frame (FIN) had been received by the closer */
    int compressed;    /* RSV1 with permessage-deflate */
    uint64_t size;     /* payload bytes received of it (on the wire) */
    uint64_t inflated; /* its size after inflation, when compressed and inflated */
    int inflated_known;
    int by_ack;         /* judged by the close segment's ACK (else by capture order) */
    const char *reason; /* why it is unknown or none was observed */
};

enum ws_event_type { WS_EV_FRAME, WS_EV_CLOSE, WS_EV_FINDING, WS_EV_MESSAGE, WS_EV_STATUS };

/* How a direction's TCP stream ended, as the capture saw it */
enum ws_end_how {
    WS_END_UNSEEN, /* no FIN or RST in the capture (it ended first) */
    WS_END_FIN,
    WS_END_RST, /* this side sent the RST, or its peer did (the connection was reset) */
};

/* WS_EV_STATUS: the close status each side's application saw when the connection ended
 * (RFC 6455 §7.1.5, §7.4.1): the code of the Close it received, 1005 when that Close had no
 * code, 1006 when the connection ended without one; -1 when the capture ended first. */
struct ws_status {
    int32_t seen[2];         /* [WS_C2S]: what the server saw, [WS_S2C]: what the client saw */
    int ended_dir;           /* direction whose sender ended the TCP connection first, or -1 */
    enum ws_end_how how;     /* how it ended it */
    uint64_t ended_pkt;      /* the packet of that FIN or RST (0 when ended_dir is -1) */
    int handshake_complete;  /* both sides sent a Close */
};

#define WS_PREVIEW 64 /* bytes of each message kept for a preview (after inflation) */

/* WS_EV_MESSAGE: a data message ended (its last frame arrived, or the stream ended inside it) */
struct ws_message {
    uint8_t opcode; /* of its first frame */
    uint64_t pkt;   /* packet of its first frame */
    uint64_t size;  /* payload bytes on the wire */
    int compressed, inflated_known, complete;
    uint64_t inflated;
    const uint8_t *preview; /* the first bytes, unmasked and inflated */
    size_t preview_len;
    const char *sha1; /* hex SHA-1 of the whole payload after unmasking and inflation, or NULL
                         (only when ws_session_hash_messages was asked for) */
};

struct ws_event {
    enum ws_event_type type;
    int dir;          /* WS_C2S or WS_S2C */
    uint64_t pkt;     /* packet of the first byte (frame) or where the finding applies */
    uint64_t pkt_end; /* packet in which the frame became complete (as tshark shows it) */
    uint64_t offset;  /* stream offset of the frame start */
    const struct ws_frame_hdr *hdr; /* frames and closes */
    int complete;                   /* frame: whole payload seen */
    /* WS_EV_CLOSE */
    int has_code;
    uint16_t code;
    const struct ws_close_info *code_info;
    const uint8_t *reason; /* unmasked, may be invalid UTF-8 */
    size_t reason_len;
    /* WS_EV_FINDING */
    enum wsa_finding_id finding;
    const char *detail;                 /* one line of specifics, may be empty */
    const struct ws_unsupported *unsup; /* for F_CLOSE_UNSUPPORTED_DATA */
    const struct ws_message *msg;       /* WS_EV_MESSAGE */
    const struct ws_status *status;     /* WS_EV_STATUS */
};

typedef void (*ws_event_fn)(void *ctx, const struct ws_event *ev);

#define WS_HISTORY 16 /* data messages remembered per direction for the 1003 annotation */
#define WS_GAPS 4
#define WS_PINGS 16 /* outstanding Pings remembered per direction */
#define WS_HELD 8   /* findings about the open frame, held until its record is out */
#define WS_DETAIL 200

struct ws_msg_rec {
    uint64_t hdr_end; /* stream offset just past the first frame's header */
    uint64_t pkt, pkt_end; /* first frame's first packet; where its last frame so far ended */
    uint64_t size;
    uint64_t inflated; /* bytes after inflation (compressed messages) */
    uint8_t opcode, complete, compressed;
};

/* One direction's state. The fields every frame reads and writes come first, together in a few
 * cache lines; the arrays and what only rare events touch come after them (with many
 * connections interleaved, a frame's state is mostly not in the cache: each line it touches
 * costs a miss). */
struct ws_held {
    enum wsa_finding_id id;
    uint64_t pkt;
    char detail[WS_DETAIL];
};

struct ws_dir {
    struct ws_frame_parser fp;
    uint64_t off;       /* stream offset of the next byte */
    uint64_t start_off; /* where WebSocket data began in this direction */
    uint64_t frame_off, frame_pkt;
    uint64_t frame_pkt_end;      /* packet that completed the last frame */
    struct ws_seg_ctx frame_seg; /* segment that carried the frame's first byte */
    int frame_started;
    uint8_t n_held; /* findings held for the open frame (held[] below) */
    uint8_t in_msg, close_sent, stopped, ended;
    uint8_t ctrl_len, ctrl_gap; /* ctrl_gap: bytes of this control frame were not captured */
    uint8_t text_check; /* 1 while the open message is uncompressed text still being checked */
    uint8_t preview_len;
    uint8_t infl_msg, infl_dead; /* the open message is being inflated; inflation stopped */
    uint8_t pings;               /* Pings outstanding (ping[] below) */
    uint8_t pending_1003;        /* a 1003 Close sent by this direction whose annotation waits
                                  * for the peer's bytes */
    /* the open text message: UTF-8 validation across frames and segments (RFC 6455 §8.1) */
    struct utf8_state text;
    uint64_t text_pkt; /* packet of the message's first frame */
    uint64_t frames, msgs;
    unsigned hist_count; /* total ever recorded; slot = count % WS_HISTORY */
    unsigned gap_count;
    void *sha1; /* GChecksum of the open message, when hashing is on */
    uint64_t close_pkt, close_hdr_end; /* this direction's first Close */
    uint16_t close_code;               /* its status code, when close_has_code */
    uint8_t close_has_code;            /* else the receiver reports 1005 */
    uint8_t end_how;                   /* enum ws_end_how */
    uint64_t end_pkt;
    uint64_t cut_left; /* payload bytes of the frame the end cut short */
    uint64_t stop_off; /* where decoding stopped, when stopped */
    struct ws_seg_ctx pending_seg; /* of the 1003 Close that waits */
    uint64_t pending_pkt;
    struct ws_msg_rec hist[WS_HISTORY];
    uint8_t ctrl[125];
    /* Pings this side sent and not yet answered, oldest first, as (length, hash of payload):
     * a Pong must echo one of them (RFC 6455 §5.5.3) */
    struct {
        uint64_t hash;
        uint8_t len;
    } ping[WS_PINGS];
    uint8_t preview[WS_PREVIEW];
    uint64_t gap_lo[WS_GAPS], gap_hi[WS_GAPS];
    /* permessage-deflate: this direction's inflater */
    struct ws_inflater infl;
    /* findings about the open frame (its header, its payload) come after the frame's own
     * record, so a reader meets the frame first: they wait here until the frame ends
     * (WS_HELD of them, allocated when the first is held: most connections hold none, and
     * every connection's state was zeroed twice with them in it) */
    struct ws_held *held;
};

struct ws_session {
    struct ws_dir d[2];
    int rsv_allowed; /* RSV bits negotiated extensions define (4 = RSV1) */
    int hash_messages;
    int pmd;
    ws_event_fn cb;
    void *cb_ctx;
    struct ws_seg_ctx seg; /* the segment being fed */
    int first_end;         /* direction whose TCP end came first (FIN/RST), or -1 */
    int over_h2; /* an HTTP/2 stream (RFC 8441): its ends are END_STREAM and RST_STREAM */
};

/* "observed", "none_observed", "unknown" or "reply": the 1003 annotation's status, as the JSON
 * Lines and Wireshark's wsaudit.unsupported.status name it */
const char *ws_unsup_status_name(int status);

void ws_session_init(struct ws_session *s, int rsv_allowed, int pmd, ws_event_fn cb, void *ctx);
/* The negotiated permessage-deflate parameters (default: 15-bit windows, context takeover). */
void ws_session_set_pmd(struct ws_session *s, const struct ws_pmd_params *p);
/* Report data messages in full: WS_EV_MESSAGE then carries each one's preview and SHA-1 (after
 * unmasking and inflation); without this they are neither kept nor computed (the hot path). */
void ws_session_hash_messages(struct ws_session *s, int on);
/* Release the inflaters and hash states (the only allocations). */
void ws_session_free(struct ws_session *s);
/* Heap bytes the session holds now (inflaters and hash states), for memory caps. */
size_t ws_session_heap(const struct ws_session *s);
/* Stream offsets at which WebSocket data starts in each direction. */
void ws_session_start(struct ws_session *s, uint64_t c2s_off, uint64_t s2c_off);
/* A session for an upgrade that succeeded (res->upgraded): the RSV bits and permessage-deflate
 * parameters it negotiated, frames starting at these stream offsets. */
void ws_session_init_upgraded(struct ws_session *s, const struct ws_handshake_result *res,
                              ws_event_fn cb, void *ctx, uint64_t c2s_off, uint64_t s2c_off);
/* A session for frames found without their handshake (mid-stream, or Wireshark's Decode As):
 * the extensions are unknown, so every RSV bit is allowed and nothing is inflated; started at
 * offset 0 both ways. */
void ws_session_init_midstream(struct ws_session *s, ws_event_fn cb, void *ctx);
void ws_session_feed(struct ws_session *s, int dir, const uint8_t *data, size_t len,
                     const struct ws_seg_ctx *seg);
/* len bytes of dir were not captured (WS_GAP_UNKNOWN: a hole whose size is not known, e.g. to
 * the plugin when Wireshark flags a lost segment below data it holds; the rest of the stream) */
#define WS_GAP_UNKNOWN (UINT64_MAX / 4)
void ws_session_gap(struct ws_session *s, int dir, uint64_t len, uint64_t pkt);
/* The direction's stream ended (FIN/RST or end of capture). */
void ws_session_end_dir(struct ws_session *s, int dir, uint64_t pkt);
/* The same, saying how: its sender's FIN, or a RST (from either side). A frame cut short by a
 * FIN or RST is a fact of the connection (ws.close.abnormal), not a loss of the capture. */
void ws_session_end_dir_how(struct ws_session *s, int dir, enum ws_end_how how, uint64_t pkt);
/* both sides sent a Close (RFC 6455 §7.1.2) */
int ws_session_closing_handshake(const struct ws_session *s);
/* The connection is over: resolve pending annotations, report the status each side saw
 * (WS_EV_STATUS) and an ending without a closing handshake (ws.close.abnormal); by_tcp: it
 * ended with FIN/RST. */
void ws_session_end(struct ws_session *s, int by_tcp, uint64_t pkt);

#endif
