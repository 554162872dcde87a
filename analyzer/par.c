/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * par.c - one capture on several threads, output byte for byte that of one thread (par.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "linebuf.h"
#include "oom.h"
#include "par.h"
#include "run.h"

#define PAR_COMMIT 2048 /* packets between two hand-overs to the merge */
#define PAR_BACKLOG 8   /* blocks of output a thread may have waiting for the merge */
#define BLOCK_SIZE ((size_t)1 << 20)

enum phase { PH_DISPATCH, PH_EXPIRE, PH_PACKET, PH_END };
enum kind { IT_BYTES, IT_NEW };
#define IT_MARKED 0x100u /* IT_BYTES holding marks for connection ids */

/* A thread's flows by its own number: the capture's connection id once the merge has given it
 * (+1; 0 before), written by the merge and read by the thread (atomically). Pages of GID_PAGE
 * numbers, allocated by the thread before the flows that use them begin. */
#define GID_PAGE 65536
#define GID_PAGES 4096

struct par_key {
    uint64_t pkt, last; /* the packet; a flow's last packet (PH_EXPIRE, PH_END) */
    double due;         /* PH_EXPIRE: when the flow's time was up */
    uint32_t phase;
};

/* a stretch of a stream: bytes written under one key, or a flow's beginning or end */
struct item {
    struct par_key key;
    uint32_t kind, len; /* len bytes follow (IT_BYTES), then padding to 8; kind | IT_MARKED */
    uint64_t arg;       /* IT_NEW: the thread's number of the flow */
};

struct block {
    struct block *next; /* set under the lock: the writer is done with this block */
    size_t cap, used, committed; /* committed (under the lock): what the merge may read */
    unsigned char d[];
};

/* What one thread writes, read by the merge. */
struct stream {
    struct par *par;
    struct block *tail; /* the writer writes tail (the merge reads head, below) */
    size_t open;        /* the open IT_BYTES item in tail, or SIZE_MAX */
    int marked;         /* marks were written since the open item began */
    struct par_key key;
    FILE *f;
    uint64_t done; /* (lock) every item of a packet up to this one is committed */
    int nblocks;   /* (lock) blocks after head: what the merge has still to write */
    /* the merge's: its block and place in it, and its view taken under the lock, a cache line
     * away from the writer's (rd, moved at every item, shared the writer's line: each item the
     * other thread merged took that line from the writer) */
    _Alignas(64) struct block *head;
    size_t rd;
    size_t snap_committed;
    struct block *snap_next;
    uint64_t snap_done;
    uint64_t **gid; /* GID_PAGES pages: the thread's flow numbers' connection ids */
};

struct worker {
    _Alignas(64) struct par *par; /* (threads' own cache lines) */
    int idx, ending, rc, stop_seen;
    pthread_t th;
    struct analyzer an;
    struct report rep;   /* its flows' records (and, for the first, the capture's) */
    struct report quiet; /* the capture's records of the others: said once, by the first */
    FILE *null;
    struct stream s;
    uint64_t committed_pkt;
    size_t peak_flows, peak_state, peak_ooo; /* the most it held; published under the lock */
};

struct par {
    struct analyzer *model;
    struct report *rep; /* the merged output */
    const char *path, *filter;
    int n;
    struct worker *w;
    int stop, fallback, out_error;
    uint64_t written; /* bytes the merge wrote */
    uint64_t next_id;
    char nonce[REPORT_ID_NONCE];
    struct block *spare; /* blocks to use again */
    int nspare;
    pthread_mutex_t mu;
    pthread_mutex_t merge_mu; /* held by the thread that merges */
    pthread_cond_t cv_space; /* the merge freed a block */
    struct lb ob; /* (the merge's) its output, written at the end of each merge_some */
};

static int key_cmp(const struct par_key *a, const struct par_key *b)
{
    if (a->pkt != b->pkt)
        return a->pkt < b->pkt ? -1 : 1;
    if (a->phase != b->phase)
        return a->phase < b->phase ? -1 : 1;
    if (a->due != b->due)
        return a->due < b->due ? -1 : 1;
    if (a->last != b->last)
        return a->last < b->last ? -1 : 1;
    return 0;
}

/* ---- writing a stream ---- */

/* (lock held) a block of BLOCK_SIZE the merge is done with, kept for the next */
static void block_recycle(struct par *p, struct block *b)
{
    if (b->cap == BLOCK_SIZE && p->nspare < 8) {
        b->next = p->spare;
        p->spare = b;
        p->nspare++;
    } else {
        free(b);
    }
}

static struct block *block_new(struct par *p, size_t cap)
{
    struct block *b = NULL;
    if (cap == BLOCK_SIZE && p) {
        pthread_mutex_lock(&p->mu);
        if ((b = p->spare)) {
            p->spare = b->next;
            p->nspare--;
        }
        pthread_mutex_unlock(&p->mu);
    }
    if (!b)
        b = oom_check(malloc(sizeof *b + cap), "the output of a thread");
    b->next = NULL;
    b->cap = cap;
    b->used = b->committed = 0;
    return b;
}

/* Room for n more bytes in the tail block; the open item moves with them to a new block. */
static void reserve(struct stream *s, size_t n)
{
    struct block *t = s->tail;
    if (t->cap - t->used >= n)
        return;
    size_t keep = s->open != SIZE_MAX ? t->used - s->open : 0;
    /* an item larger than a block (a packet that makes megabytes of records) moves to a block
     * twice its size, so that it is copied O(its size) times in all; a block just its size
     * made every later write copy it again (quadratic: a 7 MB item took gigabytes) */
    size_t need = keep + n + 64;
    size_t cap = need <= BLOCK_SIZE ? BLOCK_SIZE : need < SIZE_MAX / 2 ? 2 * need : need;
    struct block *nb = block_new(s->par, cap);
    if (keep) {
        memcpy(nb->d, t->d + s->open, keep);
        t->used = s->open;
        s->open = 0;
    }
    nb->used = keep;
    pthread_mutex_lock(&s->par->mu);
    t->committed = t->used;
    t->next = nb;
    s->tail = nb;
    s->nblocks++;
    pthread_mutex_unlock(&s->par->mu);
}

static void stream_settle(struct stream *s);
static ssize_t stream_write(void *c, const char *buf, size_t n);

__thread struct lb_direct lb_direct; /* linebuf.h */

static void stream_write_direct(void *c, const void *buf, size_t n)
{
    stream_write(c, buf, n);
}

static ssize_t stream_write(void *c, const char *buf, size_t n)
{
    struct stream *s = c;
    stream_settle(s);
    if (s->open == SIZE_MAX) {
        reserve(s, sizeof(struct item) + n);
        struct item it = {s->key, IT_BYTES, 0, 0};
        s->open = s->tail->used;
        memcpy(s->tail->d + s->open, &it, sizeof it);
        s->tail->used += sizeof it;
    }
    reserve(s, n);
    struct block *t = s->tail;
    memcpy(t->d + t->used, buf, n);
    t->used += n;
    struct item *it = (struct item *)(t->d + s->open);
    it->len += (uint32_t)n;
    return (ssize_t)n;
}

/* Close the open item: what was written under the key so far is one stretch. */
static void stream_close(struct stream *s)
{
    if (__fpending(s->f))
        fflush(s->f);
    if (s->open != SIZE_MAX) {
        if (s->marked)
            ((struct item *)(s->tail->d + s->open))->kind |= IT_MARKED;
        s->tail->used = (s->tail->used + 7) & ~(size_t)7;
        s->open = SIZE_MAX;
    }
    s->marked = 0;
}

/* What is written from now on belongs to k. The open item is closed when something is written
 * under another key (stream_settle), not here: most packets write nothing, and comparing and
 * closing at every packet of every thread took 6% of a -j run (perf). */
static void stream_key(struct stream *s, struct par_key k)
{
    s->key = k;
}

/* before bytes or a mark go out under s->key: the open item, if another key's, is done */
static void stream_settle(struct stream *s)
{
    if (s->open != SIZE_MAX &&
        key_cmp(&((const struct item *)(s->tail->d + s->open))->key, &s->key) != 0)
        stream_close(s);
}

static void stream_mark(struct stream *s, enum kind kind, uint64_t arg)
{
    stream_close(s);
    reserve(s, sizeof(struct item));
    struct item it = {s->key, kind, 0, arg};
    memcpy(s->tail->d + s->tail->used, &it, sizeof it);
    s->tail->used += sizeof it;
}

/* (lock held) what is written is the merge's; items up to packet done are all there */
static void stream_commit(struct stream *s, uint64_t done)
{
    s->tail->committed = s->tail->used;
    s->done = done;
}

static int stream_init(struct stream *s, struct par *p)
{
    memset(s, 0, sizeof *s);
    s->par = p;
    s->open = SIZE_MAX;
    s->head = s->tail = block_new(NULL, BLOCK_SIZE);
    s->gid = calloc(GID_PAGES, sizeof *s->gid);
    if (!s->gid)
        return -1;
    cookie_io_functions_t io = {NULL, stream_write, NULL, NULL};
    s->f = fopencookie(s, "w", io);
    if (!s->f)
        return -1;
    /* unbuffered: a record (one fwrite from linebuf.h) goes straight into the block; a stdio
     * buffer in between copied every byte once more */
    setvbuf(s->f, NULL, _IONBF, 0);
    __fsetlocking(s->f, FSETLOCKING_BYCALLER); /* one thread writes it */
    return 0;
}

static void stream_free(struct stream *s)
{
    if (s->f)
        fclose(s->f);
    for (struct block *b = s->head, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    for (int i = 0; s->gid && i < GID_PAGES; i++)
        free(s->gid[i]);
    free(s->gid);
}

/* ---- the merge ---- */

/* The stream's next item within what the last look under the lock saw, or NULL. */
static const struct item *stream_peek(struct stream *s)
{
    while (s->rd >= s->snap_committed) {
        if (!s->snap_next)
            return NULL;
        struct block *old = s->head;
        s->head = s->snap_next;
        s->rd = 0;
        pthread_mutex_lock(&s->par->mu);
        block_recycle(s->par, old);
        s->nblocks--;
        pthread_cond_broadcast(&s->par->cv_space);
        s->snap_committed = s->head->committed;
        s->snap_next = s->head->next;
        pthread_mutex_unlock(&s->par->mu);
    }
    return (const struct item *)(s->head->d + s->rd);
}

/* The merge's output goes through a record buffer (linebuf.h; a record is cut around its
 * connection id: three small writes to stdio per frame record without it). A failed write
 * shows in ferror(p->rep->out), which merge_now checks after each merge_some. */
static void out_bytes(struct par *p, const char *b, size_t n)
{
    p->written += n;
    lb_mem(&p->ob, b, n);
}

/* A stretch of records: the workers' marks become connection ids. */
static void emit_bytes(struct par *p, struct stream *s, const char *b, size_t n)
{
    const char *end = b + n;
    while (b < end) {
        const char *m = memchr(b, REPORT_ID_MARK, (size_t)(end - b));
        if (!m) {
            out_bytes(p, b, (size_t)(end - b));
            return;
        }
        if ((size_t)(end - m) < 1 + REPORT_ID_NONCE || memcmp(m + 1, p->nonce, REPORT_ID_NONCE)) {
            out_bytes(p, b, (size_t)(m + 1 - b)); /* a byte of the records themselves */
            b = m + 1;
            continue;
        }
        out_bytes(p, b, (size_t)(m - b));
        uint64_t local = 0;
        const char *d = m + 1 + REPORT_ID_NONCE;
        while (d < end && *d != REPORT_ID_END)
            local = local * 10 + (uint64_t)(*d++ - '0');
        uint64_t *page = local / GID_PAGE < GID_PAGES ? s->gid[local / GID_PAGE] : NULL;
        uint64_t g = page ? __atomic_load_n(&page[local % GID_PAGE], __ATOMIC_RELAXED) : 0;
        char num[24];
        out_bytes(p, num, wsa_u64_dec(num, g ? g - 1 : 0));
        b = d + 1;
    }
}

static void emit(struct par *p, struct stream *s, const struct item *it)
{
    if (it->kind == (IT_BYTES | IT_MARKED)) {
        emit_bytes(p, s, (const char *)(it + 1), it->len);
    } else if (it->kind == IT_BYTES) {
        out_bytes(p, (const char *)(it + 1), it->len);
    } else if (it->kind == IT_NEW) { /* the flow's place among all: its id */
        uint64_t *page = s->gid[it->arg / GID_PAGE];
        __atomic_store_n(&page[it->arg % GID_PAGE], p->next_id++ + 1, __ATOMIC_RELEASE);
    }
    s->rd += (sizeof *it + it->len + 7) & ~(size_t)7;
}

/* Write out every item no thread can still precede; 1 when one was written. */
static int merge_some(struct par *p, struct stream **all, int ns)
{
    int any = 0;
    for (;;) {
        struct stream *best = NULL;
        const struct item *bi = NULL;
        for (int i = 0; i < ns; i++) {
            const struct item *it = stream_peek(all[i]);
            if (it && (!bi || key_cmp(&it->key, &bi->key) < 0)) {
                best = all[i];
                bi = it;
            }
        }
        if (!bi)
            break;
        int wait = 0;
        for (int i = 0; i < ns && !wait; i++) /* a thread with nothing waiting may write earlier */
            wait = all[i] != best && !stream_peek(all[i]) && all[i]->snap_done < bi->key.pkt;
        if (wait)
            break;
        emit(p, best, bi);
        any = 1;
    }
    lb_flush(&p->ob);
    return any;
}

/* Could the threads together have reached a limit one thread applies to all flows? */
static int near_limit(const struct par *p)
{
    size_t flows = 0, state = 0, ooo = 0;
    for (int i = 0; i < p->n; i++) {
        flows += p->w[i].peak_flows;
        state += p->w[i].peak_state;
        ooo += p->w[i].peak_ooo;
    }
    const struct analyzer *m = p->model;
    return flows >= m->max_flows || state > m->state_cap || ooo > m->budget.cap;
}

/* Write out what can be written now, unless another thread is at it: the threads merge in
 * turn after their hand-overs (a thread of its own for it would take a core from them). 1 when
 * every thread has ended and everything is out (or the shared run stopped). */
static int merge_now(struct par *p)
{
    if (pthread_mutex_trylock(&p->merge_mu) != 0)
        return 0;
    int ns = p->n, finished = 0;
    struct stream *all[256];
    for (int i = 0; i < p->n; i++)
        all[i] = &p->w[i].s;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        finished = 1;
        for (int i = 0; i < ns; i++) {
            struct stream *s = all[i];
            s->snap_committed = s->head->committed;
            s->snap_next = s->head->next;
            s->snap_done = s->done;
            finished &= s->done == UINT64_MAX;
        }
        if (!p->stop && near_limit(p))
            p->fallback = p->stop = 1;
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        int any = merge_some(p, all, ns);
        if (p->out_error || ferror(p->rep->out)) {
            pthread_mutex_lock(&p->mu);
            p->out_error = p->stop = 1;
            pthread_mutex_unlock(&p->mu);
            break;
        }
        if (!any)
            break;
    }
    pthread_mutex_unlock(&p->merge_mu);
    return finished || p->stop;
}

/* ---- the threads ---- */

static void on_expire(struct analyzer *an, const struct flow *f)
{
    struct worker *w = an->shared;
    struct par_key k = {an->pkt, f->lru_pkt, 0, PH_EXPIRE};
    if (w->ending) {
        k.pkt = UINT64_MAX;
        k.phase = PH_END;
    } else {
        k.due = f->last_ts + (f->closed ? an->closed_timeout : an->idle_timeout);
    }
    stream_key(&w->s, k);
}

static void on_flow(struct analyzer *an, const struct flow *f, int begins)
{
    struct worker *w = an->shared;
    if (!begins)
        return; /* (its number is not used again) */
    uint64_t pg = f->id / GID_PAGE;
    if (pg >= GID_PAGES) { /* 2^28 flows on one thread: one thread reads the file again */
        pthread_mutex_lock(&w->par->mu);
        w->par->fallback = w->par->stop = 1;
        pthread_mutex_unlock(&w->par->mu);
        return;
    }
    if (!w->s.gid[pg]) /* before the merge can see the flow begin */
        w->s.gid[pg] = oom_check(calloc(GID_PAGE, sizeof(uint64_t)), "connection ids");
    stream_mark(&w->s, IT_NEW, f->id);
}

/* the capture's id of this thread's flow number id, when the merge has given it */
static uint64_t global_id(void *ctx, uint64_t id)
{
    struct worker *w = ctx;
    uint64_t *page = id / GID_PAGE < GID_PAGES ? w->s.gid[id / GID_PAGE] : NULL;
    uint64_t g = page ? __atomic_load_n(&page[id % GID_PAGE], __ATOMIC_ACQUIRE) : 0;
    return g ? g - 1 : UINT64_MAX;
}

static void id_marked(void *ctx)
{
    struct worker *w = ctx;
    stream_settle(&w->s); /* the mark belongs to the item of the current key */
    w->s.marked = 1;
}

static void on_packet(struct analyzer *an)
{
    struct worker *w = an->shared;
    stream_key(&w->s, (struct par_key){an->pkt, 0, 0, PH_PACKET});
}

/* (lock held) the most this thread's flows have held, for near_limit */
static void publish_peaks(struct worker *w)
{
    const struct analyzer *an = &w->an;
    if (an->nflows > w->peak_flows)
        w->peak_flows = an->nflows;
    if (an->state_used > w->peak_state)
        w->peak_state = an->state_used;
    if (an->budget.peak > w->peak_ooo)
        w->peak_ooo = an->budget.peak;
}

void par_key(struct analyzer *an, uint64_t pkt)
{
    struct worker *w = an->shared;
    stream_key(&w->s, (struct par_key){pkt, 0, 0, PH_DISPATCH});
    if (pkt == UINT64_MAX) {
        w->ending = 1;
        return;
    }
    /* everything of the packets before this one is written: the merge may have it */
    if (pkt - w->committed_pkt >= PAR_COMMIT && pkt > 1) {
        stream_close(&w->s);
        struct par *p = w->par;
        pthread_mutex_lock(&p->mu);
        stream_commit(&w->s, pkt - 1);
        publish_peaks(w);
        pthread_mutex_unlock(&p->mu);
        merge_now(p);
        pthread_mutex_lock(&p->mu);
        /* a slow reader of the output, or a thread far behind: wait rather than hold ever
         * more of it (the other threads merge meanwhile) */
        while (w->s.nblocks > PAR_BACKLOG && !p->stop) {
            wait_a_while(&p->cv_space, &p->mu, 10);
            pthread_mutex_unlock(&p->mu);
            merge_now(p);
            pthread_mutex_lock(&p->mu);
        }
        w->stop_seen = p->stop;
        pthread_mutex_unlock(&p->mu);
        w->committed_pkt = pkt;
    }
}

int par_stopped(const struct analyzer *an)
{
    const struct worker *w = an->shared;
    return w->stop_seen;
}

static void *thread_main(void *arg)
{
    struct worker *w = arg;
    struct par *p = w->par;
    oom_watch(&w->rep);
    report_thread_ids(p->nonce, global_id, id_marked, w);
    lb_direct = (struct lb_direct){w->s.f, stream_write_direct, &w->s};
    /* the first thread says what concerns the capture (decoding, fragments, errors) */
    w->rc = run_file_one(&w->an, w->idx == 0 ? &w->rep : &w->quiet, p->path, p->filter);
    stream_close(&w->s);
    pthread_mutex_lock(&p->mu);
    stream_commit(&w->s, UINT64_MAX);
    publish_peaks(w);
    pthread_mutex_unlock(&p->mu);
    merge_now(p);
    return NULL;
}

static void worker_init(struct par *p, struct worker *w)
{
    const struct analyzer *m = p->model;
    struct analyzer *an = &w->an;
    analyzer_init(an, &w->rep);
    an->max_flows = m->max_flows;
    an->ooo_cap = m->ooo_cap;
    an->budget.cap = m->budget.cap;
    an->state_cap = m->state_cap;
    an->idle_timeout = m->idle_timeout;
    an->closed_timeout = m->closed_timeout;
    an->cid_seed = m->cid_seed;
    an->ws_port = m->ws_port;
    an->keylogs = an->keys = m->keylogs;
    an->keylog_cap = m->keylog_cap;
    an->on_expire = on_expire;
    an->on_flow = on_flow;
    an->on_packet = on_packet;
    an->shared = w;
    an->shard_n = (uint16_t)p->n;
    an->shard_idx = (uint16_t)w->idx;
}

struct par *par_start(struct analyzer *an, struct report *rep, int n)
{
    struct par *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->model = an;
    p->rep = rep;
    lb_init(&p->ob, rep->out);
    p->n = n;
    p->w = calloc((size_t)n, sizeof *p->w);
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->merge_mu, NULL);
    pthread_cond_init(&p->cv_space, NULL);
    /* marks no record holds by chance: the run's own random bytes, none of them zero */
    unsigned char r[REPORT_ID_NONCE] = {0};
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        uint64_t x = (uint64_t)t.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)p;
        memcpy(r, &x, sizeof r);
    }
    for (int i = 0; i < REPORT_ID_NONCE; i++)
        p->nonce[i] = (char)(r[i] | 0x80);
    int ok = p->w != NULL;
    for (int i = 0; ok && i < n; i++) {
        struct worker *w = &p->w[i];
        w->par = p;
        w->idx = i;
        ok = stream_init(&w->s, p) == 0 && (w->null = run_null_output()) != NULL;
        if (!ok)
            break;
        report_init_like(&w->rep, rep, w->s.f);
        report_init_like(&w->quiet, rep, w->null);
        w->quiet.err = NULL;
        worker_init(p, w);
    }
    if (!ok) {
        par_free(p);
        return NULL;
    }
    return p;
}

