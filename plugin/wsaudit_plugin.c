/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wsaudit_plugin.c - Wireshark 4.0 postdissector that adds wsaudit's verdicts to Wireshark and
 * tshark, on top of Wireshark's own TCP reassembly, HTTP, WebSocket and TLS dissectors. This
 * file is the display (tree items, expert infos, statistics) and the registration; read.c reads
 * Wireshark's tree and glue.c feeds the core (plugin.h).
 *
 * Every verdict comes from core/: the raw bytes of each WebSocket frame Wireshark dissected (the
 * `websocket` item's data source), of the HTTP Upgrade request and response, and of each TLS
 * record are fed, in order, to the same ws_session / tls_session the analyzer uses.
 *
 * Passes: the core runs once, on the first pass over the file (frames in order); what it says is
 * stored per frame (file scope) and replayed on every later dissection, so the GUI's random
 * access and tshark's -2 show the same as the first pass. A verdict is shown on the frame being
 * dissected when the core produced it (a 1003 annotation waiting for the peer's bytes, or a TLS
 * 1.3 alert judged at the end of the connection, appears there and links to the packet it is
 * about), so one-pass and two-pass output are identical.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <epan/expert.h>
#include <epan/ftypes/ftypes.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>
#include <epan/wmem_scopes.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#include "plugin.h"

#ifndef WSAUDIT_VERSION
#define WSAUDIT_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = WSAUDIT_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);

static int proto_wsaudit = -1;
static int hf_close_code = -1, hf_close_class = -1, hf_close_illegal = -1, hf_close_reason = -1;
static int hf_unsup_opcode = -1, hf_unsup_frame = -1, hf_unsup_status = -1;
static int hf_tls_alert = -1, hf_tls_alert_sender = -1, hf_tls_alert_kind = -1;
static int hf_tls_failed = -1, hf_tls_outcome = -1, hf_tls_summary = -1;
static int hf_finding = -1, hf_finding_detail = -1, hf_ref_frame = -1, hf_ref_end = -1;
static int hf_cause = -1, hf_evidence = -1, hf_fix = -1, hf_note = -1, hf_more = -1;
static int hf_h2_stream = -1, hf_h2_request = -1, hf_h2_frame = -1, hf_h2_opcode = -1,
           hf_h2_len = -1, hf_h2_fin = -1, hf_h2_dir = -1;
static int hf_status = -1, hf_client_saw = -1, hf_server_saw = -1, hf_closing_handshake = -1,
           hf_ended_by = -1, hf_ended_frame = -1, hf_end_how = -1;
static gint ett_wsaudit = -1, ett_finding = -1, ett_text = -1;
static expert_field ei_findings[F_FINDING_COUNT];
static int wsaudit_tap = -1;
static dissector_handle_t wsaudit_handle;

/* ---- showing it ---- */

/* Every wsaudit item is computed, not bytes of the packet: marked generated, as Wireshark's own
 * analysis items are (shown in [brackets]) */
static proto_item *gen(proto_item *pi)
{
    proto_item_set_generated(pi);
    return pi;
}

/* The two bytes of the status code of the nth Close frame with a code that Wireshark dissected
 * in this packet (in the frame's data source: the packet, reassembled or decrypted data; masked
 * as sent); 0 when there is none. */
static int close_code_bytes(proto_tree *tree, guint nth, tvbuff_t **ds, gint *at)
{
    GPtrArray *a = tree ? finfos(tree, &f_ws) : NULL, *found = NULL;
    /* the GUI's dissection of the selected packet does not prime the fields a postdissector
     * wants: there, look for them in the tree */
    for (int k = 0; tree && !a && k < f_ws.n; k++) {
        found = proto_find_finfo(tree, f_ws.ids[k]);
        if (found && found->len)
            a = found;
        else if (found)
            g_ptr_array_free(found, TRUE), found = NULL;
    }
    int ok = 0;
    for (guint i = 0; a && i < a->len && !ok; i++) {
        field_info *fi = g_ptr_array_index(a, i);
        struct ws_frame_hdr h;
        /* (the websocket item covers the header; the payload follows it in the data source) */
        gint avail = fi->ds_tvb ? tvb_captured_length_remaining(fi->ds_tvb, fi->start) : 0;
        gint n = MIN(avail, 14);
        if (n < 2 || ws_frame_header(tvb_get_ptr(fi->ds_tvb, fi->start, n), (size_t)n, &h) != 1 ||
            h.opcode != 8 || h.len < 2 || avail < (gint)h.hdr_len + 2)
            continue;
        if (nth-- == 0) {
            *ds = fi->ds_tvb;
            *at = fi->start + h.hdr_len;
            ok = 1;
        }
    }
    if (found)
        g_ptr_array_free(found, TRUE);
    return ok;
}

/* ---- readable where Wireshark shows it: no label past its 240-character limit ---- */

/* what a label may hold: Wireshark cuts at ITEM_LABEL_LENGTH (240 with the NUL); an expert
 * info's summary is shown after "Expert Info (Warning/Response code): " (38 characters) */
#define LABEL_ROOM 225
#define EXPERT_ROOM 195

/* Where to cut text so that at most room bytes come first: after the last space within room
 * (else at a UTF-8 character boundary). */
static size_t cut_at(const char *text, size_t room)
{
    size_t n = strlen(text);
    if (n <= room)
        return n;
    size_t at = room;
    while (at > room / 2 && text[at] != ' ')
        at--;
    if (text[at] != ' ') {
        at = room;
        while (at > 0 && ((unsigned char)text[at] & 0xC0) == 0x80)
            at--;
    }
    return at;
}

/* A string field whose text may be long: the item holds the whole text (filters and exports see
 * it all); its label shows what fits, and the rest follows as "continued" child items, each
 * under the limit. */
static proto_item *add_text(proto_tree *tree, int hf, tvbuff_t *tvb, const char *text)
{
    const char *name = proto_registrar_get_name(hf);
    size_t first = cut_at(text, LABEL_ROOM - strlen(name));
    if (!text[first])
        return gen(proto_tree_add_string(tree, hf, tvb, 0, 0, text));
    proto_item *pi = gen(proto_tree_add_string_format(tree, hf, tvb, 0, 0, text, "%s: %.*s ...",
                                                      name, (int)first, text));
    proto_tree *sub = proto_item_add_subtree(pi, ett_text);
    for (const char *rest = text + first; *rest;) {
        while (*rest == ' ')
            rest++;
        size_t n = cut_at(rest, LABEL_ROOM);
        if (!n)
            break;
        gen(proto_tree_add_string_format(sub, hf_more, tvb, 0, 0, "", "... %.*s", (int)n, rest));
        rest += n;
    }
    return pi;
}

/* Expert groups as Wireshark's own dissectors choose them: a bad field value or framing is
 * Malformed, bytes or messages in the wrong order Sequence, a certificate or TLS failure
 * Security, a status the application reported Response code, missing keys Decryption, partial
 * analysis Undecoded; the rest is Protocol. */
static int expert_group(enum wsa_finding_id id)
{
    switch (id) {
    case F_CLOSE_BAD_PAYLOAD:
    case F_V_C2S_UNMASKED:
    case F_V_S2C_MASKED:
    case F_V_RSV_BITS:
    case F_V_RESERVED_OPCODE:
    case F_V_CONTROL_TOO_LONG:
    case F_V_CONTROL_FRAGMENTED:
    case F_V_LENGTH_MSB_SET:
    case F_V_NONMINIMAL_LENGTH:
    case F_V_INVALID_UTF8:
    case F_V_BAD_DEFLATE:
    case F_TLS_V_ALERT_RECORD_LENGTH:
    case F_TLS_V_ALERT_LEVEL:
    case F_TLS_V_RECORD_OVERFLOW:
    case F_TLS_V_LEGACY_VERSION:
        return PI_MALFORMED;
    case F_V_CONTINUATION_WITHOUT_START:
    case F_V_INTERLEAVED_DATA:
    case F_V_DATA_AFTER_CLOSE:
    case F_V_PONG_MISMATCH:
    case F_W_CONTROL_AFTER_CLOSE:
    case F_CLOSE_UNANSWERED:
    case F_TLS_V_DATA_AFTER_FATAL:
    case F_W_STREAM_OVERLAP_CONFLICT:
        return PI_SEQUENCE;
    case F_TLS_HANDSHAKE_FAILURE:
    case F_TLS_CERT_EXPIRED:
    case F_TLS_REJECTED_AFTER_HANDSHAKE:
    case F_TLS_SSLV2_HELLO:
    case F_TLS_PLAINTEXT_TO_TLS:
        return PI_SECURITY;
    case F_CLOSE_UNSUPPORTED_DATA:
    case F_UPGRADE_REFUSED:
    case F_CLOSE_ABNORMAL:
        return PI_RESPONSE_CODE;
    case F_TLS_KEYS_MISSING:
    case F_D_TLS_DECRYPT_FAILED:
        return PI_DECRYPTION;
    default:
        return wsa_finding_info(id)->severity == WSA_SEV_DEGRADED ? PI_UNDECODED : PI_PROTOCOL;
    }
}

/* The cause as an expert summary of at most room bytes: whole when it fits; else without its
 * parenthesised asides (which the tree shows); else up to its last clause (": ", "; ", ", ")
 * that fits, followed by " ...". out holds room + 5 bytes. */
static void summary_of(const char *cause, size_t room, char *out)
{
    if (strlen(cause) <= room) {
        strcpy(out, cause);
        return;
    }
    size_t n = 0;
    int depth = 0, quoted = 0;
    for (const char *p = cause; *p; p++) {
        if (*p == '"' && !depth)
            quoted = !quoted;
        if (!quoted && *p == '(') {
            if (!depth++ && n && out[n - 1] == ' ')
                n--; /* the space before the aside goes with it */
            continue;
        }
        if (!quoted && *p == ')' && depth) {
            depth--;
            continue;
        }
        if (depth)
            continue;
        if (n == room + 4)
            break;
        out[n++] = *p;
    }
    out[n] = 0;
    if (n <= room)
        return;
    size_t cut = 0;
    for (size_t i = 0; i + 1 < n && i <= room; i++)
        if ((out[i] == ':' || out[i] == ';' || out[i] == ',') && out[i + 1] == ' ')
            cut = i;
    if (!cut)
        cut = cut_at(out, room);
    strcpy(out + cut, " ...");
}

/* A finding in the tree: the id and title on one line; the cause, the evidence, the fix and a
 * note as child items (each readable whole); the analyzer's whole detail text as a hidden field
 * (wsaudit.finding.detail, for filters and exports). The expert info's summary is the cause. */
static proto_item *finding_tree(proto_tree *t, tvbuff_t *tvb, packet_info *pinfo,
                                const struct wa_item *it, int close_code, proto_tree **ft_out)
{
    const struct wsa_finding_info *fi = wsa_finding_info((enum wsa_finding_id)it->finding);
    proto_item *fitem = gen(proto_tree_add_string_format_value(
        t, hf_finding, tvb, 0, 0, fi->id, "%s: %s%s%s%s", fi->id, fi->title,
        fi->reference ? " [" : "", fi->reference ? fi->reference : "", fi->reference ? "]" : ""));
    proto_tree *ft = proto_item_add_subtree(fitem, ett_finding);
    struct wsa_detail_parts parts = {"", "", "", {NULL}, 0};
    char *buf = NULL;
    if (it->text && *it->text) {
        buf = wmem_alloc(pinfo->pool, strlen(it->text) + 1);
        wsa_detail_split(it->text, buf, &parts);
        /* a finding about a Close's code: what the code means and what fixes it, from the
         * close code registry (as `wsaudit explain CODE` says them) */
        if (close_code >= 0 && !*parts.fix &&
            (it->finding == F_CLOSE_RESERVED_CODE || it->finding == F_CLOSE_INVALID_CODE ||
             it->finding == F_CLOSE_UNDEFINED_CODE || it->finding == F_CLOSE_UNSUPPORTED_DATA)) {
            const struct ws_close_info *ci = ws_close_lookup((uint16_t)close_code);
            parts.fix = ci->hint;
            if (!parts.nnotes)
                parts.note[parts.nnotes++] = ci->meaning;
        }
        if (*parts.cause)
            add_text(ft, hf_cause, tvb, parts.cause);
        if (*parts.evidence)
            add_text(ft, hf_evidence, tvb, parts.evidence);
        if (*parts.fix)
            add_text(ft, hf_fix, tvb, parts.fix);
        for (int k = 0; k < parts.nnotes; k++)
            add_text(ft, hf_note, tvb, parts.note[k]);
        proto_item_set_hidden(gen(proto_tree_add_string(ft, hf_finding_detail, tvb, 0, 0,
                                                        it->text)));
    }
    /* the summary a user scans in Expert Information: the id, then the cause */
    const char *cause = *parts.cause ? parts.cause : fi->title;
    size_t room = EXPERT_ROOM - strlen(fi->id) - 6;
    char *sum = wmem_alloc(pinfo->pool, room + 5);
    summary_of(cause, room, sum);
    expert_add_info_format(pinfo, fitem, &ei_findings[it->finding], "%s: %s", fi->id, sum);
    *ft_out = ft;
    return fitem;
}

/* as Wireshark's own websocket.opcode shows them (BASE_DEC, so -T ek gives a number) */
static const value_string ws_opcode_vals[] = {{0, "Continuation"}, {1, "Text"},
                                              {2, "Binary"},       {8, "Connection Close"},
                                              {9, "Ping"},         {10, "Pong"},
                                              {0, NULL}};

static const value_string alert_kind_vals[] = {{TLS_AK_PLAIN, "plaintext"},
                                               {TLS_AK_ENCRYPTED, "encrypted"},
                                               {TLS_AK_PROBABLE, "probable_encrypted"},
                                               {TLS_AK_DECRYPTED, "decrypted"},
                                               {0, NULL}};

/* RFC 6455 §7.1.5: the close status each side's application saw when the connection ended */
static void status_tree(proto_tree *t, tvbuff_t *tvb, const struct wa_item *it)
{
    static const char *const how[] = {"capture_end", "fin", "rst"};
    proto_item *si = gen(proto_tree_add_none_format(t, hf_status, tvb, 0, 0, "Connection status:"));
    proto_tree *st = proto_item_add_subtree(si, ett_finding);
    for (int side = 0; side < 2; side++) {
        int hf = side ? hf_server_saw : hf_client_saw;
        const char *who = wsa_side(side);
        if (it->saw[side] >= 0) {
            const struct ws_close_info *ci = ws_close_lookup((uint16_t)it->saw[side]);
            gen(proto_tree_add_uint_format_value(st, hf, tvb, 0, 0, (guint32)it->saw[side],
                                             "%d (%s)", it->saw[side], ci->name));
            proto_item_append_text(si, "%s %s saw %d (%s)", side ? "," : "", who, it->saw[side],
                                   ci->name);
        } else {
            proto_item_append_text(si, "%s %s saw unknown", side ? "," : "", who);
        }
    }
    gen(proto_tree_add_boolean(st, hf_closing_handshake, tvb, 0, 0, it->handshake_complete));
    if (it->ended_by >= 0) {
        gen(proto_tree_add_string(st, hf_ended_by, tvb, 0, 0,
                              wsa_side(it->ended_by)));
        gen(proto_tree_add_uint(st, hf_ended_frame, tvb, 0, 0, it->ref_frame));
    }
    gen(proto_tree_add_string(st, hf_end_how, tvb, 0, 0, how[it->how < 3 ? it->how : 0]));
}

/* A Close frame's code; its own bytes are highlighted when the Close is in this packet (the
 * index-th Close of the packet in Wireshark's tree). */
static void show_close(proto_tree *t, proto_tree *tree, tvbuff_t *tvb, const struct wa_item *it,
                       guint index)
{
    const struct ws_close_info *ci = ws_close_lookup(it->code);
    tvbuff_t *ds = NULL;
    gint at = 0;
    if (close_code_bytes(tree, index, &ds, &at))
        proto_tree_add_uint_format_value(t, hf_close_code, ds, at, 2, it->code, "%u (%s)", it->code,
                                         ci->name);
    else
        gen(proto_tree_add_uint_format_value(t, hf_close_code, tvb, 0, 0, it->code, "%u (%s)",
                                             it->code, ci->name));
    gen(proto_tree_add_string(t, hf_close_class, tvb, 0, 0, ws_close_class_name(ci->cls)));
    if (ci->finding == F_CLOSE_RESERVED_CODE || ci->finding == F_CLOSE_INVALID_CODE)
        gen(proto_tree_add_boolean(t, hf_close_illegal, tvb, 0, 0, TRUE));
    if (it->text)
        add_text(t, hf_close_reason, tvb, it->text);
}

static void show_alert(proto_tree *t, tvbuff_t *tvb, packet_info *pinfo, const struct wa_item *it)
{
    int readable = it->alert_kind == TLS_AK_PLAIN || it->alert_kind == TLS_AK_DECRYPTED;
    const char *name = readable ? tls_alert_lookup(it->alert_desc)->name
                                : val_to_str_const(it->alert_kind, alert_kind_vals, "?");
    proto_item *ai;
    if (readable)
        ai = gen(proto_tree_add_uint_format_value(t, hf_tls_alert, tvb, 0, 0, it->alert_desc,
                                                  "%s (%u)", name, it->alert_desc));
    else
        ai = gen(proto_tree_add_string(t, hf_tls_alert_kind, tvb, 0, 0, name));
    proto_item_append_text(ai, " from the %s", wsa_side(it->alert_sender));
    gen(proto_tree_add_string(t, hf_tls_alert_sender, tvb, 0, 0,
                              wsa_side(it->alert_sender)));
    if (it->ref_frame != pinfo->num)
        gen(proto_tree_add_uint(t, hf_ref_frame, tvb, 0, 0, it->ref_frame));
    col_append_fstr(pinfo->cinfo, COL_INFO, " [wsaudit: TLS alert %s]", name);
}

/* A finding, with the 1003 annotation's offending message or the packet it refers to. */
static void show_finding(proto_tree *t, tvbuff_t *tvb, packet_info *pinfo, const struct wa_item *it,
                         int close_code)
{
    const struct wsa_finding_info *fi = wsa_finding_info((enum wsa_finding_id)it->finding);
    proto_tree *ft;
    finding_tree(t, tvb, pinfo, it, close_code, &ft);
    if (it->unsup_status) {
        /* the message, when one was found (also for "unknown": the last one seen) */
        if (it->unsup_status == WS_UNSUP_OBSERVED + 1 ||
            (it->unsup_status == WS_UNSUP_UNKNOWN + 1 && it->ref_frame)) {
            gen(proto_tree_add_uint_format_value(
                ft, hf_unsup_opcode, tvb, 0, 0, it->opcode, "%s (%u)",
                val_to_str_const(it->opcode, ws_opcode_vals, "Reserved"), it->opcode));
            gen(proto_tree_add_uint(ft, hf_unsup_frame, tvb, 0, 0, it->ref_frame));
        }
        /* (unsup_status is the core's status + 1, 0 meaning none) */
        gen(proto_tree_add_string(ft, hf_unsup_status, tvb, 0, 0,
                                  ws_unsup_status_name(it->unsup_status - 1)));
    } else if (it->ref_frame && it->ref_frame != pinfo->num) {
        gen(proto_tree_add_uint(ft, hf_ref_frame, tvb, 0, 0, it->ref_frame));
    }
    if (it->ref_end > it->ref_frame && it->unsup_status != WS_UNSUP_REPLY + 1)
        /* a frame (or the 1003's offending message) spread over packets: where it ended */
        gen(proto_tree_add_uint(ft, hf_ref_end, tvb, 0, 0, it->ref_end));
    if (it->finding == F_TLS_HANDSHAKE_FAILURE)
        gen(proto_tree_add_boolean(ft, hf_tls_failed, tvb, 0, 0, TRUE));
    col_append_fstr(pinfo->cinfo, COL_INFO, " [wsaudit: %s]", fi->id);
}

/* a WebSocket frame inside an HTTP/2 stream, as Wireshark's own WebSocket tree would list it */
static void show_h2_frame(proto_tree *t, tvbuff_t *tvb, packet_info *pinfo,
                          const struct wa_item *it)
{
    const char *op = val_to_str_const(it->opcode, ws_opcode_vals, "Reserved");
    proto_item *fi = gen(proto_tree_add_none_format(
        t, hf_h2_frame, tvb, 0, 0, "WebSocket frame: %s%s, %" PRIu64 " bytes, %s", op,
        it->frame_fin ? "" : " (not FIN)", it->frame_len,
        it->frame_dir == WS_C2S ? "client to server" : "server to client"));
    proto_tree *ft = proto_item_add_subtree(fi, ett_finding);
    gen(proto_tree_add_uint(ft, hf_h2_opcode, tvb, 0, 0, it->opcode));
    gen(proto_tree_add_boolean(ft, hf_h2_fin, tvb, 0, 0, it->frame_fin));
    gen(proto_tree_add_uint64(ft, hf_h2_len, tvb, 0, 0, it->frame_len));
    gen(proto_tree_add_string(ft, hf_h2_dir, tvb, 0, 0,
                              it->frame_dir == WS_C2S ? "c2s" : "s2c"));
    if (it->ref_frame != pinfo->num)
        gen(proto_tree_add_uint(ft, hf_ref_frame, tvb, 0, 0, it->ref_frame));
}

static int dissect_wsaudit(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    (void)data;
    if (!PINFO_FD_VISITED(pinfo))
        first_pass(pinfo, tree);
    wmem_array_t *a = wmem_map_lookup(frame_results, GUINT_TO_POINTER(pinfo->num));
    if (!a)
        return 0;
    proto_item *ti = gen(proto_tree_add_item(tree, proto_wsaudit, tvb, 0, 0, ENC_NA));
    proto_tree *t = proto_item_add_subtree(ti, ett_wsaudit);
    guint n = wmem_array_get_count(a), closes_seen = 0;
    uint32_t shown_stream = 0;
    int close_code = -1; /* the code of this packet's Close, for the findings about it */
    for (guint i = 0; i < n; i++) {
        const struct wa_item *it = wmem_array_index(a, i);
        if (it->h2_stream && it->h2_stream != shown_stream) {
            /* the HTTP/2 stream of what follows (RFC 8441), once per run of items */
            shown_stream = it->h2_stream;
            gen(proto_tree_add_uint(t, hf_h2_stream, tvb, 0, 0, it->h2_stream));
        }
        switch (it->kind) {
        case WA_H2_OPEN:
            add_text(t, hf_h2_request, tvb, it->text);
            break;
        case WA_H2_FRAME:
            show_h2_frame(t, tvb, pinfo, it);
            break;
        case WA_CLOSE:
            if (it->has_code) {
                close_code = it->code;
                show_close(t, tree, tvb, it, closes_seen++);
            }
            break;
        case WA_ALERT:
            show_alert(t, tvb, pinfo, it);
            break;
        case WA_STATUS:
            status_tree(t, tvb, it);
            break;
        case WA_TLS:
            add_text(t, hf_tls_summary, tvb, it->text);
            gen(proto_tree_add_string(t, hf_tls_outcome, tvb, 0, 0,
                                      tls_outcome_name((enum tls_outcome)it->tls_outcome)));
            break;
        case WA_FINDING:
            show_finding(t, tvb, pinfo, it, close_code);
            break;
        }
    }
    tap_queue_packet(wsaudit_tap, pinfo, a);
    return (int)tvb_captured_length(tvb);
}

/* ---- statistics: tshark -z wsaudit,tree ---- */

static int st_closes = -1, st_findings = -1, st_alerts = -1;

static void st_init(stats_tree *st)
{
    st_closes = stats_tree_create_node(st, "Close codes by class", 0, STAT_DT_INT, TRUE);
    st_findings = stats_tree_create_node(st, "Findings by id", 0, STAT_DT_INT, TRUE);
    st_alerts = stats_tree_create_node(st, "TLS alerts", 0, STAT_DT_INT, TRUE);
}

static tap_packet_status st_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt,
                                   const void *p, tap_flags_t flags)
{
    (void)pinfo;
    (void)edt;
    (void)flags;
    wmem_array_t *a = (wmem_array_t *)p;
    guint n = wmem_array_get_count(a);
    for (guint i = 0; i < n; i++) {
        const struct wa_item *it = wmem_array_index(a, i);
        if (it->kind == WA_CLOSE && it->has_code) {
            /* per class, and within it per code ("1003 Unsupported Data") */
            char code[64];
            snprintf(code, sizeof code, "%u %s", it->code, ws_close_lookup(it->code)->name);
            tick_stat_node(st, "Close codes by class", 0, TRUE);
            int cls = tick_stat_node(st, ws_close_class_name((enum ws_close_class)it->code_cls),
                                     st_closes, TRUE);
            tick_stat_node(st, code, cls, FALSE);
        } else if (it->kind == WA_FINDING) {
            tick_stat_node(st, "Findings by id", 0, TRUE);
            tick_stat_node(st, wsa_finding_info((enum wsa_finding_id)it->finding)->id, st_findings,
                           FALSE);
        } else if (it->kind == WA_ALERT) {
            tick_stat_node(st, "TLS alerts", 0, TRUE);
            tick_stat_node(st,
                           (it->alert_kind == TLS_AK_PLAIN || it->alert_kind == TLS_AK_DECRYPTED)
                               ? tls_alert_lookup(it->alert_desc)->name
                               : val_to_str_const(it->alert_kind, alert_kind_vals, "?"),
                           st_alerts, FALSE);
        }
    }
    return TAP_PACKET_REDRAW;
}

