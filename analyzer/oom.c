/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oom.c - allocation failures as a report; see oom.h. */
#include "oom.h"

#include <gcrypt.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "report.h"

#define RESERVE ((size_t)4 << 20) /* enough to write the error and the summary */

static void *reserve;
static struct report *main_rep;
static __thread struct report *watched;
static int stopping;
static void (*hook)(void *ctx, struct report *r, const char *msg);
static void *hook_ctx;

void oom_set_hook(void (*fn)(void *ctx, struct report *r, const char *msg), void *ctx)
{
    hook = fn;
    hook_ctx = ctx;
}

static void out_of_memory(const char *what) __attribute__((noreturn));
static void out_of_memory(const char *what)
{
    if (__atomic_exchange_n(&stopping, 1, __ATOMIC_SEQ_CST)) {
        for (;;) /* another thread is already writing the report: wait for its exit */
            pause();
    }
    free(reserve);
    reserve = NULL;
    struct report *r = watched ? watched : main_rep;
    char msg[320];
    snprintf(msg, sizeof msg,
             "out of memory (%s); the analysis stops here: what was found so far is written, "
             "connections still open are not finished (allow more memory, e.g. ulimit -v, or "
             "lower --memcap)",
             what);
    if (r && r == main_rep) {
        report_error(r, r->cur_name ? r->cur_name : "wsaudit", r->cur_pkt, msg, 0);
        report_summary(r);
        fflush(r->out);
        _exit(report_exit_status(r) == 4 ? 4 : 3);
    }
    if (r && hook) /* a thread sharing a capture: the merge writes what is in order */
        hook(hook_ctx, r, msg);
    /* a -j worker: its file's output is not in order yet; say it and stop */
    if (r && r->cur_name)
        fprintf(stderr, "wsaudit: %s: packet %llu: %s\n", r->cur_name,
                (unsigned long long)r->cur_pkt, msg);
    else
        fprintf(stderr, "wsaudit: %s\n", msg);
    fflush(stdout);
    _exit(3);
}

/* GLib reports a failed g_malloc as an error message ("failed to allocate N bytes") just
 * before it aborts; every other message goes on to GLib's own writer */
static GLogWriterOutput on_glib_log(GLogLevelFlags level, const GLogField *fields, gsize n,
                                    gpointer data)
{
    if (level & G_LOG_LEVEL_ERROR) {
        for (gsize i = 0; i < n; i++)
            if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
                strstr(fields[i].value, "failed to allocate")) {
                char what[160];
                const char *m = strstr(fields[i].value, "failed to allocate");
                snprintf(what, sizeof what, "GLib %s", m);
                out_of_memory(what);
            }
    }
    return g_log_writer_default(level, fields, n, data);
}

static void on_gcrypt_fatal(void *data, int rc, const char *text)
{
    (void)data;
    char what[160];
    snprintf(what, sizeof what, "libgcrypt: %s", text ? text : "fatal error");
    if (rc == GPG_ERR_ENOMEM || (text && strstr(text, "out of core")))
        out_of_memory(what);
    fprintf(stderr, "wsaudit: %s\n", what);
    fflush(stdout);
    _exit(3);
}

void *oom_check(void *p, const char *what)
{
    if (!p) {
        char w[96];
        snprintf(w, sizeof w, "no memory for %s", what);
        out_of_memory(w);
    }
    return p;
}

int oom_init(struct report *rep)
{
    main_rep = rep;
    reserve = malloc(RESERVE);
    if (!reserve) {
        fprintf(stderr, "wsaudit: out of memory at the start (%zu MiB could not be had)\n",
                RESERVE >> 20);
        return -1;
    }
    /* (not touched: under ulimit -v what matters is the address space it gives back) */
    g_log_set_writer_func(on_glib_log, NULL, NULL);
    gcry_set_fatalerror_handler(on_gcrypt_fatal, NULL);
    return 0;
}

void oom_watch(struct report *rep)
{
    watched = rep;
}

int oom_rlimited(void)
{
    struct rlimit as, data;
    if (getrlimit(RLIMIT_AS, &as) != 0 || getrlimit(RLIMIT_DATA, &data) != 0)
        return 1;
    return as.rlim_cur != RLIM_INFINITY || data.rlim_cur != RLIM_INFINITY;
}
