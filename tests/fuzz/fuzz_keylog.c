/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the key log parser and the record decryption path with hostile input.
 * The input is split at its first NUL: before it, key log text (any bytes, any line length);
 * after it, a "record" (5-byte header and body). Every secret the parser took is used to make
 * the keys of every suite we decrypt, and the record is decrypted with them: lengths shorter
 * than a tag, nonce or MAC, bad padding and wrong tags must all end in an error, never a read
 * outside the record. Invariant: a record reported authentic lies within the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_crypto.h"
#include "tls_keylog.h"

static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xC02B, 0xC02C,
                                  0xCCA9, 0xC0AC, 0xC0AE, 0xC009, 0xC023, 0xC024};

static void try_record(const struct tls_keys *k, const uint8_t *rec, size_t len)
{
    if (len < 5)
        return;
    uint8_t *buf = malloc(len);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        const struct tls_suite *s = tls_suite_find(suites[i]);
        struct tls_cipher c[2];
        memset(c, 0, sizeof c);
        int kind = s->tls13 ? TLS_SECRET_CLIENT_HS : TLS_SECRET_MASTER;
        if (!k->len[kind])
            continue;
        int ok = s->tls13 ? tls_cipher_init13(&c[0], s, k->secret[kind], k->len[kind])
                          : tls_cipher_init12(c, s, 0x0303, k->secret[kind], k->random,
                                              k->random, (int)(rec[0] & 1));
        if (ok == 0) {
            size_t off, n;
            uint8_t type;
            memcpy(buf, rec + 5, len - 5);
            if (tls_cipher_decrypt(&c[0], rec, buf, len - 5, &off, &n, &type) == TLS_DEC_OK &&
                off + n > len - 5)
                abort(); /* plaintext outside the record */
            if (s->tls13)
                tls_cipher_update13(&c[0]);
        }
        tls_cipher_free(&c[0]);
        tls_cipher_free(&c[1]);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;
    struct tls_keylog *k = tls_keylog_new(1 << 20);
    tls_keylog_add_text(k, (const char *)data, text_len, NULL, NULL);
    if (nul && tls_keylog_count(k)) {
        /* the first random of the text, if the parser kept one */
        for (const uint8_t *p = data; p + 64 < data + text_len; p++) {
            uint8_t r[32];
            int good = 1;
            for (int i = 0; i < 32 && good; i++) {
                unsigned v;
                good = sscanf((const char *)p + 2 * i, "%2x", &v) == 1;
                r[i] = (uint8_t)v;
            }
            const struct tls_keys *e = good ? tls_keylog_find(k, r) : NULL;
            if (e) {
                try_record(e, nul + 1, size - text_len - 1);
                break;
            }
        }
    }
    tls_keylog_free(k);
    return 0;
}
