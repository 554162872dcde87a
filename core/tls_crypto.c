/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_crypto.c - TLS record decryption with libgcrypt; see tls_crypto.h.
 *
 * Cipher and MAC handles are opened once per direction and reused for every record (only the
 * nonce changes), so the per-record cost is the cipher itself.
 */
#include "tls_crypto.h"

#include <gcrypt.h>
#include <glib.h>
#include <string.h>

#include "digest.h"
#include "tls_facts.h"

enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APP = 23 };

#define S256 GCRY_MD_SHA256
#define S384 GCRY_MD_SHA384

static const struct tls_suite suites[] = {
    /* TLS 1.3 (RFC 8446 App. B.4) */
    {0x1301, "TLS_AES_128_GCM_SHA256", TLS_GCM, 16, 0, 16, S256, 0, 1},
    {0x1302, "TLS_AES_256_GCM_SHA384", TLS_GCM, 32, 0, 16, S384, 0, 1},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", TLS_CHACHA, 32, 0, 16, S256, 0, 1},
    {0x1304, "TLS_AES_128_CCM_SHA256", TLS_CCM, 16, 0, 16, S256, 0, 1},
    {0x1305, "TLS_AES_128_CCM_8_SHA256", TLS_CCM, 16, 0, 8, S256, 0, 1},
    /* TLS 1.2 AES-GCM (RFC 5288, 5289) */
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", TLS_GCM, 16, 0, 16, S256, 0, 0},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", TLS_GCM, 32, 0, 16, S384, 0, 0},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", TLS_GCM, 16, 0, 16, S256, 0, 0},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", TLS_GCM, 32, 0, 16, S384, 0, 0},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", TLS_GCM, 16, 0, 16, S256, 0, 0},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", TLS_GCM, 32, 0, 16, S384, 0, 0},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TLS_GCM, 16, 0, 16, S256, 0, 0},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", TLS_GCM, 32, 0, 16, S384, 0, 0},
    /* TLS 1.2 ChaCha20-Poly1305 (RFC 7905) */
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", TLS_CHACHA, 32, 0, 16, S256, 0, 0},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", TLS_CHACHA, 32, 0, 16, S256, 0, 0},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", TLS_CHACHA, 32, 0, 16, S256, 0, 0},
    /* TLS 1.2 AES-CCM (RFC 6655, 7251) */
    {0xC09C, "TLS_RSA_WITH_AES_128_CCM", TLS_CCM, 16, 0, 16, S256, 0, 0},
    {0xC09D, "TLS_RSA_WITH_AES_256_CCM", TLS_CCM, 32, 0, 16, S256, 0, 0},
    {0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM", TLS_CCM, 16, 0, 16, S256, 0, 0},
    {0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM", TLS_CCM, 32, 0, 16, S256, 0, 0},
    {0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8", TLS_CCM, 16, 0, 8, S256, 0, 0},
    {0xC0A1, "TLS_RSA_WITH_AES_256_CCM_8", TLS_CCM, 32, 0, 8, S256, 0, 0},
    {0xC0A2, "TLS_DHE_RSA_WITH_AES_128_CCM_8", TLS_CCM, 16, 0, 8, S256, 0, 0},
    {0xC0A3, "TLS_DHE_RSA_WITH_AES_256_CCM_8", TLS_CCM, 32, 0, 8, S256, 0, 0},
    {0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", TLS_CCM, 16, 0, 16, S256, 0, 0},
    {0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", TLS_CCM, 32, 0, 16, S256, 0, 0},
    {0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", TLS_CCM, 16, 0, 8, S256, 0, 0},
    {0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", TLS_CCM, 32, 0, 8, S256, 0, 0},
    /* TLS 1.0-1.2 AES-CBC with HMAC (RFC 5246 App. A.5, RFC 4492, RFC 5289) */
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", TLS_CBC, 16, 20, 0, S256, GCRY_MD_SHA1, 0},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", TLS_CBC, 32, 20, 0, S256, GCRY_MD_SHA1, 0},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", TLS_CBC, 16, 20, 0, S256, GCRY_MD_SHA1, 0},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", TLS_CBC, 32, 20, 0, S256, GCRY_MD_SHA1, 0},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", TLS_CBC, 16, 32, 0, S256, S256, 0},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", TLS_CBC, 32, 32, 0, S256, S256, 0},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", TLS_CBC, 16, 32, 0, S256, S256, 0},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", TLS_CBC, 32, 32, 0, S256, S256, 0},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", TLS_CBC, 16, 20, 0, S256, GCRY_MD_SHA1, 0},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", TLS_CBC, 32, 20, 0, S256, GCRY_MD_SHA1, 0},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", TLS_CBC, 16, 20, 0, S256, GCRY_MD_SHA1, 0},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", TLS_CBC, 32, 20, 0, S256, GCRY_MD_SHA1, 0},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", TLS_CBC, 16, 32, 0, S256, S256, 0},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", TLS_CBC, 32, 48, 0, S384, S384, 0},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", TLS_CBC, 16, 32, 0, S256, S256, 0},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", TLS_CBC, 32, 48, 0, S384, S384, 0},
};

