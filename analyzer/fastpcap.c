/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fastpcap.c - the zero-copy pcap reader (fastpcap.h). The file format is pcap-savefile(5):
 * a 24-byte file header, then per packet a 16-byte record header and the captured bytes.
 */
#include "fastpcap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du
#define FILE_HDR 24
#define REC_HDR 16
/* libpcap's largest snapshot length for the link types read here (MAXIMUM_SNAPLEN) */
#define MAX_SNAPLEN 262144u
/* one buffer, reused: large reads, and room for the largest record (16 + MAX_SNAPLEN) */
#define BUF_SIZE (1u << 20)

static uint32_t swap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static uint32_t rd32(const struct fastpcap *r, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return r->swapped ? swap32(v) : v;
}

/* Link types whose packets libpcap hands out unchanged (it rewrites USB and NFLOG pseudo
 * headers, for instance): the ones wsaudit decodes. LINKTYPE_ values, as the file says them. */
static int plain_linktype(uint32_t lt)
{
    switch (lt) {
    case 0:   /* NULL */
    case 1:   /* ETHERNET */
    case 101: /* RAW */
    case 108: /* LOOP */
    case 113: /* LINUX_SLL */
    case 228: /* IPV4 */
    case 229: /* IPV6 */
    case 276: /* LINUX_SLL2 */
        return 1;
    default:
        return 0;
    }
}

/* Have at least need bytes from pos on in the buffer: what is left moves to the front and
 * large reads fill the rest. 1 when they are there, 0 at the end of the file first. */
static int refill(struct fastpcap *r, size_t need);

static inline int have(struct fastpcap *r, size_t need)
{
    return r->len - r->pos >= need ? 1 : refill(r, need); /* the check inline, per record */
}

static int refill(struct fastpcap *r, size_t need)
{
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
    while (r->len < need && !r->eof) {
        ssize_t got = pread(r->fd, r->buf + r->len, r->cap - r->len, (off_t)r->file_off);
        if (got <= 0) {
            r->eof = 1; /* an error is libpcap's to report, reading the same bytes */
            break;
        }
        r->len += (size_t)got;
        r->file_off += (uint64_t)got;
    }
    return r->len - r->pos >= need;
}

int fastpcap_open(struct fastpcap *r, int fd, int owned)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->owned = owned;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fastpcap_close(r);
        return -1;
    }
    r->cap = BUF_SIZE;
    r->buf = malloc(r->cap);
    if (!r->buf || !have(r, FILE_HDR)) {
        fastpcap_close(r);
        return -1;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    const uint8_t *h = r->buf;
    uint32_t magic;
    memcpy(&magic, h, 4);
    if (magic == MAGIC_USEC || magic == MAGIC_NSEC) {
        r->nsec = magic == MAGIC_NSEC;
    } else if (swap32(magic) == MAGIC_USEC || swap32(magic) == MAGIC_NSEC) {
        r->swapped = 1;
        r->nsec = swap32(magic) == MAGIC_NSEC;
    } else {
        fastpcap_close(r);
        return -1; /* pcapng, the modified formats, or not a capture: libpcap says */
    }
    uint16_t major, minor;
    memcpy(&major, h + 4, 2);
    memcpy(&minor, h + 6, 2);
    if (r->swapped) {
        major = __builtin_bswap16(major);
        minor = __builtin_bswap16(minor);
    }
    r->snaplen = rd32(r, h + 16);
    uint32_t lt = rd32(r, h + 20);
    if (major != 2 || minor != 4 || r->snaplen == 0 || r->snaplen > MAX_SNAPLEN ||
        !plain_linktype(lt)) {
        fastpcap_close(r);
        return -1;
    }
    r->pos = FILE_HDR;
    return 0;
}

int fastpcap_next(struct fastpcap *r, const struct pcap_pkthdr **h, const uint8_t **data)
{
    if (!have(r, REC_HDR))
        return r->len == r->pos ? 0 : -1; /* the clean end, or cut inside a record header */
    const uint8_t *p = r->buf + r->pos;
    uint32_t sec = rd32(r, p), frac = rd32(r, p + 4), caplen = rd32(r, p + 8),
             len = rd32(r, p + 12);
    /* vouched for: a whole record within the snapshot length, and times whose reading cannot
     * depend on how a libpcap version widens them */
    if (caplen > r->snaplen || caplen > len || sec > 0x7fffffffu ||
        frac >= (r->nsec ? 1000000000u : 1000000u) || !have(r, REC_HDR + (size_t)caplen))
        return -1;
    p = r->buf + r->pos; /* have() may have moved the bytes */
    r->hdr.ts.tv_sec = (time_t)sec;
    r->hdr.ts.tv_usec = (suseconds_t)(r->nsec ? frac : frac * 1000u); /* nanoseconds */
    r->hdr.caplen = caplen;
    r->hdr.len = len;
    *h = &r->hdr;
    *data = p + REC_HDR;
    r->pos += REC_HDR + (size_t)caplen;
    r->count++;
    return 1;
}

void fastpcap_close(struct fastpcap *r)
{
    free(r->buf);
    r->buf = NULL;
    if (r->owned && r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

int fastpcap_libpcap_skip(pcap_t *p, uint64_t n)
{
    struct pcap_pkthdr *ph;
    const u_char *data;
    for (uint64_t i = 0; i < n; i++) {
        int k = pcap_next_ex(p, &ph, &data);
        if (k != 1)
            return k;
    }
    return 1;
}

int fastpcap_next_or_libpcap(struct fastpcap *r, int *fast, pcap_t *p,
                             const struct pcap_pkthdr **h, const uint8_t **data)
{
    struct pcap_pkthdr *ph;
    if (*fast) {
        int got = fastpcap_next(r, h, data);
        if (got == 1)
            return 1;
        if (got == 0)
            return PCAP_ERROR_BREAK;
        *fast = 0;
        fastpcap_close(r);
        int k = fastpcap_libpcap_skip(p, r->count);
        if (k != 1)
            return k; /* cannot happen: these packets were read once already */
    }
    int k = pcap_next_ex(p, &ph, data);
    *h = ph;
    return k;
}
