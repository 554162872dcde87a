/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow.h - one TCP connection as the analyzer follows it, and the run-wide analyzer state.
 *
 * A flow starts in DETECT; its first bytes decide what it is (HTTP request -> handshake; TLS
 * record -> TLS; else IGNORE, which keeps only a small entry so the rest of the flow costs one
 * hash lookup a packet). Big state (handshake buffers, the WebSocket session) is allocated only
 * for flows that need it.
 */
#ifndef WSAUDIT_FLOW_H
#define WSAUDIT_FLOW_H

#include <glib.h>
#include <stdint.h>

#include "../core/tls_keylog.h"
#include "../core/ws_session.h"
#include "decode.h"
#include "report.h"
#include "tcp_reasm.h"

/* Five 64-bit words, written and read a word at a time (flow_key_of, key_eq, key_hash): a key
 * written in narrow pieces and read in wide ones stalled the store-to-load forwarding of every
 * packet's lookup. */
struct flow_key {
    _Alignas(8) uint8_t a[16];
    uint8_t b[16];
    uint16_t pa, pb; /* a/b ordered so both directions give one key */
    uint8_t family;
    uint8_t zero[3];
};
_Static_assert(sizeof(struct flow_key) == 40, "a flow key is five 64-bit words");

/* why a flow was finished */
enum flow_end { FLOW_END_TCP, FLOW_END_IDLE, FLOW_END_CAPTURE, FLOW_END_FLOW_LIMIT,
                FLOW_END_MEMCAP };

enum flow_state {
    FS_DETECT,
    FS_HTTP_REQ,
    FS_HTTP_RESP,
    FS_HTTP_PLAIN, /* a plain HTTP request: only the server's first bytes are looked at */
    FS_HTTP_BODY,  /* the body of a 400 refusal: does it say the port speaks TLS? */
    FS_WS,
    FS_TLS,
    FS_H2, /* HTTP/2: its extended CONNECT streams carry WebSockets (RFC 8441) */
    FS_IGNORE,
    FS_DONE
};

/* Flows fall into FLOW_SHARDS shards by their key (both directions alike): with -j, a capture's
 * shards are shared out among the analyzing threads. */
#define FLOW_SHARDS 64
#define FLOW_CLOSED_PER_SHARD 64
unsigned flow_shard(const struct flow_key *k);

struct wsconn;     /* conn.c */
struct detect_buf; /* conn.c: first bytes of a flow too short to tell what it is */

struct flow {
    struct flow_key key;
    struct analyzer *an; /* the analyzer it belongs to (reassembly calls conn.c with the flow) */
    /* an open flow is on the analyzer's lru list, a closed one on its clru list: each in the
     * order of their last packets */
    struct flow *lru_prev, *lru_next;
    struct flow *closed_prev, *closed_next; /* its shard's closed-flow queue, oldest first */
    uint64_t id;
    uint64_t lru_pkt; /* the last packet that was looked up to it (closed or not) */
    uint8_t shard;    /* flow_shard() of its key */
    double last_ts;
    uint64_t first_ns, last_ns; /* capture times of its first and last packets */
    uint64_t pkts[2], bytes[2]; /* per side (0 = initiator): packets, TCP payload bytes */
    uint64_t last_pkt;          /* number of its last packet */
    uint8_t end_reason;         /* enum flow_end, set when it is finished */
    uint8_t init_is_a; /* side 0 (initiator) is key endpoint a */
    uint8_t state;
    uint8_t client_side; /* side that sent the HTTP request */
    uint8_t midstream;
    uint8_t syn[2], fin_done[2], rst, rst_side, closed, truncated_reported;
    struct reasm_dir rd[2];
    uint64_t cur_pkt; /* packet being processed */
    struct wsconn *ws;
    struct detect_buf *det;
    /* a flow of decrypted TLS application data: the TCP flow whose TLS session carries it
     * (its ACKs, mapped through the TLS records, judge what each side had received) */
    struct flow *outer;
};

