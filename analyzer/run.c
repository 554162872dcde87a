/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run.c - one capture through the analyzer: link decode, flows, findings; errors are reported
 * with the file and packet, and everything found before them is kept. Used by main.c and by the
 * whole-path fuzz target.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "evidence.h"
#include "fastpcap.h"
#include "flow.h"
#include "ip_defrag.h"
#include "keys.h"
#include "par.h"
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
    const char *keys_path; /* a pcapng file whose own TLS secrets are read, or NULL */
    struct fastpcap fp;    /* the zero-copy reader, while fast is set; p then only backs it */
    int fast, dlt;
    int ng_fast;       /* a pcapng file libpcap opened, read by ours while it vouches */
    uint64_t ng_count; /* packets ours handed out meanwhile */
};

int wsaudit_libpcap_only;

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
/* A packet of our pcapng reader as libpcap hands packets out; 1 */
static int ng_packet(struct source *s, const struct pcapng_packet *pk, const struct pcap_pkthdr **h,
                     const u_char **data, int *dlt)
{
    s->hdr.ts.tv_sec = (time_t)pk->sec;
    s->hdr.ts.tv_usec = (suseconds_t)pk->nsec; /* nanoseconds, as libpcap gives them here */
    s->hdr.caplen = pk->caplen;
    s->hdr.len = pk->len;
    *h = &s->hdr;
    *data = pk->data;
    *dlt = pk->dlt;
    return 1;
}

/* The pcapng fast path: our reader's packets while each is one it reads exactly as libpcap
 * does (pcapng_packet.plain); at the first other one, or an error, libpcap reads on from there
 * (moved past the packets handed out: it has read only the file's first blocks). 1, 0 (the
 * end), or -1: libpcap's turn. */
static int source_next_ng_fast(struct source *s, const struct pcap_pkthdr **h, const u_char **data,
                               int *dlt)
{
    struct pcapng_packet pk;
    char e[256];
    int r = pcapng_next(s->ng, &pk, e, sizeof e);
    if (r == 0)
        return 0;
    if (r == 1 && pk.plain) {
        s->ng_count++;
        return ng_packet(s, &pk, h, data, dlt);
    }
    s->ng_fast = 0;
    pcapng_close(s->ng);
    s->ng = NULL;
    fclose(s->ng_file);
    s->ng_file = NULL;
    fastpcap_libpcap_skip(s->p, s->ng_count);
    return -1;
}

