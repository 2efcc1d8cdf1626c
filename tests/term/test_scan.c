/*
 * Data-driven tests of the byte scanner (src/term/scan.h), in the style of libvterm's t/
 * suite: a script pushes bytes and lists the events it expects, one per line.
 *
 *   # a comment
 *   PUSH "\e[?1006;1000h"      bytes in (\e \a \n \r \t \\ \" and \xNN escapes)
 *     csi ? 1006;1000 h        the events they make, in order
 *   LIMIT ] 16                 the most bytes an OSC keeps ('P' for other strings)
 *
 * Events: `text "..."` (bytes in the ground state, which the engine takes), `exec 0e` (a C0
 * control run inside a sequence), `abort`, `csi [LEADER] PARAMS [INTER] FINAL [junk]
 * [overflow]` (PARAMS: values joined by ; and :, an empty one left empty, "-" for a lone
 * empty one), `esc [INTER] FINAL [junk]`, `str KIND "DATA" [bel] [overflow]`.
 * Every PUSH is also fed a byte at a time to a second scanner, which must agree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "scan.h"

struct out {
    char buf[8192];
    size_t len;
    char text[4096]; /* ground bytes not yet reported */
    size_t ntext;
};

static void out_add(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_add(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof o->buf - o->len)
        o->len += (size_t)n;
}

/* Appends bytes with the script's escapes. */
static void out_escaped(struct out *o, const char *s, size_t n)
{
    out_add(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            out_add(o, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            out_add(o, "%c", c);
        else
            out_add(o, "\\x%02x", c);
    }
    out_add(o, "\"");
}

static void flush_text(struct out *o)
{
    if (!o->ntext)
        return;
    out_add(o, "text ");
    out_escaped(o, o->text, o->ntext);
    out_add(o, "\n");
    o->ntext = 0;
}

static void print_csi(struct out *o, const struct scan_csi *c)
{
    out_add(o, "csi ");
    if (c->leader)
        out_add(o, "%c ", c->leader);
    if (c->nparams == 1 && c->params[0].value == SCAN_PARAM_MISSING)
        out_add(o, "-");
    for (int i = 0; i < c->nparams; i++) {
        if (c->params[i].value != SCAN_PARAM_MISSING)
            out_add(o, "%ld", c->params[i].value);
        if (i + 1 < c->nparams)
            out_add(o, "%c", c->params[i].more ? ':' : ';');
    }
    if (c->inter)
        out_add(o, " %c", c->inter);
    out_add(o, " %c%s%s\n", c->final, c->junk ? " junk" : "", c->overflow ? " overflow" : "");
}

/* Feeds one byte as the engine would: ground bytes are text, ESC starts a sequence. */
static void feed_byte(struct scan *s, struct out *o, unsigned char c)
{
    if (s->state == SCAN_GROUND) {
        if (c == 0x1b) {
            scan_begin(s);
        } else if (o->ntext < sizeof o->text) {
            o->text[o->ntext++] = (char)c;
        }
        return;
    }
    flush_text(o);
    switch (scan_byte(s, c)) {
    case SCAN_MORE: break;
    case SCAN_EXEC: out_add(o, "exec %02x\n", c); break;
    case SCAN_ABORT: out_add(o, "abort\n"); break;
    case SCAN_CSI: print_csi(o, &s->csi); break;
    case SCAN_ESC:
        if (s->esc.inter)
            out_add(o, "esc %c ", s->esc.inter);
        else
            out_add(o, "esc ");
        out_add(o, "%c%s\n", s->esc.final, s->esc.junk ? " junk" : "");
        break;
    case SCAN_STR:
        out_add(o, "str %c ", s->str.kind);
        out_escaped(o, s->str.data, s->str.len);
        out_add(o, "%s%s\n", s->str.bel ? " bel" : "", s->str.overflow ? " overflow" : "");
        break;
    }
}

/* Decodes a script string ("..." with escapes) at p into out; returns its length. */
static size_t unquote(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    if (*p++ != '"')
        return 0;
    while (*p && *p != '"' && n < cap) {
        if (*p != '\\') {
            out[n++] = *p++;
            continue;
        }
        p++;
        switch (*p) {
        case 'e': out[n++] = 0x1b; p++; break;
        case 'a': out[n++] = 0x07; p++; break;
        case 'n': out[n++] = '\n'; p++; break;
        case 'r': out[n++] = '\r'; p++; break;
        case 't': out[n++] = '\t'; p++; break;
        case 'x': {
            char h[3] = {p[1], p[2], 0};
            out[n++] = (char)strtol(h, NULL, 16);
            p += 3;
            break;
        }
        default: out[n++] = *p++; break;
        }
    }
    return n;
}

/* Compares what a PUSH made with the lines the script expects. */
static void compare(const char *where, const char *got, const char *want)
{
    if (strcmp(got, want) == 0) {
        check_passed_++;
        return;
    }
    check_failed_++;
    fprintf(stderr, "%s: expected:\n%sgot:\n%s", where, want, got);
}

struct run {
    struct scan whole, bytes; /* fed the PUSH at once, and a byte at a time */
    struct out o1, o2;
    char expect[8192];
    size_t nexpect;
    char where[600];
    bool pending;
};

static void finish(struct run *r)
{
    if (!r->pending)
        return;
    flush_text(&r->o1);
    flush_text(&r->o2);
    r->o1.buf[r->o1.len] = r->o2.buf[r->o2.len] = r->expect[r->nexpect] = 0;
    compare(r->where, r->o1.buf, r->expect);
    compare(r->where, r->o2.buf, r->o1.buf);
    r->pending = false;
}

static void push(struct run *r, const char *arg, const char *where)
{
    static char bytes[1 << 16];
    finish(r);
    size_t n = unquote(arg, bytes, sizeof bytes);
    r->o1.len = r->o2.len = r->nexpect = 0;
    for (size_t i = 0; i < n; i++)
        feed_byte(&r->whole, &r->o1, (unsigned char)bytes[i]);
    for (size_t i = 0; i < n; i++) /* a separate scanner, the same bytes one by one */
        feed_byte(&r->bytes, &r->o2, (unsigned char)bytes[i]);
    snprintf(r->where, sizeof r->where, "%s", where);
    r->pending = true;
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    struct run *r = calloc(1, sizeof *r);
    scan_init(&r->whole);
    scan_init(&r->bytes);
    char line[4096], where[600];
    for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
        line[strcspn(line, "\n")] = 0;
        const char *p = line + strspn(line, " ");
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        if (!*p || *p == '#')
            continue;
        if (!strncmp(p, "PUSH ", 5)) {
            push(r, p + 5, where);
        } else if (!strncmp(p, "LIMIT ", 6)) {
            finish(r);
            scan_set_string_limit(&r->whole, p[6], (size_t)atol(p + 8));
            scan_set_string_limit(&r->bytes, p[6], (size_t)atol(p + 8));
        } else if (r->pending) {
            r->nexpect += (size_t)snprintf(r->expect + r->nexpect, sizeof r->expect - r->nexpect,
                                           "%s\n", p);
        } else {
            fprintf(stderr, "%s: an expectation without a PUSH\n", where);
            check_failed_++;
        }
    }
    finish(r);
    fclose(f);
    scan_fini(&r->whole);
    scan_fini(&r->bytes);
    free(r);
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (run_file(argv[i]))
            return 1;
    return check_done();
}
