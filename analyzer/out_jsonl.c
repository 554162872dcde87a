/* SPDX-License-Identifier: GPL-2.0-or-later */
/* out_jsonl.c - JSON Lines writer: one object per line, "type" first. Schema in README.md. */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tls_alert.h"
#include "linebuf.h"
#include "../core/escape.h"
#include "../core/utf8.h"
#include "out_formats.h"

/*
 * JSON string of wire bytes: valid UTF-8 is kept, control characters are escaped, and each byte
 * that is not part of valid UTF-8 becomes U+FFFD. Callers that can lose bytes this way also write
 * the hex form (see lb_hex), so nothing from the wire is lost.
 */
/* Whether any of the eight bytes at p needs escaping or is not ASCII: below 0x20, 0x7F and
 * above, '"' or '\\'. Byte-wise tests on one 64-bit word: the high bit of a byte ends up set
 * when the byte is below 0x20, is 0x7F or more, or equals '"' or '\\'; a borrow or carry
 * only crosses into the next byte above a byte that matched already, so whether any matched
 * is exact (checked against the byte loop on every pair of positions and values). */
static inline int json_special8(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t lt20 = (w - ones * 0x20) & ~w;
    uint64_t ge7f = w + ones;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    uint64_t eq = ((q - ones) & ~q) | ((b - ones) & ~b);
    return ((lt20 | ge7f | eq | w) & high) != 0;
}

static void lb_json(struct lb *l, const uint8_t *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    lb_c(l, '"');
    for (size_t i = 0; i < len;) {
        /* fast path: a run of characters that need no escaping, eight at a time while it can */
        size_t run = i;
        while (run + 8 <= len && !json_special8(s + run))
            run += 8;
        while (run < len && s[run] >= 0x20 && s[run] < 0x7F && s[run] != '"' && s[run] != '\\')
            run++;
        if (run > i) {
            lb_mem(l, s + i, run - i);
            i = run;
            continue;
        }
        uint8_t c = s[i];
        if (c < 0x80) {
            char e[6] = {'\\', (char)c, '0', '0', hex[c >> 4], hex[c & 15]};
            if (c == '"' || c == '\\') {
                lb_mem(l, e, 2);
            } else if (c == '\n') {
                LB_LIT(l, "\\n");
            } else if (c == '\r') {
                LB_LIT(l, "\\r");
            } else if (c == '\t') {
                LB_LIT(l, "\\t");
            } else { /* the other controls and DEL */
                e[1] = 'u';
                lb_mem(l, e, 6);
            }
            i++;
            continue;
        }
        /* find the length of a valid sequence starting here, if any */
        size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + n <= len && utf8_valid(s + i, n)) {
            lb_mem(l, s + i, n);
            i += n;
        } else {
            LB_LIT(l, "\\ufffd");
            i++;
        }
    }
    lb_c(l, '"');
}

static void lb_jstr(struct lb *l, const char *s)
{
    lb_json(l, (const uint8_t *)s, strlen(s));
}

static void lb_hex(struct lb *l, const uint8_t *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    lb_c(l, '"');
    for (size_t i = 0; i < len; i++) {
        char *p = lb_reserve(l, 2);
        p[0] = hex[s[i] >> 4];
        p[1] = hex[s[i] & 15];
        l->n += 2;
    }
    lb_c(l, '"');
}

static void lb_bool(struct lb *l, int v)
{
    if (v)
        LB_LIT(l, "true");
    else
        LB_LIT(l, "false");
}

/* ,"key": (inline, so a literal key's length is known when compiled: a strlen call per field
 * otherwise) */
#define LB_INLINE static inline __attribute__((always_inline))
LB_INLINE void lb_key(struct lb *l, const char *key)
{
    LB_LIT(l, ",\"");
    lb_str(l, key);
    LB_LIT(l, "\":");
}

/* ,"<side><suffix>": ("client_pkts") */
LB_INLINE void lb_key2(struct lb *l, const char *side, const char *suffix)
{
    LB_LIT(l, ",\"");
    lb_str(l, side);
    lb_str(l, suffix);
    LB_LIT(l, "\":");
}

/* "value" for a value that needs no escaping (names from tables) */
static inline void lb_q(struct lb *l, const char *v)
{
    lb_c(l, '"');
    lb_str(l, v);
    lb_c(l, '"');
}

/* ,"key":"value", the same */
LB_INLINE void lb_kv(struct lb *l, const char *key, const char *v)
{
    lb_key(l, key);
    lb_q(l, v);
}

LB_INLINE void lb_ku(struct lb *l, const char *key, uint64_t v)
{
    lb_key(l, key);
    lb_u(l, v);
}

static void out_json_string(FILE *f, const uint8_t *s, size_t len)
{
    struct lb l;
    lb_init(&l, f);
    lb_json(&l, s, len);
    lb_flush(&l);
}

static void out_hex(FILE *f, const uint8_t *s, size_t len)
{
    struct lb l;
    lb_init(&l, f);
    lb_hex(&l, s, len);
    lb_flush(&l);
}

static void str(FILE *f, const char *s)
{
    out_json_string(f, (const uint8_t *)s, strlen(s));
}

/* a header value from the wire; when it is not valid UTF-8 (so the JSON string cannot hold it
 * as it is) its bytes follow as KEY_hex */
