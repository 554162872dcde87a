/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - the wsaudit command line: read capture files with libpcap, decode, follow TCP,
 * report WebSocket frames, closes and findings.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/tls_alert.h"
#include "../core/ws_close.h"
#include "confine.h"
#include "decode.h"
#include "evidence.h"
#include "input.h"
#include "keys.h"
#include "oom.h"
#include "par.h"
#include "flow.h"
#include "run.h"
#include "report.h"

#ifndef WSAUDIT_VERSION
#define WSAUDIT_VERSION "0.1.0"
#endif

/* SIGINT/SIGTERM: stop. A file stops at once; standard input first gives what is already in
 * the pipe (Ctrl-C reaches tcpdump too, whose last packets must not be lost): it turns
 * non-blocking, so the reads go on until the pipe is empty, and an idle stdin ends at once. */
/* a whole number from lo to 65535; 0 (after saying why) when optarg is not one */
static int u16_option(const char *optarg_, long lo, const char *why, uint16_t *out)
{
    char *end;
    long v = strtol(optarg_, &end, 10);
    if (!*optarg_ || *end || v < lo || v > 65535) {
        fprintf(stderr, "wsaudit: %s\n", why);
        return 0;
    }
    *out = (uint16_t)v;
    return 1;
}

static void on_signal(int sig)
{
    (void)sig;
    wsaudit_stop_requested = 1;
    int fl = fcntl(STDIN_FILENO, F_GETFL);
    if (fl >= 0)
        fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK);
}

#ifdef WSAUDIT_TEST_HOOKS
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
/* Built only into wsaudit_hooked (tests/cli/confine_check.sh): once confined, try what a
 * compromised parser would, and say on stderr what the sandbox let through. */
static void hook_say(const char *what, int r)
{
    fprintf(stderr, "hook: %s: %s%s%s\n", what, r >= 0 ? "allowed" : "refused",
            r >= 0 ? "" : ": ", r >= 0 ? "" : strerror(errno));
}

static void confine_test_hook(void)
{
    const char *target = getenv("WSAUDIT_HOOK_WRITE");
    if (!target)
        return;
    fprintf(stderr, "hook: uid %u euid %u gid %u\n", (unsigned)getuid(), (unsigned)geteuid(),
            (unsigned)getgid());
    int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    hook_say("open for writing", fd);
    if (fd >= 0)
        close(fd);
    fd = open("/etc/passwd", O_RDONLY);
    hook_say("open read-only", fd);
    if (fd >= 0)
        close(fd);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    hook_say("socket", fd);
    if (fd >= 0)
        close(fd);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    hook_say("fork", pid);
    char *const args[] = {(char *)"/bin/true", NULL};
    hook_say("execve", execv("/bin/true", args));
    hook_say("mkdir", mkdir(target, 0700));
}
#endif

