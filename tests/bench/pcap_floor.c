/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcap_floor - the floor for any libpcap tool: read every packet of a capture with
 * pcap_next_ex and touch its bytes (a checksum, so the loop cannot be optimised away).
 *
 *   pcap_floor FILE    prints "packets N bytes N sum N"
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: pcap_floor FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap_floor: %s\n", err);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t packets = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        packets++;
        bytes += h->caplen;
        for (uint32_t i = 0; i < h->caplen; i += 64)
            sum += d[i];
    }
    pcap_close(p);
    printf("packets %llu bytes %llu sum %llu\n", (unsigned long long)packets,
           (unsigned long long)bytes, (unsigned long long)sum);
    return rc == PCAP_ERROR ? 1 : 0;
}