static void slice(struct lb *l, const char *key, struct ws_slice s)
{
    lb_key(l, key);
    if (!s.p) {
        LB_LIT(l, "null");
        return;
    }
    lb_json(l, (const uint8_t *)s.p, s.len);
    if (!utf8_valid((const uint8_t *)s.p, s.len)) {
        lb_key2(l, key, "_hex");
        lb_hex(l, (const uint8_t *)s.p, s.len);
    }
}

/* "type", "ts" (when the record was made, or ts_ns: a connection's start), "file", "conn",
 * "pkt" */
static const char *json_file(struct report *r, const char *file, size_t *len);

/* the record types that carry the join key: connection-level records and findings, not the
 * bulk frame lines (the first letter picks the one name to compare) */
static int type_has_cid(const char *type)
{
    switch (type[0]) {
    case 'c':
        return !strcmp(type, "conn");
    case 't':
        return !strcmp(type, "tls");
    case 's':
        return !strcmp(type, "status");
    case 'e':
        return !strcmp(type, "end");
    case 'f':
        return !strcmp(type, "finding");
    default:
        return 0;
    }
}

/* The fields every record starts with, appended to l (the caller goes on with the record). */
static void lb_head(struct lb *l, struct report *r, const char *type, const char *file,
                    const struct conn_view *c, uint64_t pkt, const uint64_t *ts_ns)
{
    LB_LIT(l, "{\"type\":\"");
    lb_str(l, type);
    LB_LIT(l, "\"");
    if (ts_ns) {
        LB_LIT(l, ",\"ts\":\"");
        size_t tn;
        const char *t = report_ts_n(r, *ts_ns, &tn);
        lb_mem(l, t, tn);
        LB_LIT(l, "\"");
    }
    /* merged files (--merge): the file this record's packet came from, and its number there */
    const char *in_file;
    uint64_t file_pkt;
    int located = report_locate(r, pkt, &in_file, &file_pkt);
    const char *name = located ? in_file : c ? c->file : file;
    size_t flen;
    const char *fj = json_file(r, name, &flen);
    LB_LIT(l, ",\"file\":");
    if (fj)
        lb_mem(l, fj, flen);
    else
        lb_jstr(l, name);
    if (c) {
        LB_LIT(l, ",\"conn\":");
        lb_conn_id(l, c->id);
        if (c->stream) { /* a WebSocket over HTTP/2: its stream */
            LB_LIT(l, ",\"stream\":");
            lb_u(l, c->stream);
        }
    }
    LB_LIT(l, ",\"pkt\":");
    lb_u(l, pkt);
    if (located) {
        LB_LIT(l, ",\"file_pkt\":");
        lb_u(l, file_pkt);
    }
    /* the join key on connection-level records and findings (not on the bulk frame lines) */
    if (c && c->community_id[0] && type_has_cid(type)) {
        LB_LIT(l, ",\"community_id\":\"");
        lb_mem(l, c->community_id, strnlen(c->community_id, sizeof c->community_id));
        LB_LIT(l, "\"");
    }
}

/* the same, written now (for records still written with stdio) */
static void head(struct report *r, const char *type, const char *file, const struct conn_view *c,
                 uint64_t pkt, const uint64_t *ts_ns)
{
    struct lb l;
    lb_init(&l, r->out);
    lb_head(&l, r, type, file, c, pkt, ts_ns);
    lb_flush(&l);
}

/* a connection's endpoints: "client"/"server" as "addr:port", and each part on its own */
static void lb_endpoints(struct lb *l, const struct conn_view *c)
{
    /* (addresses and ports as conn.c wrote them: digits, dots, colons, brackets, hex letters,
     * nothing JSON escapes) */
    lb_kv(l, "client", c->client);
    lb_kv(l, "server", c->server);
    lb_kv(l, "client_ip", c->client_ip);
    lb_ku(l, "client_port", c->client_port);
    lb_kv(l, "server_ip", c->server_ip);
    lb_ku(l, "server_port", c->server_port);
}

static void endpoints(FILE *f, const struct conn_view *c)
{
    struct lb l;
    lb_init(&l, f);
    lb_endpoints(&l, c);
    lb_flush(&l);
}

static void j_file(struct report *r, const char *file, const char *linktype)
{
    fputs("{\"type\":\"file\",\"file\":", r->out);
    str(r->out, file);
    fputs(",\"linktype\":", r->out);
    str(r->out, linktype);
    if (r->merge) /* one of several files read as one capture */
        fputs(",\"merged\":true", r->out);
    /* who wrote it, and the record schema (schema/wsaudit.schema.json) it follows */
    fputs(",\"wsaudit\":\"" WSAUDIT_VERSION "\",\"schema\":1}\n", r->out);
}