/* --help: as long as the text it prints */
static void usage(FILE *f)
{
    fputs("usage: wsaudit [options] FILE...       analyze pcap/pcapng files ('-' = stdin)\n"
          "       wsaudit explain CODE|ALERT       explain a close status code (e.g. 1003) or a\n"
          "                                        TLS alert (e.g. certificate_expired)\n"
          "\n"
          "options:\n"
          "  -F, --format text|jsonl   output format (default text)\n"
          "  -r FILE                   read FILE (as tcpdump and tshark take it; repeatable)\n"
          "  -f, --filter EXPR         BPF filter applied to each packet (packet numbers are\n"
          "                            still counted over the whole file)\n"
          "  -q, --no-frames           do not list every frame, only closes and findings\n"
          "      --ws-port PORT        decode WebSocket on this server port even when the\n"
          "                            handshake is not in the capture (mid-stream)\n"
          "      --payload             one line per message with a preview of its first 64\n"
          "                            bytes (unmasked, inflated), escaped\n"
          "      --h2-frames           one line per HTTP/2 frame of the connections that carry\n"
          "                            WebSockets over HTTP/2 (type, stream, flags, length)\n"
          "      --time                text output: each line starts with the capture time\n"
          "                            (UTC, ISO 8601) at which it was made\n"
          "      --community-id-seed N the seed of the Community ID (0-65535, default 0)\n"
          "      --fail-on LEVEL       note|warning|error: exit 1 when findings reach LEVEL\n"
          "                            (default error)\n"
          "      --max-flows N         TCP flows followed at once (default 200000); past it the\n"
          "                            least recently active flow is finished early (reported)\n"
          "      --flow-timeout SEC    idle time after which a flow is finished (default 600)\n"
          "      --stream-buffer KIB   out-of-order bytes buffered per direction (default 1024;\n"
          "                            32 MiB for all flows together)\n"
          "      --memcap MIB          memory for the state of all flows (default 512); past it\n"
          "                            the least recently active flow is finished early\n"
          "                            (reported as stream.memcap)\n"
          "      --keylog FILE         TLS secrets in NSS key log format (SSLKEYLOGFILE); may\n"
          "                            be given several times. pcapng Decryption Secrets Blocks\n"
          "                            are read without asking\n"
          "  -o tls.keylog_file:FILE   the same, as tshark takes it\n"
          "      --sslkeylogfile       the key log named by the SSLKEYLOGFILE variable\n"
          "      --keylog-memcap MIB   memory for TLS secrets (default 256)\n"
          "  -j, --jobs N              threads (default: the cores this process may use): one\n"
          "                            file's connections shared among N threads; with several\n"
          "                            files, N files at once. The output is that of -j 1\n"
          "      --merge               read all files as ONE capture, in time order (rotated\n"
          "                            files: connections go on from one to the next);\n"
          "                            packet numbers count over all, records give file_pkt\n"
          "  -w, --write-evidence FILE write the packets of the connections with findings\n"
          "                            (at or above --evidence-level, default --fail-on's)\n"
          "                            to FILE, a pcapng capture; reads the files twice\n"
          "      --evidence-level LEVEL note|warning|error: the findings whose connections\n"
          "                            are written\n"
          "      --evidence-id ID      instead, the findings with this id (ID* for those\n"
          "                            starting with ID); repeatable\n"
          "      --files-from LIST     read the captures named in LIST, one per line ('-':\n"
          "                            stdin); a directory argument means the files in it\n"
          "  -Z USER                   run as root: become USER once the files are open\n"
          "                            (default nobody; -Z root stays root)\n"
          "      --no-sandbox          do not close the system call filter (seccomp) that\n"
          "                            confines the analysis once the files are open\n"
          "      --reader=libpcap      read pcap files with libpcap, not the zero-copy\n"
          "                            reader (for comparisons; the output is the same)\n"
          "  -V, --version             print the version\n"
          "  -h, --help                this text\n"
          "\n"
          "exit status: 0 no findings at or above --fail-on, 1 such findings, 2 usage error,\n"
          "unreadable input or unwritable output, 3 input failed part-way or analysis was\n"
          "partial (degraded), 4 partial and findings at or above --fail-on.\n",
          f);
}

/* the long options without a short letter (getopt_long's values past 255 are not needed) */
enum long_option {
    OPT_FAIL_ON = 1,
    OPT_MAX_FLOWS,
    OPT_FLOW_TIMEOUT,
    OPT_STREAM_BUFFER,
    OPT_PAYLOAD,
    OPT_H2_FRAMES,
    OPT_WS_PORT,
    OPT_MEMCAP,
    OPT_KEYLOG,
    OPT_SSLKEYLOGFILE,
    OPT_KEYLOG_MEMCAP,
    OPT_TIME,
    OPT_CID_SEED,
    OPT_NO_SANDBOX,
    OPT_MERGE,
    OPT_FILES_FROM,
    OPT_EVIDENCE_LEVEL,
    OPT_EVIDENCE_ID,
    OPT_READER,
};

/* The key log an option names: --keylog FILE, -o tls.keylog_file:FILE as tshark takes it,
 * --sslkeylogfile for $SSLKEYLOGFILE; NULL after a message when it names none. */
static const char *keylog_option(int opt, const char *arg)
{
    const char *kl = NULL;
    if (opt == OPT_KEYLOG)
        kl = arg;
    else if (opt == 'o' && (strncmp(arg, "tls.keylog_file:", 16) == 0 ||
                            strncmp(arg, "ssl.keylog_file:", 16) == 0))
        kl = arg + 16;
    else if (opt == 'o')
        fprintf(stderr, "wsaudit: -o understands only tls.keylog_file:FILE\n");
    else if (!(kl = getenv("SSLKEYLOGFILE")) || !*kl)
        fprintf(stderr, "wsaudit: --sslkeylogfile: SSLKEYLOGFILE is not set\n");
    return kl && *kl ? kl : NULL;
}

