/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * output_check.h - invariants on what wsaudit writes, checked by the fuzz targets after every
 * input (issue 18): each JSON Lines line is one JSON object by RFC 8259 (strings without raw
 * control bytes, valid escapes, valid UTF-8, nothing after the value), and text output holds
 * no control byte but the newline. A violation aborts with the line, so libFuzzer keeps the
 * input that made it.
 */
#ifndef WSAUDIT_FUZZ_OUTPUT_CHECK_H
#define WSAUDIT_FUZZ_OUTPUT_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "utf8.h"

/* the checker is not what is being fuzzed: no coverage feedback from it, and it runs faster */
#if defined(__clang__)
#define CHECKER __attribute__((no_sanitize("coverage")))
#else
#define CHECKER
#endif

struct jcur {
    const uint8_t *p, *end;
    int depth;
};

CHECKER static int j_value(struct jcur *c);

CHECKER static void j_ws(struct jcur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
        c->p++;
}

CHECKER static int j_lit(struct jcur *c, const char *w)
{
    for (; *w; w++, c->p++)
        if (c->p >= c->end || *c->p != (uint8_t)*w)
            return 0;
    return 1;
}

CHECKER static int j_hex(uint8_t b)
{
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
}

CHECKER static int j_string(struct jcur *c)
{
    if (c->p >= c->end || *c->p != '"')
        return 0;
    const uint8_t *start = ++c->p;
    while (c->p < c->end && *c->p != '"') {
        if (*c->p < 0x20)
            return 0; /* a raw control byte */
        if (*c->p == '\\') {
            if (++c->p >= c->end)
                return 0;
            uint8_t e = *c->p;
            if (e == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (c->p + i >= c->end || !j_hex(c->p[i]))
                        return 0;
                c->p += 4;
            } else if (!(e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                         e == 'r' || e == 't')) {
                return 0;
            }
        }
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    struct utf8_state u;
    utf8_init(&u);
    if (utf8_feed(&u, start, (size_t)(c->p - start)) != 0 || utf8_finish(&u) != 0)
        return 0;
    c->p++;
    return 1;
}

CHECKER static int j_number(struct jcur *c)
{
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return 0;
    if (*c->p == '0')
        c->p++;
    else
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
    }
    return 1;
}

/* the members of an object ('}' close) or the items of an array (']') */
CHECKER static int j_items(struct jcur *c, uint8_t close, int keyed)
{
    c->p++;
    j_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 1;
    }
    for (;;) {
        j_ws(c);
        if (keyed) {
            if (!j_string(c))
                return 0;
            j_ws(c);
            if (c->p >= c->end || *c->p++ != ':')
                return 0;
        }
        if (!j_value(c))
            return 0;
        j_ws(c);
        if (c->p >= c->end)
            return 0;
        if (*c->p == close) {
            c->p++;
            return 1;
        }
        if (*c->p++ != ',')
            return 0;
    }
}

CHECKER static int j_value(struct jcur *c)
{
    j_ws(c);
    if (c->p >= c->end || ++c->depth > 64)
        return 0;
    int ok;
    switch (*c->p) {
    case '{':
        ok = j_items(c, '}', 1);
        break;
    case '[':
        ok = j_items(c, ']', 0);
        break;
    case '"':
        ok = j_string(c);
        break;
    case 't':
        ok = j_lit(c, "true");
        break;
    case 'f':
        ok = j_lit(c, "false");
        break;
    case 'n':
        ok = j_lit(c, "null");
        break;
    default:
        ok = j_number(c);
    }
    c->depth--;
    return ok;
}

/* 1 when line[0..n) is exactly one JSON object */
CHECKER static int json_line_ok(const uint8_t *line, size_t n)
{
    struct jcur c = {line, line + n, 0};
    j_ws(&c);
    if (c.p >= c.end || *c.p != '{' || !j_value(&c))
        return 0;
    j_ws(&c);
    return c.p == c.end;
}

CHECKER static void output_fail(const char *why, const uint8_t *line, size_t n)
{
    fprintf(stderr, "output invariant broken: %s in line: %.*s\n", why, (int)n,
            (const char *)line);
    abort();
}

/* Check a whole output: every line a JSON object (jsonl) or free of control bytes (text). */
CHECKER static void check_output(const uint8_t *out, size_t n, int jsonl)
{
    const uint8_t *p = out, *end = out + n;
    while (p < end) {
        const uint8_t *nl = p;
        while (nl < end && *nl != '\n')
            nl++;
        if (nl == end)
            output_fail("no newline at the end", p, (size_t)(end - p));
        size_t len = (size_t)(nl - p);
        if (jsonl) {
            if (!json_line_ok(p, len))
                output_fail("not one JSON object", p, len);
        } else {
            for (size_t i = 0; i < len; i++)
                if (p[i] < 0x20 || p[i] == 0x7f)
                    output_fail("a raw control byte", p, len);
        }
        p = nl + 1;
    }
}

#endif