const struct tls_suite *tls_suite_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

/* ---- key derivation ---- */

static int hmac(int hash, const uint8_t *key, size_t klen, const uint8_t *a, size_t alen,
                const uint8_t *b, size_t blen, uint8_t *out)
{
    gcry_md_hd_t h;
    if (gcry_md_open(&h, hash, GCRY_MD_FLAG_HMAC) || gcry_md_setkey(h, key, klen)) {
        return -1;
    }
    gcry_md_write(h, a, alen);
    if (blen)
        gcry_md_write(h, b, blen);
    memcpy(out, gcry_md_read(h, hash), gcry_md_get_algo_dlen(hash));
    gcry_md_close(h);
    return 0;
}

int tls_hkdf_expand_label(int hash, const uint8_t *secret, size_t secret_len, const char *label,
                          uint8_t *out, size_t out_len)
{
    wsa_gcrypt_ready();
    /* HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + label, opaque context<0> */
    uint8_t info[2 + 1 + 255 + 1];
    size_t ll = 6 + strlen(label);
    if (ll > 255 || out_len > 255 * 64)
        return -1;
    info[0] = (uint8_t)(out_len >> 8);
    info[1] = (uint8_t)out_len;
    info[2] = (uint8_t)ll;
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, ll - 6);
    info[3 + ll] = 0;
    size_t ilen = 4 + ll;
    /* HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i) */
    size_t hl = gcry_md_get_algo_dlen(hash);
    uint8_t t[64], buf[64 + sizeof info + 1];
    size_t tlen = 0, done = 0;
    for (uint8_t i = 1; done < out_len; i++) {
        memcpy(buf, t, tlen);
        memcpy(buf + tlen, info, ilen);
        buf[tlen + ilen] = i;
        if (hmac(hash, secret, secret_len, buf, tlen + ilen + 1, NULL, 0, t) < 0)
            return -1;
        tlen = hl;
        size_t k = out_len - done < hl ? out_len - done : hl;
        memcpy(out + done, t, k);
        done += k;
    }
    return 0;
}

/* P_hash (RFC 5246 §5): A(i) = HMAC(secret, A(i-1)); out = HMAC(secret, A(i) + seed) ... */
static int p_hash(int hash, const uint8_t *secret, size_t slen, const uint8_t *seed,
                  size_t seed_len, uint8_t *out, size_t out_len, int xor)
{
    size_t hl = gcry_md_get_algo_dlen(hash);
    uint8_t a[64], t[64];
    if (hmac(hash, secret, slen, seed, seed_len, NULL, 0, a) < 0)
        return -1;
    for (size_t done = 0; done < out_len;) {
        if (hmac(hash, secret, slen, a, hl, seed, seed_len, t) < 0)
            return -1;
        size_t k = out_len - done < hl ? out_len - done : hl;
        for (size_t i = 0; i < k; i++)
            out[done + i] = xor ? out[done + i] ^ t[i] : t[i];
        done += k;
        if (hmac(hash, secret, slen, a, hl, NULL, 0, a) < 0)
            return -1;
    }
    return 0;
}

