/* SPDX-License-Identifier: GPL-2.0-or-later */
/* finding.c - the findings table; see finding.h. */
#include "finding.h"

#include <string.h>

/* One row per id, in enum order (checked by a unit test). */
static const struct wsa_finding_info findings[F_FINDING_COUNT] = {
    [F_CLOSE_RESERVED_CODE] = {"ws.close.reserved_code", WSA_SEV_ERROR,
                               "Close frame carries a status code that must never be sent",
                               "RFC 6455 §7.4.1"},
    [F_CLOSE_INVALID_CODE] = {"ws.close.invalid_code", WSA_SEV_ERROR,
                              "Close frame carries an invalid status code", "RFC 6455 §7.4.2"},
    [F_CLOSE_UNDEFINED_CODE] = {"ws.close.undefined_code", WSA_SEV_WARNING,
                                "Close status code is outside every defined range (>= 5000)",
                                "RFC 6455 §7.4.2"},
    [F_CLOSE_BAD_PAYLOAD] = {"ws.close.bad_payload", WSA_SEV_ERROR, "Malformed Close frame payload",
                             "RFC 6455 §5.5.1"},
    [F_CLOSE_UNSUPPORTED_DATA] = {"ws.close.unsupported_data", WSA_SEV_NOTE,
                                  "Close 1003 Unsupported Data: the peer sent a data type the "
                                  "closing side does not accept",
                                  "RFC 6455 §7.4.1"},
    [F_CLOSE_UNANSWERED] = {"ws.close.unanswered", WSA_SEV_WARNING,
                            "Close received but never answered with a Close before the TCP "
                            "connection ended",
                            "RFC 6455 §5.5.1"},
    [F_UPGRADE_REFUSED] = {"ws.upgrade_refused", WSA_SEV_NOTE,
                           "Server answered the WebSocket Upgrade with a status other than 101",
                           "RFC 6455 §4.1"},
    [F_V_ACCEPT_MISSING] = {"ws.violation.accept_missing", WSA_SEV_ERROR,
                            "101 response lacks Sec-WebSocket-Accept", "RFC 6455 §4.1"},
    [F_V_ACCEPT_MISMATCH] = {"ws.violation.accept_mismatch", WSA_SEV_ERROR,
                             "Sec-WebSocket-Accept does not match the client's key",
                             "RFC 6455 §4.1, §4.2.2"},
    [F_V_UPGRADE_HEADER] = {"ws.violation.upgrade_header", WSA_SEV_ERROR,
                            "Upgrade header missing or not \"websocket\"", "RFC 6455 §4.1"},
    [F_V_CONNECTION_HEADER] = {"ws.violation.connection_header", WSA_SEV_ERROR,
                               "Connection header lacks the token \"Upgrade\"", "RFC 6455 §4.1"},
    [F_V_BAD_REQUEST] = {"ws.violation.bad_request", WSA_SEV_ERROR,
                         "Opening handshake request is not GET over HTTP/1.1 or later",
                         "RFC 6455 §4.1"},
    [F_V_BAD_KEY] = {"ws.violation.bad_key", WSA_SEV_ERROR,
                     "Sec-WebSocket-Key missing or not 16 bytes in base64", "RFC 6455 §4.1"},
    [F_V_EXTENSION_NOT_OFFERED] = {"ws.violation.extension_not_offered", WSA_SEV_ERROR,
                                   "Server accepted an extension the client did not offer",
                                   "RFC 6455 §9.1"},
    [F_V_PROTOCOL_NOT_OFFERED] = {"ws.violation.protocol_not_offered", WSA_SEV_ERROR,
                                  "Server selected a subprotocol the client did not offer",
                                  "RFC 6455 §4.1"},
    [F_V_EARLY_DATA] = {"ws.violation.early_data", WSA_SEV_ERROR,
                        "Frames sent before the opening handshake completed", "RFC 6455 §4.1"},
    [F_V_C2S_UNMASKED] = {"ws.violation.c2s_unmasked", WSA_SEV_ERROR,
                          "Client-to-server frame is not masked", "RFC 6455 §5.1"},
    [F_V_S2C_MASKED] = {"ws.violation.s2c_masked", WSA_SEV_ERROR,
                        "Server-to-client frame is masked", "RFC 6455 §5.1"},
    [F_V_RSV_BITS] = {"ws.violation.rsv_bits", WSA_SEV_ERROR,
                      "RSV bits set that no negotiated extension defines", "RFC 6455 §5.2"},
    [F_V_RESERVED_OPCODE] = {"ws.violation.reserved_opcode", WSA_SEV_ERROR,
                             "Frame uses a reserved opcode", "RFC 6455 §5.2"},
    [F_V_CONTROL_TOO_LONG] = {"ws.violation.control_too_long", WSA_SEV_ERROR,
                              "Control frame payload longer than 125 bytes", "RFC 6455 §5.5"},
    [F_V_CONTROL_FRAGMENTED] = {"ws.violation.control_fragmented", WSA_SEV_ERROR,
                                "Control frame with FIN=0", "RFC 6455 §5.5"},
    [F_V_CONTINUATION_WITHOUT_START] = {"ws.violation.continuation_without_start", WSA_SEV_ERROR,
                                        "Continuation frame with no message in progress",
                                        "RFC 6455 §5.4"},
    [F_V_INTERLEAVED_DATA] = {"ws.violation.interleaved_data", WSA_SEV_ERROR,
                              "New data message started while a fragmented one is open",
                              "RFC 6455 §5.4"},
    [F_V_LENGTH_MSB_SET] = {"ws.violation.length_msb_set", WSA_SEV_ERROR,
                            "64-bit payload length with the most significant bit set",
                            "RFC 6455 §5.2"},
    [F_V_NONMINIMAL_LENGTH] = {"ws.violation.nonminimal_length", WSA_SEV_ERROR,
                               "Payload length not encoded in the minimal number of bytes",
                               "RFC 6455 §5.2"},
    [F_V_DATA_AFTER_CLOSE] = {"ws.violation.data_after_close", WSA_SEV_ERROR,
                              "Data frame sent after this endpoint sent Close", "RFC 6455 §5.5.1"},
    [F_V_INVALID_UTF8] = {"ws.violation.invalid_utf8", WSA_SEV_ERROR,
                          "Text message is not valid UTF-8", "RFC 6455 §5.6, §8.1"},
    [F_V_PONG_MISMATCH] = {"ws.violation.pong_mismatch", WSA_SEV_ERROR,
                           "Pong does not echo the payload of the Ping it answers",
                           "RFC 6455 §5.5.3"},
    [F_V_BAD_DEFLATE] = {"ws.violation.bad_deflate", WSA_SEV_ERROR,
                         "Compressed message does not inflate (corrupt DEFLATE data)",
                         "RFC 7692 §7.2.2"},
    [F_V_PMD_PARAMS] = {"ws.violation.pmd_params", WSA_SEV_ERROR,
                        "Invalid permessage-deflate parameters in the server's response (a "
                        "client must fail the connection; frames are judged as uncompressed)",
                        "RFC 7692 §7.1"},
    [F_D_INFLATE_STOPPED] = {"ws.inflate_stopped", WSA_SEV_DEGRADED,
                             "Decompression stopped for this direction; its compressed messages "
                             "are no longer checked",
                             NULL},
    [F_W_CONTROL_AFTER_CLOSE] = {"ws.control_after_close", WSA_SEV_WARNING,
                                 "Control frame sent after this endpoint sent Close",
                                 "RFC 6455 §5.5.1"},
    [F_W_HANDSHAKE_DUPLICATE_HEADER] = {"ws.handshake.duplicate_header", WSA_SEV_WARNING,
                                        "A Sec-WebSocket-* header appears more than once", NULL},
    [F_D_HANDSHAKE_TOO_LARGE] = {"ws.handshake_too_large", WSA_SEV_DEGRADED,
                                 "HTTP header block exceeds the limit; flow not followed", NULL},
    [F_D_INCOMPLETE_FRAME] = {"ws.incomplete_frame", WSA_SEV_DEGRADED,
                              "Stream ended inside a frame", NULL},
    [F_D_DIRECTION_STOPPED] = {"ws.direction_stopped", WSA_SEV_DEGRADED,
                               "Frame boundaries lost; this direction is no longer decoded", NULL},
    [F_D_STREAM_GAP] = {"stream.gap", WSA_SEV_DEGRADED,
                        "Bytes missing from the TCP stream (not captured)", NULL},
    [F_D_STREAM_MIDSTREAM] = {"stream.midstream", WSA_SEV_DEGRADED,
                              "Connection already established when the capture started", NULL},
    [F_D_STREAM_MEMCAP] = {"stream.memcap", WSA_SEV_DEGRADED,
                           "Memory limit reached: bytes skipped as a gap, or a flow finished early",
                           NULL},
    [F_W_STREAM_OVERLAP_CONFLICT] = {"stream.overlap_conflict", WSA_SEV_WARNING,
                                     "Retransmitted bytes differ from the first copy (first "
                                     "seen kept)",
                                     NULL},
    [F_D_CAPTURE_TRUNCATED] = {"capture.truncated", WSA_SEV_DEGRADED,
                               "Packet cut by the capture's snapshot length", NULL},
    [F_D_PACKET_MALFORMED] = {"capture.malformed_packet", WSA_SEV_DEGRADED,
                              "Packet headers are malformed; packet skipped", NULL},
    [F_D_IP_FRAGMENT] = {"capture.ip_fragment", WSA_SEV_DEGRADED,
                         "IP datagram incomplete: fragments missing; its bytes are missing "
                         "from the TCP stream",
                         NULL},
    [F_W_IP_FRAGMENT_OVERLAP] = {"capture.ip_fragment_overlap", WSA_SEV_WARNING,
                                 "Overlapping IP fragments carry different data (first copy "
                                 "kept)",
                                 NULL},
    [F_D_FLOW_MEMCAP] = {"capture.flow_memcap", WSA_SEV_DEGRADED,
                         "Flow table full; the least recently active flow was finished early",
                         NULL},
    [F_TLS_HANDSHAKE_FAILURE] = {"tls.handshake_failure", WSA_SEV_ERROR,
                                 "TLS handshake failed: a WebSocket client reports this "
                                 "connection as close status 1015",
                                 "RFC 6455 §7.4.1"},
    [F_TLS_ALERT_PROBABLE_ENCRYPTED] = {"tls.alert_probable_encrypted", WSA_SEV_WARNING,
                                        "Encrypted record of alert size followed by the end of "
                                        "the connection: probably a TLS 1.3 alert (description "
                                        "not visible without keys)",
                                        "RFC 8446 §5.2, §6"},
    [F_TLS_CERT_EXPIRED] = {"tls.certificate_expired", WSA_SEV_WARNING,
                            "Server certificate was outside its validity period at capture time",
                            "RFC 5280 §4.1.2.5"},
    [F_TLS_REJECTED_AFTER_HANDSHAKE] = {"tls.rejected_after_handshake", WSA_SEV_ERROR,
                                        "The client completed the TLS handshake, then closed "
                                        "without a request: it rejected the server's "
                                        "certificate (its WebSocket API reports a TLS failure)",
                                        "RFC 6455 §7.4.1"},
    [F_TLS_NOT_TLS_ANSWER] = {"tls.not_tls_answer", WSA_SEV_WARNING,
                              "Server answered a TLS ClientHello with bytes that are not TLS "
                              "(wss:// client on a plain port)",
                              NULL},
    [F_TLS_PLAINTEXT_TO_TLS] = {"tls.plaintext_to_tls_port", WSA_SEV_WARNING,
                                "Plain HTTP sent to a TLS server (it answered with a TLS record, "
                                "or said so in plain HTTP)",
                                NULL},
    [F_HTTP_NO_RESPONSE] = {"http.no_response", WSA_SEV_WARNING,
                            "Server closed the connection without answering the Upgrade request",
                            NULL},
    [F_TLS_V_ALERT_RECORD_LENGTH] = {"tls.violation.alert_record_length", WSA_SEV_ERROR,
                                     "TLS 1.3 alert record does not hold exactly one alert",
                                     "RFC 8446 §5.1"},
    [F_TLS_V_DATA_AFTER_FATAL] = {"tls.violation.data_after_fatal_alert", WSA_SEV_ERROR,
                                  "Records sent after a fatal alert", "RFC 8446 §6.2"},
    [F_TLS_V_ALERT_LEVEL] = {"tls.violation.alert_level", WSA_SEV_ERROR,
                             "TLS 1.3 error alert sent with level warning", "RFC 8446 §6"},
    [F_TLS_ALERT_UNKNOWN] = {"tls.alert_unknown", WSA_SEV_WARNING,
                             "Alert description not in the TLS alert registry", "RFC 8446 §6"},
    [F_TLS_ALERT_RETIRED] = {"tls.alert_retired", WSA_SEV_WARNING,
                             "Retired (\"_RESERVED\") alert description sent", "RFC 8446 §6"},
    [F_TLS_V_RECORD_OVERFLOW] = {"tls.violation.record_overflow", WSA_SEV_ERROR,
                                 "TLS record longer than the protocol allows",
                                 "RFC 8446 §5.1, §5.2; RFC 5246 §6.2"},
    [F_TLS_V_LEGACY_VERSION] = {"tls.violation.legacy_version", WSA_SEV_ERROR,
                                "Hello version 0x0300 (SSL 3.0) or lower",
                                "RFC 8446 App. D.5; RFC 7568 §3"},
    [F_TLS_SSLV2_HELLO] = {"tls.sslv2_hello", WSA_SEV_WARNING, "SSLv2-compatible ClientHello",
                           "RFC 8446 App. D.5; RFC 6176"},
    [F_D_TLS_STOPPED] = {"tls.direction_stopped", WSA_SEV_DEGRADED,
                         "TLS record boundaries lost; this direction is no longer decoded", NULL},
    [F_D_TLS_UNDECODED] = {"tls.undecoded", WSA_SEV_DEGRADED,
                           "A TLS handshake message could not be decoded", NULL},
    [F_TLS_KEYS_MISSING] = {"tls.keys_missing", WSA_SEV_NOTE,
                            "The key logs given lack a secret this TLS connection needs: what "
                            "it protects stays opaque",
                            NULL},
    [F_D_TLS_DECRYPT_FAILED] = {"tls.decryption_failed", WSA_SEV_DEGRADED,
                                "A TLS record did not authenticate with the logged keys (wrong "
                                "key or damaged capture); this direction is no longer decrypted",
                                "RFC 8446 §5.2; RFC 5246 §6.2.3"},
    [F_CLOSE_ABNORMAL] = {"ws.close.abnormal", WSA_SEV_WARNING,
                          "Connection ended without a closing handshake: the applications report "
                          "close status 1006",
                          "RFC 6455 §7.1.5, §7.4.1"},
    [F_H2_CONNECT_BEFORE_SETTING] = {"h2.ws.connect_before_setting", WSA_SEV_ERROR,
                                     "Extended CONNECT sent before the server allowed it "
                                     "(SETTINGS_ENABLE_CONNECT_PROTOCOL = 1)",
                                     "RFC 8441 §3, §4"},
    [F_H2_CONNECT_PSEUDO] = {"h2.ws.connect_pseudo_headers", WSA_SEV_ERROR,
                             "Extended CONNECT without :scheme or :path", "RFC 8441 §4"},
    [F_H2_WS_KEY] = {"h2.ws.sec_websocket_key", WSA_SEV_WARNING,
                     "Sec-WebSocket-Key sent over HTTP/2: extended CONNECT does not use it",
                     "RFC 8441 §5"},
    [F_H2_RESET_MID_MESSAGE] = {"h2.ws.stream_reset", WSA_SEV_WARNING,
                                "WebSocket stream reset (RST_STREAM) in the middle of a message: "
                                "the applications report close status 1006",
                                "RFC 8441 §5; RFC 6455 §7.1.5"},
    [F_H2_END_WITHOUT_CLOSE] = {"h2.ws.end_stream_without_close", WSA_SEV_WARNING,
                                "WebSocket stream ended (END_STREAM) without a Close frame",
                                "RFC 8441 §5; RFC 6455 §7.1.1"},
    [F_D_H2_STOPPED] = {"h2.stopped", WSA_SEV_DEGRADED,
                        "HTTP/2 framing or header compression lost; this direction (or these "
                        "streams) is no longer decoded",
                        "RFC 9113 §4; RFC 7541"},
};

