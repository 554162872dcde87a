/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_frame.h - RFC 6455 §5.2 frame layer: bytes in, frame headers and payload chunks out.
 *
 * Push parser: ws_frame_feed() may be given any split of the stream, down to one byte at a time,
 * and yields the same sequence of results. Each call yields at most one result and returns how
 * many input bytes it consumed; call it again with the rest (it may consume 0 bytes when it
 * yields WF_FRAME_END for an empty payload). Payload chunks point into the caller's buffer and
 * are still masked; nothing is copied or allocated. The header is kept until the next frame.
 */
#ifndef WSAUDIT_WS_FRAME_H
#define WSAUDIT_WS_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

/* the RSV bits as ws_frame_hdr.rsv holds them (RFC 6455 §5.2) */
#define WS_RSV1 4 /* permessage-deflate's "compressed" bit (RFC 7692 §6) */
#define WS_RSV_ALL 7 /* RSV1 | RSV2 | RSV3 */

/* the largest control frame payload (RFC 6455 §5.5) */
#define WS_CONTROL_MAX 125

struct ws_frame_hdr {
    uint8_t fin;    /* 0 or 1 */
    uint8_t rsv;    /* RSV1..3 as bits 2..0 (RSV1 = 4) */
    uint8_t opcode; /* 0..15 */
    uint8_t masked; /* 0 or 1 */
    uint8_t mask[4];
    uint8_t hdr_len;    /* 2..14 */
    uint8_t nonminimal; /* length not minimally encoded (RFC 6455 §5.2) */
    uint64_t len;       /* payload length */
};

enum ws_frame_result {
    WF_NEED_MORE,  /* all input consumed, nothing to report */
    WF_HEADER,     /* a complete header is in parser->hdr */
    WF_PAYLOAD,    /* out_data/out_len hold the next payload chunk (masked) */
    WF_FRAME_END,  /* the current frame's payload is complete */
    WF_ERR_LENGTH, /* 64-bit length with the MSB set: frame boundaries are lost */
};

struct ws_frame_parser {
    uint8_t state; /* internal */
    uint8_t have;  /* header bytes collected */
    uint8_t need;  /* header bytes needed so far */
    uint8_t buf[14];
    struct ws_frame_hdr hdr;
    uint64_t done; /* payload bytes delivered for the current frame */
};

void ws_frame_init(struct ws_frame_parser *p);
size_t ws_frame_feed(struct ws_frame_parser *p, const uint8_t *data, size_t len,
                     enum ws_frame_result *res, const uint8_t **out_data, size_t *out_len);
/* Bytes of the current frame's payload still to come (0 outside a payload). */
uint64_t ws_frame_remaining(const struct ws_frame_parser *p);
/* 1 when the parser is between frames (no header byte of the next frame seen yet). */
int ws_frame_at_boundary(const struct ws_frame_parser *p);
/* Skip n payload bytes that were lost (a TCP gap inside the payload). n <= remaining. */
void ws_frame_skip(struct ws_frame_parser *p, uint64_t n);

/* The header of the frame that starts p (n bytes there): 1 with *h filled, 0 when p holds less
 * than the header, -1 for a 64-bit length with the MSB set. For front ends that have a frame's
 * bytes in one piece (the plugin, from Wireshark's websocket item). */
int ws_frame_header(const uint8_t *p, size_t n, struct ws_frame_hdr *h);

const char *ws_opcode_name(uint8_t opcode);
/* Mid-stream heuristic: how many complete, plausible frames (known opcode, RSV 0 or RSV1,
 * minimal length, control frames short and unfragmented, one masking) start p; 0 when the first
 * is not plausible or not complete. *masked says whether they are masked (client to server);
 * *exact whether the input ends on a frame boundary. */
int ws_looks_like_frames(const uint8_t *p, size_t len, int *masked, int *exact);
static inline int ws_opcode_is_control(uint8_t op)
{
    return (op & 0x8) != 0;
}
/* an opcode RFC 6455 §5.2 defines (the others are reserved: 0x3-0x7, 0xB-0xF) */
static inline int ws_opcode_is_known(uint8_t op)
{
    return op <= WS_OP_BINARY || (op >= WS_OP_CLOSE && op <= WS_OP_PONG);
}

#endif
