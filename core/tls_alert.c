/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_alert.c - TLS alert description table; see tls_alert.h. Values per CONFORMANCE.md §8.1,
 * cross-checked with Wireshark 4.0's tls.alert_message.desc table (identical, but Wireshark
 * also lists 1 "End of Early Data", a TLS 1.3 draft value that is not in the IANA registry, and
 * lacks 52, a DTLS 1.3 value). 117 general_error is left out until confirmed against IANA.
 */
#include "tls_alert.h"

#include <stddef.h>
#include <strings.h>

#define CERT_HINT_CLIENT "the client rejected the server's certificate chain"

static const struct tls_alert_info rows[] = {
    {0, "close_notify", TLS_ALERT_CLOSURE, "The sender will send no more data on this connection.",
     "Not an error when it follows application data."},
    {10, "unexpected_message", TLS_ALERT_ERROR, "An inappropriate message was received.",
     "Often a non-TLS peer or a protocol mix-up (e.g. plain HTTP sent to a TLS port)."},
    {20, "bad_record_mac", TLS_ALERT_ERROR, "A record could not be authenticated.",
     "Corruption in transit or a broken middlebox; also wrong keys after a bad handshake."},
    {21, "decryption_failed_RESERVED", TLS_ALERT_RETIRED,
     "Retired (TLS 1.0); must not be sent by TLS 1.1 and later.", "Upgrade the sender."},
    {22, "record_overflow", TLS_ALERT_ERROR, "A record was longer than allowed.",
     "The peer sent a record over 2^14 bytes of plaintext (or the ciphertext limit)."},
    {30, "decompression_failure_RESERVED", TLS_ALERT_RETIRED, "Retired: TLS compression is gone.",
     "Upgrade the sender."},
    {40, "handshake_failure", TLS_ALERT_ERROR,
     "No acceptable set of security parameters: no shared cipher suite, group or (GnuTLS) "
     "version.",
     "Compare both sides' versions, cipher suites and groups; enable a common one."},
    {41, "no_certificate_RESERVED", TLS_ALERT_RETIRED, "Retired (SSL 3.0).", "Upgrade the sender."},
    {42, "bad_certificate", TLS_ALERT_ERROR,
     "A certificate was corrupt or failed verification (GnuTLS uses it for every verification "
     "failure; OpenSSL for a hostname mismatch or a certificate not yet valid).",
     "Check the server's certificate: validity dates, hostname (SAN), issuer chain."},
    {43, "unsupported_certificate", TLS_ALERT_ERROR, "A certificate was of an unsupported type.",
     "Check the certificate's key type and key usage / extended key usage."},
    {44, "certificate_revoked", TLS_ALERT_ERROR, "A certificate was revoked by its signer.",
     "Issue and install a new certificate."},
    {45, "certificate_expired", TLS_ALERT_ERROR,
     "A certificate has expired or is not currently valid; " CERT_HINT_CLIENT ".",
     "Renew the server's certificate (and check the client's clock)."},
    {46, "certificate_unknown", TLS_ALERT_ERROR,
     "Some other problem with a certificate made it unacceptable.",
     "Check the certificate chain and its purpose."},
    {47, "illegal_parameter", TLS_ALERT_ERROR,
     "A handshake field was out of range or inconsistent.",
     "A peer implementation bug or an incompatible extension; compare the hellos."},
    {48, "unknown_ca", TLS_ALERT_ERROR,
     "The issuer of the certificate chain is not trusted: unknown CA, self-signed, or an "
     "intermediate missing from the chain.",
     "Install the full chain (leaf + intermediates) on the server, or add the CA to the "
     "client's trust store."},
    {49, "access_denied", TLS_ALERT_ERROR, "Valid certificate, but access control refused it.",
     "Check the server's client-certificate policy."},
    {50, "decode_error", TLS_ALERT_ERROR,
     "A message could not be decoded (GnuTLS servers also send it when a required client "
     "certificate is missing).",
     "A peer bug or a truncated message; compare with what tshark decodes."},
    {51, "decrypt_error", TLS_ALERT_ERROR,
     "A handshake cryptographic operation failed (signature or Finished check).",
     "Mismatched keys or a certificate whose signature does not verify."},
    {52, "too_many_cids_requested", TLS_ALERT_ERROR, "DTLS 1.3: too many connection IDs.",
     "Not expected over TCP."},
    {60, "export_restriction_RESERVED", TLS_ALERT_RETIRED, "Retired (export ciphers).",
     "Upgrade the sender."},
    {70, "protocol_version", TLS_ALERT_ERROR,
     "The protocol version offered is recognised but not supported: no common TLS version.",
     "Enable a TLS version both sides support (e.g. TLS 1.2 or 1.3 on both)."},
    {71, "insufficient_security", TLS_ALERT_ERROR,
     "The server requires stronger parameters than the client offered.",
     "Enable stronger cipher suites on the client."},
    {80, "internal_error", TLS_ALERT_ERROR, "An internal error unrelated to the peer.",
     "Check the sender's logs."},
    {86, "inappropriate_fallback", TLS_ALERT_ERROR,
     "A fallback retry with a lower version was refused (RFC 7507).",
     "Find why the first, higher-version attempt failed."},
    {90, "user_canceled", TLS_ALERT_CLOSURE, "The handshake was cancelled by the user.",
     "Not a protocol failure."},
    {100, "no_renegotiation_RESERVED", TLS_ALERT_RETIRED,
     "Renegotiation refused (TLS 1.2; retired in TLS 1.3).", "Do not renegotiate."},
    {109, "missing_extension", TLS_ALERT_ERROR, "A mandatory extension was missing (TLS 1.3).",
     "A peer bug or a very old TLS stack."},
    {110, "unsupported_extension", TLS_ALERT_ERROR,
     "An extension was present that the receiver did not offer.", "A peer bug."},
    {111, "certificate_unobtainable_RESERVED", TLS_ALERT_RETIRED, "Retired.",
     "Upgrade the sender."},
    {112, "unrecognized_name", TLS_ALERT_ERROR,
     "The server has no certificate for the requested SNI host name.",
     "Connect with the right host name or configure the server for it."},
    {113, "bad_certificate_status_response", TLS_ALERT_ERROR, "An invalid OCSP response.",
     "Check the server's OCSP stapling."},
    {114, "bad_certificate_hash_value_RESERVED", TLS_ALERT_RETIRED, "Retired.",
     "Upgrade the sender."},
    {115, "unknown_psk_identity", TLS_ALERT_ERROR, "No key for the offered PSK identity.",
     "Check the pre-shared key configuration."},
    {116, "certificate_required", TLS_ALERT_ERROR,
     "The server requires a client certificate and none was sent (TLS 1.3).",
     "Configure the client certificate."},
    {120, "no_application_protocol", TLS_ALERT_ERROR,
     "No ALPN protocol in common (a wss:// client offers http/1.1).",
     "Enable http/1.1 in the server's ALPN list."},
    {121, "ech_required", TLS_ALERT_ERROR,
     "The server requires Encrypted Client Hello and the client did not use it.",
     "Enable ECH on the client or relax the server's requirement."},
};

