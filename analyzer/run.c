/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run.c - one capture through the analyzer: link decode, flows, findings; errors are reported
 * with the file and packet, and everything found before them is kept. Used by main.c and by the
 * whole-path fuzz target.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "ip_defrag.h"
#include "keys.h"
#include "pcapng.h"
#include "run.h"
#include "input.h"

volatile sig_atomic_t wsaudit_stop_requested;

static const char *linktype_name(int dlt)
{
    const char *n = pcap_datalink_val_to_name(dlt);
    return n ? n : "unknown";
}

/* Packets come from libpcap, or from our pcapng reader (pcapng.c) for files libpcap refuses:
 * interfaces of different link types, for one. A pcapng file that libpcap stops reading
 * part-way is read again by ours from its start, skipping the packets already analysed. */
struct source {
    pcap_t *p;
    struct pcapng_reader *ng;
    FILE *ng_file;
    const char *path; /* a file ours may re-read, or NULL */
    int is_stdin;     /* standard input: a stop request first drains what is in the pipe */
    struct input *in; /* the decompressing reader behind p, or NULL */
    struct pcap_pkthdr hdr;
};

static int is_pcapng(const char *path)
{
    unsigned char m[4];
    FILE *f = path ? input_fopen(path) : NULL;
    if (!f)
        return 0;
    int yes = fread(m, 1, 4, f) == 4 && memcmp(m, "\x0A\x0D\x0D\x0A", 4) == 0;
    fclose(f);
    return yes;
}

/* The precision a capture keeps its times in, from its first bytes: 9 (nanoseconds) for a pcap
 * file with the nanosecond magic, or a pcapng file whose first interface says if_tsresol
 * finer than a microsecond; else 6. */
static int ts_digits_of(const uint8_t *b, size_t n)
{
    if (n < 4)
        return 6;
    if (!memcmp(b, "\xa1\xb2\x3c\x4d", 4) || !memcmp(b, "\x4d\x3c\xb2\xa1", 4))
        return 9;
    if (memcmp(b, "\x0A\x0D\x0D\x0A", 4) || n < 12)
        return 6;
    int le = !memcmp(b + 8, "\x4d\x3c\x2b\x1a", 4);
#define RD32(p)                                                                                   \
    (le ? (uint32_t)(p)[0] | (uint32_t)(p)[1] << 8 | (uint32_t)(p)[2] << 16 | (uint32_t)(p)[3] << 24 \
        : (uint32_t)(p)[0] << 24 | (uint32_t)(p)[1] << 16 | (uint32_t)(p)[2] << 8 | (uint32_t)(p)[3])
#define RD16(p) (le ? (uint16_t)((p)[0] | (p)[1] << 8) : (uint16_t)((p)[0] << 8 | (p)[1]))
    size_t at = RD32(b + 4); /* past the section header block */
    while (at + 12 <= n) {
        uint32_t type = RD32(b + at), len = RD32(b + at + 4);
        if (len < 12 || at + len > n)
            break;
        if (type == 1) { /* the first Interface Description Block: its options */
            size_t o = at + 16;
            while (o + 4 <= at + len - 4) {
                uint16_t code = RD16(b + o), olen = RD16(b + o + 2);
                if (code == 0)
                    break;
                if (code == 9 && olen == 1 && o + 5 <= n) {
                    uint8_t v = b[o + 4];
                    /* 10^-v, or 2^-v with the top bit: finer than 1 us is nanoseconds here */
                    return (v & 0x80) ? ((v & 0x7f) > 20 ? 9 : 6) : (v > 6 ? 9 : 6);
                }
                o += 4 + (((size_t)olen + 3) & ~(size_t)3);
            }
            return 6;
        }
        at += len;
    }
    return 6;
#undef RD32
#undef RD16
}

static int file_ts_digits(const char *path)
{
    uint8_t b[4096];
    FILE *f = path ? input_fopen(path) : NULL;
    if (!f)
        return 6;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    return ts_digits_of(b, n);
}

/* Switch to our reader, past the first `done` packets; 0 on success. */
static int source_fallback(struct source *s, uint64_t done, char *err, size_t n)
{
    s->ng_file = input_fopen(s->path);
    if (!s->ng_file) {
        snprintf(err, n, "cannot reopen the file");
        return -1;
    }
    s->ng = pcapng_open(s->ng_file, err, n);
    if (!s->ng)
        return -1;
    struct pcapng_packet pk;
    for (uint64_t i = 0; i < done; i++)
        if (pcapng_next(s->ng, &pk, err, n) != 1)
            return -1;
    return 0;
}