/* A capture named on the command line; a directory stands for the files in it (not those whose
 * name starts with a dot), in name order, which is time order for rotated captures
 * (tcpdump -G/-C, dumpcap -b). 0, or 1 after a message. */
static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_input(GPtrArray *inputs, const char *path)
{
    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_ptr_array_add(inputs, g_strdup(path));
        return 0;
    }
    GError *e = NULL;
    GDir *d = g_dir_open(path, 0, &e);
    if (!d) {
        fprintf(stderr, "wsaudit: %s: %s\n", path, e->message);
        g_error_free(e);
        return 1;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d))) {
        char *full = g_build_filename(path, n, NULL);
        if (n[0] != '.' && g_file_test(full, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add(names, full);
        else
            g_free(full);
    }
    g_dir_close(d);
    if (!names->len)
        fprintf(stderr, "wsaudit: %s: the directory holds no files\n", path);
    g_ptr_array_sort(names, (GCompareFunc)compare_names);
    int bad = !names->len;
    for (guint i = 0; i < names->len; i++)
        g_ptr_array_add(inputs, g_strdup(g_ptr_array_index(names, i)));
    g_ptr_array_free(names, TRUE);
    return bad;
}

/* --files-from LIST: one capture per line ("-": the list is on standard input); empty lines
 * and lines starting with # are skipped. For more files than a command line holds. */
static int add_list(GPtrArray *inputs, const char *list)
{
    FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
    if (!f) {
        fprintf(stderr, "wsaudit: --files-from %s: %s\n", list, strerror(errno));
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int bad = 0;
    while (!bad && (len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len && line[0] != '#')
            bad = add_input(inputs, line);
    }
    if (!bad && ferror(f)) {
        fprintf(stderr, "wsaudit: --files-from %s: read error\n", list);
        bad = 1;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return bad;
}

/* `wsaudit explain X`: a number is a close status code; a word is a TLS alert name. Both come
 * from the same tables the findings use. */
static int explain(int argc, char **argv)
{
    if (argc < 1) {
        fputs("wsaudit explain: name a close code or a TLS alert, e.g. 'wsaudit explain 1015' or "
              "'wsaudit explain certificate_expired'\n",
              stderr);
        return 2;
    }
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        char *end;
        errno = 0;
        long v = strtol(argv[i], &end, 10);
        if (end != argv[i] && !*end) {
            if (errno || v < 0 || v > 65535) {
                fprintf(stderr, "wsaudit explain: %s is not a close status code (0-65535)\n",
                        argv[i]);
                rc = 2;
                continue;
            }
            const struct ws_close_info *ci = ws_close_lookup((uint16_t)v);
            printf("close %ld %s (%s", v, ci->name, ws_close_class_name(ci->cls));
            if (ci->lo != ci->hi)
                printf(", range %u-%u", ci->lo, ci->hi);
            printf(")\n  meaning: %s\n  seen:    %s\n  fix:     %s\n", ci->meaning,
                   ws_close_when((uint16_t)v), ci->hint);
            if (ci->finding >= 0)
                printf("  on the wire: %s\n",
                       wsa_finding_info((enum wsa_finding_id)ci->finding)->id);
            continue;
        }
        const struct tls_alert_info *ai = tls_alert_by_name(argv[i]);
        if (!ai) {
            fprintf(stderr,
                    "wsaudit explain: '%s' is neither a close status code nor a TLS alert name\n",
                    argv[i]);
            rc = 2;
            continue;
        }
        printf("TLS alert %u %s (%s)\n  meaning: %s\n  seen:    %s\n  fix:     %s\n", ai->value,
               ai->name, tls_alert_class_name(ai->cls), ai->meaning, tls_alert_when(ai->value),
               ai->hint);
        if (ai->cls == TLS_ALERT_ERROR)
            printf("  a WebSocket client whose wss:// handshake ends with this alert reports close "
                   "status 1015 (TLS Handshake Failure); 1015 itself never appears on the wire\n");
    }
    return rc;
}

/* ---- -j N: several files at once, output identical to a serial run ---- */

struct job_opts {
    enum report_format fmt;
    int show_frames, fail_on, show_payload, show_time;
    uint16_t ws_port, cid_seed;
    double max_flows, flow_timeout, stream_kib, memcap_mib;
    const char *filter;
    const struct tls_keylog *keys;
    size_t keylog_cap;
    int ev_level, ev_nids; /* -w: what counts */
    const char *const *ev_ids;
    int show_h2; /* --h2-frames */
    int threads; /* threads for each file */
};

struct job {
    const char *path;
    char *buf; /* the file's whole output (its own report, no summary) */
    size_t len;
    struct report rep;
    int done;
};

struct pool {
    struct job *jobs;
    int njobs, next;
    const struct job_opts *o;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void setup_analyzer(struct analyzer *an, struct report *rep, const struct job_opts *o)
{
    analyzer_init(an, rep);
    an->ws_port = o->ws_port;
    an->cid_seed = o->cid_seed;
    if (o->max_flows >= 1)
        an->max_flows = (size_t)o->max_flows;
    if (o->flow_timeout > 0)
        an->idle_timeout = an->closed_timeout = o->flow_timeout;
    if (o->stream_kib > 0)
        an->ooo_cap = (size_t)(o->stream_kib * 1024);
    if (o->memcap_mib > 0)
        an->state_cap = (size_t)(o->memcap_mib * 1048576.0);
    an->keylogs = an->keys = o->keys;
    an->keylog_cap = o->keylog_cap;
    an->threads = o->threads;
}

static void *worker(void *arg)
{
    struct pool *pl = arg;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        int i = pl->next < pl->njobs && !wsaudit_stop_requested ? pl->next++ : -1;
        pthread_mutex_unlock(&pl->mu);
        if (i < 0)
            return NULL;
        struct job *j = &pl->jobs[i];
        FILE *m = open_memstream(&j->buf, &j->len);
        if (m) {
            struct analyzer an;
            report_init(&j->rep, pl->o->fmt, m);
            oom_watch(&j->rep);
            j->rep.show_frames = pl->o->show_frames;
            j->rep.show_payload = pl->o->show_payload;
            j->rep.show_h2_frames = pl->o->show_h2;
            j->rep.fail_on = pl->o->fail_on;
            j->rep.show_time = pl->o->show_time;
            setup_analyzer(&an, &j->rep, pl->o);
            run_file(&an, &j->rep, j->path, pl->o->filter);
            analyzer_free(&an);
            report_release(&j->rep);
            fclose(m);
        }
        pthread_mutex_lock(&pl->mu);
        j->done = 1;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
    }
}

/* Run the files on n threads; write each file's output in command-line order as soon as it
 * and those before it are done, and add its counts to rep. */
static void run_parallel(char **files, int nfiles, int n, const struct job_opts *o,
                         struct report *rep)
{
    struct pool pl = {calloc((size_t)nfiles, sizeof(struct job)),
                      nfiles,
                      0,
                      o,
                      PTHREAD_MUTEX_INITIALIZER,
                      PTHREAD_COND_INITIALIZER};
    pthread_t *th = calloc((size_t)n, sizeof *th);
    if (!pl.jobs || !th) {
        report_error(rep, files[0], 0, "out of memory for -j", 1);
        free(pl.jobs);
        free(th);
        return;
    }
    for (int i = 0; i < nfiles; i++)
        pl.jobs[i].path = files[i];
    int started = 0;
    for (; started < n; started++)
        if (pthread_create(&th[started], NULL, worker, &pl) != 0)
            break;
    if (!started)
        worker(&pl); /* no thread could start: do the work here */
    for (int i = 0; i < nfiles; i++) {
        pthread_mutex_lock(&pl.mu);
        /* wait for file i; after an interrupt, files not started are skipped (the timed wait
         * notices the signal, which does not signal the condition) */
        while (!pl.jobs[i].done && !(wsaudit_stop_requested && pl.next <= i)) {
            wait_a_while(&pl.cv, &pl.mu, 100);
        }
        pthread_mutex_unlock(&pl.mu);
        if (!pl.jobs[i].done)
            break; /* interrupted before this file started */
        fwrite(pl.jobs[i].buf, 1, pl.jobs[i].len, rep->out);
        free(pl.jobs[i].buf);
        report_merge(rep, &pl.jobs[i].rep);
    }
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    for (int i = 0; i < nfiles; i++)
        if (!pl.jobs[i].done)
            free(pl.jobs[i].buf);
    free(pl.jobs);
    free(th);
}

/* -w: once the analysis is done, the packets of what it found, read again from the files */
static void write_evidence(struct report *rep, struct evidence *ev, FILE *f,
                           const struct job_opts *o, const char **files, int nfiles, int merge)
{
    char err[200];
    rep->ev = NULL;
    int stopped = wsaudit_stop_requested; /* an interrupted analysis still gives its evidence */
    wsaudit_stop_requested = 0;
    int rc = evidence_wanted(ev) ? run_evidence(ev, o->keys, o->keylog_cap, files, nfiles, merge,
                                                err, sizeof err)
                                 : 0;
    if (rc == 0)
        rc = evidence_finish(ev, err, sizeof err);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, sizeof err, "%s", strerror(errno));
        rc = -1;
    }
    wsaudit_stop_requested = wsaudit_stop_requested || stopped;
    if (rc < 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "cannot write the evidence: %s", err);
        report_error(rep, evidence_name(ev), 0, msg, 1);
    }
    uint64_t packets, conns;
    evidence_counts(ev, &packets, &conns);
    report_evidence(rep, evidence_name(ev), packets, conns,
                    o->ev_nids ? NULL : wsa_severity_name((enum wsa_severity)o->ev_level), o->ev_ids,
                    o->ev_nids);
    evidence_free(ev);
}

