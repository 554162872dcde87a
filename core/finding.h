/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * finding.h - the findings vocabulary shared by the analyzer and the plugin.
 *
 * A finding has a stable id (the words tests, JSON Lines and expert infos use), a severity and a
 * one-line title. The table is the single place where ids are spelled; callers refer to rows by
 * enum so a typo cannot create a new id.
 */
#ifndef WSAUDIT_FINDING_H
#define WSAUDIT_FINDING_H

enum wsa_severity {
    WSA_SEV_NOTE = 0,
    WSA_SEV_WARNING = 1,
    WSA_SEV_ERROR = 2,
    WSA_SEV_DEGRADED = 3, /* analysis is partial here; not ranked against the others */
};

enum wsa_finding_id {
    F_CLOSE_RESERVED_CODE,
    F_CLOSE_INVALID_CODE,
    F_CLOSE_UNDEFINED_CODE,
    F_CLOSE_BAD_PAYLOAD,
    F_CLOSE_UNSUPPORTED_DATA,
    F_CLOSE_UNANSWERED,
    F_UPGRADE_REFUSED,
    F_V_ACCEPT_MISSING,
    F_V_ACCEPT_MISMATCH,
    F_V_UPGRADE_HEADER,
    F_V_CONNECTION_HEADER,
    F_V_BAD_REQUEST,
    F_V_BAD_KEY,
    F_V_EXTENSION_NOT_OFFERED,
    F_V_PROTOCOL_NOT_OFFERED,
    F_V_EARLY_DATA,
    F_V_C2S_UNMASKED,
    F_V_S2C_MASKED,
    F_V_RSV_BITS,
    F_V_RESERVED_OPCODE,
    F_V_CONTROL_TOO_LONG,
    F_V_CONTROL_FRAGMENTED,
    F_V_CONTINUATION_WITHOUT_START,
    F_V_INTERLEAVED_DATA,
    F_V_LENGTH_MSB_SET,
    F_V_NONMINIMAL_LENGTH,
    F_V_DATA_AFTER_CLOSE,
    F_V_INVALID_UTF8,
    F_V_PONG_MISMATCH,
    F_V_BAD_DEFLATE,
    F_V_PMD_PARAMS,
    F_D_INFLATE_STOPPED,
    F_W_CONTROL_AFTER_CLOSE,
    F_W_HANDSHAKE_DUPLICATE_HEADER,
    F_D_HANDSHAKE_TOO_LARGE,
    F_D_INCOMPLETE_FRAME,
    F_D_DIRECTION_STOPPED,
    F_D_STREAM_GAP,
    F_D_STREAM_MIDSTREAM,
    F_D_STREAM_MEMCAP,
    F_W_STREAM_OVERLAP_CONFLICT,
    F_D_CAPTURE_TRUNCATED,
    F_D_PACKET_MALFORMED,
    F_D_IP_FRAGMENT,
    F_W_IP_FRAGMENT_OVERLAP,
    F_D_FLOW_MEMCAP,
    F_TLS_HANDSHAKE_FAILURE,
    F_TLS_ALERT_PROBABLE_ENCRYPTED,
    F_TLS_CERT_EXPIRED,
    F_TLS_REJECTED_AFTER_HANDSHAKE,
    F_TLS_NOT_TLS_ANSWER,
    F_TLS_PLAINTEXT_TO_TLS,
    F_HTTP_NO_RESPONSE,
    F_TLS_V_ALERT_RECORD_LENGTH,
    F_TLS_V_DATA_AFTER_FATAL,
    F_TLS_V_ALERT_LEVEL,
    F_TLS_ALERT_UNKNOWN,
    F_TLS_ALERT_RETIRED,
    F_TLS_V_RECORD_OVERFLOW,
    F_TLS_V_LEGACY_VERSION,
    F_TLS_SSLV2_HELLO,
    F_D_TLS_STOPPED,
    F_D_TLS_UNDECODED,
    F_TLS_KEYS_MISSING,
    F_D_TLS_DECRYPT_FAILED,
    F_CLOSE_ABNORMAL,
    F_H2_CONNECT_BEFORE_SETTING,
    F_H2_CONNECT_PSEUDO,
    F_H2_WS_KEY,
    F_H2_RESET_MID_MESSAGE,
    F_H2_END_WITHOUT_CLOSE,
    F_D_H2_STOPPED,
    F_FINDING_COUNT
};

struct wsa_finding_info {
    const char *id; /* stable id, e.g. "ws.close.reserved_code" */
    enum wsa_severity severity;
    const char *title;     /* one line, for text output and expert infos */
    const char *reference; /* RFC section or NULL */
};

const struct wsa_finding_info *wsa_finding_info(enum wsa_finding_id id);
const char *wsa_severity_name(enum wsa_severity sev);
/* "client" for direction 0 (WS_C2S, TLS_C2S: what the client sent), "server" otherwise */
const char *wsa_side(int dir);
/* Parse "note", "warning", "error"; returns -1 when unknown. */
int wsa_severity_parse(const char *name);

/* A finding's detail cut into what a display with short lines shows as separate items
 * (Wireshark's tree). The details are written in sentences (tls_explain.c and the rest): what
 * was seen, "Probable cause: ...", "Fix: ...", and remarks. The cause is the probable cause when
 * there is one (what was seen is then the evidence), else the first sentence (a parenthesis
 * that ends it, opened well into it, being the evidence); the fix is the "Fix:" sentence; every
 * other sentence is a note. Each part points into out, which must hold strlen(detail) + 1
 * bytes; an absent part is "". Nothing is dropped but the "Fix: " and "Probable cause: "
 * labels, the sentences' final full stops and an evidence's parentheses. */
#define WSA_DETAIL_NOTES 16 /* every sentence may be one */
struct wsa_detail_parts {
    const char *cause, *evidence, *fix;
    const char *note[WSA_DETAIL_NOTES];
    int nnotes;
};
void wsa_detail_split(const char *detail, char *out, struct wsa_detail_parts *p);

#endif