static void j_conn(struct report *r, const struct conn_view *c, const struct handshake_view *h,
                   uint64_t pkt)
{
    struct lb l;
    lb_init(&l, r->out);
    if (!h) { /* found mid-stream: no handshake to tell */
        lb_head(&l, r, "conn", NULL, c, pkt, &c->start_ns);
        LB_LIT(&l, ",\"response_pkt\":null");
        lb_endpoints(&l, c);
        LB_LIT(&l, ",\"method\":null,\"path\":null,\"host\":null,\"offered_protocols\":null,"
                   "\"offered_extensions\":null,\"status\":null,\"websocket\":true,"
                   "\"accept_ok\":null,\"subprotocol\":null,\"extensions\":null,"
                   "\"permessage_deflate\":null,\"midstream\":true}\n");
        lb_flush(&l);
        return;
    }
    lb_head(&l, r, "conn", NULL, c, h->req_pkt, &c->start_ns);
    lb_ku(&l, "response_pkt", h->resp_pkt);
    lb_endpoints(&l, c);
    slice(&l, "method", h->req->method);
    slice(&l, "path", h->req->target);
    slice(&l, "host", h->req->host);
    slice(&l, "offered_protocols", h->req->protocol);
    slice(&l, "offered_extensions", h->req->extensions);
    LB_LIT(&l, ",\"status\":");
    if (h->resp->status) /* 0: an HTTP/2 stream reset instead of an answer */
        lb_i(&l, h->resp->status);
    else
        LB_LIT(&l, "null");
    LB_LIT(&l, ",\"websocket\":");
    lb_bool(&l, h->res->upgraded);
    LB_LIT(&l, ",\"accept_ok\":");
    if (c->stream) /* HTTP/2 has no Sec-WebSocket-Accept (RFC 8441 §5) */
        LB_LIT(&l, "null");
    else
        lb_bool(&l, h->res->accept_ok);
    slice(&l, "subprotocol", h->res->protocol);
    slice(&l, "extensions", h->res->extensions);
    LB_LIT(&l, ",\"permessage_deflate\":");
    lb_bool(&l, h->res->pmd);
    if (c->tls)
        LB_LIT(&l, ",\"tls\":true,\"decrypted\":true}\n");
    else
        LB_LIT(&l, "}\n");
    lb_flush(&l);
}

/* A finding's fixed fields as JSON: id, severity and title (before the detail), ref (after). */
static void finding_fixed(struct lb *l, const struct wsa_finding_info *fi, int ref)
{
    if (ref) {
        if (fi->reference) {
            LB_LIT(l, ",\"ref\":");
            lb_jstr(l, fi->reference);
        }
        return;
    }
    LB_LIT(l, ",\"id\":");
    lb_jstr(l, fi->id);
    lb_kv(l, "severity", wsa_severity_name(fi->severity));
    LB_LIT(l, ",\"title\":");
    lb_jstr(l, fi->title);
}

/* those fields of every finding, escaped once for the run (a finding record escaped its long
 * constant strings each time: most of its cost on captures with many findings); a part is NULL
 * when memory ran out, and is then escaped each time */
static struct {
    const char *s;
    size_t n;
} fixed_json[F_FINDING_COUNT][2];
static char *fixed_json_buf;
static pthread_once_t fixed_json_once = PTHREAD_ONCE_INIT;

static void fixed_json_init(void)
{
    size_t at[F_FINDING_COUNT][2], len = 0;
    FILE *m = open_memstream(&fixed_json_buf, &len);
    if (!m)
        return;
    struct lb l;
    lb_init(&l, m);
    for (int id = 0; id < F_FINDING_COUNT; id++)
        for (int ref = 0; ref < 2; ref++) {
            at[id][ref] = (size_t)ftell(m) + l.n;
            finding_fixed(&l, wsa_finding_info((enum wsa_finding_id)id), ref);
            fixed_json[id][ref].n = (size_t)ftell(m) + l.n - at[id][ref];
        }
    lb_flush(&l);
    if (fclose(m) != 0 || !fixed_json_buf) {
        memset(fixed_json, 0, sizeof fixed_json);
        return;
    }
    for (int id = 0; id < F_FINDING_COUNT; id++)
        for (int ref = 0; ref < 2; ref++)
            fixed_json[id][ref].s = fixed_json_buf + at[id][ref];
}

static void finding_part(struct lb *l, enum wsa_finding_id id, int ref)
{
    pthread_once(&fixed_json_once, fixed_json_init);
    if ((unsigned)id < F_FINDING_COUNT && fixed_json[id][ref].s)
        lb_mem(l, fixed_json[id][ref].s, fixed_json[id][ref].n);
    else
        finding_fixed(l, wsa_finding_info(id), ref);
}

static void finding_body(struct lb *l, enum wsa_finding_id id, const char *detail)
{
    finding_part(l, id, 0);
    LB_LIT(l, ",\"detail\":");
    lb_jstr(l, detail ? detail : "");
    finding_part(l, id, 1);
}

static const char *json_file(struct report *r, const char *file, size_t *len)
{
    if (r->json_file_for != file) {
        free(r->json_file);
        r->json_file = NULL;
        FILE *m = open_memstream(&r->json_file, &r->json_file_len);
        if (!m)
            return NULL;
        str(m, file);
        fclose(m);
        r->json_file_for = file;
    }
    *len = r->json_file_len;
    return r->json_file;
}

