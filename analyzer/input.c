/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input.c - decompressing capture input through libarchive's raw format; see input.h. */
#include "input.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD_KEEP 4096

struct input {
    int fd, own_fd;
    int positioned; /* fd is shared (input_preopen): read at off with pread */
    off_t off;
    uint8_t peek[8];
    size_t peek_len, peek_pos;
    struct archive *a; /* NULL: not compressed */
    uint8_t buf[1 << 16];
    uint8_t head[HEAD_KEEP];
    size_t head_len;
    FILE *f;
    char error[160]; /* the decompressor's last error */
};

/* ---- libarchive, loaded by the first compressed input ---- */

/* Most captures are not compressed, and linking libarchive cost every start 4.6 ms (the
 * libraries it needs): it is opened when a compressed input is met. The sandbox allows it
 * (read-only opens, mmap, mprotect: confine.c). */
static struct {
    pthread_once_t once;
    int ok;
    char error[200];
    struct archive *(*read_new)(void);
    int (*support_filter_all)(struct archive *);
    int (*support_format_raw)(struct archive *);
    int (*read_open)(struct archive *, void *, archive_open_callback *, archive_read_callback *,
                     archive_close_callback *);
    int (*next_header)(struct archive *, struct archive_entry **);
    la_ssize_t (*read_data)(struct archive *, void *, size_t);
    const char *(*error_string)(struct archive *);
    int (*errno_of)(struct archive *);
    void (*set_error)(struct archive *, int, const char *, ...);
    int (*read_free)(struct archive *);
} arc = {.once = PTHREAD_ONCE_INIT};

static void arc_load_once(void)
{
    void *h = dlopen(WSAUDIT_ARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(arc.error, sizeof arc.error, "cannot load %s: %s", WSAUDIT_ARCHIVE_SONAME,
                 e ? e : "unknown error");
        return;
    }
#define ARC_SYM(field, name) (*(void **)&arc.field = dlsym(h, name)) != NULL
    arc.ok = ARC_SYM(read_new, "archive_read_new") &&
             ARC_SYM(support_filter_all, "archive_read_support_filter_all") &&
             ARC_SYM(support_format_raw, "archive_read_support_format_raw") &&
             ARC_SYM(read_open, "archive_read_open") &&
             ARC_SYM(next_header, "archive_read_next_header") &&
             ARC_SYM(read_data, "archive_read_data") &&
             ARC_SYM(error_string, "archive_error_string") &&
             ARC_SYM(errno_of, "archive_errno") && ARC_SYM(set_error, "archive_set_error") &&
             ARC_SYM(read_free, "archive_read_free");
#undef ARC_SYM
    if (!arc.ok)
        snprintf(arc.error, sizeof arc.error, "%s lacks a function wsaudit needs",
                 WSAUDIT_ARCHIVE_SONAME);
}

/* several files may be opened at once (-j N), each in a thread */
static int arc_load(void)
{
    pthread_once(&arc.once, arc_load_once);
    return arc.ok;
}

/* ---- files opened before confinement ---- */

static GHashTable *preopened; /* path -> descriptor + 1 */

int input_preopen(const char *const *paths, int n)
{
    /* a descriptor per file: take what the hard limit allows (rotated captures can be many) */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (!preopened)
        preopened = g_hash_table_new(g_str_hash, g_str_equal);
    int opened = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(paths[i], "-") == 0 || g_hash_table_contains(preopened, paths[i]))
            continue;
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE)
                break; /* the rest are opened when their turn comes */
            continue;
        }
        g_hash_table_insert(preopened, (gpointer)paths[i], GINT_TO_POINTER(fd + 1));
        opened++;
    }
    return opened;
}

static gboolean close_one(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    (void)data;
    close(GPOINTER_TO_INT(value) - 1);
    return TRUE;
}

void input_preopen_close(void)
{
    if (!preopened)
        return;
    g_hash_table_foreach_remove(preopened, close_one, NULL);
    g_hash_table_destroy(preopened);
    preopened = NULL;
}

static int preopened_fd(const char *path)
{
    return preopened ? GPOINTER_TO_INT(g_hash_table_lookup(preopened, path)) - 1 : -1;
}

/* a FILE reading a shared descriptor at its own offset */
/* large reads: glibc gives a cookie stream 8 KiB unless handed a buffer (setvbuf's size is
 * ignored without one), and that was one pread per 8 KiB */
#define SHARED_BUF (256u << 10)

struct shared_file {
    int fd;
    off_t off;
    char buf[]; /* SHARED_BUF bytes, the stream's buffer (freed with it in shared_close); none
                 * when memory is short: the stream then reads as before, in smaller pieces */
};

static ssize_t shared_read(void *ctx, char *buf, size_t n)
{
    struct shared_file *sf = ctx;
    ssize_t r;
    do
        r = pread(sf->fd, buf, n, sf->off);
    while (r < 0 && errno == EINTR);
    if (r > 0)
        sf->off += r;
    return r;
}

static int shared_seek(void *ctx, off64_t *pos, int whence)
{
    struct shared_file *sf = ctx;
    off_t base = 0;
    struct stat st;
    if (whence == SEEK_CUR)
        base = sf->off;
    else if (whence == SEEK_END) {
        if (fstat(sf->fd, &st) != 0)
            return -1;
        base = st.st_size;
    }
    if (base + *pos < 0) {
        errno = EINVAL;
        return -1;
    }
    sf->off = base + *pos;
    *pos = sf->off;
    return 0;
}

static int shared_close(void *ctx)
{
    free(ctx);
    return 0;
}

int input_open_fd(const char *path, int *owned)
{
    int fd = preopened_fd(path);
    *owned = fd < 0;
    return fd >= 0 ? fd : open(path, O_RDONLY | O_CLOEXEC);
}

