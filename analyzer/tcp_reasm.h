/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_reasm.h - one direction of a TCP stream put back in order.
 *
 * Bytes are addressed by stream offset: 0 is the byte after the SYN when the SYN was seen,
 * otherwise the first byte seen. In-order data is handed to the deliver callback straight from
 * the packet (no copy); out-of-order segments are copied and kept under a per-direction cap.
 * Overlaps keep the first copy seen and report a conflict when the bytes differ. A hole is
 * reported (gap callback) when it can no longer be filled: the receiver acknowledged past it,
 * the buffer cap was reached, or the stream ended.
 */
#ifndef WSAUDIT_TCP_REASM_H
#define WSAUDIT_TCP_REASM_H

#include <stddef.h>
#include <stdint.h>

struct reasm_meta {
    uint64_t pkt; /* packet number */
    int has_ack;
    uint32_t ack; /* raw ACK number the segment carried */
};

enum reasm_gap_reason { GAP_LOST, GAP_MEMCAP, GAP_END };

struct reasm_cb {
    void (*deliver)(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t off,
                    const struct reasm_meta *meta);
    void (*gap)(void *ctx, int dir, uint64_t off, uint64_t len, enum reasm_gap_reason why,
                uint64_t pkt);
    void (*conflict)(void *ctx, int dir, uint64_t off, uint64_t pkt);
    void *ctx;
};

struct reasm_seg;

/* Memory of out-of-order segments buffered by all directions together (bytes plus a
 * per-segment header), and its limit. */
struct reasm_budget {
    size_t used, cap;
    size_t peak; /* the most used held when a limit was checked (-j watches it) */
};

#define REASM_MAX_SEGS 4096 /* out-of-order segments kept per direction */

#define REASM_TAIL 256 /* last delivered bytes kept to detect conflicting retransmissions */

struct reasm_dir {
    int dir;
    int base_known;
    uint32_t base;         /* sequence number of offset 0 */
    uint64_t next;         /* next offset expected */
    struct reasm_seg *ooo; /* sorted by offset, non-overlapping */
    size_t ooo_bytes, ooo_segs; /* ooo_bytes: memory, headers included */
    size_t cap;
    struct reasm_budget *budget;
    int fin_seen;
    uint64_t fin_off;
    uint8_t tail[REASM_TAIL];
};

/* cap: out-of-order bytes this direction may buffer; budget: shared by all directions. */
void reasm_init(struct reasm_dir *r, int dir, size_t cap, struct reasm_budget *budget);
/* Set offset 0 from a SYN (seq = ISN) or, without SYN, from the first data seen. */
void reasm_set_base(struct reasm_dir *r, uint32_t seq_of_offset0);
/* Map a raw sequence number (or a peer's ACK) to a stream offset; -1 when it lies before 0. */
int reasm_offset(const struct reasm_dir *r, uint32_t seq, uint64_t *off);
void reasm_segment(struct reasm_dir *r, const struct reasm_cb *cb, uint32_t seq,
                   const uint8_t *data, uint32_t len, const struct reasm_meta *meta);
/* The peer acknowledged up to `ack`: holes below it will never be filled. */
void reasm_acked(struct reasm_dir *r, const struct reasm_cb *cb, uint32_t ack, uint64_t pkt);
void reasm_fin(struct reasm_dir *r, uint32_t seq_after_data);
/* Deliver what is buffered, reporting holes as gaps; used at FIN, RST and end of capture. */
void reasm_flush(struct reasm_dir *r, const struct reasm_cb *cb, uint64_t pkt);
void reasm_free(struct reasm_dir *r);
/* Memory a buffered segment of len bytes is counted as (its bytes and its header). */
size_t reasm_seg_cost(uint32_t len);

#endif