struct analyzer {
    struct report *rep;
    GHashTable *flows;
    struct flow *lru_head, *lru_tail;   /* open flows, least recently active first */
    struct flow *clru_head, *clru_tail; /* closed flows, least recently active first */
    /* Flows that ended (FIN both ways or RST) stay a while so late retransmissions and ACKs are
     * recognised; at most FLOW_CLOSED_PER_SHARD of them per shard, so memory does not grow with
     * capture length. Each shard's own queue, oldest first: a shard's flows are all in one
     * analyzer when a capture is shared by threads, and they then behave as in one. */
    struct flow *closed_head[FLOW_SHARDS], *closed_tail[FLOW_SHARDS];
    uint16_t nclosed[FLOW_SHARDS];
    uint64_t closed_over; /* shards over their bound (one bit each) */
    size_t nflows, max_flows;
    size_t ooo_cap;
    /* Memory of flow state (flows, connections, handshake buffers, TLS handshake and
     * inflater buffers; out-of-order bytes have their own budget): past state_cap the least
     * recently active flows are finished, each reported as stream.memcap. */
    size_t state_used, state_cap;
    struct reasm_budget budget; /* out-of-order bytes of all flows */
    struct flow *last_flow;     /* the previous packet's flow (NULL when it was removed) */
    /* flows by a few bits of their key's hash, in front of the hash table (whose lookup, with
     * its calls through function pointers and three arrays to read, was a fifth of the flow
     * table's time); a slot holds the last flow looked up or made there, or NULL */
#define FLOW_CACHE 1024
    struct flow *cache[FLOW_CACHE];
    double idle_timeout, closed_timeout, now;
    double cur_ts; /* capture time of the packet being processed */
    uint16_t cid_seed; /* --community-id-seed: the Community ID's seed (default 0) */
    uint16_t ws_port; /* --ws-port: WebSocket on this server port even without a handshake */
    uint64_t next_id;
    const char *file;
    uint64_t pkt;
    /* TLS secrets: the capture's own (pcapng Decryption Secrets Blocks), which fall back to
     * those of --keylog; NULL when none were given */
    const struct tls_keylog *keys;      /* what TLS sessions look in now */
    const struct tls_keylog *keylogs;   /* --keylog files */
    struct tls_keylog *file_keys;       /* the current file's own secrets */
    size_t keylog_cap;                  /* memory for a file's own secrets */
    const char *path;                   /* the current file, when it can be read again */
    /* -j: called before a flow is finished by time, by a limit or at the end of the file (the
     * records it makes are put in the one-thread order by this); NULL otherwise */
    void (*on_expire)(struct analyzer *an, const struct flow *f);
    /* -j: called when a flow begins (begins 1) and when it is forgotten (0) */
    void (*on_flow)(struct analyzer *an, const struct flow *f, int begins);
    /* -j: called once a packet of its own flows has expired the flows that were due */
    void (*on_packet)(struct analyzer *an);
    void *shared; /* -j: the thread's part of the shared run (par.c) */
    int threads;  /* -j: threads for one capture (1: this one alone) */
    uint16_t shard_n, shard_idx; /* -j: this thread follows the shards idx modulo n; 0: all */
};

void analyzer_init(struct analyzer *an, struct report *rep);
void analyzer_packet(struct analyzer *an, const struct tcp_pkt *tp, uint64_t pkt, double ts);
/* the flow key of a packet, the same both ways; *sender_is_a: the sender is endpoint a */
void flow_key_of(const struct tcp_pkt *tp, struct flow_key *k, int *sender_is_a);
/* End of one input file: every flow is finished (packet numbers restart per file). */
void analyzer_end_file(struct analyzer *an);
void analyzer_free(struct analyzer *an);

/* conn.c: the application layer of a flow */
void conn_deliver(struct analyzer *an, struct flow *f, int side, const uint8_t *data, size_t len,
                  uint64_t off, const struct reasm_meta *meta);
/* the reassembly callbacks (tcp_reasm.h), whose context is the flow */
void conn_reasm_deliver(void *flow, int side, const uint8_t *data, size_t len, uint64_t off,
                        const struct reasm_meta *meta);
void conn_reasm_gap(void *flow, int side, uint64_t off, uint64_t len, enum reasm_gap_reason why,
                    uint64_t pkt);
void conn_reasm_conflict(void *flow, int side, uint64_t off, uint64_t pkt);
void conn_gap(struct analyzer *an, struct flow *f, int side, uint64_t off, uint64_t len,
              enum reasm_gap_reason why, uint64_t pkt);
void conn_conflict(struct analyzer *an, struct flow *f, int side, uint64_t off, uint64_t pkt);
void conn_side_end(struct analyzer *an, struct flow *f, int side, uint64_t pkt);
void conn_finish(struct analyzer *an, struct flow *f, int by_tcp, uint64_t pkt);
void conn_free(struct flow *f);
/* Drop the bytes kept while the flow's protocol is undecided. */
void conn_detect_free(struct analyzer *an, struct flow *f);
/* Bring an->state_used up to date with what the flow's connection holds now. */
void conn_account(struct flow *f);
void conn_flow_name(const struct flow *f, char *out, size_t n);

#endif
