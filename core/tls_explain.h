/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_explain.h - the names and words of a TLS handshake's facts (tls_facts.h): versions,
 * outcomes, causes, the failure explained as the 1015 a WebSocket client sees, and the
 * judgements of a plain-HTTP peer talking to a TLS port. Reads facts only; tls_session.c
 * fills them and calls these when an outcome is known.
 */
#ifndef WSAUDIT_TLS_EXPLAIN_H
#define WSAUDIT_TLS_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "tls_facts.h"

const char *tls_version_name(uint16_t v, char *buf, size_t n);
const char *tls_outcome_name(enum tls_outcome o);
const char *tls_cause_name(const struct tls_facts *f); /* short machine word */
const char *tls_alert_kind_name(enum tls_alert_kind k);
/* The failure explained: cause, evidence and fix, one paragraph. */
void tls_explain_failure(const struct tls_facts *f, char *out, size_t n);
/* What in the server's certificate a verifying client rejects (expired or not yet valid, a
 * host name the SNI asked for that it does not name, self-signed): 0 when none shows. */
int tls_cert_problem(const struct tls_facts *f);
/* A client that completed the handshake and closed without a request (clients that verify
 * the certificate after the handshake, as Node.js does): the probable cause and the fix. */
void tls_explain_rejected_after(const struct tls_facts *f, char *out, size_t n);
/* "TLS 1.2, TLS 1.3" from a hello (client: offered; server: chosen) */
void tls_hello_versions(const struct tls_hello *h, char *out, size_t n);
/* Days the leaf certificate was expired at its capture time (>0), or 0 when valid or unknown;
 * negative when not yet valid (days before notBefore). */
long tls_cert_days_expired(const struct tls_cert *c);

/* A server's first bytes after a plain HTTP request: 1 (and the finding's detail) when they are
 * a TLS record, i.e. plain HTTP was sent to a TLS port; 0 otherwise. */
int tls_plaintext_answer(const uint8_t *p, size_t len, char *detail, size_t n);
/* A plain HTTP answer to an Upgrade request that says the port speaks TLS (nginx's 400 "The
 * plain HTTP request was sent to HTTPS port"): 1 and the finding's detail, else 0. The body
 * needs at most TLS_REFUSAL_BODY_MAX bytes to be judged. */
#define TLS_REFUSAL_BODY_MAX 512
int tls_refusal_says_tls(int status, const uint8_t *body, size_t len, char *detail, size_t n);
/* Detail of http.no_response. */
extern const char tls_no_response_detail[];

#endif
