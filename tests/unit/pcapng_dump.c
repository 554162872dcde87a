/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapng_dump FILE - print each packet our pcapng reader (analyzer/pcapng.c) returns as
 * "SEC.NSEC CAPLEN LEN", for comparison with tshark's frame.time_epoch, frame.cap_len and
 * frame.len (tests/cli/test_cli.sh). Exit 1 with the reader's message on an error.
 */
#include <stdio.h>

#include "pcapng.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pcapng_dump FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    char err[256];
    struct pcapng_reader *r = pcapng_open(f, err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct pcapng_packet p;
    int rc;
    while ((rc = pcapng_next(r, &p, err, sizeof err)) == 1)
        printf("%lld.%09u %u %u\n", (long long)p.sec, p.nsec, p.caplen, p.len);
    if (rc < 0)
        fprintf(stderr, "%s\n", err);
    pcapng_close(r);
    fclose(f);
    return rc < 0;
}
