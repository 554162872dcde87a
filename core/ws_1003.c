/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_1003.c - the 1003 judgement (RFC 6455 §7.4.1: "type of data it cannot accept"): which
 * message of the peer a Close 1003 answers, judged by what the closing side had received
 * (the ACK of the Close's segment, else capture order), or why it cannot be named. See ws_1003.h.
 */
#include "ws_1003.h"

#include <stdio.h>
#include <string.h>

/* Was any of the peer's bytes below `upto` lost to a gap after `after`? */
static int gap_between(const struct ws_dir *d, uint64_t after, uint64_t upto)
{
    unsigned n = d->gap_count < WS_GAPS ? d->gap_count : WS_GAPS;
    for (unsigned i = 0; i < n; i++)
        if (d->gap_hi[i] > after && d->gap_lo[i] < upto)
            return 1;
    return d->gap_count > WS_GAPS; /* older gaps forgotten: cannot rule them out */
}

/* The peer's last data message whose header the closer had received by `limit`, or NULL */
static const struct ws_msg_rec *last_message_before(const struct ws_dir *peer, uint64_t limit)
{
    unsigned kept = peer->hist_count < WS_HISTORY ? peer->hist_count : WS_HISTORY;
    for (unsigned i = 0; i < kept; i++) {
        const struct ws_msg_rec *m = &peer->hist[(peer->hist_count - 1 - i) % WS_HISTORY];
        if (m->hdr_end <= limit)
            return m;
    }
    return NULL;
}

/* Whether the message found is the one the closer had received last, or why that cannot be
 * said (u->status and u->reason). */
static void judge_status(const struct ws_dir *peer, const struct ws_msg_rec *found, uint64_t limit,
                         struct ws_unsupported *u)
{
    unsigned kept = peer->hist_count < WS_HISTORY ? peer->hist_count : WS_HISTORY;
    if (peer->stopped && peer->stop_off < limit) {
        u->status = WS_UNSUP_UNKNOWN;
        u->reason = "the peer direction stopped being decodable before the close";
    } else if (peer->off < limit) {
        u->status = WS_UNSUP_UNKNOWN;
        u->reason = "the close acknowledges peer bytes that are not in the capture";
    } else if (found) {
        if (gap_between(peer, found->hdr_end, limit)) {
            u->status = WS_UNSUP_UNKNOWN;
            u->reason = "peer bytes after the last decoded message were lost to a gap";
        } else {
            u->status = WS_UNSUP_OBSERVED;
        }
    } else if (peer->hist_count > kept) {
        u->status = WS_UNSUP_UNKNOWN;
        u->reason = "too many later messages from the peer; history exceeded";
    } else if (gap_between(peer, peer->start_off, limit)) {
        u->status = WS_UNSUP_UNKNOWN;
        u->reason = "peer bytes before the close were lost to a gap";
    } else {
        u->status = WS_UNSUP_NONE_OBSERVED;
        u->reason = "the peer sent no data message before the close";
    }
}

/* The finding's detail line: the offending message named, or why it is not. */
static void describe(const struct ws_unsupported *u, int closer, char *detail, size_t n)
{
    if (u->status != WS_UNSUP_OBSERVED) {
        snprintf(detail, n, "offending message %s: %s", ws_unsup_status_name(u->status),
                 u->reason);
        return;
    }
    char where[64];
    if (u->pkt_end > u->pkt)
        snprintf(where, sizeof where, "packets %llu-%llu", (unsigned long long)u->pkt,
                 (unsigned long long)u->pkt_end);
    else
        snprintf(where, sizeof where, "packet %llu", (unsigned long long)u->pkt);
    snprintf(detail, n, "offending message: opcode 0x%x (%s) from the %s, first frame in %s, %s%s",
             u->opcode, ws_opcode_name(u->opcode), wsa_side(!closer), where,
             u->complete ? "complete" : "incomplete", u->compressed ? ", compressed" : "");
    if (u->inflated_known && u->complete) {
        size_t used = strlen(detail);
        snprintf(detail + used, n - used, ", %llu bytes after inflation",
                 (unsigned long long)u->inflated);
    }
}

void ws_1003_judge(struct ws_session *s, int closer, int at_end)
{
    struct ws_dir *c = &s->d[closer], *peer = &s->d[!closer];
    struct ws_unsupported u;
    char detail[256];
    uint64_t limit = peer->off; /* judge by capture order unless the ACK says better */

    memset(&u, 0, sizeof u);
    if (c->pending_seg.ack_valid) {
        limit = c->pending_seg.ack_off;
        u.by_ack = 1;
        if (peer->off < limit && !at_end && !peer->stopped && !peer->ended)
            return; /* the peer's acknowledged bytes have not been read yet: wait */
    }
    c->pending_1003 = 0;

    if (peer->close_sent && peer->close_hdr_end <= limit) {
        /* a Close that answers the peer's Close just echoes its code (RFC 6455 §5.5.1) */
        u.status = WS_UNSUP_REPLY;
        u.pkt = peer->close_pkt;
        u.reason = "this Close answers the peer's Close";
        snprintf(detail, sizeof detail, "reply to the %s's Close in packet %llu",
                 wsa_side(!closer), (unsigned long long)u.pkt);
    } else {
        const struct ws_msg_rec *found = last_message_before(peer, limit);
        judge_status(peer, found, limit, &u);
        if (found && u.status != WS_UNSUP_NONE_OBSERVED) {
            u.opcode = found->opcode;
            u.pkt = found->pkt;
            u.pkt_end = found->pkt_end > found->pkt ? found->pkt_end : found->pkt;
            u.complete = found->complete;
            u.compressed = found->compressed;
            u.size = found->size;
            u.inflated = found->inflated;
            u.inflated_known = found->compressed && !peer->infl_dead;
        }
        describe(&u, closer, detail, sizeof detail);
    }

    struct ws_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = WS_EV_FINDING;
    ev.dir = closer;
    ev.pkt = ev.pkt_end = c->pending_pkt;
    ev.finding = F_CLOSE_UNSUPPORTED_DATA;
    ev.detail = detail;
    ev.unsup = &u;
    s->cb(s->cb_ctx, &ev);
}