/* a frame without a close payload: built in memory, written with one call */
static int j_plain_frame(struct report *r, const struct conn_view *c, const struct ws_event *ev)
{
    size_t flen;
    const char *fj = json_file(r, c->file, &flen);
    const struct ws_frame_hdr *h = ev->hdr;
    struct lb l;
    if (!fj)
        return 0;
    lb_init(&l, r->out);
    size_t tn;
    const char *t = report_ts_n(r, r->now_ns, &tn);
    LB_LIT(&l, "{\"type\":\"frame\",\"ts\":\"");
    lb_mem(&l, t, tn);
    LB_LIT(&l, "\",\"file\":");
    lb_mem(&l, fj, flen);
    LB_LIT(&l, ",\"conn\":");
    lb_conn_id(&l, c->id);
    if (c->stream) {
        LB_LIT(&l, ",\"stream\":");
        lb_u(&l, c->stream);
    }
    LB_LIT(&l, ",\"pkt\":");
    lb_u(&l, ev->pkt);
    LB_LIT(&l, ",\"pkt_end\":");
    lb_u(&l, ev->pkt_end);
    if (ev->dir == WS_C2S)
        LB_LIT(&l, ",\"dir\":\"c2s\",\"opcode\":");
    else
        LB_LIT(&l, ",\"dir\":\"s2c\",\"opcode\":");
    lb_u(&l, h->opcode);
    LB_LIT(&l, ",\"opcode_name\":\"");
    lb_str(&l, ws_opcode_name(h->opcode));
    LB_LIT(&l, "\",\"fin\":");
    lb_bool(&l, h->fin);
    LB_LIT(&l, ",\"rsv\":");
    lb_u(&l, h->rsv);
    LB_LIT(&l, ",\"masked\":");
    lb_bool(&l, h->masked);
    LB_LIT(&l, ",\"len\":");
    lb_u(&l, h->len);
    LB_LIT(&l, ",\"complete\":");
    lb_bool(&l, ev->complete);
    LB_LIT(&l, "}\n");
    lb_flush(&l);
    return 1;
}

/* The 1003 annotation: the message that provoked the close, or why none is named. */
static void j_offending(struct lb *l, const struct ws_unsupported *u)
{
    LB_LIT(l, ",\"offending\":{\"status\":");
    lb_q(l, ws_unsup_status_name(u->status));
    if (u->status == WS_UNSUP_REPLY) {
        lb_ku(l, "close_pkt", u->pkt);
    } else if (u->status == WS_UNSUP_OBSERVED || u->pkt) {
        lb_ku(l, "opcode", u->opcode);
        lb_kv(l, "opcode_name", ws_opcode_name(u->opcode));
        lb_ku(l, "pkt", u->pkt);
        lb_ku(l, "pkt_end", u->pkt_end);
        LB_LIT(l, ",\"complete\":");
        lb_bool(l, u->complete);
        LB_LIT(l, ",\"compressed\":");
        lb_bool(l, u->compressed);
        lb_ku(l, "size", u->size);
    }
    if (u->inflated_known && u->complete)
        lb_ku(l, "inflated_size", u->inflated);
    lb_kv(l, "judged_by", u->by_ack ? "ack" : "capture_order");
    if (u->reason) {
        LB_LIT(l, ",\"reason\":");
        lb_jstr(l, u->reason);
    }
    lb_c(l, '}');
}

/* How the connection ended, as each endpoint saw it (seen[WS_S2C] is what the client received) */
static void j_ws_status(struct report *r, const struct conn_view *c, const struct ws_event *ev)
{
    const struct ws_status *st = ev->status;
    struct lb l;
    lb_init(&l, r->out);
    lb_head(&l, r, "status", NULL, c, ev->pkt, &r->now_ns);
    lb_endpoints(&l, c);
    for (int side = 0; side < 2; side++) {
        int32_t code = st->seen[side == 0 ? WS_S2C : WS_C2S];
        const char *who = wsa_side(side);
        lb_key2(&l, who, "_saw");
        if (code >= 0)
            lb_i(&l, code);
        else
            LB_LIT(&l, "null");
        lb_key2(&l, who, "_saw_name");
        if (code >= 0) {
            lb_q(&l, ws_close_lookup((uint16_t)code)->name);
        } else {
            LB_LIT(&l, "null");
        }
    }
    LB_LIT(&l, ",\"closing_handshake\":");
    lb_bool(&l, st->handshake_complete);
    LB_LIT(&l, ",\"ended_by\":");
    if (st->ended_dir < 0) {
        LB_LIT(&l, "null,\"ended_pkt\":null,\"how\":\"capture_end\"}\n");
    } else {
        lb_q(&l, wsa_side(st->ended_dir));
        lb_ku(&l, "ended_pkt", st->ended_pkt);
        if (st->how == WS_END_RST)
            LB_LIT(&l, ",\"how\":\"rst\"}\n");
        else
            LB_LIT(&l, ",\"how\":\"fin\"}\n");
    }
    lb_flush(&l);
}

static void j_ws_message(struct report *r, const struct conn_view *c, const struct ws_event *ev)
{
    const struct ws_message *m = ev->msg;
    uint64_t total = m->inflated_known ? m->inflated : m->size;
    struct lb l;
    lb_init(&l, r->out);
    lb_head(&l, r, "message", NULL, c, ev->pkt, &r->now_ns);
    lb_ku(&l, "pkt_end", ev->pkt_end);
    lb_kv(&l, "dir", ev->dir == WS_C2S ? "c2s" : "s2c");
    lb_ku(&l, "opcode", m->opcode);
    lb_kv(&l, "opcode_name", ws_opcode_name(m->opcode));
    lb_ku(&l, "size", m->size);
    LB_LIT(&l, ",\"compressed\":");
    lb_bool(&l, m->compressed);
    if (m->inflated_known)
        lb_ku(&l, "inflated_size", m->inflated);
    LB_LIT(&l, ",\"preview\":");
    lb_json(&l, m->preview, m->preview_len);
    LB_LIT(&l, ",\"preview_hex\":");
    lb_hex(&l, m->preview, m->preview_len);
    LB_LIT(&l, ",\"truncated\":");
    lb_bool(&l, total > m->preview_len);
    if (m->sha1)
        lb_kv(&l, "sha1", m->sha1);
    LB_LIT(&l, "}\n");
    lb_flush(&l);
}