int tls12_prf(int hash, const uint8_t *secret, size_t slen, const char *label,
              const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    wsa_gcrypt_ready();
    uint8_t s[128];
    size_t ll = strlen(label);
    if (ll + seed_len > sizeof s)
        return -1;
    memcpy(s, label, ll);
    memcpy(s + ll, seed, seed_len);
    if (hash) /* TLS 1.2 */
        return p_hash(hash, secret, slen, s, ll + seed_len, out, out_len, 0);
    /* TLS 1.0/1.1 (RFC 4346 §5): P_MD5 over the first half XOR P_SHA1 over the second */
    size_t half = (slen + 1) / 2;
    if (p_hash(GCRY_MD_MD5, secret, half, s, ll + seed_len, out, out_len, 0) < 0)
        return -1;
    return p_hash(GCRY_MD_SHA1, secret + slen - half, half, s, ll + seed_len, out, out_len, 1);
}

/* ---- cipher handles ---- */

static int open_cipher(struct tls_cipher *c, const uint8_t *key)
{
    const struct tls_suite *s = c->suite;
    int algo = s->mode == TLS_CHACHA  ? GCRY_CIPHER_CHACHA20
               : s->key_len == 16     ? GCRY_CIPHER_AES128
                                      : GCRY_CIPHER_AES256;
    int mode = s->mode == TLS_GCM     ? GCRY_CIPHER_MODE_GCM
               : s->mode == TLS_CCM   ? GCRY_CIPHER_MODE_CCM
               : s->mode == TLS_CHACHA ? GCRY_CIPHER_MODE_POLY1305
                                       : GCRY_CIPHER_MODE_CBC;
    gcry_cipher_hd_t h;
    if (gcry_cipher_open(&h, algo, mode, 0))
        return -1;
    if (gcry_cipher_setkey(h, key, s->key_len)) {
        gcry_cipher_close(h);
        return -1;
    }
    if (c->c)
        gcry_cipher_close(c->c);
    c->c = h;
    return 0;
}

void tls_cipher_free(struct tls_cipher *c)
{
    if (c->c)
        gcry_cipher_close(c->c);
    if (c->mac)
        gcry_md_close(c->mac);
    memset(c, 0, sizeof *c);
}

int tls_cipher_init13(struct tls_cipher *c, const struct tls_suite *s, const uint8_t *secret,
                      size_t secret_len)
{
    uint8_t key[32];
    if (!s || !s->tls13 || secret_len > TLS_SECRET_MAX ||
        secret_len != gcry_md_get_algo_dlen(s->hash))
        return -1;
    c->suite = s;
    c->version = TLS_V_13;
    c->seq = 0;
    c->ready = 0;
    if (c->secret != secret)
        memcpy(c->secret, secret, secret_len);
    c->secret_len = (uint8_t)secret_len;
    if (tls_hkdf_expand_label(s->hash, secret, secret_len, "key", key, s->key_len) < 0 ||
        tls_hkdf_expand_label(s->hash, secret, secret_len, "iv", c->iv, 12) < 0 ||
        open_cipher(c, key) < 0)
        return -1;
    c->ready = 1;
    return 0;
}

int tls_cipher_update13(struct tls_cipher *c)
{
    uint8_t next[TLS_SECRET_MAX];
    if (!c->ready || !c->suite->tls13 ||
        tls_hkdf_expand_label(c->suite->hash, c->secret, c->secret_len, "traffic upd", next,
                              c->secret_len) < 0)
        return -1;
    memcpy(c->secret, next, c->secret_len);
    return tls_cipher_init13(c, c->suite, c->secret, c->secret_len);
}

