/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ws_handshake.c - HTTP Upgrade parsing and checking; see ws_handshake.h. */
#include "ws_handshake.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "digest.h"
#include "finding.h"
#include "ws_frame.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" /* RFC 6455 §1.3 */

size_t ws_http_header_end(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return i + 2;
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static int is_tchar(uint8_t c)
{
    return g_ascii_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int ws_http_looks_like_request(const uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len && i < 16 && is_tchar(buf[i]) && g_ascii_isupper(buf[i]))
        i++;
    if (i == len)
        return len < 16 ? -1 : 0;
    return i > 0 && buf[i] == ' ' ? 1 : 0;
}

static struct ws_slice trim(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    return (struct ws_slice){p, n};
}

static inline int slice_ieq(struct ws_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && wsa_ascii_ieq(s.p, lit, n);
}

/* Does a comma-separated token list contain tok (ASCII case-insensitive)? */
static int list_has(struct ws_slice list, const char *tok)
{
    const char *p = list.p, *end = list.p + list.len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        struct ws_slice item = trim(p, (size_t)(stop - p));
        /* an extension item may carry ";params": compare the name only */
        const char *semi = memchr(item.p, ';', item.len);
        if (semi)
            item = trim(item.p, (size_t)(semi - item.p));
        if (slice_ieq(item, tok))
            return 1;
        p = comma ? comma + 1 : end;
    }
    return 0;
}

static int parse_version(const char *p, size_t n, int *major, int *minor)
{
    if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || !g_ascii_isdigit(p[5]) || p[6] != '.' ||
        !g_ascii_isdigit(p[7]))
        return -1;
    *major = p[5] - '0';
    *minor = p[7] - '0';
    return 0;
}

static void take_header(struct ws_http_msg *m, struct ws_slice name, struct ws_slice value)
{
    /* the headers that matter have names of eight different lengths: the length picks the
     * one name to compare */
    struct ws_slice *slot;
    unsigned *count = NULL;
    const char *want;
    switch (name.len) {
    case 4:
        want = "host", slot = &m->host;
        break;
    case 7:
        want = "upgrade", slot = &m->upgrade;
        break;
    case 10:
        want = "connection", slot = &m->connection;
        break;
    case 17:
        want = "sec-websocket-key", slot = &m->key, count = &m->n_key;
        break;
    case 20:
        want = "sec-websocket-accept", slot = &m->accept, count = &m->n_accept;
        break;
    case 21:
        want = "sec-websocket-version", slot = &m->version;
        break;
    case 22:
        want = "sec-websocket-protocol", slot = &m->protocol, count = &m->n_protocol;
        break;
    case 24:
        want = "sec-websocket-extensions", slot = &m->extensions, count = &m->n_extensions;
        break;
    default:
        return;
    }
    if (!wsa_ascii_ieq(name.p, want, name.len))
        return;
    if (count)
        (*count)++;
    if (!slot->p)
        *slot = value;
    if (slot == &m->upgrade && list_has(value, "websocket"))
        m->upgrade_is_websocket = 1;
    if (slot == &m->connection && list_has(value, "upgrade"))
        m->connection_has_upgrade = 1;
}