/* what the command line asks for */
struct cli {
    enum report_format fmt;
    const char *filter;
    int show_frames, fail_on, show_payload, show_time, show_h2;
    uint16_t ws_port, cid_seed;
    double max_flows, flow_timeout, stream_kib, memcap_mib;
    long jobs;
    const char *keylogs[64];
    int nkeylogs;
    double keylog_mib;
    const char *run_as;
    int sandbox, merge;
    const char *files_from[16];
    int nfrom;
    const char *ev_out, *ev_ids[64]; /* -w and what counts */
    int ev_level, nev_ids;
    const char *rfiles[64]; /* -r FILE, as tcpdump and tshark take it */
    int nr;
};

/* The options into o; -1 to go on, else the exit status (after --help, --version or a message).
 * One case per option: the switch is as long as the option list. */
static int parse_options(int argc, char **argv, struct cli *o)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'F'},
                                             {"filter", required_argument, NULL, 'f'},
                                             {"no-frames", no_argument, NULL, 'q'},
                                             {"fail-on", required_argument, NULL, OPT_FAIL_ON},
                                             {"version", no_argument, NULL, 'V'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
                                             {"flow-timeout", required_argument, NULL, OPT_FLOW_TIMEOUT},
                                             {"stream-buffer", required_argument, NULL, OPT_STREAM_BUFFER},
                                             {"jobs", required_argument, NULL, 'j'},
                                             {"payload", no_argument, NULL, OPT_PAYLOAD},
                                             {"h2-frames", no_argument, NULL, OPT_H2_FRAMES},
                                             {"ws-port", required_argument, NULL, OPT_WS_PORT},
                                             {"memcap", required_argument, NULL, OPT_MEMCAP},
                                             {"keylog", required_argument, NULL, OPT_KEYLOG},
                                             {"sslkeylogfile", no_argument, NULL, OPT_SSLKEYLOGFILE},
                                             {"keylog-memcap", required_argument, NULL, OPT_KEYLOG_MEMCAP},
                                             {"time", no_argument, NULL, OPT_TIME},
                                             {"community-id-seed", required_argument, NULL, OPT_CID_SEED},
                                             {"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
                                             {"merge", no_argument, NULL, OPT_MERGE},
                                             {"files-from", required_argument, NULL, OPT_FILES_FROM},
                                             {"write-evidence", required_argument, NULL, 'w'},
                                             {"evidence-level", required_argument, NULL, OPT_EVIDENCE_LEVEL},
                                             {"evidence-id", required_argument, NULL, OPT_EVIDENCE_ID},
                                             {"reader", required_argument, NULL, OPT_READER},
                                             {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "F:f:qVhj:o:r:Z:w:", longopts, NULL)) != -1) {
        const char *kl = NULL;
        switch (c) {
        case 'Z':
            o->run_as = optarg;
            break;
        case OPT_NO_SANDBOX:
            o->sandbox = 0;
            break;
        case OPT_MERGE:
            o->merge = 1;
            break;
        case OPT_READER:
            if (strcmp(optarg, "libpcap") != 0 && strcmp(optarg, "fast") != 0) {
                fprintf(stderr, "wsaudit: --reader takes libpcap or fast\n");
                return 2;
            }
            wsaudit_libpcap_only = strcmp(optarg, "libpcap") == 0;
            break;
        case 'w':
            o->ev_out = optarg;
            break;
        case OPT_EVIDENCE_LEVEL:
            if ((o->ev_level = wsa_severity_parse(optarg)) < 0) {
                fprintf(stderr, "wsaudit: --evidence-level takes note, warning or error\n");
                return 2;
            }
            break;
        case OPT_EVIDENCE_ID:
            if (o->nev_ids == (int)(sizeof o->ev_ids / sizeof o->ev_ids[0]) || !*optarg) {
                fprintf(stderr, "wsaudit: --evidence-id takes a finding id (at most 64)\n");
                return 2;
            }
            o->ev_ids[o->nev_ids++] = optarg;
            break;
        case OPT_FILES_FROM:
            if (o->nfrom == (int)(sizeof o->files_from / sizeof o->files_from[0])) {
                fprintf(stderr, "wsaudit: at most 16 --files-from lists\n");
                return 2;
            }
            o->files_from[o->nfrom++] = optarg;
            break;
        case 'o':
        case OPT_KEYLOG:
        case OPT_SSLKEYLOGFILE:
            if (!(kl = keylog_option(c, optarg)))
                return 2;
            break;
        case OPT_KEYLOG_MEMCAP: {
            char *end;
            o->keylog_mib = strtod(optarg, &end);
            if (*end || !(o->keylog_mib >= 1) || o->keylog_mib > 1e6) {
                fprintf(stderr, "wsaudit: --keylog-memcap takes a number of MiB, at least 1\n");
                return 2;
            }
            break;
        }
        case 'j': {
            char *end;
            o->jobs = strtol(optarg, &end, 10);
            if (*end || o->jobs < 1 || o->jobs > 256) {
                fprintf(stderr, "wsaudit: -j takes a number of threads from 1 to 256\n");
                return 2;
            }
            break;
        }
        case 'F':
            if (strcmp(optarg, "text") == 0)
                o->fmt = FMT_TEXT;
            else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
                o->fmt = FMT_JSONL;
            else {
                fprintf(stderr, "wsaudit: unknown format '%s' (text or jsonl)\n", optarg);
                return 2;
            }
            break;
        case 'f':
            o->filter = optarg;
            break;
        case 'r':
            if (o->nr == (int)(sizeof o->rfiles / sizeof o->rfiles[0])) {
                fprintf(stderr, "wsaudit: at most 64 -r files (name more as arguments)\n");
                return 2;
            }
            o->rfiles[o->nr++] = optarg;
            break;
        case 'q':
            o->show_frames = 0;
            break;
        case OPT_PAYLOAD:
            o->show_payload = 1;
            break;
        case OPT_H2_FRAMES:
            o->show_h2 = 1;
            break;
        case OPT_TIME:
            o->show_time = 1;
            break;
        case OPT_CID_SEED:
            if (!u16_option(optarg, 0, "--community-id-seed takes a number from 0 to 65535",
                            &o->cid_seed))
                return 2;
            break;
        case OPT_WS_PORT:
            if (!u16_option(optarg, 1, "--ws-port takes a TCP port (1-65535)", &o->ws_port))
                return 2;
            break;
        case OPT_FAIL_ON:
            o->fail_on = wsa_severity_parse(optarg);
            if (o->fail_on < 0) {
                fprintf(stderr, "wsaudit: --fail-on takes note, warning or error\n");
                return 2;
            }
            break;
        case OPT_MAX_FLOWS:
        case OPT_FLOW_TIMEOUT:
        case OPT_STREAM_BUFFER:
        case OPT_MEMCAP: {
            char *end;
            double v = strtod(optarg, &end);
            if (*end || !(v > 0) || v > 1e9 || (c == OPT_MEMCAP && v < 1)) {
                fprintf(stderr, "wsaudit: %s takes a positive number%s\n", argv[optind - 1],
                        c == OPT_MEMCAP ? " of MiB, at least 1" : "");
                return 2;
            }
            *(c == OPT_MAX_FLOWS       ? &o->max_flows
              : c == OPT_FLOW_TIMEOUT  ? &o->flow_timeout
              : c == OPT_STREAM_BUFFER ? &o->stream_kib
                                       : &o->memcap_mib) = v;
            break;
        }
        case 'V':
            printf("wsaudit %s (%s)\n", WSAUDIT_VERSION, pcap_lib_version());
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (kl) {
            if (o->nkeylogs == (int)(sizeof o->keylogs / sizeof o->keylogs[0])) {
                fprintf(stderr, "wsaudit: at most 64 key logs\n");
                return 2;
            }
            o->keylogs[o->nkeylogs++] = kl;
        }
    }
    return -1;
}

