/*
 * run.c - one capture through the analyzer: link decode, flows, findings; errors are reported
 * with the file and packet, and everything found before them is kept. Used by main.c and by the
 * whole-path fuzz target.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "ip_defrag.h"
#include "run.h"

volatile sig_atomic_t wsaudit_stop_requested;

static const char *linktype_name(int dlt)
{
    const char *n = pcap_datalink_val_to_name(dlt);
    return n ? n : "unknown";
}

/* Analyze one file; returns 0 when it was read to the end. */
int run_file(struct analyzer *an, struct report *rep, const char *path, const char *filter)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        report_error(rep, name, 0, errbuf, 1);
        return -1;
    }
    return run_pcap(an, rep, p, name, filter);
}

#define DEFRAG_MEMCAP ((size_t)16 << 20)

struct defrag_ctx {
    struct report *rep;
    const char *name;
};

static void on_defrag_finding(void *ctx, uint64_t pkt, enum wsa_finding_id id, const char *detail)
{
    struct defrag_ctx *c = ctx;
    report_finding(c->rep, NULL, c->name, pkt, id, detail);
}

/* One decoded packet: TCP to the analyzer, fragments through reassembly, damage reported. */
static void dispatch(struct analyzer *an, struct report *rep, struct defrag *df, const char *name,
                     enum decode_result d, const struct tcp_pkt *tp, const char *why,
                     const struct pcap_pkthdr *h, uint64_t pkt)
{
    double ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e9;
    if (df)
        defrag_expire(df, ts); /* datagrams that waited too long are reported in time order */
    if (d == DEC_FRAGMENT && df) {
        const uint8_t *ip;
        uint32_t ip_len;
        int dlt;
        if (!defrag_add(df, tp, pkt, ts, &ip, &ip_len, &dlt))
            return;
        /* the whole datagram, decoded as if it had come in one packet */
        struct tcp_pkt whole;
        const char *why2;
        enum decode_result d2 = decode_packet(dlt, ip, ip_len, ip_len, &whole, &why2);
        if (d2 == DEC_TCP) {
            rep->tcp_packets++;
            analyzer_packet(an, &whole, pkt, ts);
        } else if (d2 == DEC_ERR_BOGUS || d2 == DEC_ERR_TRUNC) {
            report_finding(rep, NULL, name, pkt, F_D_PACKET_MALFORMED, why2);
        }
        return;
    }
    if (d == DEC_TCP) {
        rep->tcp_packets++;
        analyzer_packet(an, tp, pkt, ts);
    } else if (d == DEC_FRAGMENT) {
        report_finding(rep, NULL, name, pkt, F_D_IP_FRAGMENT, "out of memory for reassembly");
    } else if (d == DEC_ERR_BOGUS || (d == DEC_ERR_TRUNC && h->caplen == h->len)) {
        report_finding(rep, NULL, name, pkt, F_D_PACKET_MALFORMED, why);
    } else if (d == DEC_ERR_TRUNC) {
        report_finding(rep, NULL, name, pkt, F_D_CAPTURE_TRUNCATED, why);
    }
}

int run_pcap(struct analyzer *an, struct report *rep, pcap_t *p, const char *name,
             const char *filter)
{
    int dlt = pcap_datalink(p);
    an->file = name;
    report_file(rep, name, linktype_name(dlt));
    if (!decode_link_supported(dlt)) {
        char msg[128];
        snprintf(msg, sizeof msg, "link type %s (%d) is not supported", linktype_name(dlt), dlt);
        report_error(rep, name, 0, msg, 1);
        pcap_close(p);
        return -1;
    }
    struct bpf_program prog;
    int have_filter = 0;
    if (filter) {
        if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            char msg[PCAP_ERRBUF_SIZE + 64];
            snprintf(msg, sizeof msg, "bad filter '%s': %s", filter, pcap_geterr(p));
            report_error(rep, name, 0, msg, 1);
            pcap_close(p);
            return -1;
        }
        have_filter = 1;
    }

    struct defrag_ctx dctx = {rep, name};
    struct defrag *df = defrag_new(DEFRAG_MEMCAP, on_defrag_finding, &dctx);
    uint64_t pkt = 0;
    int rc = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    while (!wsaudit_stop_requested) {
        int r = pcap_next_ex(p, &h, &data);
        if (r == PCAP_ERROR_BREAK)
            break;
        if (r == PCAP_ERROR) {
            char msg[PCAP_ERRBUF_SIZE + 64];
            snprintf(msg, sizeof msg, "read failed after packet %llu: %s", (unsigned long long)pkt,
                     pcap_geterr(p));
            report_error(rep, name, pkt + 1, msg, 0);
            rc = -1;
            break;
        }
        pkt++;
        rep->packets++;
        if (have_filter && !pcap_offline_filter(&prog, h, data))
            continue;
        struct tcp_pkt tp;
        const char *why;
        enum decode_result d = decode_packet(dlt, data, h->caplen, h->len, &tp, &why);
        dispatch(an, rep, df, name, d, &tp, why, h, pkt);
    }
    if (wsaudit_stop_requested) {
        report_error(rep, name, pkt, "interrupted; findings so far are written", 0);
        rc = -1;
    }
    if (df) {
        defrag_flush(df); /* incomplete datagrams are reported before the flows end */
        defrag_free(df);
    }
    analyzer_end_file(an);
    if (have_filter)
        pcap_freecode(&prog);
    pcap_close(p);
    return rc;
}
