/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keys.c - key log files and pcapng Decryption Secrets Blocks; see keys.h. */
#include "keys.h"
#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"

#define BAD_LINES_SHOWN 10 /* bad lines printed per source; the rest are counted */

struct load_ctx {
    const char *source;
    unsigned long line; /* the line being parsed (1-based) */
    unsigned long bad;
};

static void on_bad(void *ctx, unsigned long line, const char *why)
{
    struct load_ctx *c = ctx;
    (void)line; /* lines are handed over one at a time: the count is ours */
    if (++c->bad <= BAD_LINES_SHOWN)
        fprintf(stderr, "wsaudit: %s:%lu: %s; line skipped\n", c->source, c->line, why);
    else if (c->bad == BAD_LINES_SHOWN + 1)
        fprintf(stderr, "wsaudit: %s: more bad lines; only their count is reported\n",
                c->source);
}

int keys_load_file(struct tls_keylog *k, const char *path, struct report *rep)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "wsaudit: cannot read key log %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct load_ctx c = {path, 0, 0};
    size_t before = tls_keylog_count(k), secrets = 0, cap = 0;
    char *line = NULL;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        c.line++;
        secrets += tls_keylog_add_text(k, line, (size_t)n, on_bad, &c);
    }
    free(line);
    int rc = ferror(f) ? -1 : 0;
    if (rc)
        fprintf(stderr, "wsaudit: reading key log %s failed after line %lu\n", path, c.line);
    fclose(f);
    report_keylog(rep, path, "keylog_file", secrets, tls_keylog_count(k) - before, c.bad);
    return rc;
}

struct tls_keylog *keys_load_files(const char *const *paths, int n, size_t mem_cap,
                                   struct report *rep)
{
    struct tls_keylog *k = tls_keylog_new(mem_cap);
    for (int i = 0; i < n; i++)
        if (keys_load_file(k, paths[i], rep) < 0) {
            tls_keylog_free(k);
            return NULL;
        }
    return k;
}

struct dsb_ctx {
    struct tls_keylog *k;
    struct load_ctx lc;
    size_t secrets, blocks;
};

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, uint32_t len,
                       uint64_t block_offset)
{
    struct dsb_ctx *d = ctx;
    if (type != PCAPNG_SECRETS_TLS)
        return; /* SSH, WireGuard, ... secrets are not ours */
    (void)block_offset;
    d->blocks++;
    /* one line at a time, so that a bad line is reported with its number in the block */
    const char *p = (const char *)data, *end = p + len;
    d->lc.line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl + 1 : end;
        d->lc.line++;
        d->secrets += tls_keylog_add_text(d->k, p, (size_t)(le - p), on_bad, &d->lc);
        p = le;
    }
}

struct tls_keylog *keys_from_pcapng(const char *path, const struct tls_keylog *fallback,
                                    size_t mem_cap, struct report *rep)
{
    FILE *f = input_fopen(path);
    if (!f)
        return NULL; /* the analysis reports what is wrong with the file */
    char err[256];
    struct dsb_ctx d = {tls_keylog_new(mem_cap), {path, 0, 0}, 0, 0};
    pcapng_scan_secrets(f, on_secrets, &d, err, sizeof err);
    fclose(f);
    if (!d.blocks) {
        tls_keylog_free(d.k);
        return NULL;
    }
    report_keylog(rep, path, "pcapng_dsb", d.secrets, tls_keylog_count(d.k), d.lc.bad);
    tls_keylog_chain(d.k, fallback);
    return d.k;
}