int tls_cipher_init12(struct tls_cipher c[2], const struct tls_suite *s, uint16_t version,
                      const uint8_t ms[48], const uint8_t client_random[32],
                      const uint8_t server_random[32], int etm)
{
    if (!s || s->tls13 || version < 0x0301 || version > 0x0303)
        return -1;
    uint8_t seed[64], kb[2 * 48 + 2 * 32 + 2 * 16];
    memcpy(seed, server_random, 32);
    memcpy(seed + 32, client_random, 32);
    size_t fixed_iv = s->mode == TLS_CHACHA ? 12 : s->mode == TLS_CBC ? (version == 0x0301 ? 16 : 0)
                                                                      : 4;
    size_t mac = s->mode == TLS_CBC ? s->mac_len : 0;
    size_t need = 2 * mac + 2u * s->key_len + 2 * fixed_iv;
    if (tls12_prf(version == 0x0303 ? s->hash : 0, ms, 48, "key expansion", seed, 64, kb, need) <
        0)
        return -1;
    /* client MAC key, server MAC key, client key, server key, client IV, server IV */
    for (int d = 0; d < 2; d++) {
        struct tls_cipher *x = &c[d];
        x->suite = s;
        x->version = version;
        x->seq = 0;
        x->etm = (uint8_t)(etm && s->mode == TLS_CBC);
        x->ready = 0;
        const uint8_t *mk = kb + (size_t)d * mac;
        const uint8_t *key = kb + 2 * mac + (size_t)d * s->key_len;
        const uint8_t *iv = kb + 2 * mac + 2u * s->key_len + (size_t)d * fixed_iv;
        if (open_cipher(x, key) < 0)
            return -1;
        memset(x->iv, 0, sizeof x->iv);
        if (s->mode == TLS_CBC) {
            gcry_md_hd_t h;
            if (gcry_md_open(&h, s->mac_hash, GCRY_MD_FLAG_HMAC) || gcry_md_setkey(h, mk, mac))
                return -1;
            x->mac = h;
            if (fixed_iv) /* TLS 1.0: the first IV comes from the key block, then chains */
                gcry_cipher_setiv(x->c, iv, 16);
        } else {
            memcpy(x->iv, iv, fixed_iv);
        }
        x->ready = 1;
    }
    return 0;
}

size_t tls_cipher_overhead(const struct tls_cipher *c)
{
    const struct tls_suite *s = c->suite;
    if (!s)
        return 0;
    if (s->tls13)
        return s->tag_len + 1u;
    if (s->mode == TLS_CBC)
        return s->mac_len + 1u + (c->version >= 0x0302 ? 16u : 0u);
    return s->tag_len + (s->mode == TLS_CHACHA ? 0u : 8u);
}

/* ---- records ---- */

static void seq_bytes(uint64_t seq, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)seq;
        seq >>= 8;
    }
}