/* 1: a packet (header, bytes, link type); 0: the end; -1: an error, described in err */
static int source_next(struct source *s, uint64_t done, const struct pcap_pkthdr **h,
                       const u_char **data, int *dlt, char *err, size_t n)
{
    if (!s->ng) {
        struct pcap_pkthdr *ph;
        int r = pcap_next_ex(s->p, &ph, data);
        if (r == 1) {
            *h = ph;
            *dlt = pcap_datalink(s->p);
            return 1;
        }
        if (r == PCAP_ERROR_BREAK)
            return 0;
        if (s->in && *input_error(s->in)) /* the decompressor says why */
            snprintf(err, n, "%s (%s)", pcap_geterr(s->p), input_error(s->in));
        else
            snprintf(err, n, "%s", pcap_geterr(s->p));
        if (!s->path || !is_pcapng(s->path))
            return -1;
        char err2[256];
        if (source_fallback(s, done, err2, sizeof err2) < 0)
            return -1; /* libpcap's reason stands */
    }
    struct pcapng_packet pk;
    int r = pcapng_next(s->ng, &pk, err, n);
    if (r != 1)
        return r;
    s->hdr.ts.tv_sec = (time_t)pk.sec;
    s->hdr.ts.tv_usec = (suseconds_t)pk.nsec; /* nanoseconds, as libpcap gives them here */
    s->hdr.caplen = pk.caplen;
    s->hdr.len = pk.len;
    *h = &s->hdr;
    *data = pk.data;
    *dlt = pk.dlt;
    return 1;
}

static void source_close(struct source *s)
{
    if (s->p)
        pcap_close(s->p);
    pcapng_close(s->ng);
    if (s->ng_file)
        fclose(s->ng_file);
}

static int run_source(struct analyzer *an, struct report *rep, struct source *src,
                      const char *name, const char *filter, int first_dlt);

/* Standard input, or a compressed file: read through input.c (which looks at the first bytes
 * and decompresses gzip, zstd, xz, bzip2 and lz4), then libpcap. */
static int run_stream(struct analyzer *an, struct report *rep, const char *path, const char *name,
                      const char *filter)
{
    char err[PCAP_ERRBUF_SIZE + 64];
    struct input *in = NULL;
    FILE *f = input_open(path, &in, err, sizeof err);
    if (!f) {
        report_error(rep, name, 0, err, 1);
        return -1;
    }
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fclose(f);
        report_error(rep, name, 0, err, 1);
        return -1;
    }
    size_t hl;
    const uint8_t *head = input_head(in, &hl);
    rep->ts_digits = ts_digits_of(head, hl);
    struct source src = {p, NULL, NULL, NULL, strcmp(path, "-") == 0, in, {{0, 0}, 0, 0}};
    return run_source(an, rep, &src, name, filter, pcap_datalink(p));
}

/* Analyze one file; returns 0 when it was read to the end. */
int run_file(struct analyzer *an, struct report *rep, const char *path, const char *filter)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    int std = strcmp(path, "-") == 0;
    const char *name = std ? "<stdin>" : path;
    if (std || input_file_compression(path))
        return run_stream(an, rep, path, name, filter);
    /* through input_fopen: the file may have been opened before confinement */
    FILE *pf = input_fopen(path);
    pcap_t *p = NULL;
    if (!pf)
        snprintf(errbuf, sizeof errbuf, "%s: %s", path, strerror(errno));
    else if (!(p = pcap_fopen_offline_with_tstamp_precision(pf, PCAP_TSTAMP_PRECISION_NANO,
                                                             errbuf)))
        fclose(pf); /* libpcap leaves the FILE to us when it fails */
    if (!p) {
        /* a pcapng file libpcap cannot open may still be one ours reads */
        FILE *f = pf && is_pcapng(path) ? input_fopen(path) : NULL;
        if (f) {
            rep->ts_digits = file_ts_digits(path);
            an->path = path;
            int rc = run_pcapng(an, rep, f, name, filter);
            an->path = NULL;
            fclose(f);
            return rc;
        }
        report_error(rep, name, 0, errbuf, 1);
        return -1;
    }
    struct source src = {p, NULL, NULL, std ? NULL : path, 0, NULL, {{0, 0}, 0, 0}};
    rep->ts_digits = std ? 6 : file_ts_digits(path);
    an->path = src.path;
    int rc = run_source(an, rep, &src, name, filter, pcap_datalink(p));
    an->path = NULL;
    return rc;
}