static __attribute__((noinline)) int source_next_slow(struct source *s, uint64_t done,
                                                       const struct pcap_pkthdr **h,
                                                       const u_char **data, int *dlt, char *err,
                                                       size_t n)
{
    if (s->ng_fast) {
        int r = source_next_ng_fast(s, h, data, dlt);
        if (r >= 0)
            return r;
    }
    if (!s->ng) {
        int r = fastpcap_next_or_libpcap(&s->fp, &s->fast, s->p, h, data);
        if (r == 1) {
            *dlt = s->dlt;
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
    return r == 1 ? ng_packet(s, &pk, h, data, dlt) : r;
}

/* The next packet: 1, 0 at the end, -1 with err set. A plain pcap file's packets come
 * straight from the fast reader; anything else, and its end, through source_next_slow (which
 * asks the fast reader again: it answers the same until a packet is handed out). */
static inline int source_next(struct source *s, uint64_t done, const struct pcap_pkthdr **h,
                              const u_char **data, int *dlt, char *err, size_t n)
{
    if (s->fast && fastpcap_next(&s->fp, h, data) == 1) {
        *dlt = s->dlt;
        return 1;
    }
    return source_next_slow(s, done, h, data, dlt, err, n);
}

static void source_close(struct source *s)
{
    if (s->fast)
        fastpcap_close(&s->fp);
    if (s->p)
        pcap_close(s->p);
    pcapng_close(s->ng);
    if (s->ng_file)
        fclose(s->ng_file);
}

static int run_source(struct analyzer *an, struct report *rep, struct source *src,
                      const char *name, const char *filter, int first_dlt);

/* A pcapng file libpcap opened: read it with ours while ours vouches. */
static void source_ng_fast(struct source *s, const char *path)
{
    char e[256];
    s->ng_file = input_fopen(path);
    if (!s->ng_file)
        return;
    s->ng = pcapng_open(s->ng_file, e, sizeof e);
    if (s->ng) {
        s->ng_fast = 1;
        return;
    }
    fclose(s->ng_file);
    s->ng_file = NULL;
}

/* Open path ("-": stdin) for reading packets: libpcap, through input.c when it is stdin or
 * compressed, or our pcapng reader for a pcapng file libpcap refuses. *dlt is the first link
 * type (-1: our reader, which knows it per packet), *digits the time precision. 0 when open;
 * -1 with err set; -2 when our reader refused it too (its file record comes before the error). */
static int source_open(struct source *s, const char *path, int *dlt, int *digits, char *err,
                       size_t n)
{
    memset(s, 0, sizeof *s);
    int std = strcmp(path, "-") == 0;
    if (std || input_file_compression(path)) {
        FILE *f = input_open(path, &s->in, err, n);
        if (!f)
            return -1;
        char perr[PCAP_ERRBUF_SIZE];
        s->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, perr);
        if (!s->p) {
            fclose(f);
            snprintf(err, n, "%s", perr);
            return -1;
        }
        size_t hl;
        const uint8_t *head = input_head(s->in, &hl);
        *digits = ts_digits_of(head, hl);
        s->is_stdin = std;
        *dlt = s->dlt = pcap_datalink(s->p);
        return 0;
    }
    /* through input_fopen: the file may have been opened before confinement */
    char perr[PCAP_ERRBUF_SIZE];
    FILE *pf = input_fopen(path);
    if (!pf)
        snprintf(perr, sizeof perr, "%s: %s", path, strerror(errno));
    else if (!(s->p = pcap_fopen_offline_with_tstamp_precision(pf, PCAP_TSTAMP_PRECISION_NANO,
                                                                perr)))
        fclose(pf); /* libpcap leaves the FILE to us when it fails */
    s->keys_path = path;
    *digits = file_ts_digits(path);
    if (s->p) {
        s->path = path;
        *dlt = s->dlt = pcap_datalink(s->p);
        /* libpcap has checked the file header; packets come from the mapped file */
        if (!wsaudit_libpcap_only) {
            int owned, fd = input_open_fd(path, &owned);
            s->fast = fastpcap_open(&s->fp, fd, owned) == 0;
            if (!s->fast && is_pcapng(path))
                source_ng_fast(s, path);
        }
        return 0;
    }
    /* a pcapng file libpcap cannot open may still be one ours reads */
    FILE *f = pf && is_pcapng(path) ? input_fopen(path) : NULL;
    if (!f) {
        snprintf(err, n, "%s", perr);
        return -1;
    }
    s->ng_file = f;
    s->ng = pcapng_open(f, err, n);
    *dlt = -1;
    return s->ng ? 0 : -2;
}

/* What a run read again in one thread writes first is already out: skipped. */
struct skip_out {
    FILE *to;
    uint64_t skip;
};

static ssize_t skip_write(void *c, const char *buf, size_t n)
{
    struct skip_out *s = c;
    size_t k = s->skip < n ? (size_t)s->skip : n;
    s->skip -= k;
    if (n > k && fwrite(buf + k, 1, n - k, s->to) != n - k)
        return -1;
    return (ssize_t)n;
}

/* May this file be shared by threads? Standard input cannot be read again (as a run whose
 * limits were near must be); -w and --merge number and order across files. A name with bytes
 * below 0x20 could be mistaken for the merge's marks in text output. */
static int may_share(const struct analyzer *an, const struct report *rep, const char *path)
{
    if (an->threads < 2 || strcmp(path, "-") == 0 || rep->ev || rep->ev_write || rep->merge)
        return 0;
    for (const unsigned char *c = (const unsigned char *)path; *c; c++)
        if (*c < 0x20)
            return 0;
    return 1;
}

/* -j: one file on several threads (par.h); read again in one thread when a limit was near. */
static int run_file_shared(struct analyzer *an, struct report *rep, const char *path,
                           const char *filter)
{
    struct par *p = par_start(an, rep, an->threads);
    if (!p)
        return run_file_one(an, rep, path, filter);
    uint64_t written;
    int rc, again = par_run(p, path, filter, &written, &rc);
    uint64_t said = p ? par_errors_said(p) : 0;
    par_free(p);
    if (!again)
        return rc;
    /* the same bytes up to where the shared run got, then what one thread alone finds */
    fflush(rep->out);
    struct skip_out so = {rep->out, written};
    cookie_io_functions_t io = {NULL, skip_write, NULL, NULL};
    FILE *f = fopencookie(&so, "w", io);
    if (!f) {
        report_error(rep, path, 0, "out of memory to read the file again in one thread", 0);
        return -1;
    }
    FILE *out = rep->out;
    rep->out = f;
    rep->err_skip = said;
    rc = run_file_one(an, rep, path, filter);
    fclose(f);
    rep->out = out;
    rep->err_skip = 0;
    return rc;
}

/* Analyze one file; returns 0 when it was read to the end. */
int run_file(struct analyzer *an, struct report *rep, const char *path, const char *filter)
{
    if (may_share(an, rep, path))
        return run_file_shared(an, rep, path, filter);
    return run_file_one(an, rep, path, filter);
}

int run_file_one(struct analyzer *an, struct report *rep, const char *path, const char *filter)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    char err[PCAP_ERRBUF_SIZE + 64];
    struct source src;
    int dlt, digits, r = source_open(&src, path, &dlt, &digits, err, sizeof err);
    if (r < 0) {
        if (r == -2)
            report_file(rep, name, "unknown");
        report_error(rep, name, 0, err, 1);
        source_close(&src);
        return -1;
    }
    rep->ts_digits = an->rep->ts_digits = digits;
    an->path = src.keys_path;
    int rc = run_source(an, rep, &src, name, filter, dlt);
    an->path = NULL;
    return rc;
}