FILE *input_fopen(const char *path)
{
    int fd = preopened_fd(path);
    if (fd < 0)
        return fopen(path, "rb");
    int big = 1;
    struct shared_file *sf = malloc(sizeof *sf + SHARED_BUF);
    if (!sf) {
        big = 0;
        sf = malloc(sizeof *sf);
    }
    if (!sf)
        return NULL;
    sf->fd = fd;
    sf->off = 0;
    cookie_io_functions_t io = {shared_read, NULL, shared_seek, shared_close};
    FILE *f = fopencookie(sf, "rb", io);
    if (!f) {
        free(sf);
        return NULL;
    }
    if (big)
        setvbuf(f, sf->buf, _IOFBF, SHARED_BUF);
    return f;
}

const char *input_compression(const uint8_t *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return "gzip";
    if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
        return "zstd";
    if (n >= 6 && !memcmp(p, "\xfd\x37\x7a\x58\x5a\x00", 6))
        return "xz";
    if (n >= 3 && !memcmp(p, "BZh", 3))
        return "bzip2";
    if (n >= 4 && !memcmp(p, "\x04\x22\x4d\x18", 4))
        return "lz4";
    return NULL;
}

const char *input_file_compression(const char *path)
{
    uint8_t b[8];
    FILE *f = input_fopen(path);
    if (!f)
        return NULL;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    return input_compression(b, n);
}

/* the raw bytes: the peeked ones first, then the descriptor */
static ssize_t raw_read(struct input *in, void *buf, size_t n)
{
    if (in->peek_pos < in->peek_len) {
        size_t k = in->peek_len - in->peek_pos < n ? in->peek_len - in->peek_pos : n;
        memcpy(buf, in->peek + in->peek_pos, k);
        in->peek_pos += k;
        return (ssize_t)k;
    }
    ssize_t r;
    do
        r = in->positioned ? pread(in->fd, buf, n, in->off) : read(in->fd, buf, n);
    while (r < 0 && errno == EINTR);
    if (r > 0)
        in->off += r;
    return r;
}

static la_ssize_t arc_read(struct archive *a, void *ctx, const void **out)
{
    struct input *in = ctx;
    ssize_t r = raw_read(in, in->buf, sizeof in->buf);
    if (r < 0) {
        arc.set_error(a, errno, "read failed");
        return -1;
    }
    *out = in->buf;
    return r;
}

static ssize_t cookie_read(void *ctx, char *buf, size_t n)
{
    struct input *in = ctx;
    ssize_t r = in->a ? (ssize_t)arc.read_data(in->a, buf, n) : raw_read(in, buf, n);
    if (r < 0) {
        if (in->a) {
            snprintf(in->error, sizeof in->error, "%s", arc.error_string(in->a));
            errno = arc.errno_of(in->a) > 0 ? arc.errno_of(in->a) : EIO;
        }
        return -1;
    }
    if (in->head_len < HEAD_KEEP && r > 0) {
        size_t k = HEAD_KEEP - in->head_len < (size_t)r ? HEAD_KEEP - in->head_len : (size_t)r;
        memcpy(in->head + in->head_len, buf, k);
        in->head_len += k;
    }
    return r;
}

static int cookie_close(void *ctx)
{
    struct input *in = ctx;
    if (in->a)
        arc.read_free(in->a);
    if (in->own_fd)
        close(in->fd);
    free(in);
    return 0;
}

FILE *input_open(const char *path, struct input **handle, char *err, size_t n)
{
    struct input *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    int std = strcmp(path, "-") == 0;
    int shared = std ? -1 : preopened_fd(path);
    in->positioned = shared >= 0;
    in->fd = std ? STDIN_FILENO : shared >= 0 ? shared : open(path, O_RDONLY | O_CLOEXEC);
    in->own_fd = !std && shared < 0;
    if (in->fd < 0) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        free(in);
        return NULL;
    }
    while (in->peek_len < 6) { /* enough for every magic */
        ssize_t r = in->positioned
                        ? pread(in->fd, in->peek + in->peek_len, 6 - in->peek_len, in->off)
                        : read(in->fd, in->peek + in->peek_len, 6 - in->peek_len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        in->peek_len += (size_t)r;
        in->off += r;
    }
    if (input_compression(in->peek, in->peek_len)) {
        struct archive_entry *e;
        if (!arc_load()) {
            snprintf(err, n, "cannot decompress (%s): %s",
                     input_compression(in->peek, in->peek_len), arc.error);
            cookie_close(in);
            return NULL;
        }
        in->a = arc.read_new();
        if (!in->a || arc.support_filter_all(in->a) != ARCHIVE_OK ||
            arc.support_format_raw(in->a) != ARCHIVE_OK ||
            arc.read_open(in->a, in, NULL, arc_read, NULL) != ARCHIVE_OK ||
            arc.next_header(in->a, &e) != ARCHIVE_OK) {
            snprintf(err, n, "cannot decompress (%s): %s",
                     input_compression(in->peek, in->peek_len),
                     in->a ? arc.error_string(in->a) : "out of memory");
            cookie_close(in);
            return NULL;
        }
    }
    cookie_io_functions_t io = {cookie_read, NULL, NULL, cookie_close};
    in->f = fopencookie(in, "rb", io);
    if (!in->f) {
        snprintf(err, n, "%s", strerror(errno));
        cookie_close(in);
        return NULL;
    }
    *handle = in;
    return in->f;
}

const char *input_error(const struct input *in)
{
    return in->error;
}

const uint8_t *input_head(const struct input *in, size_t *len)
{
    *len = in->head_len;
    return in->head;
}
