/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen_capture - deterministic generator of benchmark captures (pcap, Ethernet, IPv4, TCP).
 *
 *   gen_capture [--mixed | --small] [--seed N] [--tls KEYLOG | --h2] [--conns N] SIZE_MB OUT.pcap
 *
 * WebSocket-heavy (default): thousands of connections, 64 open at a time and interleaved, each
 * with a valid HTTP Upgrade (correct Sec-WebSocket-Accept), masked client and unmasked server
 * frames of small and large sizes cut into segments, pings and pongs, fragmented messages, and a
 * close handshake: mostly 1000/1001, some 1003 (after a binary message) and some 1015 (illegal on
 * the wire); plus TLS connections that fail with an alert. --mixed: most bytes are other TCP
 * traffic (bulk transfers that are neither WebSocket nor TLS). --small: WebSocket-heavy with
 * small frames only (no medium or large messages): the most frames, and the most per-frame
 * work, per megabyte.
 *
 * --tls KEYLOG: every WebSocket connection runs inside TLS 1.3 (AES-128-GCM): a ClientHello and a
 * ServerHello in plaintext, the server's encrypted EncryptedExtensions and Finished, the client's
 * Finished, then the same WebSocket bytes as without --tls, in records of up to 16 KiB. The
 * traffic secrets (random per connection, from a generator of their own so the WebSocket traffic
 * is byte for byte that of the run without --tls; use --conns so both runs stop after the same
 * connections) go to KEYLOG in NSS key log format. This is
 * the "same traffic, plaintext vs decrypted" pair of the benchmark.
 *
 * --h2: every WebSocket connection is HTTP/2 with prior knowledge carrying one WebSocket stream
 * (RFC 8441: the preface and SETTINGS, an extended CONNECT answered 200, then the same
 * WebSocket bytes as without --h2 in DATA frames of up to 16 KiB, and END_STREAM both ways after
 * the closing handshake): with --conns, the "same traffic, HTTP/1.1 vs HTTP/2" pair.
 *
 * Every packet is well formed and every stream complete, so wsaudit and tshark must count the
 * same close frames; the count is printed on stdout as "close_frames N".
 * Addresses are 127.0.0.0/8; nothing is sent anywhere, the file is written directly.
 */
#include <gcrypt.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_crypto.h"

#define MAX_OPEN 64
#define MSS 1460

static FILE *out, *keylog;
static int small_frames; /* --small */
static int h2;           /* --h2 */
static uint64_t tls_rng = 0x243F6A8885A308D3ull; /* TLS randoms and secrets: not rnd() */
static uint64_t written, closes, packets;
static uint64_t ts_us = 1700000000ull * 1000000ull;
static uint64_t rng_state;

static uint32_t rnd(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static uint32_t rnd_range(uint32_t lo, uint32_t hi) /* inclusive */
{
    return lo + rnd() % (hi - lo + 1);
}

struct tls_dir_keys {
    gcry_cipher_hd_t c;
    uint8_t iv[12];
    uint64_t seq;
};

struct conn {
    int type; /* 0 WebSocket, 1 TLS, 2 other TCP */
    int tls;  /* --tls: this WebSocket connection is inside TLS 1.3 */
    struct tls_dir_keys k[2];
    uint32_t cip, sip;
    uint16_t cport, sport;
    uint32_t cseq, sseq;
    int step, msgs_left, close_kind;
    uint32_t bulk_left;
};

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xFFFF);
}

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