static void j_ws_finding(struct report *r, const struct conn_view *c, const struct ws_event *ev)
{
    struct lb l;
    lb_init(&l, r->out);
    lb_head(&l, r, "finding", NULL, c, ev->pkt, &r->now_ns);
    if (ev->pkt_end != ev->pkt) /* about a frame spread over packets: where it completed */
        lb_ku(&l, "pkt_end", ev->pkt_end);
    lb_kv(&l, "dir", ev->dir == WS_C2S ? "c2s" : "s2c");
    finding_body(&l, ev->finding, ev->detail);
    if (ev->unsup)
        j_offending(&l, ev->unsup);
    LB_LIT(&l, "}\n");
    lb_flush(&l);
}

/* a frame, or a Close frame with its code and reason */
static void j_ws_frame(struct report *r, const struct conn_view *c, const struct ws_event *ev)
{
    const struct ws_frame_hdr *h = ev->hdr;
    struct lb l;
    lb_init(&l, r->out);
    lb_head(&l, r, ev->type == WS_EV_CLOSE ? "close" : "frame", NULL, c, ev->pkt, &r->now_ns);
    lb_ku(&l, "pkt_end", ev->pkt_end);
    lb_kv(&l, "dir", ev->dir == WS_C2S ? "c2s" : "s2c");
    lb_ku(&l, "opcode", h->opcode);
    lb_kv(&l, "opcode_name", ws_opcode_name(h->opcode));
    LB_LIT(&l, ",\"fin\":");
    lb_bool(&l, h->fin);
    lb_ku(&l, "rsv", h->rsv);
    LB_LIT(&l, ",\"masked\":");
    lb_bool(&l, h->masked);
    lb_ku(&l, "len", h->len);
    LB_LIT(&l, ",\"complete\":");
    lb_bool(&l, ev->complete);
    if (ev->type == WS_EV_CLOSE) {
        if (ev->has_code) {
            lb_ku(&l, "code", ev->code);
            LB_LIT(&l, ",\"code_name\":");
            lb_jstr(&l, ev->code_info->name);
            lb_kv(&l, "code_class", ws_close_class_name(ev->code_info->cls));
            LB_LIT(&l, ",\"reason\":");
            lb_json(&l, ev->reason, ev->reason_len);
            if (!utf8_valid(ev->reason, ev->reason_len)) {
                LB_LIT(&l, ",\"reason_hex\":");
                lb_hex(&l, ev->reason, ev->reason_len);
            }
        } else {
            LB_LIT(&l, ",\"code\":null");
        }
    }
    LB_LIT(&l, "}\n");
    lb_flush(&l);
}

static void j_ws_event(struct report *r, const struct conn_view *c, const struct ws_event *ev)
{
    switch (ev->type) {
    case WS_EV_STATUS:
        j_ws_status(r, c, ev);
        break;
    case WS_EV_MESSAGE:
        j_ws_message(r, c, ev);
        break;
    case WS_EV_FINDING:
        j_ws_finding(r, c, ev);
        break;
    case WS_EV_FRAME:
        if (!r->merge && j_plain_frame(r, c, ev))
            break; /* the fast path wrote it */
        j_ws_frame(r, c, ev);
        break;
    case WS_EV_CLOSE:
        j_ws_frame(r, c, ev);
        break;
    }
}

static void opt_str(FILE *f, const char *key, int present, const char *v)
{
    fprintf(f, ",\"%s\":", key);
    if (present)
        str(f, v);
    else
        fputs("null", f);
}

static void list(FILE *f, const char *key, const char *csv)
{
    fprintf(f, ",\"%s\":[", key);
    const char *p = csv;
    int first = 1;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (!first)
            fputc(',', f);
        out_json_string(f, (const uint8_t *)p, n);
        first = 0;
        if (!end)
            break;
        p = end + 1;
    }
    fputc(']', f);
}

/* Text the core keeps in wsaudit's escape (escape.h: \xNN for control bytes, DEL, bytes that
 * are not UTF-8, the backslash and separators) goes into JSON by the rule of close reasons: the
 * bytes themselves in a JSON string (control characters as JSON escapes, a byte that is not
 * UTF-8 as U+FFFD, and then KEY_hex with the exact bytes), never a second layer of escaping.
 * In a distinguished name (dn) the RFC 4514 specials keep RFC 4514's own escape (\, \+ \\),
 * as OpenSSL's RFC 2253 form and Zeek's x509.log print them. out holds n bytes or more. */
static size_t unescape(const char *s, size_t n, int dn, uint8_t *out)
{
    /* "\," is shorter than the "\x2c" it replaces */
    return wsa_unescape(s, n, dn ? ",+\"\\<>;" : "", out);
}

static void wire_bytes(FILE *f, const char *key, const uint8_t *b, size_t n)
{
    fprintf(f, ",\"%s\":", key);
    out_json_string(f, b, n);
    if (!utf8_valid(b, n)) {
        fprintf(f, ",\"%s_hex\":", key);
        out_hex(f, b, n);
    }
}

static void wire_str(FILE *f, const char *key, int present, const char *s, int dn)
{
    if (!present) {
        fprintf(f, ",\"%s\":null", key);
        return;
    }
    size_t n = strlen(s);
    uint8_t *b = malloc(n + 1);
    if (!b) { /* the escaped text is still right, only less convenient */
        opt_str(f, key, 1, s);
        return;
    }
    wire_bytes(f, key, b, unescape(s, n, dn, b));
    free(b);
}