int run_pcap(struct analyzer *an, struct report *rep, pcap_t *p, const char *name,
             const char *filter)
{
    struct source src = {p, NULL, NULL, NULL, 0, NULL, {{0, 0}, 0, 0}};
    return run_source(an, rep, &src, name, filter, pcap_datalink(p));
}

int run_pcapng(struct analyzer *an, struct report *rep, FILE *f, const char *name,
               const char *filter)
{
    char err[256];
    struct source src = {NULL, pcapng_open(f, err, sizeof err), NULL, NULL, 0, NULL, {{0, 0}, 0, 0}};
    if (!src.ng) {
        report_file(rep, name, "unknown");
        report_error(rep, name, 0, err, 1);
        return -1;
    }
    return run_source(an, rep, &src, name, filter, -1);
}

#define DEFRAG_MEMCAP ((size_t)16 << 20)

struct defrag_ctx {
    struct report *rep;
    const char *name;
};

static void on_defrag_finding(void *ctx, uint64_t pkt, enum wsa_finding_id id, const char *detail)
{
    struct defrag_ctx *c = ctx;
    report_finding(c->rep, NULL, c->name, pkt, id, detail);
}

/* One decoded packet: TCP to the analyzer, fragments through reassembly, damage reported. */
static void dispatch(struct analyzer *an, struct report *rep, struct defrag *df, const char *name,
                     enum decode_result d, const struct tcp_pkt *tp, const char *why,
                     const struct pcap_pkthdr *h, uint64_t pkt)
{
    double ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e9;
    if (df)
        defrag_expire(df, ts); /* datagrams that waited too long are reported in time order */
    if (d == DEC_FRAGMENT && df) {
        const uint8_t *ip;
        uint32_t ip_len;
        int dlt;
        if (!defrag_add(df, tp, pkt, ts, &ip, &ip_len, &dlt))
            return;
        /* the whole datagram, decoded as if it had come in one packet */
        struct tcp_pkt whole;
        const char *why2;
        enum decode_result d2 = decode_packet(dlt, ip, ip_len, ip_len, &whole, &why2);
        if (d2 == DEC_TCP) {
            rep->tcp_packets++;
            analyzer_packet(an, &whole, pkt, ts);
        } else if (d2 == DEC_ERR_BOGUS || d2 == DEC_ERR_TRUNC) {
            report_finding(rep, NULL, name, pkt, F_D_PACKET_MALFORMED, why2);
        }
        return;
    }
    if (d == DEC_TCP) {
        rep->tcp_packets++;
        analyzer_packet(an, tp, pkt, ts);
    } else if (d == DEC_FRAGMENT) {
        report_finding(rep, NULL, name, pkt, F_D_IP_FRAGMENT, "out of memory for reassembly");
    } else if (d == DEC_ERR_BOGUS || (d == DEC_ERR_TRUNC && h->caplen == h->len)) {
        report_finding(rep, NULL, name, pkt, F_D_PACKET_MALFORMED, why);
    } else if (d == DEC_ERR_TRUNC) {
        report_finding(rep, NULL, name, pkt, F_D_CAPTURE_TRUNCATED, why);
    }
}

/* BPF programs per link type (a pcapng file may hold several) */
#define FILTER_SLOTS 8

struct filters {
    const char *expr;
    int n;
    int dlt[FILTER_SLOTS];
    struct bpf_program prog[FILTER_SLOTS];
};