/* one TCP segment from the client (dir 0) or the server (dir 1) */
static void segment(struct conn *c, int dir, unsigned flags, const uint8_t *data, size_t len)
{
    static uint8_t pkt[14 + 20 + 20 + 65536];
    uint8_t *eth = pkt, *ip = pkt + 14, *tcp = ip + 20;
    memset(pkt, 0, 14 + 40);
    eth[5] = dir ? 2 : 1;
    eth[11] = dir ? 1 : 2;
    put16(eth + 12, 0x0800);
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(40 + len));
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, dir ? c->sip : c->cip);
    put32(ip + 16, dir ? c->cip : c->sip);
    put16(ip + 10, ip_checksum(ip, 20));
    put16(tcp, dir ? c->sport : c->cport);
    put16(tcp + 2, dir ? c->cport : c->sport);
    uint32_t *seq = dir ? &c->sseq : &c->cseq, *ack = dir ? &c->cseq : &c->sseq;
    put32(tcp + 4, *seq);
    put32(tcp + 8, (flags & F_ACK) ? *ack : 0);
    tcp[12] = 5 << 4;
    tcp[13] = (uint8_t)flags;
    put16(tcp + 14, 65535);
    if (len)
        memcpy(tcp + 20, data, len);
    *seq += (uint32_t)len + ((flags & (F_SYN | F_FIN)) ? 1u : 0u);
    uint32_t caplen = (uint32_t)(54 + len);
    uint8_t rec[16];
    ts_us += 2 + (packets * 7919u) % 39; /* not from rnd(): --tls adds packets */
    uint32_t sec = (uint32_t)(ts_us / 1000000), usec = (uint32_t)(ts_us % 1000000);
    memcpy(rec, &sec, 4);
    memcpy(rec + 4, &usec, 4);
    memcpy(rec + 8, &caplen, 4);
    memcpy(rec + 12, &caplen, 4);
    fwrite(rec, 1, 16, out);
    fwrite(pkt, 1, caplen, out);
    written += 16 + caplen;
    packets++;
}

/* data from one side, cut into segments, each acknowledged by the other side */
static void send_data(struct conn *c, int dir, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        size_t n = len - off < MSS ? len - off : MSS;
        segment(c, dir, F_ACK | F_PSH, data + off, n);
        off += n;
        if (off == len || (off / MSS) % 2 == 0) /* delayed ACK: every other segment */
            segment(c, !dir, F_ACK, NULL, 0);
    }
}

/* ---- --tls: TLS 1.3 records around the WebSocket bytes ---- */

static void tls_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tls_rng ^= tls_rng >> 12;
        tls_rng ^= tls_rng << 25;
        tls_rng ^= tls_rng >> 27;
        p[i] = (uint8_t)((tls_rng * 2685821657736338717ull) >> 56);
    }
}

static void hex_line(const char *label, const uint8_t *random, const uint8_t *secret)
{
    fprintf(keylog, "%s ", label);
    for (int i = 0; i < 32; i++)
        fprintf(keylog, "%02x", random[i]);
    fputc(' ', keylog);
    for (int i = 0; i < 32; i++)
        fprintf(keylog, "%02x", secret[i]);
    fputc('\n', keylog);
}

/* a traffic secret for one direction: logged, and its key and iv installed */
static void tls_keys(struct tls_dir_keys *k, const char *label, const uint8_t *random)
{
    uint8_t secret[32], key[16];
    tls_random(secret, 32);
    hex_line(label, random, secret);
    tls_hkdf_expand_label(GCRY_MD_SHA256, secret, 32, "key", key, 16);
    tls_hkdf_expand_label(GCRY_MD_SHA256, secret, 32, "iv", k->iv, 12);
    if (!k->c)
        gcry_cipher_open(&k->c, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_GCM, 0);
    gcry_cipher_setkey(k->c, key, 16);
    k->seq = 0;
}

/* one protected record (RFC 8446 §5.2): content, inner type, AES-128-GCM */
static void tls_record(struct conn *c, int dir, uint8_t type, const uint8_t *data, size_t len)
{
    static uint8_t rec[5 + 16384 + 1 + 16];
    struct tls_dir_keys *k = &c->k[dir];
    size_t n = len + 1 + 16;
    rec[0] = 23;
    put16(rec + 1, 0x0303);
    put16(rec + 3, (unsigned)n);
    memcpy(rec + 5, data, len);
    rec[5 + len] = type;
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(k->seq >> (56 - 8 * i));
    k->seq++;
    gcry_cipher_reset(k->c);
    gcry_cipher_setiv(k->c, nonce, 12);
    gcry_cipher_authenticate(k->c, rec, 5);
    gcry_cipher_encrypt(k->c, rec + 5, len + 1, NULL, 0);
    gcry_cipher_gettag(k->c, rec + 5 + len + 1, 16);
    send_data(c, dir, rec, 5 + n);
}