/* a comma-separated list whose elements' own commas are escaped: a JSON array of the elements
 * by the same rule, with KEY_hex (an array of the same length) when one is not UTF-8 */
static void wire_list(FILE *f, const char *key, const char *csv)
{
    size_t n = strlen(csv);
    uint8_t *b = malloc(n + 1);
    if (!b) {
        list(f, key, csv);
        return;
    }
    int all_utf8 = 1;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && all_utf8)
            break;
        fprintf(f, ",\"%s%s\":[", key, pass ? "_hex" : "");
        const char *p = csv;
        while (*p) {
            const char *end = strchr(p, ',');
            size_t len = unescape(p, end ? (size_t)(end - p) : strlen(p), 0, b);
            if (p != csv)
                fputc(',', f);
            if (pass) {
                out_hex(f, b, len);
            } else {
                out_json_string(f, b, len);
                all_utf8 &= utf8_valid(b, len);
            }
            if (!end)
                break;
            p = end + 1;
        }
        fputc(']', f);
    }
    free(b);
}

static void versions(FILE *f, const struct tls_hello *h)
{
    char b[24];
    if (!h->has_sv) { /* no supported_versions extension: legacy_version is the maximum */
        fputs(",\"versions\":null", f);
        return;
    }
    fputs(",\"versions\":[", f);
    for (unsigned i = 0; i < h->n_versions; i++) {
        if (i)
            fputc(',', f);
        str(f, tls_version_name(h->versions[i], b, sizeof b));
    }
    fputc(']', f);
}

/* a certificate time as ISO 8601 UTC, "2021-01-01T00:00:00Z", like the records' ts */
static void iso_time(int64_t t, char *out, size_t n)
{
    x509_format_time(t, out, n); /* "2021-01-01 00:00:00 UTC" */
    char *sp = strchr(out, ' ');
    char *utc = strstr(out, " UTC");
    if (sp && utc && utc != sp) {
        *sp = 'T';
        strcpy(utc, "Z");
    }
}

static void msgs(FILE *f, const char *key, const struct tls_dir *d)
{
    fprintf(f, ",\"%s\":[", key);
    for (unsigned i = 0; i < d->n_msgs; i++)
        fprintf(f, "%s%u", i ? "," : "", d->msgs[i]);
    fputc(']', f);
}

/* The tls record, field by field in the schema's order. */
static void j_tls_summary(struct report *r, const struct conn_view *c,
                          const struct tls_session *s, uint64_t pkt)
{
    FILE *f = r->out;
    char b[24], t[40];
    head(r, "tls", NULL, c, s->hs.ch.seen ? s->hs.ch.pkt : pkt, &c->start_ns);
    endpoints(f, c);
    fprintf(f, ",\"outcome\":\"%s\"", tls_outcome_name(s->hs.outcome));
    opt_str(f, "version", s->hs.sh.seen, tls_version_name(s->hs.version, b, sizeof b));
    if (s->hs.ch.seen) {
        const struct tls_hello *h = &s->hs.ch;
        fprintf(f, ",\"client_hello\":{\"pkt\":%" PRIu64 ",\"legacy_version\":", h->pkt);
        str(f, tls_version_name(h->legacy_version, b, sizeof b));
        versions(f, h);
        wire_str(f, "sni", h->has_sni, h->sni, 0);
        if (h->has_alpn)
            wire_list(f, "alpn", h->alpn);
        else
            fputs(",\"alpn\":null", f);
        fprintf(f, ",\"alpn_http11\":%s,\"cipher_suites\":%u,\"fallback_scsv\":%s}",
                h->alpn_http11 ? "true" : "false", h->n_suites,
                h->fallback_scsv ? "true" : "false");
    } else {
        fputs(",\"client_hello\":null", f);
    }
    if (s->hs.sh.seen) {
        const struct tls_hello *h = &s->hs.sh;
        fprintf(f, ",\"server_hello\":{\"pkt\":%" PRIu64 ",\"cipher_suite\":\"0x%04x\"", h->pkt,
                h->suite);
        wire_str(f, "alpn", h->has_alpn, h->alpn, 0);
        fprintf(f, ",\"hello_retry\":%s}", s->hrr_seen ? "true" : "false");
    } else {
        fputs(",\"server_hello\":null", f);
    }
    if (s->hs.cert.decoded) {
        const struct tls_cert *ce = &s->hs.cert;
        fprintf(f, ",\"certificate\":{\"pkt\":%" PRIu64, ce->pkt);
        wire_str(f, "subject", 1, ce->leaf.subject, 1);
        wire_str(f, "issuer", 1, ce->leaf.issuer, 1);
        fprintf(f, ",\"serial\":\"%s\",\"sha256\":\"%s\"", ce->leaf.serial, ce->sha256);
        iso_time(ce->leaf.not_before, t, sizeof t);
        fputs(",\"not_before\":", f);
        str(f, t);
        iso_time(ce->leaf.not_after, t, sizeof t);
        fputs(",\"not_after\":", f);
        str(f, t);
        wire_list(f, "dns", ce->leaf.san_dns);
        fprintf(f, ",\"self_signed\":%s,\"chain_len\":%u,\"days_expired\":%ld}",
                ce->leaf.self_issued ? "true" : "false", ce->chain_len, tls_cert_days_expired(ce));
    } else {
        fputs(",\"certificate\":null", f);
    }
    msgs(f, "client_messages", &s->d[TLS_C2S]);
    msgs(f, "server_messages", &s->d[TLS_S2C]);
    fprintf(f, ",\"alerts\":%" PRIu64, s->n_alerts);
    if (s->dec_status != TLS_DEC_NO_KEYS_GIVEN) /* keys were given: what they did here */
        fprintf(f, ",\"decryption\":\"%s\"", tls_decrypt_status_name(s->dec_status));
    if (s->hs.outcome == TLS_OUT_FAILED || s->hs.outcome == TLS_OUT_ABANDONED)
        fprintf(f, ",\"failure\":{\"cause\":\"%s\",\"by\":\"%s\",\"pkt\":%" PRIu64 "}}\n",
                tls_cause_name(&s->hs), wsa_side(s->hs.fail_dir), s->hs.fail_pkt);
    else
        fputs(",\"failure\":null}\n", f);
}

