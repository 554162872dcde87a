/* SPDX-License-Identifier: GPL-2.0-or-later */
/* out_formats.h - the per-format writers behind report.h (one file per format). */
#ifndef WSAUDIT_OUT_FORMATS_H
#define WSAUDIT_OUT_FORMATS_H

#include "linebuf.h"
#include "report.h"

/* a connection's id (report_conn_id) appended to a record */
static inline void lb_conn_id(struct lb *l, uint64_t id)
{
    char *p = lb_reserve(l, 32);
    l->n += report_conn_id(id, p);
}

struct out_format {
    void (*file)(struct report *r, const char *file, const char *linktype);
    void (*conn)(struct report *r, const struct conn_view *c, const struct handshake_view *h,
                 uint64_t pkt);
    void (*ws_event)(struct report *r, const struct conn_view *c, const struct ws_event *ev);
    void (*tls_event)(struct report *r, const struct conn_view *c, const struct tls_event *ev);
    void (*finding)(struct report *r, const struct conn_view *c, const char *file, uint64_t pkt,
                    enum wsa_finding_id id, const char *detail);
    void (*error)(struct report *r, const char *file, uint64_t pkt, const char *msg, int fatal);
    void (*summary)(struct report *r);
    void (*keylog)(struct report *r, const char *source, const char *kind, size_t secrets,
                   size_t randoms, unsigned long bad);
    void (*end)(struct report *r, const struct conn_view *c, const struct end_view *e);
    void (*evidence)(struct report *r, const char *file, uint64_t packets, uint64_t conns,
                     const char *level, const char *const *ids, int nids);
    void (*h2_frame)(struct report *r, const struct conn_view *c, const struct h2_event *ev);
};

extern const struct out_format out_text_format;
extern const struct out_format out_jsonl_format;

#endif