/* TLS <= 1.2 additional data / MAC header: seq, type, version, length */
static void mac_header(uint8_t out[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
    seq_bytes(seq, out);
    out[8] = type;
    out[9] = (uint8_t)(version >> 8);
    out[10] = (uint8_t)version;
    out[11] = (uint8_t)(len >> 8);
    out[12] = (uint8_t)len;
}

/* one AEAD operation: nonce, additional data, ciphertext (in place), tag */
static enum tls_dec_result aead_open(struct tls_cipher *c, const uint8_t *nonce,
                                     const uint8_t *aad, size_t aad_len, uint8_t *ct,
                                     size_t ct_len, const uint8_t *tag)
{
    gcry_cipher_hd_t h = c->c;
    size_t tl = c->suite->tag_len;
    gcry_cipher_reset(h);
    if (gcry_cipher_setiv(h, nonce, 12))
        return TLS_DEC_BAD_FORMAT;
    if (c->suite->mode == TLS_CCM) {
        uint64_t lens[3] = {ct_len, aad_len, tl};
        if (gcry_cipher_ctl(h, GCRYCTL_SET_CCM_LENGTHS, lens, sizeof lens))
            return TLS_DEC_BAD_FORMAT;
    }
    if (gcry_cipher_authenticate(h, aad, aad_len))
        return TLS_DEC_BAD_FORMAT;
    if (gcry_cipher_decrypt(h, ct, ct_len, NULL, 0))
        return TLS_DEC_BAD_FORMAT;
    return gcry_cipher_checktag(h, tag, tl) ? TLS_DEC_BAD_AUTH : TLS_DEC_OK;
}

static enum tls_dec_result decrypt13(struct tls_cipher *c, const uint8_t hdr[5], uint8_t *rec,
                                     size_t len, size_t *plain_len, uint8_t *type)
{
    size_t tl = c->suite->tag_len;
    if (len < tl + 1)
        return TLS_DEC_BAD_FORMAT;
    uint8_t nonce[12], sq[8];
    memcpy(nonce, c->iv, 12);
    seq_bytes(c->seq, sq);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= sq[i];
    enum tls_dec_result r = aead_open(c, nonce, hdr, 5, rec, len - tl, rec + len - tl);
    if (r != TLS_DEC_OK)
        return r;
    /* TLSInnerPlaintext: content, type, zeros (RFC 8446 §5.2) */
    size_t n = len - tl;
    while (n && rec[n - 1] == 0)
        n--;
    if (!n)
        return TLS_DEC_BAD_FORMAT; /* all padding: the peer must send unexpected_message */
    *type = rec[n - 1];
    *plain_len = n - 1;
    return TLS_DEC_OK;
}

static enum tls_dec_result decrypt12_aead(struct tls_cipher *c, uint8_t type, uint8_t *rec,
                                          size_t len, size_t *off, size_t *plain_len)
{
    size_t tl = c->suite->tag_len;
    size_t explicit_len = c->suite->mode == TLS_CHACHA ? 0 : 8;
    if (len < explicit_len + tl)
        return TLS_DEC_BAD_FORMAT;
    uint8_t nonce[12], aad[13];
    size_t n = len - explicit_len - tl;
    if (c->suite->mode == TLS_CHACHA) { /* RFC 7905 §2: iv XOR the padded sequence number */
        uint8_t sq[8];
        memcpy(nonce, c->iv, 12);
        seq_bytes(c->seq, sq);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= sq[i];
    } else { /* RFC 5288 §3: salt from the key block, then the record's explicit nonce */
        memcpy(nonce, c->iv, 4);
        memcpy(nonce + 4, rec, 8);
    }
    mac_header(aad, c->seq, type, c->version, n);
    enum tls_dec_result r =
        aead_open(c, nonce, aad, sizeof aad, rec + explicit_len, n, rec + explicit_len + n);
    *off = explicit_len;
    *plain_len = n;
    return r;
}

static int mac_ok(struct tls_cipher *c, uint8_t type, const uint8_t *data, size_t n,
                  const uint8_t *mac)
{
    gcry_md_hd_t h = c->mac;
    uint8_t hdr[13];
    mac_header(hdr, c->seq, type, c->version, n);
    gcry_md_reset(h);
    gcry_md_write(h, hdr, sizeof hdr);
    gcry_md_write(h, data, n);
    return memcmp(gcry_md_read(h, c->suite->mac_hash), mac, c->suite->mac_len) == 0;
}

static enum tls_dec_result decrypt12_cbc(struct tls_cipher *c, uint8_t type, uint8_t *rec,
                                         size_t len, size_t *off, size_t *plain_len)
{
    size_t ml = c->suite->mac_len, ivl = c->version >= 0x0302 ? 16 : 0;
    if (c->etm) { /* RFC 7366: MAC over IV and ciphertext, then decrypt */
        if (len < ml + ivl + 16)
            return TLS_DEC_BAD_FORMAT;
        len -= ml;
        if (!mac_ok(c, type, rec, len, rec + len))
            return TLS_DEC_BAD_AUTH;
    }
    if (len < ivl + 16 || (len - ivl) % 16)
        return TLS_DEC_BAD_FORMAT;
    if (ivl)
        gcry_cipher_setiv(c->c, rec, 16);
    if (gcry_cipher_decrypt(c->c, rec + ivl, len - ivl, NULL, 0))
        return TLS_DEC_BAD_FORMAT;
    uint8_t *p = rec + ivl;
    size_t n = len - ivl;
    unsigned pad = p[n - 1];
    if ((size_t)pad + 1 + (c->etm ? 0 : ml) > n)
        return TLS_DEC_BAD_AUTH;
    for (size_t i = 0; i <= pad; i++)
        if (p[n - 1 - i] != pad)
            return TLS_DEC_BAD_AUTH;
    n -= pad + 1u;
    if (!c->etm) {
        n -= ml;
        if (!mac_ok(c, type, p, n, p + n))
            return TLS_DEC_BAD_AUTH;
    }
    *off = ivl;
    *plain_len = n;
    return TLS_DEC_OK;
}

enum tls_dec_result tls_cipher_decrypt(struct tls_cipher *c, const uint8_t hdr[5], uint8_t *rec,
                                       size_t len, size_t *off, size_t *plain_len,
                                       uint8_t *type)
{
    enum tls_dec_result r;
    *off = 0;
    *plain_len = 0;
    *type = hdr[0];
    if (!c->ready)
        return TLS_DEC_BAD_FORMAT;
    if (c->version == TLS_V_13)
        r = decrypt13(c, hdr, rec, len, plain_len, type);
    else if (c->suite->mode == TLS_CBC)
        r = decrypt12_cbc(c, hdr[0], rec, len, off, plain_len);
    else
        r = decrypt12_aead(c, hdr[0], rec, len, off, plain_len);
    c->seq++;
    return r;
}
