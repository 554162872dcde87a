/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ws_close.c - close status code table; see ws_close.h. */
#include "ws_close.h"

#include <stddef.h>

#define NONE (-1)

/* Sorted, contiguous, covering 0..65535 (a unit test checks both). */
static const struct ws_close_info rows[] = {
    {0, 999, "Unused", WS_CLOSE_INVALID, F_CLOSE_INVALID_CODE,
     "Codes below 1000 are not used (RFC 6455 §7.4.2).",
     "The sender is broken: send a code from 1000-1014 or 3000-4999."},
    {1000, 1000, "Normal Closure", WS_CLOSE_STANDARD, NONE,
     "The purpose of the connection has been fulfilled.", "Nothing to fix."},
    {1001, 1001, "Going Away", WS_CLOSE_STANDARD, NONE,
     "An endpoint is going away: server shutting down or browser navigating away.",
     "Usually expected; reconnect if the application needs the connection."},
    {1002, 1002, "Protocol Error", WS_CLOSE_STANDARD, NONE,
     "An endpoint is terminating the connection due to a protocol error.",
     "Look for a ws.violation.* finding from the peer just before this close."},
    {1003, 1003, "Unsupported Data", WS_CLOSE_STANDARD, NONE,
     "An endpoint received a type of data it cannot accept (e.g. binary on a text-only "
     "endpoint).",
     "Fix the sender: send the opcode the other side expects (text 0x1 or binary 0x2); the "
     "ws.close.unsupported_data finding names the offending message."},
    {1004, 1004, "Reserved", WS_CLOSE_RESERVED, F_CLOSE_RESERVED_CODE,
     "Reserved; the meaning might be defined in the future (RFC 6455 §7.4.1).",
     "The sender is broken: it must not use 1004."},
    {1005, 1005, "No Status Received", WS_CLOSE_RESERVED, F_CLOSE_RESERVED_CODE,
     "Reported locally by an API when a Close frame carried no status code; MUST NOT be sent "
     "in a Close frame.",
     "The sender is broken: send a Close without a body instead of 1005."},
    {1006, 1006, "Abnormal Closure", WS_CLOSE_RESERVED, F_CLOSE_RESERVED_CODE,
     "Reported locally by an API when the connection closed without a Close frame; MUST NOT "
     "be sent in a Close frame.",
     "On the wire the sender is broken. Reported by an API: look for a TCP RST/FIN without "
     "Close in the capture."},
    {1007, 1007, "Invalid Frame Payload Data", WS_CLOSE_STANDARD, NONE,
     "Data inconsistent with the message type (e.g. non-UTF-8 in a text message).",
     "Fix the sender: text messages must be valid UTF-8."},
    {1008, 1008, "Policy Violation", WS_CLOSE_STANDARD, NONE,
     "A message violated the receiver's policy (generic).", "See the application's policy."},
    {1009, 1009, "Message Too Big", WS_CLOSE_STANDARD, NONE,
     "A message was too big for the receiver to process.",
     "Send smaller messages or raise the receiver's limit."},
    {1010, 1010, "Mandatory Extension", WS_CLOSE_STANDARD, NONE,
     "The client expected the server to negotiate an extension it did not.",
     "Enable the extension the client requires on the server."},
    {1011, 1011, "Internal Error", WS_CLOSE_STANDARD, NONE,
     "The server met an unexpected condition that prevented it from fulfilling the request.",
     "Check the server's logs."},
    {1012, 1012, "Service Restart", WS_CLOSE_STANDARD, NONE,
     "The service is restarting (IANA registry).", "Reconnect after a delay."},
    {1013, 1013, "Try Again Later", WS_CLOSE_STANDARD, NONE,
     "Temporary condition, e.g. overload (IANA registry).", "Reconnect after a delay."},
    {1014, 1014, "Bad Gateway", WS_CLOSE_STANDARD, NONE,
     "A gateway or proxy received an invalid response from upstream (IANA registry).",
     "Check the upstream server behind the proxy."},
    {1015, 1015, "TLS Handshake Failure", WS_CLOSE_RESERVED, F_CLOSE_RESERVED_CODE,
     "Reported locally by a client API when the TLS handshake of a wss:// connection failed; "
     "MUST NOT be sent in a Close frame.",
     "On the wire the sender is broken. Reported by an API: the cause is a TLS alert in the "
     "capture (expired certificate, unknown CA, version mismatch)."},
    {1016, 2999, "Unassigned", WS_CLOSE_INVALID, F_CLOSE_INVALID_CODE,
     "Reserved for RFC 6455, its revisions and extensions; not assigned (RFC 6455 §7.4.2).",
     "The sender is broken: use an assigned code or 4000-4999 for private use."},
    {3000, 3999, "Registered", WS_CLOSE_REGISTERED, NONE,
     "Reserved for libraries, frameworks and applications, registered with IANA.",
     "See the registry or the library that sent it."},
    {4000, 4999, "Private Use", WS_CLOSE_PRIVATE, NONE,
     "Private use by applications by prior agreement.", "See the application's documentation."},
    {5000, 65535, "Undefined", WS_CLOSE_UNDEFINED, F_CLOSE_UNDEFINED_CODE,
     "RFC 6455 defines nothing at or above 5000.", "The sender should use a code below 5000."},
};

const struct ws_close_info *ws_close_lookup(uint16_t code)
{
    size_t lo = 0, hi = sizeof rows / sizeof rows[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (code < rows[mid].lo)
            hi = mid;
        else if (code > rows[mid].hi)
            lo = mid + 1;
        else
            return &rows[mid];
    }
    return &rows[sizeof rows / sizeof rows[0] - 1]; /* unreachable: the table covers 0..65535 */
}

const char *ws_close_class_name(enum ws_close_class cls)
{
    static const char *const names[] = {"standard", "registered", "private",
                                        "reserved", "invalid",    "undefined"};
    return (unsigned)cls < 6 ? names[cls] : "?";
}

const struct ws_close_info *ws_close_table(unsigned *count)
{
    *count = (unsigned)(sizeof rows / sizeof rows[0]);
    return rows;
}

const char *ws_close_when(uint16_t code)
{
    switch (code) {
    case 1002:
        return "In a Close frame from the endpoint that saw a protocol violation; wsaudit shows "
               "the violation as a ws.violation.* finding on the peer's frames.";
    case 1003:
        return "In a Close frame right after the peer sent a message of a type the closer does "
               "not accept; wsaudit's ws.close.unsupported_data finding names that message, its "
               "opcode and packet.";
    case 1005:
        return "Only in an API's close event when the peer's Close frame had no status code; in "
               "a capture the Close frame simply has an empty body (wsaudit's status record says "
               "which side saw 1005).";
    case 1006:
        return "Only in an API's close event when the TCP connection ended without a Close "
               "frame; in a capture you see FIN or RST and no Close: wsaudit's ws.close.abnormal "
               "finding names who ended it, how, and what was in flight, and its status record "
               "which side saw 1006.";
    case 1015:
        return "Only in a client API's close event after the TLS handshake of a wss:// "
               "connection failed; the capture shows the TLS exchange instead, which wsaudit "
               "reports as tls.handshake_failure with the alert that caused it.";
    default:
        break;
    }
    const struct ws_close_info *ci = ws_close_lookup(code);
    switch (ci->cls) {
    case WS_CLOSE_STANDARD:
    case WS_CLOSE_REGISTERED:
    case WS_CLOSE_PRIVATE:
        return "In a Close frame, sent by the endpoint that closes the connection.";
    default:
        return "Should not be seen: an endpoint that sends it in a Close frame is broken.";
    }
}