/* Out of memory in a thread (oom.c): the records that are in order go out, as one thread would
 * have written them up to there, then the error naming the thread's packet and the summary. */
static void par_oom(void *ctx, struct report *r, const char *msg)
{
    struct par *p = ctx;
    for (int i = 0; i < 100 && pthread_mutex_trylock(&p->merge_mu) != 0; i++)
        usleep(10000); /* another thread is writing: let it finish (a second at most) */
    int ns = p->n;
    struct stream *all[256];
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    for (int i = 0; i < ns; i++) {
        struct stream *s = all[i] = &p->w[i].s;
        s->snap_committed = s->head->committed;
        s->snap_next = s->head->next;
        s->snap_done = s->done;
    }
    pthread_mutex_unlock(&p->mu);
    merge_some(p, all, ns);
    struct report *m = p->rep;
    for (int i = 0; i < ns; i++)
        report_merge(m, &p->w[i].rep);
    m->now_ns = r->now_ns; /* the error is stamped with the thread's packet's time */
    m->ts_digits = r->ts_digits;
    report_error(m, r->cur_name ? r->cur_name : p->path, r->cur_pkt, msg, 0);
    report_summary(m);
    fflush(m->out);
    _exit(report_exit_status(m) == 4 ? 4 : 3);
}

int par_run(struct par *p, const char *path, const char *filter, uint64_t *written, int *rc)
{
    p->path = path;
    p->filter = filter;
    int started = 0;
    oom_set_hook(par_oom, p);
    for (; started < p->n; started++)
        if (pthread_create(&p->w[started].th, NULL, thread_main, &p->w[started]) != 0)
            break;
    if (started < p->n) { /* too few threads: one thread does it all again */
        pthread_mutex_lock(&p->mu);
        p->fallback = p->stop = 1;
        pthread_mutex_unlock(&p->mu);
    }
    for (int i = 0; i < started; i++)
        pthread_join(p->w[i].th, NULL);
    while (!merge_now(p)) /* the last of it */
        ;
    oom_set_hook(NULL, NULL);
    *written = p->written;
    *rc = p->w[0].rc;
    int again = p->fallback;
    for (int i = 0; i < p->n && !again; i++) {
        report_merge(p->rep, &p->w[i].rep);
        if (p->w[i].rc)
            *rc = p->w[i].rc;
    }
    return again;
}

uint64_t par_errors_said(const struct par *p)
{
    uint64_t n = 0;
    for (int i = 0; i < p->n; i++)
        n += p->w[i].rep.err_said;
    return n;
}

void par_free(struct par *p)
{
    for (int i = 0; p->w && i < p->n; i++) {
        struct worker *w = &p->w[i];
        if (!w->par)
            break;
        w->an.on_expire = NULL;
        w->an.on_flow = NULL;
        w->an.on_packet = NULL;
        w->an.shard_n = 0;
        analyzer_free(&w->an);
        if (w->rep.out)
            report_release(&w->rep);
        if (w->null) {
            report_release(&w->quiet);
            fclose(w->null);
        }
        stream_free(&w->s);
    }
    while (p->spare) {
        struct block *b = p->spare;
        p->spare = b->next;
        free(b);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->merge_mu);
    pthread_cond_destroy(&p->cv_space);
    free(p->w);
    free(p);
}

int par_threads_allowed(void)
{
    return !oom_rlimited();
}

int par_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