/* 1 keep, 0 drop, -1 the expression does not compile for this link type (err set) */
static int filter_match(struct filters *fl, int dlt, const struct pcap_pkthdr *h,
                        const u_char *data, char *err, size_t n)
{
    int i = 0;
    while (i < fl->n && fl->dlt[i] != dlt)
        i++;
    if (i == fl->n) {
        if (fl->n == FILTER_SLOTS) {
            snprintf(err, n, "too many link types for one filter");
            return -1;
        }
        pcap_t *dead = pcap_open_dead(dlt, 262144);
        if (!dead || pcap_compile(dead, &fl->prog[i], fl->expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(err, n, "bad filter '%s': %s", fl->expr,
                     dead ? pcap_geterr(dead) : "no memory");
            if (dead)
                pcap_close(dead);
            return -1;
        }
        pcap_close(dead);
        fl->dlt[i] = dlt;
        fl->n++;
    }
    return pcap_offline_filter(&fl->prog[i], h, data) != 0;
}

static int run_source(struct analyzer *an, struct report *rep, struct source *src,
                      const char *name, const char *filter, int first_dlt)
{
    an->file = name;
    report_file(rep, name, first_dlt >= 0 ? linktype_name(first_dlt) : "pcapng");
    /* a pcapng file's own TLS secrets, wherever they are in it: read before the packets */
    an->keys = an->keylogs;
    if (an->path && is_pcapng(an->path)) {
        an->file_keys = keys_from_pcapng(an->path, an->keylogs, an->keylog_cap, rep);
        if (an->file_keys)
            an->keys = an->file_keys;
    }
    /* (a pcapng file may hold other link types further on) */
    if (first_dlt >= 0 && !decode_link_supported(first_dlt) &&
        !(src->path && is_pcapng(src->path))) {
        char msg[128];
        snprintf(msg, sizeof msg, "link type %s (%d) is not supported", linktype_name(first_dlt),
                 first_dlt);
        report_error(rep, name, 0, msg, 1);
        source_close(src);
        return -1;
    }
    struct filters fl = {filter, 0, {0}, {{0, NULL}}};
    char err[PCAP_ERRBUF_SIZE + 128];
    if (filter && first_dlt >= 0) { /* a bad expression is reported before any packet */
        struct pcap_pkthdr none = {{0, 0}, 0, 0};
        if (filter_match(&fl, first_dlt, &none, (const u_char *)"", err, sizeof err) < 0) {
            report_error(rep, name, 0, err, 1);
            source_close(src);
            return -1;
        }
    }

    rep->cur_name = name;
    rep->cur_pkt = 0;
    struct defrag_ctx dctx = {rep, name};
    struct defrag *df = defrag_new(DEFRAG_MEMCAP, on_defrag_finding, &dctx);
    uint64_t pkt = 0;
    int rc = 0, unsupported_reported = -1;
    const struct pcap_pkthdr *h = NULL;
    const u_char *data = NULL;
    int dlt = -1;
    /* stdin goes on after a stop request until its pipe is empty (it is non-blocking then) */
    while (!wsaudit_stop_requested || src->is_stdin) {
        int r = source_next(src, pkt, &h, &data, &dlt, err, sizeof err);
        if (r == 0 || ferror(rep->out))
            break; /* the end; or the output cannot be written: reading on is useless */
        if (r < 0 && wsaudit_stop_requested)
            break; /* a read cut by SIGINT/SIGTERM: reported as interrupted below */
        if (r < 0) {
            char msg[sizeof err + 64];
            snprintf(msg, sizeof msg, "read failed after packet %llu: %s", (unsigned long long)pkt,
                     err);
            report_error(rep, name, pkt + 1, msg, 0);
            rc = -1;
            break;
        }
        pkt++;
        rep->packets++;
        rep->cur_pkt = pkt;
        rep->now_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
        if (filter) {
            int m = filter_match(&fl, dlt, h, data, err, sizeof err);
            if (m < 0) {
                report_error(rep, name, pkt, err, 0);
                rc = -1;
                break;
            }
            if (!m)
                continue;
        }
        if (!decode_link_supported(dlt)) {
            if (unsupported_reported != dlt) { /* once per change of link type */
                char msg[160];
                snprintf(msg, sizeof msg,
                         "link type %s (%d) is not supported; its packets are skipped",
                         linktype_name(dlt), dlt);
                report_error(rep, name, pkt, msg, 0);
                unsupported_reported = dlt;
                rc = -1;
            }
            continue;
        }
        struct tcp_pkt tp;
        const char *why;
        enum decode_result d = decode_packet(dlt, data, h->caplen, h->len, &tp, &why);
        dispatch(an, rep, df, name, d, &tp, why, h, pkt);
    }
    if (wsaudit_stop_requested) {
        report_error(rep, name, pkt, "interrupted; findings so far are written", 0);
        rc = -1;
    }
    if (df) {
        defrag_flush(df); /* incomplete datagrams are reported before the flows end */
        defrag_free(df);
    }
    analyzer_end_file(an);
    tls_keylog_free(an->file_keys);
    an->file_keys = NULL;
    an->keys = an->keylogs;
    for (int i = 0; i < fl.n; i++)
        pcap_freecode(&fl.prog[i]);
    source_close(src);
    return rc;
}