/* ClientHello, ServerHello (+ ChangeCipherSpec), the server's and the client's Finished */
static void tls_handshake(struct conn *c)
{
    uint8_t ch[128], sh[128], random[32];
    size_t p = 0;
    tls_random(random, 32);
    ch[p++] = 22;
    put16(ch + p, 0x0301);
    p += 4; /* length below */
    ch[p++] = 1;
    p += 3;
    put16(ch + p, 0x0303);
    p += 2;
    memcpy(ch + p, random, 32);
    p += 32;
    ch[p++] = 0;
    put16(ch + p, 2);
    put16(ch + p + 2, 0x1301);
    p += 4;
    ch[p++] = 1;
    ch[p++] = 0;
    put16(ch + p, 7); /* extensions: supported_versions TLS 1.3 */
    put16(ch + p + 2, 43);
    put16(ch + p + 4, 3);
    ch[p + 6] = 2;
    put16(ch + p + 7, 0x0304);
    p += 9;
    put16(ch + 3, (unsigned)(p - 5));
    ch[6] = 0;
    put16(ch + 7, (unsigned)(p - 9));
    send_data(c, 0, ch, p);
    p = 0;
    sh[p++] = 22;
    put16(sh + p, 0x0303);
    p += 4;
    sh[p++] = 2;
    p += 3;
    put16(sh + p, 0x0303);
    p += 2;
    tls_random(sh + p, 32);
    p += 32;
    sh[p++] = 0;
    put16(sh + p, 0x1301);
    p += 2;
    sh[p++] = 0;
    put16(sh + p, 6);
    put16(sh + p + 2, 43);
    put16(sh + p + 4, 2);
    put16(sh + p + 6, 0x0304);
    p += 8;
    put16(sh + 3, (unsigned)(p - 5));
    sh[6] = 0;
    put16(sh + 7, (unsigned)(p - 9));
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    memcpy(sh + p, ccs, sizeof ccs);
    send_data(c, 1, sh, p + sizeof ccs);
    tls_keys(&c->k[0], "CLIENT_HANDSHAKE_TRAFFIC_SECRET", random);
    tls_keys(&c->k[1], "SERVER_HANDSHAKE_TRAFFIC_SECRET", random);
    uint8_t flight[4 + 2 + 4 + 32] = {8, 0, 0, 2, 0, 0, 20, 0, 0, 32};
    tls_random(flight + 10, 32); /* a Finished MAC nobody checks */
    tls_record(c, 1, 22, flight, sizeof flight);
    tls_keys(&c->k[1], "SERVER_TRAFFIC_SECRET_0", random);
    tls_record(c, 0, 22, flight + 6, 4 + 32);
    tls_keys(&c->k[0], "CLIENT_TRAFFIC_SECRET_0", random);
}

static void h2_frame(struct conn *c, int dir, uint8_t type, uint8_t flags, uint32_t sid,
                     const uint8_t *p, size_t n);

/* the application's bytes: as they are, in TLS records, or in HTTP/2 DATA frames */
static void app_send(struct conn *c, int dir, const uint8_t *data, size_t len)
{
    if (h2 && c->type == 0 && c->step > 1) {
        for (size_t off = 0; off < len; off += 16384)
            h2_frame(c, dir, 0, 0, 1, data + off, len - off < 16384 ? len - off : 16384);
        return;
    }
    if (!c->tls) {
        send_data(c, dir, data, len);
        return;
    }
    for (size_t off = 0; off < len; off += 16384)
        tls_record(c, dir, 23, data + off, len - off < 16384 ? len - off : 16384);
}