int ws_http_parse(const uint8_t *buf, size_t len, int is_response, struct ws_http_msg *m)
{
    const char *p = (const char *)buf, *end = p + len;
    const char *eol = memchr(p, '\n', len);
    memset(m, 0, sizeof *m);
    m->is_response = is_response;
    if (!eol)
        return -1;

    /* start line: three parts separated by single spaces (the reason phrase may hold spaces) */
    struct ws_slice line = trim(p, (size_t)(eol - p));
    const char *sp1 = memchr(line.p, ' ', line.len);
    if (!sp1)
        return -1;
    const char *rest = sp1 + 1;
    size_t rest_len = line.len - (size_t)(rest - line.p);
    const char *sp2 = memchr(rest, ' ', rest_len);
    if (is_response) {
        if (parse_version(line.p, (size_t)(sp1 - line.p), &m->http_major, &m->http_minor) < 0)
            return -1;
        size_t code_len = sp2 ? (size_t)(sp2 - rest) : rest_len;
        if (code_len != 3 || !g_ascii_isdigit(rest[0]) || !g_ascii_isdigit(rest[1]) ||
            !g_ascii_isdigit(rest[2]))
            return -1;
        m->status = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
        if (sp2)
            m->reason = (struct ws_slice){sp2 + 1, rest_len - code_len - 1};
    } else {
        if (!sp2)
            return -1;
        m->method = (struct ws_slice){line.p, (size_t)(sp1 - line.p)};
        m->target = (struct ws_slice){rest, (size_t)(sp2 - rest)};
        if (parse_version(sp2 + 1, rest_len - (size_t)(sp2 - rest) - 1, &m->http_major,
                          &m->http_minor) < 0)
            return -1;
    }

    for (p = eol + 1; p < end; p = eol + 1) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        struct ws_slice hl = trim(p, (size_t)(eol - p));
        if (hl.len == 0)
            break;
        const char *colon = memchr(hl.p, ':', hl.len);
        if (!colon)
            continue; /* not a header line; tolerated like most HTTP stacks */
        take_header(m, trim(hl.p, (size_t)(colon - hl.p)),
                    trim(colon + 1, hl.len - (size_t)(colon + 1 - hl.p)));
    }
    return 0;
}

void ws_accept_for_key(const char *key, size_t key_len, char out[29])
{
    struct ws_slice k = trim(key, key_len);
    uint8_t digest[20];
    wsa_sha1(k.p, k.len, WS_GUID, sizeof WS_GUID - 1, digest);
    wsa_base64(digest, sizeof digest, out);
}

/* RFC 6455 §4.1: the key is base64 of 16 bytes, i.e. 22 characters and "==". */
static int key_is_valid(struct ws_slice key)
{
    struct ws_slice k = trim(key.p, key.len);
    if (k.len != 24 || k.p[22] != '=' || k.p[23] != '=')
        return 0;
    for (size_t i = 0; i < 22; i++) /* the base64 alphabet (RFC 4648 §4) */
        if (!g_ascii_isalnum(k.p[i]) && k.p[i] != '+' && k.p[i] != '/')
            return 0;
    /* the last character carries 2 bits of data and 4 zero bits */
    return strchr("AQgw", k.p[21]) != NULL;
}

static void add(struct ws_handshake_result *r, int id)
{
    if (r->n_findings < sizeof r->findings / sizeof r->findings[0])
        r->findings[r->n_findings++] = id;
}

/* What the client offered for permessage-deflate (its first offer carrying the name). */
struct pmd_offer {
    int client_bits; /* client_max_window_bits was offered (with or without a value) */
    int server_bits; /* server_max_window_bits offered, 0 when absent */
};

static void pmd_offer_of(struct ws_slice ext, struct pmd_offer *o)
{
    memset(o, 0, sizeof *o);
    const char *p = ext.p, *end = ext.p ? ext.p + ext.len : NULL;
    while (p && p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        const char *semi = memchr(p, ';', (size_t)(stop - p));
        struct ws_slice nm = trim(p, (size_t)((semi ? semi : stop) - p));
        if (slice_ieq(nm, "permessage-deflate")) {
            for (const char *q = semi; q && q < stop;) {
                const char *next = memchr(q + 1, ';', (size_t)(stop - q - 1));
                const char *pe = next ? next : stop;
                const char *eq = memchr(q + 1, '=', (size_t)(pe - q - 1));
                struct ws_slice k = trim(q + 1, (size_t)((eq ? eq : pe) - q - 1));
                if (slice_ieq(k, "client_max_window_bits"))
                    o->client_bits = 1;
                else if (eq && slice_ieq(k, "server_max_window_bits"))
                    o->server_bits = atoi(eq + 1 + strspn(eq + 1, " \t\""));
                q = next;
            }
            return;
        }
        p = comma ? comma + 1 : end;
    }
}

/* The parameters of the accepted permessage-deflate element (";a;b=12" from p to end), checked
 * as RFC 7692 §7.1 says a client must: returns NULL, or what is wrong. */