int run_pcap(struct analyzer *an, struct report *rep, pcap_t *p, const char *name,
             const char *filter)
{
    struct source src = {p, NULL, NULL, NULL, 0, NULL, {{0, 0}, 0, 0}};
    src.dlt = pcap_datalink(p);
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
            if (rep->ev) { /* -w: every fragment goes with the datagram's connection */
                size_t n;
                const uint64_t *fp = defrag_done_pkts(df, &n);
                evidence_like(rep->ev, fp, n);
            }
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

void wait_a_while(pthread_cond_t *cv, pthread_mutex_t *mu, long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += ms * 1000000;
    t.tv_sec += t.tv_nsec / 1000000000;
    t.tv_nsec %= 1000000000;
    pthread_cond_timedwait(cv, mu, &t);
}

/* A BPF compilation, on a thread of its own so that SIGINT/SIGTERM are honoured while it runs
 * (libpcap's optimiser can take minutes on a filter listing thousands of hosts). */
struct compile_job {
    pcap_t *dead;
    struct bpf_program prog;
    const char *expr;
    int rc, done;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* a compilation given up on an interrupt: left to its thread, reachable until the exit */
static struct compile_job *abandoned_compile;

static void *compile_thread(void *arg)
{
    struct compile_job *j = arg;
    int rc = pcap_compile(j->dead, &j->prog, j->expr, 1, PCAP_NETMASK_UNKNOWN);
    pthread_mutex_lock(&j->mu);
    j->rc = rc;
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* 0 compiled into *prog; -1 it does not compile (err set); -2 interrupted */
static int compile_interruptible(int dlt, const char *expr, struct bpf_program *prog, char *err,
                                 size_t n)
{
    struct compile_job *j = calloc(1, sizeof *j);
    if (!j || !(j->dead = pcap_open_dead(dlt, 262144))) {
        free(j);
        snprintf(err, n, "bad filter '%s': no memory", expr);
        return -1;
    }
    j->expr = expr;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, compile_thread, j) != 0)
        compile_thread(j); /* no thread: compile here, uninterruptibly */
    else
        pthread_detach(th);
    pthread_mutex_lock(&j->mu);
    while (!j->done && !wsaudit_stop_requested) {
        wait_a_while(&j->cv, &j->mu, 50);
    }
    int done = j->done;
    pthread_mutex_unlock(&j->mu);
    if (!done) {
        abandoned_compile = j;
        snprintf(err, n, "interrupted while compiling the filter; nothing was analysed");
        return -2;
    }
    int rc = 0;
    if (j->rc < 0) {
        snprintf(err, n, "bad filter '%s': %s", expr, pcap_geterr(j->dead));
        rc = -1;
    } else {
        *prog = j->prog;
    }
    pcap_close(j->dead);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
    return rc;
}

/* 1 keep, 0 drop, -1 the expression does not compile for this link type (err set), -2 the
 * compilation was interrupted */
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
        int rc = compile_interruptible(dlt, fl->expr, &fl->prog[i], err, n);
        if (rc < 0)
            return rc;
        fl->dlt[i] = dlt;
        fl->n++;
    }
    return pcap_offline_filter(&fl->prog[i], h, data) != 0;
}