static size_t ws_frame(uint8_t *buf, int fin, unsigned opcode, int masked, const uint8_t *payload,
                       size_t len)
{
    size_t h = 0;
    buf[h++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    uint8_t m = masked ? 0x80 : 0;
    if (len < 126) {
        buf[h++] = (uint8_t)(m | len);
    } else if (len < 65536) {
        buf[h++] = (uint8_t)(m | 126);
        put16(buf + h, (unsigned)len);
        h += 2;
    } else {
        buf[h++] = (uint8_t)(m | 127);
        put32(buf + h, 0);
        put32(buf + h + 4, (uint32_t)len);
        h += 8;
    }
    uint8_t key[4] = {0};
    if (masked) {
        put32(key, rnd());
        memcpy(buf + h, key, 4);
        h += 4;
    }
    for (size_t i = 0; i < len; i++)
        buf[h + i] = payload[i] ^ (masked ? key[i & 3] : 0);
    return h + len;
}

static uint8_t payload_buf[1 << 17], frame_buf[(1 << 17) + 16];

static void fill_payload(size_t len, int text)
{
    for (size_t i = 0; i < len; i++)
        payload_buf[i] = text ? (uint8_t)('a' + rnd() % 26) : (uint8_t)rnd();
}

static void ws_send(struct conn *c, int dir, int fin, unsigned opcode, size_t len)
{
    fill_payload(len, opcode == 1);
    size_t n = ws_frame(frame_buf, fin, opcode, dir == 0, payload_buf, len);
    app_send(c, dir, frame_buf, n);
}

static void ws_close(struct conn *c, int dir, unsigned code)
{
    uint8_t body[2];
    put16(body, code);
    size_t n = ws_frame(frame_buf, 1, 8, dir == 0, body, 2);
    app_send(c, dir, frame_buf, n);
    closes++;
}

static void handshake(struct conn *c)
{
    uint8_t rawkey[16];
    for (int i = 0; i < 16; i++)
        rawkey[i] = (uint8_t)rnd();
    gchar *key = g_base64_encode(rawkey, 16);
    char req[512], resp[512], cat[128];
    int n = snprintf(req, sizeof req,
                     "GET /bench/%u HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     c->cport, c->sport, key);
    if (c->tls)
        tls_handshake(c);
    app_send(c, 0, (const uint8_t *)req, (size_t)n);
    snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    guint8 digest[20];
    gsize dlen = sizeof digest;
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(ck, (const guchar *)cat, (gssize)strlen(cat));
    g_checksum_get_digest(ck, digest, &dlen);
    g_checksum_free(ck);
    gchar *accept = g_base64_encode(digest, 20);
    n = snprintf(resp, sizeof resp,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                 accept);
    app_send(c, 1, (const uint8_t *)resp, (size_t)n);
    g_free(key);
    g_free(accept);
}

/* one HTTP/2 frame (RFC 9113 §4.1) on the TCP connection */
static void h2_frame(struct conn *c, int dir, uint8_t type, uint8_t flags, uint32_t sid,
                     const uint8_t *p, size_t n)
{
    static uint8_t f[9 + 16384];
    f[0] = (uint8_t)(n >> 16);
    f[1] = (uint8_t)(n >> 8);
    f[2] = (uint8_t)n;
    f[3] = type;
    f[4] = flags;
    put32(f + 5, sid);
    if (n)
        memcpy(f + 9, p, n);
    send_data(c, dir, f, 9 + n);
}

/* an HPACK literal without indexing, with a new name, no Huffman (RFC 7541 §6.2.2) */
static size_t hpack_literal(uint8_t *b, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value), k = 0;
    b[k++] = 0x00;
    b[k++] = (uint8_t)nl;
    memcpy(b + k, name, nl);
    k += nl;
    b[k++] = (uint8_t)vl;
    memcpy(b + k, value, vl);
    return k + vl;
}

/* --h2: the preface, SETTINGS both ways (the server's allows extended CONNECT), the extended
 * CONNECT on stream 1 and its 200; the same random numbers are drawn as for an HTTP/1.1
 * Upgrade, so the WebSocket frames that follow are the same */
static void h2_handshake(struct conn *c)
{
    for (int i = 0; i < 16; i++)
        (void)rnd(); /* the Sec-WebSocket-Key of the HTTP/1.1 handshake */
    static const uint8_t ecp[6] = {0, 8, 0, 0, 0, 1};
    uint8_t hb[256], path[32], auth[32];
    snprintf((char *)path, sizeof path, "/bench/%u", c->cport);
    snprintf((char *)auth, sizeof auth, "127.0.0.1:%u", c->sport);
    size_t n = 0;
    n += hpack_literal(hb + n, ":method", "CONNECT");
    n += hpack_literal(hb + n, ":protocol", "websocket");
    n += hpack_literal(hb + n, ":scheme", "http");
    n += hpack_literal(hb + n, ":path", (const char *)path);
    n += hpack_literal(hb + n, ":authority", (const char *)auth);
    n += hpack_literal(hb + n, "sec-websocket-version", "13");
    send_data(c, 0, (const uint8_t *)"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    h2_frame(c, 0, 4, 0, 0, NULL, 0);
    h2_frame(c, 1, 4, 0, 0, ecp, 6);
    h2_frame(c, 0, 4, 1, 0, NULL, 0); /* SETTINGS ACK */
    h2_frame(c, 0, 1, 4, 1, hb, n);  /* HEADERS, END_HEADERS */
    static const uint8_t ok[1] = {0x88}; /* :status 200, indexed (RFC 7541 App. A) */
    h2_frame(c, 1, 1, 4, 1, ok, 1);
}

static void tls_failure(struct conn *c)
{
    /* ClientHello: legacy 1.2, supported_versions 1.3/1.2, SNI bench.example */
    static const char sni[] = "bench.example";
    uint8_t ch[256];
    size_t p = 9; /* record header 5 + handshake header 4 */
    put16(ch + p, 0x0303);
    p += 2;
    for (int i = 0; i < 32; i++)
        ch[p++] = (uint8_t)rnd();
    ch[p++] = 0;
    put16(ch + p, 4);
    put16(ch + p + 2, 0x1301);
    put16(ch + p + 4, 0xC02F);
    p += 6;
    ch[p++] = 1;
    ch[p++] = 0;
    size_t ext_len_at = p;
    p += 2;
    put16(ch + p, 0);
    put16(ch + p + 2, (unsigned)sizeof sni - 1 + 5);
    put16(ch + p + 4, (unsigned)sizeof sni - 1 + 3);
    ch[p + 6] = 0;
    put16(ch + p + 7, (unsigned)sizeof sni - 1);
    memcpy(ch + p + 9, sni, sizeof sni - 1);
    p += 9 + sizeof sni - 1;
    put16(ch + p, 43);
    put16(ch + p + 2, 5);
    ch[p + 4] = 4;
    put16(ch + p + 5, 0x0304);
    put16(ch + p + 7, 0x0303);
    p += 9;
    put16(ch + ext_len_at, (unsigned)(p - ext_len_at - 2));
    ch[0] = 22;
    put16(ch + 1, 0x0301);
    put16(ch + 3, (unsigned)(p - 5));
    ch[5] = 1;
    ch[6] = 0;
    put16(ch + 7, (unsigned)(p - 9));
    send_data(c, 0, ch, p);
    /* the server refuses: handshake_failure, or protocol_version */
    uint8_t alert[7] = {21, 3, 3, 0, 2, 2, (uint8_t)(rnd() % 2 ? 40 : 70)};
    send_data(c, 1, alert, sizeof alert);
}

/* one step of a connection; returns 0 when the connection is over */
static int conn_step(struct conn *c)
{
    switch (c->step++) {
    case 0:
        segment(c, 0, F_SYN, NULL, 0);
        segment(c, 1, F_SYN | F_ACK, NULL, 0);
        segment(c, 0, F_ACK, NULL, 0);
        return 1;
    case 1:
        if (c->type == 0 && h2)
            h2_handshake(c);
        else if (c->type == 0)
            handshake(c);
        else if (c->type == 1)
            tls_failure(c);
        else {
            static const uint8_t hello[] = "\x00\x01"
                                           "bench-bulk-protocol\n";
            send_data(c, 0, hello, sizeof hello - 1);
        }
        return 1;
    default:
        break;
    }
    if (c->type == 2 && c->bulk_left) {
        size_t n = c->bulk_left < 32768 ? c->bulk_left : 32768;
        fill_payload(n, 0);
        send_data(c, 1, payload_buf, n);
        c->bulk_left -= (uint32_t)n;
        return 1;
    }
    if (c->type == 0 && c->msgs_left > 0) {
        c->msgs_left--;
        uint32_t r = rnd() % 100;
        if (small_frames && r >= 55 && r < 85)
            r = 0; /* --small: small text instead of medium and large messages */
        if (r < 55) { /* small text, echoed */
            size_t n = rnd_range(8, 200);
            ws_send(c, 0, 1, 1, n);
            ws_send(c, 1, 1, 1, n);
        } else if (r < 75) { /* binary of medium size */
            ws_send(c, 0, 1, 2, rnd_range(200, 4000));
            ws_send(c, 1, 1, 2, rnd_range(16, 400));
        } else if (r < 85) { /* large server message, several segments */
            ws_send(c, 0, 1, 1, 20);
            ws_send(c, 1, 1, 2, rnd_range(16384, 100000));
        } else if (r < 93) { /* ping / pong */
            ws_send(c, 0, 1, 9, 8);
            ws_send(c, 1, 1, 10, 8);
        } else { /* a text message in three fragments, a ping between */
            ws_send(c, 0, 0, 1, rnd_range(10, 300));
            ws_send(c, 0, 0, 0, rnd_range(10, 300));
            ws_send(c, 0, 1, 9, 4);
            ws_send(c, 0, 1, 0, rnd_range(10, 300));
            ws_send(c, 1, 1, 10, 4);
        }
        return 1;
    }
    if (c->type == 0 && c->close_kind >= 0) {
        static const unsigned codes[] = {1000, 1001, 1003, 1015};
        unsigned code = codes[c->close_kind];
        if (code == 1003)
            ws_send(c, 0, 1, 2, 16); /* a binary message the text-only server refuses */
        int closer = code == 1000 ? 0 : 1;
        ws_close(c, closer, code);
        ws_close(c, !closer, code == 1015 ? 1002 : code);
        c->close_kind = -1;
        if (h2) { /* the stream ends both ways */
            h2_frame(c, 1, 0, 1, 1, NULL, 0);
            h2_frame(c, 0, 0, 1, 1, NULL, 0);
        }
        return 1;
    }
    segment(c, 0, F_FIN | F_ACK, NULL, 0);
    segment(c, 1, F_FIN | F_ACK, NULL, 0);
    segment(c, 0, F_ACK, NULL, 0);
    for (int d = 0; d < 2; d++)
        if (c->k[d].c)
            gcry_cipher_close(c->k[d].c);
    return 0;
}

static void new_conn(struct conn *c, uint32_t n, int mixed)
{
    memset(c, 0, sizeof *c);
    uint32_t r = rnd() % 100;
    if (mixed)
        c->type = r < 8 ? 0 : r < 10 ? 1 : 2;
    else
        c->type = r < 94 ? 0 : r < 97 ? 1 : 2;
    c->cip = 0x7F000000u | (1u + (n >> 14 & 0xFF)) << 8 | 1;
    c->sip = 0x7F000000u | (2u + (n % 50)) << 8 | 1;
    c->cport = (uint16_t)(20000 + n % 40000);
    c->sport = c->type == 0 ? 8080 : c->type == 1 ? 443 : 9000;
    c->cseq = rnd();
    c->sseq = rnd();
    c->msgs_left = (int)rnd_range(3, 40);
    uint32_t k = rnd() % 100;
    c->close_kind = k < 85 ? 0 : k < 93 ? 1 : k < 98 ? 2 : 3;
    c->bulk_left = rnd_range(64 * 1024, 1024 * 1024);
    c->tls = keylog && c->type == 0;
    if (c->tls)
        c->sport = 443; /* where tshark looks for TLS without being told */
}

int main(int argc, char **argv)
{
    int mixed = 0;
    uint64_t seed = 1;
    uint32_t max_conns = 0; /* --conns: stop after this many connections instead of SIZE_MB */
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--mixed") == 0)
            mixed = 1;
        else if (strcmp(argv[i], "--small") == 0)
            small_frames = 1;
        else if (strcmp(argv[i], "--h2") == 0)
            h2 = 1;
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--conns") == 0 && i + 1 < argc)
            max_conns = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--tls") == 0 && i + 1 < argc) {
            keylog = fopen(argv[++i], "w");
            if (!keylog) {
                perror(argv[i]);
                return 2;
            }
        }
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: gen_capture [--mixed | --small] [--seed N] [--tls KEYLOG | --h2] "
                        "[--conns N] SIZE_MB OUT.pcap\n");
        return 2;
    }
    uint64_t target = strtoull(argv[i], NULL, 10) * 1000000ull;
    out = fopen(argv[i + 1], "wb");
    if (!out) {
        perror(argv[i + 1]);
        return 2;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20);
    rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
    uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1};
    fwrite(hdr, 1, 24, out);
    written = 24;
    struct conn open[MAX_OPEN];
    uint32_t next = 0, conns = 0;
    for (int k = 0; k < MAX_OPEN; k++)
        new_conn(&open[k], next++, mixed);
    int live = MAX_OPEN;
    while (live > 0) {
        for (int k = 0; k < MAX_OPEN; k++) {
            if (open[k].step < 0)
                continue;
            if (!conn_step(&open[k])) {
                conns++;
                if (max_conns ? next < max_conns : written < target)
                    new_conn(&open[k], next++, mixed);
                else {
                    open[k].step = -1;
                    live--;
                }
            }
        }
    }
    fclose(out);
    if (keylog)
        fclose(keylog);
    printf("close_frames %llu\nconnections %u\npackets %llu\nbytes %llu\n",
           (unsigned long long)closes, conns, (unsigned long long)packets,
           (unsigned long long)written);
    return 0;
}