/* ---- registration ---- */

/* One expert info per finding, named wsaudit.finding.<id>, in the finding's expert group. */
static void register_experts(void)
{
    /* Wireshark keeps pointers to these: static */
    static ei_register_info ei[F_FINDING_COUNT];
    static char names[F_FINDING_COUNT][80];
    /* findings only the analyzer's own capture reading, TCP reassembly and HTTP/2 check can
     * raise (Wireshark reports those conditions with its own expert infos): not registered, so
     * they do not show in the filter completion as if the plugin could raise them */
    static const enum wsa_finding_id analyzer_only[] = {
        F_V_EARLY_DATA,    F_D_HANDSHAKE_TOO_LARGE, F_D_STREAM_GAP,        F_D_STREAM_MEMCAP,
        F_W_STREAM_OVERLAP_CONFLICT, F_D_CAPTURE_TRUNCATED, F_D_PACKET_MALFORMED,
        F_D_IP_FRAGMENT,   F_W_IP_FRAGMENT_OVERLAP, F_D_FLOW_MEMCAP,       F_D_H2_STOPPED};
    int nei = 0;
    for (int i = 0; i < F_FINDING_COUNT; i++) {
        const struct wsa_finding_info *fi = wsa_finding_info((enum wsa_finding_id)i);
        int skip = 0;
        for (size_t k = 0; k < array_length(analyzer_only); k++)
            skip |= analyzer_only[k] == (enum wsa_finding_id)i;
        ei_findings[i] = (expert_field)EI_INIT;
        if (skip)
            continue;
        static const int sev[] = {PI_NOTE, PI_WARN, PI_ERROR, PI_WARN};
        /* one scheme: fields are wsaudit.<what>.<attribute>; a finding is the wsaudit.finding
         * field, and its expert info wsaudit.finding.<its id> */
        snprintf(names[i], sizeof names[i], "wsaudit.finding.%s", fi->id);
        ei_register_info r = {&ei_findings[i],
                              {names[i], expert_group((enum wsa_finding_id)i), sev[fi->severity],
                               fi->title, EXPFILL}};
        ei[nei++] = r;
    }
    expert_module_t *em = expert_register_protocol(proto_wsaudit);
    expert_register_field_array(em, ei, nei);
}