static void j_tls_event(struct report *r, const struct conn_view *c, const struct tls_event *ev)
{
    FILE *f = r->out;
    if (ev->type == TLS_EV_FINDING) {
        struct lb l;
        lb_init(&l, f);
        lb_head(&l, r, "finding", NULL, c, ev->pkt, &r->now_ns);
        if (ev->dir >= 0)
            lb_kv(&l, "dir", ev->dir == TLS_C2S ? "c2s" : "s2c");
        finding_body(&l, ev->finding, ev->detail);
        LB_LIT(&l, "}\n");
        lb_flush(&l);
        return;
    }
    if (ev->type == TLS_EV_SUMMARY) {
        j_tls_summary(r, c, ev->s, ev->pkt);
        return;
    }
    const struct tls_alert_rec *a = ev->alert;
    head(r, "alert", NULL, c, a->pkt, &r->now_ns);
    fprintf(f, ",\"dir\":\"%s\",\"sender\":\"%s\",\"kind\":\"%s\"",
            a->dir == TLS_C2S ? "c2s" : "s2c", wsa_side(a->dir),
            tls_alert_kind_name(a->kind));
    if (a->kind == TLS_AK_PLAIN || a->kind == TLS_AK_DECRYPTED) {
        const struct tls_alert_info *ai = tls_alert_lookup(a->desc);
        fprintf(f, ",\"level\":%u,\"level_name\":\"%s\",\"desc\":%u,\"name\":", a->level,
                a->level == TLS_LEVEL_FATAL   ? "fatal"
                : a->level == TLS_LEVEL_WARNING ? "warning"
                                : "unknown",
                a->desc);
        str(f, ai->name);
        fprintf(f, ",\"class\":\"%s\"", tls_alert_class_name(ai->cls));
    } else {
        fputs(",\"level\":null,\"level_name\":null,\"desc\":null,\"name\":null", f);
        fprintf(f, ",\"likely\":\"%s\"",
                a->in_handshake ? "handshake_failure_alert" : "close_notify");
    }
    fprintf(f, ",\"record_len\":%u,\"during_handshake\":%s}\n", a->record_len,
            a->in_handshake ? "true" : "false");
}

static void j_keylog(struct report *r, const char *source, const char *kind, size_t secrets,
                     size_t randoms, unsigned long bad)
{
    fputs("{\"type\":\"keylog\",\"source\":", r->out);
    str(r->out, source);
    fprintf(r->out, ",\"kind\":\"%s\",\"secrets\":%zu,\"connections\":%zu,\"bad_lines\":%lu}\n",
            kind, secrets, randoms, bad);
}

static void j_finding(struct report *r, const struct conn_view *c, const char *file, uint64_t pkt,
                      enum wsa_finding_id id, const char *detail)
{
    struct lb l;
    lb_init(&l, r->out);
    lb_head(&l, r, "finding", file, c, pkt, &r->now_ns);
    finding_body(&l, id, detail);
    LB_LIT(&l, "}\n");
    lb_flush(&l);
}

static void j_error(struct report *r, const char *file, uint64_t pkt, const char *msg, int fatal)
{
    struct lb l;
    lb_init(&l, r->out);
    lb_head(&l, r, "error", file, NULL, pkt, pkt ? &r->now_ns : NULL);
    LB_LIT(&l, ",\"fatal\":");
    lb_bool(&l, fatal);
    LB_LIT(&l, ",\"message\":");
    lb_jstr(&l, msg);
    LB_LIT(&l, "}\n");
    lb_flush(&l);
}

static void j_summary(struct report *r)
{
    FILE *f = r->out;
    fprintf(f,
            "{\"type\":\"summary\",\"files\":%" PRIu64 ",\"packets\":%" PRIu64
            ",\"tcp_packets\":%" PRIu64 ",\"flows\":%" PRIu64 ",\"ws_conns\":%" PRIu64
            ",\"frames\":%" PRIu64 ",\"closes\":%" PRIu64 ",\"errors\":%" PRIu64,
            r->files, r->packets, r->tcp_packets, r->flows, r->ws_conns, r->frames, r->closes,
            r->errors + r->fatal);
    fprintf(f, ",\"tls_conns\":%" PRIu64 ",\"tls_failed\":%" PRIu64 ",\"tls_alerts\":%" PRIu64,
            r->tls_conns, r->tls_failed, r->tls_alerts);
    fputs(",\"close_classes\":{", f);
    int first = 1;
    for (int i = 0; i < 6; i++) {
        if (!r->by_close_class[i])
            continue;
        fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
                ws_close_class_name((enum ws_close_class)i), r->by_close_class[i]);
        first = 0;
    }
    fputs("},\"findings\":{", f);
    first = 1;
    for (int i = 0; i < F_FINDING_COUNT; i++) {
        if (!r->by_finding[i])
            continue;
        fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
                wsa_finding_info((enum wsa_finding_id)i)->id, r->by_finding[i]);
        first = 0;
    }
    fprintf(f, "},\"exit\":%d}\n", report_exit_status(r));
}