/* The captures to read: -r ones first, then the lists, then the arguments; directories
 * expanded. NULL after a message when there are none or one cannot be used. */
static GPtrArray *collect_inputs(const struct cli *o, int argc, char **argv)
{
    if (optind >= argc && !o->nr && !o->nfrom) {
        usage(stderr);
        return NULL;
    }
    GPtrArray *inputs = g_ptr_array_new_with_free_func(g_free);
    int bad = 0;
    for (int i = 0; i < o->nr && !bad; i++)
        bad = add_input(inputs, o->rfiles[i]);
    for (int i = 0; i < o->nfrom && !bad; i++)
        bad = add_list(inputs, o->files_from[i]);
    for (int i = optind; i < argc && !bad; i++)
        bad = add_input(inputs, argv[i]);
    if (!bad && (o->merge || o->ev_out))
        for (guint i = 0; i < inputs->len && !bad; i++)
            if (strcmp(g_ptr_array_index(inputs, i), "-") == 0) {
                fprintf(stderr, "wsaudit: %s reads files, not standard input (which cannot be "
                                "read twice)\n", o->merge ? "--merge" : "-w");
                bad = 1;
            }
    if (bad || !inputs->len) {
        if (!bad)
            fprintf(stderr, "wsaudit: no capture files to read\n");
        g_ptr_array_free(inputs, TRUE);
        return NULL;
    }
    return inputs;
}