static const char *pmd_params(const char *p, const char *end, const struct pmd_offer *offer,
                              struct ws_pmd_params *o)
{
    const char *problem = NULL;
    unsigned seen = 0;
    o->server_no_context = o->client_no_context = 0;
    o->server_bits = o->client_bits = 15;
    while (p && p < end) {
        const char *next = memchr(p + 1, ';', (size_t)(end - p - 1));
        const char *stop = next ? next : end;
        const char *eq = memchr(p + 1, '=', (size_t)(stop - p - 1));
        struct ws_slice k = trim(p + 1, (size_t)((eq ? eq : stop) - p - 1));
        int v = -1;
        if (eq) {
            struct ws_slice vs = trim(eq + 1, (size_t)(stop - eq - 1));
            if (vs.len >= 2 && vs.p[0] == '"' && vs.p[vs.len - 1] == '"')
                vs = trim(vs.p + 1, vs.len - 2);
            v = vs.len && vs.len <= 2 ? 0 : -1;
            for (size_t i = 0; i < vs.len && v >= 0; i++)
                v = g_ascii_isdigit(vs.p[i]) ? v * 10 + (vs.p[i] - '0') : -1;
        }
        unsigned bit;
#define IS(name) slice_ieq(k, name)
        if (IS("server_no_context_takeover")) {
            bit = 1;
            o->server_no_context = 1;
            if (eq)
                problem = "server_no_context_takeover with a value";
        } else if (IS("client_no_context_takeover")) {
            bit = 2;
            o->client_no_context = 1;
            if (eq)
                problem = "client_no_context_takeover with a value";
        } else if (IS("server_max_window_bits")) {
            bit = 4;
            if (v < 8 || v > 15)
                problem = "server_max_window_bits is not a number from 8 to 15";
            else if (offer->server_bits && v > offer->server_bits)
                problem = "server_max_window_bits larger than the client offered"; /* §7.1.2.1 */
            else
                o->server_bits = (uint8_t)v;
        } else if (IS("client_max_window_bits")) {
            bit = 8;
            if (!offer->client_bits)
                problem = "client_max_window_bits the client did not offer"; /* §7.1.2.2 */
            else if (v < 8 || v > 15)
                problem = "client_max_window_bits is not a number from 8 to 15";
            else
                o->client_bits = (uint8_t)v;
        } else {
            bit = 0;
            if (k.len)
                problem = "unknown parameter";
        }
#undef IS
        if (bit & seen)
            problem = "a parameter appears twice";
        seen |= bit;
        p = next;
    }
    return problem;
}

/* The extensions the server accepted: each must have been offered (RFC 6455 §9.1); the
 * permessage-deflate parameters are judged against the offer (RFC 7692 §7); the RSV bits they
 * define become allowed. */
static void check_extensions(const struct ws_http_msg *req, const struct ws_http_msg *resp,
                             struct ws_handshake_result *r)
{
    const char *p = resp->extensions.p, *end = p + resp->extensions.len;
    int bad = 0;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        const char *semi = memchr(p, ';', (size_t)(stop - p));
        struct ws_slice nm = trim(p, (size_t)((semi ? semi : stop) - p));
        char name[64];
        size_t n = nm.len < sizeof name - 1 ? nm.len : sizeof name - 1;
        memcpy(name, nm.p, n);
        name[n] = 0;
        if (n) {
            if (!req->extensions.p || !list_has(req->extensions, name))
                bad = 1;
            else if (g_ascii_strcasecmp(name, "permessage-deflate") == 0) {
                struct pmd_offer offer;
                pmd_offer_of(req->extensions, &offer);
                r->pmd_problem = pmd_params(semi, stop, &offer, &r->pmd_params);
                if (r->pmd_problem) /* a client fails here: not negotiated (PMD-06) */
                    add(r, F_V_PMD_PARAMS);
                else
                    r->pmd = 1, r->rsv_allowed |= WS_RSV1; /* RFC 7692 §6 */
            } else
                r->rsv_allowed |= WS_RSV_ALL; /* an extension we do not know: RSV bits not judged */
        }
        p = comma ? comma + 1 : end;
    }
    if (bad)
        add(r, F_V_EXTENSION_NOT_OFFERED);
}

