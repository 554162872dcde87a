/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - what the analyzer tells the user, in one of two formats (text, JSON Lines), and the
 * counts behind the summary and the exit status. The formats share these entry points so they
 * always carry the same facts.
 */
#ifndef WSAUDIT_REPORT_H
#define WSAUDIT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "../core/finding.h"
#include "../core/h2_frame.h"
#include "../core/tls_session.h"
#include "../core/ws_handshake.h"
#include "../core/ws_session.h"

enum report_format { FMT_TEXT, FMT_JSONL };

struct conn_view {
    uint64_t id;
    const char *file;
    char client[64], server[64]; /* "addr:port", IPv6 as "[addr]:port" */
    char client_ip[46], server_ip[46];
    uint16_t client_port, server_port;
    char community_id[40]; /* Community ID v1 of the TCP flow ("1:..."), "" when unknown */
    uint64_t start_ns;     /* capture time of the flow's first packet, ns since the epoch */
    uint64_t *by_severity; /* the connection's findings per severity (its own storage) */
    uint8_t tls; /* decrypted from TLS (wss://) */
    uint32_t stream; /* the HTTP/2 stream (RFC 8441) of a WebSocket over HTTP/2; 0 otherwise */
};

/* A connection's end (like a Zeek conn.log line): [0] the client's side, [1] the server's */
struct end_view {
    uint64_t pkt, end_ns; /* its last packet */
    uint64_t pkts[2], bytes[2];
    int websocket;
    uint64_t frames[2], msgs[2];
    int closed[2];          /* that side sent a Close */
    int32_t close_code[2];  /* its status code, -1 when the Close had none */
    int first_close;        /* 0 client, 1 server, -1 nobody */
    const char *tls;        /* TLS handshake outcome, NULL when not TLS */
    const char *how;        /* close_handshake, fin, rst, idle_timeout, capture_end, ... */
    int64_t h2_streams;     /* an HTTP/2 connection: the WebSocket streams it carried; else -1 */
};

struct handshake_view {
    uint64_t req_pkt, resp_pkt;
    const struct ws_http_msg *req, *resp;
    const struct ws_handshake_result *res;
};

/* --merge: the inputs are one capture whose packets are numbered over all files; a run of
 * packets that came from one file one after another is one entry */
struct merge_run {
    uint64_t first, file_first; /* the run's first packet: in the capture, in its file */
    const char *file;
};
struct merge_map {
    struct merge_run *runs;
    size_t n, cap;
    int lost; /* out of memory: files are no longer known */
};

struct report {
    enum report_format fmt;
    FILE *out;
    int show_frames;
    int show_payload; /* --payload: one record per message with a preview */
    int show_h2_frames; /* --h2-frames: one record per HTTP/2 frame */
    int fail_on; /* severity at or above which findings make the exit status 1 */
    /* counts */
    uint64_t files, packets, tcp_packets, flows, ws_conns, frames, closes;
    uint64_t tls_conns, tls_failed, tls_alerts;
    uint64_t by_severity[4];
    uint64_t by_finding[F_FINDING_COUNT];
    uint64_t by_close_class[6];
    uint64_t errors; /* input that failed part-way */
    /* the current file name as a JSON string, made once per file for the per-frame lines */
    const char *json_file_for;
    char *json_file;
    size_t json_file_len;
    uint64_t fatal; /* input that could not be read at all */
    /* time: the capture time of the packet being processed (records are stamped with the time
     * at which they were made, as Zeek and Suricata stamp events), in the capture's precision */
    uint64_t now_ns;
    FILE *err;            /* where errors are said besides the output (stderr; NULL: nowhere) */
    const char *cur_name; /* the file and packet being analysed, for an out-of-memory error */
    uint64_t cur_pkt;
    int ts_digits; /* 6 (microseconds) or 9 (nanoseconds) */
    int show_time; /* text output: lines start with the time (-t) */
    uint64_t ts_cached_ns;
    int ts_cached_digits;
    char ts_cached[48];
    uint64_t ts_sec_ns; /* the second whose date and time of day ts_cached begins with */
    struct merge_map *merge; /* set while a merged capture is analysed */
    struct evidence *ev;       /* -w: the analysis notes flows and findings here */
    struct evidence *ev_write; /* -w, second pass: packets go here, not to the analyzer */
    uint64_t err_said; /* errors said on err */
    uint64_t err_skip; /* errors not to say on err again (a run read again in one thread) */
};