const struct wsa_finding_info *wsa_finding_info(enum wsa_finding_id id)
{
    if ((unsigned)id >= F_FINDING_COUNT)
        return NULL;
    return &findings[id];
}

const char *wsa_severity_name(enum wsa_severity sev)
{
    switch (sev) {
    case WSA_SEV_NOTE:
        return "note";
    case WSA_SEV_WARNING:
        return "warning";
    case WSA_SEV_ERROR:
        return "error";
    case WSA_SEV_DEGRADED:
        return "degraded";
    }
    return "?";
}

int wsa_severity_parse(const char *name)
{
    static const char *const names[] = {"note", "warning", "error"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* The end of the sentence that starts at s: the ". " before a capital, a digit or a backquote
 * that is outside parentheses and quotes, or the end of the text. Returns where the next
 * sentence starts (after the space), or NULL at the end; the sentence's end is cut there. */
static char *next_sentence(char *s)
{
    int depth = 0, quoted = 0;
    for (char *p = s; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == '(')
            depth++;
        else if (!quoted && *p == ')' && depth)
            depth--;
        else if (!quoted && !depth && p[0] == '.' && p[1] == ' ' &&
                 ((p[2] >= 'A' && p[2] <= 'Z') || (p[2] >= '0' && p[2] <= '9') || p[2] == '`')) {
            p[1] = 0;
            return p + 2;
        }
    }
    return NULL;
}

/* s without its final '.', in place */
static char *unstop(char *s)
{
    size_t n = strlen(s);
    if (n && s[n - 1] == '.')
        s[n - 1] = 0;
    return s;
}

/* "... as expired (certificate subject ...; the server sent 2 certificates)": a parenthesis that
 * ends the sentence and opens well into it is the evidence for what precedes it */
static const char *trailing_account(char *cause)
{
    size_t n = strlen(cause);
    if (n < 2 || cause[n - 1] != ')')
        return "";
    int depth = 0;
    size_t i = n;
    while (i-- > 0) {
        if (cause[i] == ')')
            depth++;
        else if (cause[i] == '(' && --depth == 0)
            break;
    }
    if (depth != 0 || i == (size_t)-1 || i < 20 || cause[i - 1] != ' ')
        return "";
    cause[n - 1] = 0;
    cause[i - 1] = 0;
    return cause + i + 1;
}

void wsa_detail_split(const char *detail, char *out, struct wsa_detail_parts *p)
{
    static char empty[] = "";
    strcpy(out, detail);
    memset(p, 0, sizeof *p);
    p->cause = p->evidence = p->fix = empty;
    char *sent[16];
    int n = 0;
    for (char *s = out; s;) { /* the last slot keeps whatever remains */
        sent[n++] = s;
        s = n < 16 ? next_sentence(s) : NULL;
    }
    int first = -1, probable = -1;
    for (int i = 0; i < n; i++) {
        if (strncmp(sent[i], "Fix: ", 5) == 0 && !*p->fix)
            p->fix = sent[i] + 5;
        else if (strncmp(sent[i], "Probable cause: ", 16) == 0 && probable < 0)
            probable = i;
        else if (first < 0 && !*p->fix && *sent[i]) /* what was seen comes before the fix */
            first = i;
        else if (*sent[i])
            p->note[p->nnotes++] = sent[i];
    }
    if (probable >= 0) { /* what was seen, then what it probably means */
        p->cause = unstop(sent[probable] + 16);
        if (first >= 0)
            p->evidence = unstop(sent[first]);
    } else if (first >= 0) {
        p->cause = unstop(sent[first]);
        p->evidence = trailing_account(sent[first]);
    }
}

const char *wsa_side(int dir)
{
    return dir == 0 ? "client" : "server";
}