static const struct tls_alert_info unknown_row = {
    0, "unknown", TLS_ALERT_UNKNOWN, "Not in the TLS alert registry.",
    "In TLS 1.3 an unknown alert is treated as an error (RFC 8446 §6)."};

const struct tls_alert_info *tls_alert_lookup(uint8_t value)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].value == value)
            return &rows[i];
    return &unknown_row;
}

const struct tls_alert_info *tls_alert_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strcasecmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

const char *tls_alert_class_name(enum tls_alert_class cls)
{
    static const char *const names[] = {"closure", "error", "retired", "unknown"};
    return (unsigned)cls < 4 ? names[cls] : "?";
}

const struct tls_alert_info *tls_alert_table(unsigned *count)
{
    *count = (unsigned)(sizeof rows / sizeof rows[0]);
    return rows;
}

const char *tls_alert_when(uint8_t value)
{
    switch (value) {
    case 0:
        return "At the end of a connection, by each side (encrypted: after TLS 1.2's "
               "ChangeCipherSpec a 26-byte type-21 record with AES-GCM; in TLS 1.3 a 19-byte "
               "application_data record).";
    case 10:
        return "By a GnuTLS server that receives plain HTTP on its TLS port (OpenSSL servers "
               "just close).";
    case 40:
        return "By the server right after the ClientHello: no shared cipher suite or group, "
               "and from GnuTLS servers also no common version.";
    case 42:
        return "By the client after the server's Certificate: GnuTLS clients for every "
               "verification failure (TLS 1.2 in plaintext, TLS 1.3 encrypted), OpenSSL "
               "clients for a host name mismatch or a certificate not yet valid.";
    case 45:
        return "By an OpenSSL client after the server's Certificate when the certificate has "
               "expired (in plaintext even in TLS 1.3); GnuTLS clients send bad_certificate.";
    case 46:
        return "By OpenSSL for verification errors without a more specific alert.";
    case 48:
        return "By an OpenSSL client after the server's Certificate: untrusted or self-signed "
               "issuer, or an intermediate missing from the chain; GnuTLS clients send "
               "bad_certificate.";
    case 50:
        return "By a GnuTLS server when a required client certificate is missing; by OpenSSL "
               "when the peer closed in the middle of the handshake.";
    case 70:
        return "By an OpenSSL server right after a ClientHello with no version it accepts (a "
               "GnuTLS server sends handshake_failure), or by a client whose server chose a "
               "version it does not accept.";
    case 112:
        return "By a server configured to reject unknown SNI names (OpenSSL -servername_fatal, "
               "GnuTLS --sni-hostname-fatal); as a warning it does not end the handshake.";
    case 116:
        return "By a TLS 1.3 server that requires a client certificate (encrypted, so seen "
               "as a 19-byte record followed by the end of the connection).";
    case 120:
        return "By the server right after the ClientHello when no offered ALPN protocol is "
               "acceptable.";
    default:
        break;
    }
    const struct tls_alert_info *ai = tls_alert_lookup(value);
    if (ai->cls == TLS_ALERT_RETIRED)
        return "Never on the wire from current implementations.";
    return "By whichever side detects the problem; a fatal alert ends the connection.";
}