/* What one capture's packets go through, whether it is one file or several merged: the filter,
 * IP reassembly and the analyzer. */
struct pass {
    struct analyzer *an;
    struct report *rep;
    struct filters fl;
    struct defrag *df;
    struct defrag_ctx dctx;
    int unsupported_reported; /* the link type last said to be unsupported */
    int dlt_seen, dlt_ok;     /* the last packet's link type, and whether we decode it */
    int rc;                   /* -1 once something was not analysed */
};

static void pass_init(struct pass *ps, struct analyzer *an, struct report *rep, const char *name,
                      const char *filter)
{
    memset(ps, 0, sizeof *ps);
    ps->an = an;
    ps->rep = rep;
    ps->fl.expr = filter;
    ps->dctx.rep = rep;
    ps->dctx.name = name;
    ps->df = defrag_new(DEFRAG_MEMCAP, on_defrag_finding, &ps->dctx);
    ps->unsupported_reported = -1;
    ps->dlt_seen = INT_MIN; /* (no link type has this number) */
}

/* The file's first link type is one we decode, and the filter compiles for it (a bad
 * expression is reported before any packet); else the error is reported and 0 returned. */
static int pass_accepts(struct pass *ps, const struct source *src, const char *name, int dlt)
{
    /* (a pcapng file may hold other link types further on) */
    if (dlt >= 0 && !decode_link_supported(dlt) && !(src->path && is_pcapng(src->path))) {
        char msg[128];
        snprintf(msg, sizeof msg, "link type %s (%d) is not supported", linktype_name(dlt), dlt);
        report_error(ps->rep, name, 0, msg, 1);
        return 0;
    }
    char err[PCAP_ERRBUF_SIZE + 128];
    if (ps->fl.expr && dlt >= 0) {
        struct pcap_pkthdr none = {{0, 0}, 0, 0};
        int r = filter_match(&ps->fl, dlt, &none, (const u_char *)"", err, sizeof err);
        if (r < 0) { /* an interrupt is not the file's fault: a partial run, not a bad input */
            report_error(ps->rep, name, 0, err, r == -1);
            return 0;
        }
    }
    return 1;
}

/* (The less common parts of pass_packet are functions of their own, with the buffers they
 * need: pass_packet runs for every packet and so sets up a small frame.) */

/* -w, second pass: the packet is evidence or not; nothing else */
static __attribute__((noinline)) int pass_evidence(struct pass *ps, const struct pcap_pkthdr *h,
                                                   const u_char *data, int dlt)
{
    char err[PCAP_ERRBUF_SIZE + 128];
    if (evidence_take(ps->rep->ev_write, h, data, dlt, err, sizeof err) < 0) {
        ps->rc = -1;
        return -1;
    }
    return 0;
}

