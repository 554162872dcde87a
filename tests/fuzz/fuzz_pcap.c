/*
 * libFuzzer target: the whole path, from a capture file's bytes to findings: libpcap reads the
 * input from memory, the analyzer decodes links, follows flows and reports (text or JSON Lines,
 * with --payload records) to /dev/null. A pcapng input is also read by our own pcapng reader
 * (the one used for files libpcap refuses).
 */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flow.h"
#include "report.h"
#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *in = fmemopen((void *)(uintptr_t)data, size, "rb");
    FILE *out = fopen("/dev/null", "w");
    if (!in || !out) {
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        return 0;
    }
    struct report rep;
    report_init(&rep, (data[size - 1] & 1) ? FMT_JSONL : FMT_TEXT, out);
    rep.show_payload = 1;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fclose(in);
        report_error(&rep, "fuzz", 0, err, 1);
    } else {
        struct analyzer an;
        analyzer_init(&an, &rep);
        run_pcap(&an, &rep, p, "fuzz", NULL); /* closes p and in */
        analyzer_free(&an);
    }
    if (size >= 4 && data[0] == 0x0A && data[1] == 0x0D && data[2] == 0x0D && data[3] == 0x0A) {
        FILE *again = fmemopen((void *)(uintptr_t)data, size, "rb");
        if (again) {
            struct analyzer an;
            analyzer_init(&an, &rep);
            run_pcapng(&an, &rep, again, "fuzz-pcapng", NULL);
            analyzer_free(&an);
            fclose(again);
        }
    }
    report_summary(&rep);
    fclose(out);
    return 0;
}