/* SIGINT/SIGTERM end the analysis after the packets already read (on stdin: those in the pipe).
 * SIGPIPE keeps its default: when the reader of the output goes away (| head), wsaudit stops at
 * once and quietly, as cat and grep do. */
static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* a read in progress restarts, non-blocking (see on_signal) */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* -w: the evidence file, created now (as tcpdump -w does, before giving up root); 0, or -1
 * after a message */
static int open_evidence(struct cli *cli, struct job_opts *o, struct report *rep, FILE **f)
{
    if (!(*f = fopen(cli->ev_out, "wb"))) {
        fprintf(stderr, "wsaudit: -w %s: %s\n", cli->ev_out, strerror(errno));
        return -1;
    }
    o->ev_level = cli->ev_level >= 0 ? cli->ev_level : cli->fail_on;
    o->ev_ids = cli->ev_ids;
    o->ev_nids = cli->nev_ids;
    rep->ev = evidence_new(*f, cli->ev_out, o->ev_level, cli->ev_ids, cli->nev_ids);
    cli->jobs = 1; /* flows are numbered per analyzer: one at a time */
    return 0;
}

/* The analysis proper: the files merged into one capture, in parallel, or one after another. */
static void run_inputs(const struct cli *cli, const char **files, int nfiles,
                       const struct job_opts *o, struct report *rep)
{
    struct analyzer an;
    if (cli->jobs > 1 && nfiles > 1 && !cli->merge) {
        run_parallel((char **)files, nfiles, (int)(cli->jobs < nfiles ? cli->jobs : nfiles), o,
                     rep);
        return;
    }
    setup_analyzer(&an, rep, o);
    if (cli->merge)
        run_merged(&an, rep, files, nfiles, cli->filter);
    for (int i = 0; !cli->merge && i < nfiles && !wsaudit_stop_requested; i++)
        run_file(&an, rep, files[i], cli->filter);
    analyzer_free(&an);
}