/* -f: 1 when the packet passes the filter, 0 when not, -1 when it could not be run (reported) */
static __attribute__((noinline)) int pass_filter(struct pass *ps, const char *name, uint64_t pkt,
                                                 const struct pcap_pkthdr *h, const u_char *data,
                                                 int dlt)
{
    char err[PCAP_ERRBUF_SIZE + 128];
    int m = filter_match(&ps->fl, dlt, h, data, err, sizeof err);
    if (m < 0) {
        report_error(ps->rep, name, pkt, err, 0);
        ps->rc = -1;
        return -1;
    }
    return m;
}

static __attribute__((noinline, cold)) void pass_unsupported(struct pass *ps, const char *name,
                                                             uint64_t pkt, int dlt)
{
    if (ps->unsupported_reported == dlt)
        return; /* once per change of link type */
    char msg[160];
    snprintf(msg, sizeof msg, "link type %s (%d) is not supported; its packets are skipped",
             linktype_name(dlt), dlt);
    report_error(ps->rep, name, pkt, msg, 0);
    ps->unsupported_reported = dlt;
    ps->rc = -1;
}

/* One packet (number pkt of the capture); 0 to go on, -1 when the run must stop (reported). */
static int pass_packet(struct pass *ps, const char *name, uint64_t pkt,
                       const struct pcap_pkthdr *h, const u_char *data, int dlt)
{
    struct report *rep = ps->rep;
    if (rep->ev_write)
        return pass_evidence(ps, h, data, dlt);
    if (rep->ev)
        evidence_packet(rep->ev);
    /* -j: what is written now belongs to this packet: run_source has said so (par_key) before
     * it handed the packet here, as the only caller on a shared run (--merge is one thread) */
    rep->packets++;
    rep->cur_name = name;
    rep->cur_pkt = pkt;
    rep->now_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
    if (ps->an->rep != rep) { /* -j: the flows' records have a report of their own */
        ps->an->rep->cur_name = name;
        ps->an->rep->cur_pkt = pkt;
        ps->an->rep->now_ns = rep->now_ns;
    }
    if (ps->fl.expr) {
        int m = pass_filter(ps, name, pkt, h, data, dlt);
        if (m <= 0)
            return m;
    }
    if (dlt != ps->dlt_seen) { /* (a pcapng file's link type may change from packet to packet) */
        ps->dlt_seen = dlt;
        ps->dlt_ok = decode_link_supported(dlt);
    }
    if (!ps->dlt_ok) {
        pass_unsupported(ps, name, pkt, dlt);
        return 0;
    }
    struct tcp_pkt tp;
    const char *why;
    enum decode_result d = decode_packet(dlt, data, h->caplen, h->len, &tp, &why);
    ps->dctx.name = name;
    ps->an->file = name;
    dispatch(ps->an, rep, ps->df, name, d, &tp, why, h, pkt);
    return 0;
}

/* The end of the capture: incomplete datagrams are reported before the flows end. */
static int pass_end(struct pass *ps)
{
    if (ps->an->shared)
        par_key(ps->an, UINT64_MAX);
    if (ps->df) {
        defrag_flush(ps->df);
        defrag_free(ps->df);
    }
    analyzer_end_file(ps->an);
    for (int i = 0; i < ps->fl.n; i++)
        pcap_freecode(&ps->fl.prog[i]);
    return ps->rc;
}

/* a pcapng file's own TLS secrets, wherever they are in it: read before its packets, and
 * looked in before those read so far (chained to them) */
static struct tls_keylog *source_keys(struct analyzer *an, const struct source *src,
                                      struct report *rep)
{
    struct tls_keylog *k = NULL;
    if (src->keys_path && is_pcapng(src->keys_path)) {
        k = keys_from_pcapng(src->keys_path, an->keys, an->keylog_cap, rep);
        if (k)
            an->keys = k;
    }
    return k;
}