/* The hf table is the list of filter fields, one entry each, as Wireshark registers them:
 * long because the list is. */
static void proto_register_wsaudit(void)
{
    static hf_register_info hf[] = {
        {&hf_close_code,
         {"Close status code", "wsaudit.close.code", FT_UINT16, BASE_DEC, NULL, 0,
          "The status code of a Close frame (RFC 6455 §7.4), with its registry name", HFILL}},
        {&hf_close_class,
         {"Close code class", "wsaudit.close.class", FT_STRING, BASE_NONE, NULL, 0,
          "standard, registered, private, reserved, invalid or undefined", HFILL}},
        {&hf_close_reason,
         {"Close reason", "wsaudit.close.reason", FT_STRING, BASE_NONE, NULL, 0,
          "the reason text, every byte kept: control bytes, backslash and invalid UTF-8 as \\xNN",
          HFILL}},
        {&hf_close_illegal,
         {"Close code must not be sent", "wsaudit.close.illegal", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Reserved (1005, 1006, 1015, 1004) or invalid code on the wire", HFILL}},
        {&hf_unsup_opcode,
         {"Offending opcode", "wsaudit.unsupported.opcode", FT_UINT8, BASE_DEC,
          VALS(ws_opcode_vals), 0,
          "First-frame opcode of the message that provoked a 1003 close", HFILL}},
        {&hf_unsup_frame,
         {"Offending message", "wsaudit.unsupported.frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
          "Frame carrying the first frame of the message that provoked a 1003 close", HFILL}},
        {&hf_unsup_status,
         {"1003 annotation", "wsaudit.unsupported.status", FT_STRING, BASE_NONE, NULL, 0,
          "observed (the offending message was found), none_observed, unknown (a gap, a stopped "
          "direction or history exceeded) or reply (the Close answers the peer's 1003)",
          HFILL}},
        {&hf_tls_alert,
         {"TLS alert", "wsaudit.tls.alert", FT_UINT8, BASE_DEC, NULL, 0,
          "The description of a TLS alert read in plaintext or decrypted by Wireshark", HFILL}},
        {&hf_tls_alert_kind,
         {"TLS alert (encrypted)", "wsaudit.tls.alert_kind", FT_STRING, BASE_NONE, NULL, 0,
          "An alert that could not be read: encrypted, or probable_encrypted (a record the size "
          "of an encrypted alert)",
          HFILL}},
        {&hf_tls_alert_sender,
         {"TLS alert sender", "wsaudit.tls.alert_sender", FT_STRING, BASE_NONE, NULL, 0,
          "client or server", HFILL}},
        {&hf_tls_failed,
         {"TLS handshake failed (client reports 1015)", "wsaudit.tls.handshake_failed", FT_BOOLEAN,
          BASE_NONE, NULL, 0,
          "A wss:// client would report this connection as close status 1015", HFILL}},
        {&hf_tls_outcome,
         {"TLS handshake outcome", "wsaudit.tls.outcome", FT_STRING, BASE_NONE, NULL, 0,
          "completed, failed, abandoned or incomplete", HFILL}},
        {&hf_tls_summary,
         {"TLS handshake", "wsaudit.tls.summary", FT_STRING, BASE_NONE, NULL, 0,
          "Versions, server name, cipher suite and outcome of the handshake", HFILL}},
        {&hf_finding,
         {"Finding", "wsaudit.finding", FT_STRING, BASE_NONE, NULL, 0, "The analyzer's finding id",
          HFILL}},
        {&hf_finding_detail,
         {"Detail", "wsaudit.finding.detail", FT_STRING, BASE_NONE, NULL, 0,
          "The finding's specifics, the same text as the analyzer's detail (hidden in the tree, "
          "which shows it cut into cause, evidence, fix and note)",
          HFILL}},
        {&hf_cause,
         {"Cause", "wsaudit.finding.cause", FT_STRING, BASE_NONE, NULL, 0,
          "What happened: the detail's first part", HFILL}},
        {&hf_evidence,
         {"Evidence", "wsaudit.finding.evidence", FT_STRING, BASE_NONE, NULL, 0,
          "What in the capture shows it (certificate names and dates, counts, packets)", HFILL}},
        {&hf_fix,
         {"Fix", "wsaudit.finding.fix", FT_STRING, BASE_NONE, NULL, 0,
          "What to change, and on which side", HFILL}},
        {&hf_note,
         {"Note", "wsaudit.finding.note", FT_STRING, BASE_NONE, NULL, 0,
          "What else to know (e.g. that 1015 itself is never sent)", HFILL}},
        {&hf_more,
         {"Continued", "wsaudit.text_continued", FT_STRING, BASE_NONE, NULL, 0,
          "The rest of a text too long for one line of the tree (the item above holds it whole)",
          HFILL}},
        {&hf_status,
         {"Connection status", "wsaudit.status", FT_NONE, BASE_NONE, NULL, 0,
          "How the WebSocket connection ended: the close status each side's application saw",
          HFILL}},
        {&hf_client_saw,
         {"Client saw", "wsaudit.status.client_saw", FT_UINT16, BASE_DEC, NULL, 0,
          "The close status the client's application saw: the code of the Close it received, "
          "1005 when that Close had no code, 1006 when the connection ended without one; absent "
          "when the capture cannot tell",
          HFILL}},
        {&hf_server_saw,
         {"Server saw", "wsaudit.status.server_saw", FT_UINT16, BASE_DEC, NULL, 0,
          "The close status the server's application saw (as wsaudit.status.client_saw)", HFILL}},
        {&hf_closing_handshake,
         {"Closing handshake", "wsaudit.status.closing_handshake", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Both sides sent a Close", HFILL}},
        {&hf_ended_by,
         {"Ended by", "wsaudit.status.ended_by", FT_STRING, BASE_NONE, NULL, 0,
          "The side whose FIN or RST ended the TCP connection first", HFILL}},
        {&hf_ended_frame,
         {"Ended in", "wsaudit.status.ended_frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
          "The packet of that FIN or RST", HFILL}},
        {&hf_end_how,
         {"How", "wsaudit.status.how", FT_STRING, BASE_NONE, NULL, 0, "fin, rst or capture_end",
          HFILL}},
        {&hf_h2_stream,
         {"HTTP/2 stream", "wsaudit.h2.stream", FT_UINT32, BASE_DEC, NULL, 0,
          "The HTTP/2 stream (RFC 8441 extended CONNECT) that carries the WebSocket the items "
          "below are about",
          HFILL}},
        {&hf_h2_frame,
         {"WebSocket frame", "wsaudit.h2.ws", FT_NONE, BASE_NONE, NULL, 0,
          "A WebSocket frame inside an HTTP/2 stream, listed where it became complete "
          "(Wireshark does not decode WebSocket over HTTP/2)",
          HFILL}},
        {&hf_h2_opcode,
         {"Opcode", "wsaudit.h2.ws.opcode", FT_UINT8, BASE_DEC, VALS(ws_opcode_vals), 0,
          "The frame's opcode, as websocket.opcode", HFILL}},
        {&hf_h2_fin,
         {"FIN", "wsaudit.h2.ws.fin", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "The frame ends its message", HFILL}},
        {&hf_h2_len,
         {"Payload length", "wsaudit.h2.ws.len", FT_UINT64, BASE_DEC, NULL, 0,
          "The frame's payload length", HFILL}},
        {&hf_h2_dir,
         {"Direction", "wsaudit.h2.ws.dir", FT_STRING, BASE_NONE, NULL, 0,
          "c2s (client to server) or s2c", HFILL}},
        {&hf_h2_request,
         {"WebSocket over HTTP/2", "wsaudit.h2.request", FT_STRING, BASE_NONE, NULL, 0,
          "An extended CONNECT (:protocol websocket) and its answer", HFILL}},
        {&hf_ref_end,
         {"Frame completed in", "wsaudit.frame_end", FT_FRAMENUM, BASE_NONE, NULL, 0,
          "The packet in which the WebSocket frame the finding is about became complete (the "
          "finding's own frame is its first packet)",
          HFILL}},
        {&hf_ref_frame,
         {"About frame", "wsaudit.frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
          "The packet the finding or alert is about, when it is not this one", HFILL}},
    };
    static gint *ett[] = {&ett_wsaudit, &ett_finding, &ett_text};

    proto_wsaudit = proto_register_protocol("wsaudit verdicts", "wsaudit", "wsaudit");
    proto_register_field_array(proto_wsaudit, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    register_experts();
    wsaudit_tap = register_tap("wsaudit");
    register_init_routine(init_maps);
    register_cleanup_routine(cleanup_maps);
}

static void proto_reg_handoff_wsaudit(void)
{
    wsaudit_handle = create_dissector_handle(dissect_wsaudit, proto_wsaudit);
    register_postdissector(wsaudit_handle);
    GArray *wanted = g_array_new(FALSE, FALSE, sizeof(int));
    for (size_t i = 0; i < n_all_refs; i++) {
        resolve_ref(all_refs[i]);
        for (int k = 0; k < all_refs[i]->n; k++)
            g_array_append_val(wanted, all_refs[i]->ids[k]);
    }
    set_postdissector_wanted_hfids(wsaudit_handle, wanted);
}

static void register_stats(void)
{
    stats_tree_register_plugin("wsaudit", "wsaudit", "wsaudit/Close codes and findings", 0,
                               st_packet, st_init, NULL);
}

void plugin_register(void)
{
    static proto_plugin plug;
    static tap_plugin tplug;
    plug.register_protoinfo = proto_register_wsaudit;
    plug.register_handoff = proto_reg_handoff_wsaudit;
    proto_register_plugin(&plug);
    tplug.register_tap_listener = register_stats;
    tap_register_plugin(&tplug);
}