/* The report on standard output, as the options ask; -1 when it cannot be set up. */
static int start_report(const struct cli *cli, struct report *rep)
{
    /* a pipe or a file gets large writes; a terminal keeps line buffering. The buffer is
     * handed over: without one glibc ignores the size and writes 4 KiB at a time */
    static char outbuf[1 << 20];
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    report_init(rep, cli->fmt, stdout);
    if (oom_init(rep) != 0)
        return -1;
    rep->show_frames = cli->show_frames;
    rep->show_payload = cli->show_payload;
    rep->show_h2_frames = cli->show_h2;
    rep->show_time = cli->show_time;
    rep->fail_on = cli->fail_on;
    return 0;
}

static int wsaudit_main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "explain") == 0)
        return explain(argc - 2, argv + 2);
    struct cli cli = {.fmt = FMT_TEXT, .show_frames = 1, .fail_on = WSA_SEV_ERROR, .jobs = 0,
                      .keylog_mib = 256, .sandbox = 1, .ev_level = -1};
    int st = parse_options(argc, argv, &cli);
    if (st >= 0)
        return st;
    GPtrArray *inputs = collect_inputs(&cli, argc, argv);
    if (!inputs)
        return 2;
    const char **files = (const char **)inputs->pdata;
    int nfiles = (int)inputs->len;
    catch_stop_signals();

    struct report rep;
    struct job_opts o = {cli.fmt,          cli.show_frames,  cli.fail_on,
                         cli.show_payload, cli.show_time,    cli.ws_port,
                         cli.cid_seed,     cli.max_flows,    cli.flow_timeout,
                         cli.stream_kib,   cli.memcap_mib,   cli.filter,
                         NULL,             (size_t)(cli.keylog_mib * 1048576.0)};
    if (start_report(&cli, &rep) != 0) {
        g_ptr_array_free(inputs, TRUE);
        return 2;
    }
    struct tls_keylog *keys = NULL;
    if (cli.nkeylogs && !(keys = keys_load_files(cli.keylogs, cli.nkeylogs, o.keylog_cap, &rep))) {
        g_ptr_array_free(inputs, TRUE);
        return 2;
    }
    o.keys = keys;
    o.show_h2 = cli.show_h2;
    FILE *ev_file = NULL;
    if (cli.ev_out && open_evidence(&cli, &o, &rep, &ev_file) != 0) {
        tls_keylog_free(keys);
        g_ptr_array_free(inputs, TRUE);
        return 2;
    }
    /* -j N with several files: N files at once, each on one thread; else each file on N
     * threads (by default the cores this process may use) */
    o.threads = cli.jobs > 1 && nfiles > 1 && !cli.merge ? 1 : cli.jobs ? (int)cli.jobs : par_cores();
    if (!par_threads_allowed()) /* ulimit -v or -d: one thread (par.h) */
        o.threads = 1;
    /* everything is open: give up root and close the sandbox (confine.h) */
    input_preopen((const char *const *)files, nfiles);
    if (confine_drop_privileges(cli.run_as) != 0) {
        input_preopen_close();
        tls_keylog_free(keys);
        g_ptr_array_free(inputs, TRUE);
        return 2;
    }
    if (cli.sandbox)
        confine_sandbox();