static int run_source(struct analyzer *an, struct report *rep, struct source *src,
                      const char *name, const char *filter, int first_dlt)
{
    an->file = name;
    if (rep->ev || rep->ev_write) /* -w: flow numbers start again */
        evidence_file(rep->ev ? rep->ev : rep->ev_write);
    report_file(rep, name, first_dlt >= 0 ? linktype_name(first_dlt) : "pcapng");
    an->keys = an->keylogs;
    struct source keysrc = *src;
    keysrc.keys_path = an->path;
    an->file_keys = source_keys(an, &keysrc, rep);
    struct pass ps;
    pass_init(&ps, an, rep, name, filter);
    if (!pass_accepts(&ps, src, name, first_dlt)) {
        if (ps.df)
            defrag_free(ps.df);
        tls_keylog_free(an->file_keys);
        an->file_keys = NULL;
        an->keys = an->keylogs;
        source_close(src);
        return -1;
    }
    rep->cur_name = name;
    rep->cur_pkt = 0;
    char err[PCAP_ERRBUF_SIZE + 128];
    uint64_t pkt = 0;
    const struct pcap_pkthdr *h = NULL;
    const u_char *data = NULL;
    int dlt = -1;
    /* stdin goes on after a stop request until its pipe is empty (it is non-blocking then) */
    while (!wsaudit_stop_requested || src->is_stdin) {
        int r = source_next(src, pkt, &h, &data, &dlt, err, sizeof err);
        if (r == 0 || ferror_unlocked(rep->out) || (an->shared && par_stopped(an)))
            break; /* the end; or the output cannot be written: reading on is useless */
        if (an->shared) /* an error after the packet comes after its records */
            par_key(an, pkt + 1);
        if (r < 0 && wsaudit_stop_requested)
            break; /* a read cut by SIGINT/SIGTERM: reported as interrupted below */
        if (r < 0) {
            char msg[sizeof err + 64];
            snprintf(msg, sizeof msg, "read failed after packet %llu: %s", (unsigned long long)pkt,
                     err);
            report_error(rep, name, pkt + 1, msg, 0);
            ps.rc = -1;
            break;
        }
        pkt++;
        if (pass_packet(&ps, name, pkt, h, data, dlt) < 0)
            break;
    }
    if (an->shared)
        par_key(an, pkt + 1);
    if (wsaudit_stop_requested) {
        report_error(rep, name, pkt, "interrupted; findings so far are written", 0);
        ps.rc = -1;
    }
    int rc = pass_end(&ps);
    tls_keylog_free(an->file_keys);
    an->file_keys = NULL;
    an->keys = an->keylogs;
    source_close(src);
    return rc;
}

/* ---- --merge: several files as one capture, in time order ---- */

/* One input of a merged capture. Files are opened when the merge reaches their first packet's
 * time, so rotated files (one after another in time) are read one or two at a time, however
 * many there are. */
struct msrc {
    struct source s;
    const char *path;
    int idx;           /* its place on the command line */
    int rank;          /* its place in the order of first packets: the earlier wins a tie */
    int state;         /* 0 not opened yet, 1 a packet is waiting, 2 done */
    uint64_t first_ns; /* its first packet's time (UINT64_MAX: it has none) */
    uint64_t fpkt;     /* its packets read so far */
    const struct pcap_pkthdr *h;
    const u_char *data;
    int dlt;
    struct tls_keylog *keys; /* its own TLS secrets */
};