#define REPORT_ID_MARK '\x01'
#define REPORT_ID_END '\x02'
#define REPORT_ID_NONCE 6

/* -j: the connection ids this thread writes are its own numbers. global(ctx, id) gives the
 * capture's id once the merge knows it (UINT64_MAX before); until then the id is written as a
 * mark the merge replaces: REPORT_ID_MARK, the run's nonce (REPORT_ID_NONCE bytes), the number,
 * REPORT_ID_END, and marked(ctx) is called. nonce NULL (every thread's start): ids are written
 * as they are. */
void report_thread_ids(const char *nonce, uint64_t (*global)(void *ctx, uint64_t id),
                       void (*marked)(void *ctx), void *ctx);
/* A connection id as this thread writes it into out (32 bytes); its length. */
size_t report_conn_id(uint64_t id, char *out);
/* A report for part of a run: model's format and options, its own counts, written to out. */
void report_init_like(struct report *r, const struct report *model, FILE *out);

/* ISO 8601 UTC ("2026-12-02T14:31:42.123456Z") of a capture time, in the report's precision;
 * valid until the next call */
const char *report_ts(struct report *r, uint64_t ns);
/* the same, and its length */
const char *report_ts_n(struct report *r, uint64_t ns, size_t *len);

/* Under --merge, the file packet pkt of the merged capture came from and its number there
 * (1); 0 when not merging or not known. */
int report_locate(const struct report *r, uint64_t pkt, const char **file, uint64_t *file_pkt);

void report_init(struct report *r, enum report_format fmt, FILE *out);
void report_file(struct report *r, const char *file, const char *linktype);
/* h: the handshake; NULL for a WebSocket connection found mid-stream (no handshake captured),
 * whose record then says so, pkt being where decoding began */
void report_conn(struct report *r, const struct conn_view *c, const struct handshake_view *h,
                 uint64_t pkt);
void report_ws_event(struct report *r, const struct conn_view *c, const struct ws_event *ev);
void report_tls_event(struct report *r, const struct conn_view *c, const struct tls_event *ev);
void report_end(struct report *r, const struct conn_view *c, const struct end_view *e);
/* An end record's WebSocket part, from the connection's session (HTTP/1.1 or an HTTP/2
 * stream): frames, messages and closes per side, who closed first; websocket set. */
void end_view_websocket(struct end_view *e, const struct ws_session *s);
/* --h2-frames: an HTTP/2 frame of a connection (its stream is the frame's) */
void report_h2_frame(struct report *r, const struct conn_view *c, const struct h2_event *ev);
/* A finding outside the WebSocket layer (stream, capture); c may be NULL. */
void report_finding(struct report *r, const struct conn_view *c, const char *file, uint64_t pkt,
                    enum wsa_finding_id id, const char *detail);
/* TLS secrets read: from a key log file or a capture's Decryption Secrets Blocks */
void report_keylog(struct report *r, const char *source, const char *kind, size_t secrets,
                   size_t randoms, unsigned long bad);
/* -w: what the evidence file received; level NULL when ids chose the findings */
void report_evidence(struct report *r, const char *file, uint64_t packets, uint64_t conns,
                     const char *level, const char *const *ids, int nids);
void report_error(struct report *r, const char *file, uint64_t pkt, const char *msg, int fatal);
void report_summary(struct report *r);
/* Free what a report holds without writing a summary (a -j worker's per-file report). */
void report_release(struct report *r);
/* Add the counts of one report (a file analysed on its own) to another. */
void report_merge(struct report *into, const struct report *from);
int report_exit_status(const struct report *r);


#endif
