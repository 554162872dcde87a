/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reader_diff - the zero-copy reader (analyzer/fastpcap.c) against libpcap, file by file:
 * every packet's time, lengths and bytes, the packet count, and how the file ends (cleanly, or
 * with libpcap's error message) must be the same. The zero-copy side is read as wsaudit reads
 * it: fastpcap while it vouches, then libpcap from the first packet it does not.
 *
 * usage: reader_diff FILE...   prints one line per file (packets, and "libpcap from N" when
 * the zero-copy reader handed over), exit 1 at the first difference, 0 when all agree.
 */
#include <stdio.h>
#include <string.h>

#include "fastpcap.h"

struct end {
    int rc;
    char msg[PCAP_ERRBUF_SIZE];
};

static pcap_t *open_nano(const char *path, FILE **fp)
{
    char err[PCAP_ERRBUF_SIZE];
    *fp = fopen(path, "rb");
    if (!*fp)
        return NULL;
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(*fp, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fclose(*fp);
        *fp = NULL;
    }
    return p;
}

static int differ(const char *path, unsigned long long n, const char *what)
{
    printf("%s: packet %llu: %s differs\n", path, n, what);
    return 1;
}

static int check_file(const char *path)
{
    FILE *fa, *fb;
    pcap_t *a = open_nano(path, &fa), *b = open_nano(path, &fb);
    if (!a || !b) {
        /* libpcap refuses the file: wsaudit never gets to the zero-copy reader */
        printf("%s: not opened by libpcap\n", path);
        if (a)
            pcap_close(a);
        if (b)
            pcap_close(b);
        return 0;
    }
    struct fastpcap fr;
    int fast = fastpcap_open(&fr, fileno(fb), 0) == 0;
    int was_fast = fast;
    unsigned long long n = 0;
    int bad = 0;
    for (;;) {
        struct pcap_pkthdr *ha;
        const u_char *da;
        const struct pcap_pkthdr *hb = NULL;
        const uint8_t *db = NULL;
        int ra = pcap_next_ex(a, &ha, &da);
        int rb = fastpcap_next_or_libpcap(&fr, &fast, b, &hb, &db);
        if (ra != rb) {
            printf("%s: after %llu packets: libpcap says %d, the zero-copy reader %d\n", path, n,
                   ra, rb);
            bad = 1;
            break;
        }
        if (ra != 1) {
            if (ra != PCAP_ERROR_BREAK && strcmp(pcap_geterr(a), pcap_geterr(b)) != 0) {
                printf("%s: error \"%s\" vs \"%s\"\n", path, pcap_geterr(a), pcap_geterr(b));
                bad = 1;
            }
            break;
        }
        n++;
        if (ha->ts.tv_sec != hb->ts.tv_sec || ha->ts.tv_usec != hb->ts.tv_usec)
            bad = differ(path, n, "time");
        else if (ha->caplen != hb->caplen || ha->len != hb->len)
            bad = differ(path, n, "length");
        else if (memcmp(da, db, ha->caplen) != 0)
            bad = differ(path, n, "data");
        if (bad)
            break;
    }
    if (!bad) {
        printf("%s: %llu packets, %s", path, n, was_fast ? "zero-copy" : "libpcap (declined)");
        if (was_fast && !fast)
            printf(", libpcap from packet %llu", (unsigned long long)fr.count + 1);
        printf("\n");
    }
    if (fast)
        fastpcap_close(&fr);
    pcap_close(a);
    pcap_close(b);
    return bad;
}

int main(int argc, char **argv)
{
    int bad = 0;
    for (int i = 1; i < argc && !bad; i++)
        bad = check_file(argv[i]);
    return bad;
}