/* a connection's end: one line per WebSocket or TLS connection, like Zeek's conn.log */
static const char *const end_side[2] = {"client", "server"};

/* an end record's WebSocket part: frames, messages and Close frames of each side */
static void lb_end_ws(struct lb *l, const struct end_view *e)
{
    for (int i = 0; i < 2; i++) {
        lb_key2(l, end_side[i], "_frames");
        lb_u(l, e->frames[i]);
        lb_key2(l, end_side[i], "_messages");
        lb_u(l, e->msgs[i]);
        lb_key2(l, end_side[i], "_close");
        lb_bool(l, e->closed[i]);
        lb_key2(l, end_side[i], "_close_code");
        if (e->closed[i] && e->close_code[i] >= 0)
            lb_i(l, e->close_code[i]);
        else
            LB_LIT(l, "null");
    }
    LB_LIT(l, ",\"first_close\":");
    if (e->first_close < 0)
        LB_LIT(l, "null");
    else
        lb_q(l, end_side[e->first_close ? 1 : 0]);
}

static void j_end(struct report *r, const struct conn_view *c, const struct end_view *e)
{
    struct lb l;
    lb_init(&l, r->out);
    lb_head(&l, r, "end", NULL, c, e->pkt, &r->now_ns);
    lb_endpoints(&l, c);
    uint64_t dur = e->end_ns > c->start_ns ? e->end_ns - c->start_ns : 0;
    lb_kv(&l, "start", report_ts(r, c->start_ns));
    lb_kv(&l, "end", report_ts(r, e->end_ns));
    lb_ku(&l, "duration", dur / 1000000000u);
    char *frac = lb_reserve(&l, 10); /* .%09u */
    frac[0] = '.';
    wsa_dec_fixed(frac + 1, (uint32_t)(dur % 1000000000u), 9);
    l.n += 10;
    for (int i = 0; i < 2; i++) {
        lb_key2(&l, end_side[i], "_pkts");
        lb_u(&l, e->pkts[i]);
        lb_key2(&l, end_side[i], "_bytes");
        lb_u(&l, e->bytes[i]);
    }
    LB_LIT(&l, ",\"websocket\":");
    lb_bool(&l, e->websocket);
    if (e->websocket)
        lb_end_ws(&l, e);
    if (e->h2_streams >= 0) { /* HTTP/2: how many WebSocket streams it carried */
        LB_LIT(&l, ",\"http2\":true,\"websocket_streams\":");
        lb_i(&l, e->h2_streams);
    }
    if (e->tls)
        lb_kv(&l, "tls", e->tls);
    else
        LB_LIT(&l, ",\"tls\":null");
    lb_kv(&l, "ended", e->how);
    LB_LIT(&l, ",\"findings\":{");
    for (int s = 0; s < 4; s++) {
        if (s)
            lb_c(&l, ',');
        lb_q(&l, wsa_severity_name((enum wsa_severity)s));
        lb_c(&l, ':');
        lb_u(&l, c->by_severity ? c->by_severity[s] : 0);
    }
    LB_LIT(&l, "}}\n");
    lb_flush(&l);
}

static void j_evidence(struct report *r, const char *file, uint64_t packets, uint64_t conns,
                       const char *level, const char *const *ids, int nids)
{
    FILE *f = r->out;
    fputs("{\"type\":\"evidence\",\"file\":", f);
    str(f, file);
    fprintf(f, ",\"packets\":%" PRIu64 ",\"connections\":%" PRIu64 ",\"level\":", packets,
            conns);
    if (level)
        fprintf(f, "\"%s\"", level);
    else
        fputs("null", f);
    fputs(",\"ids\":", f);
    if (!nids)
        fputs("null", f);
    for (int i = 0; i < nids; i++) {
        fputs(i ? "," : "[", f);
        str(f, ids[i]);
    }
    fputs(nids ? "]}\n" : "}\n", f);
}

static void j_h2_frame(struct report *r, const struct conn_view *c, const struct h2_event *ev)
{
    head(r, "h2_frame", NULL, c, ev->pkt, &r->now_ns);
    fprintf(r->out,
            ",\"pkt_end\":%" PRIu64 ",\"dir\":\"%s\",\"stream\":%" PRIu32
            ",\"frame\":\"%s\",\"frame_type\":%u,\"flags\":%u,\"len\":%" PRIu32 "}\n",
            ev->pkt_end, ev->dir == WS_C2S ? "c2s" : "s2c", ev->stream,
            h2_frame_type_name(ev->ftype), ev->ftype, ev->flags, ev->len);
}

const struct out_format out_jsonl_format = {j_file,    j_conn,  j_ws_event, j_tls_event,
                                            j_finding, j_error, j_summary,  j_keylog,
                                            j_end,     j_evidence, j_h2_frame};