#ifdef WSAUDIT_TEST_HOOKS
    confine_test_hook();
#endif
    run_inputs(&cli, files, nfiles, &o, &rep);
    if (rep.ev)
        write_evidence(&rep, rep.ev, ev_file, &o, files, nfiles, cli.merge);
    report_summary(&rep);
    tls_keylog_free(keys);
    input_preopen_close();
    g_ptr_array_free(inputs, TRUE);
    return report_exit_status(&rep);
}

/* Output that could not be written (a full disk, /dev/full) is an error, also for explain,
 * --help and --version: a pipeline must not take a cut report for a whole one. */
/* GLib before 2.76 takes small blocks from its slice allocator, which aborts when memory runs
 * out instead of failing as malloc does (and the out-of-memory report needs a failure it can
 * catch: oom.c). It reads its setting once, before main, from G_SLICE: so when that is not set,
 * wsaudit sets it and runs itself again, once. Without /proc it goes on as it is.
 * Running again costs a second start (about 8 ms, measured), so it is done only where a small
 * allocation can fail at all: under a limit on the address space or the data segment (ulimit
 * -v, -d) or with strict overcommit (vm.overcommit_memory=2). Elsewhere Linux grants small
 * blocks and a process out of memory is killed, not refused. */
static int small_allocations_can_fail(void)
{
    if (oom_rlimited())
        return 1;
    char mode = '2';
    int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &mode, 1) != 1)
            mode = '2';
        close(fd);
    }
    return mode == '2';
}

static void slices_from_malloc(char **argv)
{
#if !GLIB_CHECK_VERSION(2, 76, 0)
    if (getenv("G_SLICE") || !small_allocations_can_fail())
        return;
    setenv("G_SLICE", "always-malloc", 1);
    execv("/proc/self/exe", argv);
#else
    (void)argv;
#endif
}

int main(int argc, char **argv)
{
    slices_from_malloc(argv);
    int status = wsaudit_main(argc, argv);
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "wsaudit: cannot write the output: %s\n",
                errno ? strerror(errno) : "write error");
        return 2;
    }
    return status;
}