void ws_handshake_check(const struct ws_http_msg *req, const struct ws_http_msg *resp,
                        struct ws_handshake_result *r)
{
    memset(r, 0, sizeof *r);
    if (!slice_ieq(req->method, "GET") || req->http_major < 1 ||
        (req->http_major == 1 && req->http_minor < 1))
        add(r, F_V_BAD_REQUEST);
    if (req->key.p && !key_is_valid(req->key))
        add(r, F_V_BAD_KEY);
    if (req->n_key > 1)
        add(r, F_W_HANDSHAKE_DUPLICATE_HEADER);
    if (resp->status != 101) {
        add(r, F_UPGRADE_REFUSED);
        return;
    }
    r->upgraded = 1;
    if (!resp->upgrade_is_websocket)
        add(r, F_V_UPGRADE_HEADER);
    if (!resp->connection_has_upgrade)
        add(r, F_V_CONNECTION_HEADER);
    if (!resp->accept.p) {
        add(r, F_V_ACCEPT_MISSING);
    } else if (req->key.p) {
        char want[29];
        ws_accept_for_key(req->key.p, req->key.len, want);
        struct ws_slice got = trim(resp->accept.p, resp->accept.len);
        r->accept_ok = got.len == strlen(want) && memcmp(got.p, want, got.len) == 0;
        if (!r->accept_ok)
            add(r, F_V_ACCEPT_MISMATCH);
    }
    if (resp->n_accept > 1 || resp->n_protocol > 1)
        add(r, F_W_HANDSHAKE_DUPLICATE_HEADER);
    ws_handshake_negotiated(req, resp, r);
}

void ws_handshake_negotiated(const struct ws_http_msg *req, const struct ws_http_msg *resp,
                             struct ws_handshake_result *r)
{
    r->protocol = resp->protocol;
    if (resp->protocol.p) {
        char name[128];
        struct ws_slice sp = trim(resp->protocol.p, resp->protocol.len);
        size_t n = sp.len < sizeof name - 1 ? sp.len : sizeof name - 1;
        memcpy(name, sp.p, n);
        name[n] = 0;
        if (!req->protocol.p || !list_has(req->protocol, name))
            add(r, F_V_PROTOCOL_NOT_OFFERED);
    }

    r->extensions = resp->extensions;
    if (resp->extensions.p)
        check_extensions(req, resp, r);
}

void ws_handshake_detail(int finding, const struct ws_http_msg *req, const struct ws_http_msg *resp,
                         const struct ws_handshake_result *res, char *out, size_t n)
{
    out[0] = 0;
    if (finding == F_UPGRADE_REFUSED) {
        snprintf(out, n, "status %d", resp->status);
    } else if (finding == F_V_PMD_PARAMS && res->pmd_problem) {
        snprintf(out, n, "%s", res->pmd_problem);
    } else if (finding == F_V_ACCEPT_MISMATCH) {
        char want[29];
        ws_accept_for_key(req->key.p, req->key.len, want);
        snprintf(out, n, "expected %s", want);
    }
}

int ws_upgrade_judge(struct ws_upgrade *u, const uint8_t *req, size_t req_len, const uint8_t *resp,
                     size_t resp_len)
{
    ws_http_parse(req, req_len, 0, &u->req);
    return ws_upgrade_judge_response(u, resp, resp_len);
}

int ws_upgrade_judge_response(struct ws_upgrade *u, const uint8_t *resp, size_t resp_len)
{
    if (ws_http_parse(resp, resp_len, 1, &u->resp) < 0)
        return -1;
    ws_handshake_check(&u->req, &u->resp, &u->res);
    return 0;
}

void ws_upgrade_findings(const struct ws_upgrade *u, ws_upgrade_finding_fn fn, void *ctx)
{
    for (unsigned i = 0; i < u->res.n_findings; i++) {
        int id = u->res.findings[i];
        char detail[160];
        ws_handshake_detail(id, &u->req, &u->resp, &u->res, detail, sizeof detail);
        fn(ctx, id, id == F_V_BAD_REQUEST || id == F_V_BAD_KEY, detail);
    }
}
