/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * h2_frame.h - HTTP/2 framing (RFC 9113 §4, §6) of one connection's two byte streams, with the
 * header blocks decoded by libnghttp2's HPACK inflater (RFC 7541).
 *
 * Contract:
 * - h2_conn_init() sets up both directions; direction 0 is the HTTP/2 client's (it starts
 *   with the connection preface unless h2_conn_init says it was already seen).
 * - h2_conn_feed() takes the next in-order bytes of one direction, with the packet they came
 *   in; any split of the stream gives the same events.
 * - Events (one callback): each whole frame, as tshark shows them (the one that completes a
 *   header block carries it decoded), and, for DATA, each piece of its payload as it arrives
 *   (padding removed) before the frame's own event. Fields and data point into the connection; valid only during
 *   the callback.
 * - A direction that can no longer be followed (bad preface, frame too large to hold, broken
 *   header compression, a gap) says why once (H2_EV_STOPPED) and ignores the rest.
 */
#ifndef WSAUDIT_H2_FRAME_H
#define WSAUDIT_H2_FRAME_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN 24
#define H2_FRAME_HEADER 9

/* frame types (RFC 9113 §6) */
enum {
    H2_DATA = 0,
    H2_HEADERS = 1,
    H2_PRIORITY = 2,
    H2_RST_STREAM = 3,
    H2_SETTINGS = 4,
    H2_PUSH_PROMISE = 5,
    H2_PING = 6,
    H2_GOAWAY = 7,
    H2_WINDOW_UPDATE = 8,
    H2_CONTINUATION = 9,
};
/* flags */
#define H2_END_STREAM 0x01
#define H2_ACK 0x01
#define H2_END_HEADERS 0x04
#define H2_PADDED 0x08
#define H2_PRIORITY_FLAG 0x20
/* settings (RFC 9113 §6.5.2; RFC 8441 §3) */
#define H2_SET_HEADER_TABLE_SIZE 1
#define H2_SET_ENABLE_CONNECT_PROTOCOL 8

/* What is held of a frame that is not DATA, and of one header block: more is not followed. */
#define H2_HOLD_MAX (64 * 1024)
#define H2_BLOCK_MAX (256 * 1024)
#define H2_FIELDS_MAX 256

struct h2_field {
    const char *name, *value; /* NUL-terminated copies (a field may hold a NUL: len says) */
    size_t nlen, vlen;
};

enum h2_ev_type {
    H2_EV_FRAME,   /* a frame is complete (DATA: after its last piece) */
    H2_EV_DATA,    /* a piece of a DATA frame's payload */
    H2_EV_STOPPED, /* the direction cannot be followed further: detail says why */
};

struct h2_event {
    enum h2_ev_type type;
    int dir;
    uint8_t ftype, flags;
    uint32_t stream, len; /* the frame's stream and payload length */
    uint64_t pkt;         /* packet of the frame's first byte */
    uint64_t pkt_end;     /* packet that completed it (as tshark shows it) */
    /* the frame that completes a header block (HEADERS or PUSH_PROMISE with END_HEADERS, or
     * the CONTINUATION with it): the decoded block, and the type and flags of the frame that
     * began it */
    int block_done;
    uint8_t block_type, block_flags;
    const struct h2_field *fields;
    size_t nfields;
    uint32_t promised;
    /* H2_EV_DATA */
    const uint8_t *data;
    size_t data_len;
    /* RST_STREAM, GOAWAY */
    uint32_t error_code;
    uint32_t last_stream; /* GOAWAY */
    /* SETTINGS (not ACK): SETTINGS_ENABLE_CONNECT_PROTOCOL's value, -1 when absent */
    int enable_connect;
    const char *detail; /* H2_EV_STOPPED */
};

typedef void (*h2_event_fn)(void *ctx, const struct h2_event *ev);

struct h2_dir {
    uint32_t preface_left; /* bytes of the preface still expected (client side) */
    uint8_t hdr[H2_FRAME_HEADER];
    uint8_t hdr_have;
    uint8_t stopped;
    uint8_t ftype, flags;
    uint32_t stream, len, left; /* the open frame: its payload length, bytes still to come */
    uint64_t frame_pkt;
    /* DATA: the padding to skip at its end (PADDED), and whether its pad length is read */
    uint32_t pad, data_left;
    uint8_t pad_known;
    GByteArray *hold;  /* the open frame's payload (not DATA) */
    GByteArray *block; /* a header block waiting for its CONTINUATIONs */
    uint32_t block_stream, block_promised;
    uint8_t block_type, block_flags;
    void *inflater; /* nghttp2_hd_inflater */
};

struct h2_conn {
    struct h2_dir d[2];
    h2_event_fn cb;
    void *ctx;
    struct h2_field fields[H2_FIELDS_MAX];
    size_t offs[2 * H2_FIELDS_MAX]; /* where each name and value starts in strings */
    GByteArray *strings; /* the decoded names and values of one block */
};

/* preface_seen: the client's preface was already consumed (it came with the HTTP/1.1
 * upgrade's detection, say) */
void h2_conn_init(struct h2_conn *c, h2_event_fn cb, void *ctx, int preface_seen);
void h2_conn_free(struct h2_conn *c);
void h2_conn_feed(struct h2_conn *c, int dir, const uint8_t *data, size_t len, uint64_t pkt);
/* len bytes of dir were not captured: the direction stops */
void h2_conn_gap(struct h2_conn *c, int dir, uint64_t pkt);
/* Heap bytes held (buffers; the inflaters' tables are not counted by nghttp2). */
size_t h2_conn_heap(const struct h2_conn *c);
/* "DATA", "HEADERS", ...; "UNKNOWN" for other types */
const char *h2_frame_type_name(unsigned type);
/* A frame's 9-byte header (RFC 9113 §4.1). */
struct h2_frame_head {
    uint32_t len, stream;
    uint8_t type, flags;
};
void h2_frame_head_read(const uint8_t p[H2_FRAME_HEADER], struct h2_frame_head *h);
/* The part of a whole DATA, HEADERS or PUSH_PROMISE payload (n bytes at p) that carries data
 * or the header block fragment: past the pad length, the priority fields and the promised
 * stream (*promised, PUSH_PROMISE), before the padding. 0, or -1 when the payload is too
 * short for them. Used by the analyzer's framer and by the plugin on Wireshark's frames. */
int h2_payload_slice(uint8_t type, uint8_t flags, const uint8_t *p, size_t n, size_t *off,
                     size_t *len, uint32_t *promised);
/* A SETTINGS payload's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3): its last value, 2 for
 * any value above 1; -1 when it is not there. */
int h2_settings_enable_connect(const uint8_t *p, size_t n);
/* Do these bytes start like the client preface? 1 yes (whole), -1 a prefix of it, 0 no. */
int h2_looks_like_preface(const uint8_t *p, size_t n);

#endif
