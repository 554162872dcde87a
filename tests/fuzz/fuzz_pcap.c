/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the whole path, from a capture file's bytes to findings: libpcap reads the
 * input from memory, the analyzer decodes links, follows flows and reports (text or JSON Lines,
 * with --payload records) to /dev/null. A pcapng input is also read by our own pcapng reader
 * (the one used for files libpcap refuses). With WSAUDIT_FUZZ_KEYS naming a folder of key logs
 * (captures/keys), TLS connections whose ClientHello random they hold are decrypted, so mutated
 * records go through the decryption path (and must fail authentication, not crash).
 * The output is kept in memory and checked (output_check.h): every JSON Lines line one JSON
 * object, no raw control byte in text.
 */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "output_check.h"
#include "report.h"
#include "run.h"

static struct tls_keylog *fuzz_keys(void)
{
    static int loaded;
    static struct tls_keylog *k;
    const char *dir = getenv("WSAUDIT_FUZZ_KEYS");
    if (loaded || !dir)
        return k;
    loaded = 1;
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return NULL;
    k = tls_keylog_new(64 << 20);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        if (!g_str_has_suffix(name, ".keys") || strstr(name, ".wrong.") ||
            strstr(name, ".incomplete."))
            continue;
        gchar *path = g_build_filename(dir, name, NULL), *text;
        gsize len;
        if (g_file_get_contents(path, &text, &len, NULL)) {
            tls_keylog_add_text(k, text, len, NULL, NULL);
            g_free(text);
        }
        g_free(path);
    }
    g_dir_close(d);
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const struct tls_keylog *keys = fuzz_keys();
    FILE *in = fmemopen((void *)(uintptr_t)data, size, "rb");
    /* one buffer for every run (an open_memstream per run costs more than the small inputs'
     * analysis); an output that does not fit is checked up to its last whole line */
    static char text[16 << 20];
    FILE *out = fmemopen(text, sizeof text, "w");
    if (!in || !out) {
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        return 0;
    }
    struct report rep;
    int jsonl = data[size - 1] & 1;
    report_init(&rep, jsonl ? FMT_JSONL : FMT_TEXT, out);
    rep.err = NULL; /* the error records are in the output; a line on stderr per input would
                     * cost a system call each and fill the fuzzing log */
    rep.show_payload = 1;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fclose(in);
        report_error(&rep, "fuzz", 0, err, 1);
    } else {
        struct analyzer an;
        analyzer_init(&an, &rep);
        an.keylogs = an.keys = keys;
        run_pcap(&an, &rep, p, "fuzz", NULL); /* closes p and in */
        analyzer_free(&an);
    }
    if (size >= 4 && data[0] == 0x0A && data[1] == 0x0D && data[2] == 0x0D && data[3] == 0x0A) {
        FILE *again = fmemopen((void *)(uintptr_t)data, size, "rb");
        if (again) {
            struct analyzer an;
            analyzer_init(&an, &rep);
            an.keylogs = an.keys = keys;
            run_pcapng(&an, &rep, again, "fuzz-pcapng", NULL);
            analyzer_free(&an);
            fclose(again);
        }
    }
    report_summary(&rep);
    long text_len = ftell(out);
    fclose(out);
    size_t len = text_len > 0 ? (size_t)text_len : 0;
    if (len >= sizeof text - 1) /* cut: up to the last whole line */
        while (len > 0 && text[len - 1] != '\n')
            len--;
    check_output((const uint8_t *)text, len, jsonl);
    return 0;
}