static uint64_t hdr_ns(const struct pcap_pkthdr *h)
{
    return (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
}

/* The first packet's time and the precision, by a first look at the file. A file that cannot
 * be read sorts first, so its error comes before any packet. */
static void merge_probe(struct msrc *m, int *digits)
{
    char err[PCAP_ERRBUF_SIZE + 64];
    int dlt, d;
    m->first_ns = 0;
    if (source_open(&m->s, m->path, &dlt, &d, err, sizeof err) == 0) {
        const struct pcap_pkthdr *h;
        const u_char *data;
        int r = source_next(&m->s, 0, &h, &data, &dlt, err, sizeof err);
        m->first_ns = r == 1 ? hdr_ns(h) : r == 0 ? UINT64_MAX : 0;
        if (d > *digits)
            *digits = d;
    }
    source_close(&m->s);
}

static int msrc_order(const void *a, const void *b)
{
    const struct msrc *x = *(const struct msrc *const *)a, *y = *(const struct msrc *const *)b;
    if (x->first_ns != y->first_ns)
        return x->first_ns < y->first_ns ? -1 : 1;
    return x->idx - y->idx;
}

/* The file's next packet; at its end or on an error (reported) it is closed. */
static void msrc_advance(struct msrc *m, struct pass *ps)
{
    char err[PCAP_ERRBUF_SIZE + 64];
    int r = source_next(&m->s, m->fpkt, &m->h, &m->data, &m->dlt, err, sizeof err);
    if (r == 1) {
        m->state = 1;
        return;
    }
    if (r < 0 && !wsaudit_stop_requested) {
        char msg[sizeof err + 64];
        snprintf(msg, sizeof msg, "read failed after packet %llu: %s",
                 (unsigned long long)m->fpkt, err);
        report_error(ps->rep, m->path, 0, msg, 0);
        ps->rc = -1;
    }
    source_close(&m->s);
    m->state = 2;
}

static void msrc_open(struct msrc *m, struct pass *ps)
{
    char err[PCAP_ERRBUF_SIZE + 64];
    int dlt, digits;
    m->state = 2;
    int r = source_open(&m->s, m->path, &dlt, &digits, err, sizeof err);
    if (r < 0) {
        if (r == -2)
            report_file(ps->rep, m->path, "unknown");
        report_error(ps->rep, m->path, 0, err, 1);
        ps->rc = -1;
        source_close(&m->s);
        return;
    }
    report_file(ps->rep, m->path, dlt >= 0 ? linktype_name(dlt) : "pcapng");
    m->keys = source_keys(ps->an, &m->s, ps->rep);
    if (!pass_accepts(ps, &m->s, m->path, dlt)) {
        ps->rc = -1;
        source_close(&m->s);
        return;
    }
    msrc_advance(m, ps);
}

/* the record of which file each packet of the merged capture came from */
static void merge_note(struct merge_map *mm, const char *file, uint64_t pkt, uint64_t file_pkt)
{
    if (mm->n) {
        const struct merge_run *l = &mm->runs[mm->n - 1];
        if (l->file == file && pkt - l->first == file_pkt - l->file_first)
            return; /* the same file goes on */
    }
    if (mm->n == mm->cap) {
        size_t cap = mm->cap ? mm->cap * 2 : 64;
        struct merge_run *nr = realloc(mm->runs, cap * sizeof *nr);
        if (!nr) {
            mm->lost = 1; /* records then give no file_pkt: better than a wrong one */
            return;
        }
        mm->runs = nr;
        mm->cap = cap;
    }
    mm->runs[mm->n++] = (struct merge_run){pkt, file_pkt, file};
}

/* Probe every file for its first packet and put them in the order they join the merge;
 * returns the timestamp digits the merged output needs. */
static int merge_order(struct msrc *ms, struct msrc **order, const char *const *paths, int n)
{
    int digits = 6;
    for (int i = 0; i < n && !wsaudit_stop_requested; i++) {
        ms[i].path = paths[i];
        ms[i].idx = i;
        merge_probe(&ms[i], &digits);
        order[i] = &ms[i];
    }
    qsort(order, (size_t)n, sizeof *order, msrc_order);
    for (int i = 0; i < n; i++)
        order[i]->rank = i;
    return digits;
}

/* The waiting packet that comes first: the earliest; on a tie, the one from the file that
 * began earlier (rotated files named in any order keep their order; files that began together
 * go in command-line order, as mergecap takes them). A file not yet opened whose first packet
 * is not later joins first. NULL when every file is done. */
static struct msrc *merge_next(struct msrc **order, int n, int *next, struct msrc **active,
                               int *nactive, struct pass *ps)
{
    for (;;) {
        int k = 0;
        struct msrc *best = NULL;
        for (int i = 0; i < *nactive; i++) {
            struct msrc *m = active[i];
            if (m->state != 1)
                continue;
            active[k++] = m;
            if (!best || hdr_ns(m->h) < hdr_ns(best->h) ||
                (hdr_ns(m->h) == hdr_ns(best->h) && m->rank < best->rank))
                best = m;
        }
        *nactive = k;
        if (*next < n && (!best || order[*next]->first_ns <= hdr_ns(best->h))) {
            struct msrc *m = order[(*next)++];
            msrc_open(m, ps);
            if (m->state == 1)
                active[(*nactive)++] = m;
            continue;
        }
        return best;
    }
}

int run_merged(struct analyzer *an, struct report *rep, const char *const *paths, int n,
               const char *filter)
{
    struct msrc *ms = calloc((size_t)n, sizeof *ms);
    struct msrc **order = calloc((size_t)n, sizeof *order);
    struct msrc **active = calloc((size_t)n, sizeof *active);
    struct merge_map mm = {NULL, 0, 0, 0};
    if (!ms || !order || !active) {
        free(ms);
        free(order);
        free(active);
        report_error(rep, paths[0], 0, "out of memory for --merge", 1);
        return -1;
    }
    rep->ts_digits = merge_order(ms, order, paths, n);
    rep->merge = &mm;
    if (rep->ev || rep->ev_write)
        evidence_file(rep->ev ? rep->ev : rep->ev_write);
    an->keys = an->keylogs;
    struct pass ps;
    pass_init(&ps, an, rep, paths[0], filter);
    int next = 0, nactive = 0;
    uint64_t pkt = 0;
    const char *last = paths[0];
    while (!wsaudit_stop_requested && !ferror(rep->out)) {
        struct msrc *best = merge_next(order, n, &next, active, &nactive, &ps);
        if (!best)
            break;
        pkt++;
        best->fpkt++;
        last = best->path;
        merge_note(&mm, best->path, pkt, best->fpkt);
        if (pass_packet(&ps, best->path, pkt, best->h, best->data, best->dlt) < 0)
            break;
        msrc_advance(best, &ps);
    }
    if (wsaudit_stop_requested) {
        report_error(rep, last, pkt, "interrupted; findings so far are written", 0);
        ps.rc = -1;
    }
    int rc = pass_end(&ps);
    for (int i = 0; i < n; i++) {
        if (ms[i].state == 1)
            source_close(&ms[i].s);
        tls_keylog_free(ms[i].keys);
    }
    an->keys = an->keylogs;
    rep->merge = NULL;
    free(mm.runs);
    free(ms);
    free(order);
    free(active);
    return rc;
}

static ssize_t discard(void *c, const char *buf, size_t n)
{
    (void)c;
    (void)buf;
    return (ssize_t)n;
}

FILE *run_null_output(void)
{
    cookie_io_functions_t io = {NULL, discard, NULL, NULL};
    FILE *f = fopencookie(NULL, "w", io);
    if (f)
        __fsetlocking(f, FSETLOCKING_BYCALLER); /* one thread writes it */
    return f;
}

int run_evidence(struct evidence *ev, const struct tls_keylog *keys, size_t keylog_cap,
                 const char *const *paths, int n, int merge, char *err, size_t errn)
{
    /* -w, second pass: written by the evidence module, whatever else a pass says goes nowhere */
    FILE *null = run_null_output();
    if (!null) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    struct report quiet;
    report_init(&quiet, FMT_JSONL, null);
    quiet.err = NULL;
    quiet.ev_write = ev;
    struct analyzer an;
    analyzer_init(&an, &quiet);
    an.keylogs = an.keys = keys;
    an.keylog_cap = keylog_cap;
    evidence_rewind(ev);
    err[0] = 0;
    /* the same reading as the analysis: the same packets in the same order */
    if (merge)
        run_merged(&an, &quiet, paths, n, NULL);
    else
        for (int i = 0; i < n && !wsaudit_stop_requested && !evidence_failed(ev); i++)
            run_file(&an, &quiet, paths[i], NULL);
    analyzer_free(&an);
    report_release(&quiet);
    fclose(null);
    if (evidence_failed(ev)) {
        snprintf(err, errn, "%s", evidence_failed(ev));
        return -1;
    }
    return 0;
}
