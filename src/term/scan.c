/*
 * The byte scanner (scan.h): a table-free state machine, one function per state.
 */
#include "scan.h"

#include <stdlib.h>
#include <string.h>

#define STR_TRIM_BYTES (64u << 10) /* a string buffer larger than this is freed after use */

enum { NUL = 0x00, BEL = 0x07, CAN = 0x18, SUB = 0x1a, ESC = 0x1b, DEL = 0x7f };

void scan_init(struct scan *s)
{
    memset(s, 0, sizeof *s);
    s->str_limit[0] = SCAN_STR_CAP_DEFAULT;
    s->str_limit[1] = SCAN_STR_CAP_DEFAULT;
}

void scan_fini(struct scan *s)
{
    free(s->str.data);
    s->str.data = NULL;
    s->str.cap = 0;
}

void scan_set_string_limit(struct scan *s, char kind, size_t limit)
{
    s->str_limit[kind == ']' ? 0 : 1] = limit;
}

void scan_trim(struct scan *s)
{
    if (s->str.cap > STR_TRIM_BYTES)
        scan_fini(s);
}

long scan_param(const struct scan_csi *c, int i, long dflt)
{
    if (i >= c->nparams || c->params[i].value == SCAN_PARAM_MISSING)
        return dflt;
    return c->params[i].value;
}

void scan_begin(struct scan *s)
{
    s->state = SCAN_ESCAPE;
    s->esc = (struct scan_esc){0};
}

/* ---- Strings ------------------------------------------------------------ */

static void str_begin(struct scan *s, char kind)
{
    s->state = SCAN_STRING;
    s->str.kind = kind;
    s->str.len = 0;
    s->str.overflow = false;
    s->str.bel = false;
    if (s->str.data)
        s->str.data[0] = '\0';
}

/* Appends one byte, growing the buffer up to the kind's limit. */
static void str_put(struct scan *s, unsigned char c)
{
    struct scan_str *str = &s->str;
    size_t limit = s->str_limit[str->kind == ']' ? 0 : 1];
    if (str->len >= limit) {
        str->overflow = true;
        return;
    }
    if (str->len + 1 >= str->cap) {
        size_t cap = str->cap ? str->cap * 2 : 256;
        cap = cap > limit + 1 ? limit + 1 : cap;
        char *grown = realloc(str->data, cap);
        if (!grown) {
            str->overflow = true;
            return;
        }
        str->data = grown;
        str->cap = cap;
    }
    str->data[str->len++] = (char)c;
    str->data[str->len] = '\0';
}

/* Ends a string; an empty one still gets a buffer so data is never NULL. */
static enum scan_step str_done(struct scan *s, bool bel)
{
    s->state = SCAN_GROUND;
    s->str.bel = bel;
    if (!s->str.data) {
        s->str.data = malloc(1);
        if (!s->str.data)
            return SCAN_ABORT;
        s->str.cap = 1;
        s->str.data[0] = '\0';
    }
    return SCAN_STR;
}

static enum scan_step in_string(struct scan *s, unsigned char c)
{
    if (c == BEL)
        return str_done(s, true);
    if (c == CAN || c == SUB) {
        s->state = SCAN_GROUND;
        return SCAN_ABORT;
    }
    if (c == ESC)
        s->state = SCAN_STRING_ESC;
    else if (c >= 0x20 && c != DEL)
        str_put(s, c);
    return SCAN_MORE; /* other C0 controls are ignored inside a string, as in xterm */
}

static enum scan_step in_escape(struct scan *s, unsigned char c);

static enum scan_step in_string_esc(struct scan *s, unsigned char c)
{
    if (c == '\\')
        return str_done(s, false);
    if (c == NUL || c == DEL || (c < 0x20 && c != CAN && c != SUB && c != ESC))
        return SCAN_MORE;
    /* ESC and anything else: the string is dropped and a new sequence starts (libvterm) */
    scan_begin(s);
    return c == ESC ? SCAN_MORE : in_escape(s, c);
}

/* ---- CSI ---------------------------------------------------------------- */

static void csi_begin(struct scan *s)
{
    s->state = SCAN_CSI_ARGS;
    s->csi = (struct scan_csi){.nparams = 1};
    s->csi.params[0].value = SCAN_PARAM_MISSING;
}

/* The CSI's first parameter byte came, or a leader would be out of order from now on. */
static bool args_started(const struct scan_csi *c)
{
    return c->nparams > 1 || c->params[0].value != SCAN_PARAM_MISSING;
}

/* Starts the next parameter (after ';' or ':'). */
static void next_param(struct scan_csi *c, bool sub)
{
    if (c->nparams >= SCAN_MAX_PARAMS) {
        c->overflow = true;
        return;
    }
    c->params[c->nparams - 1].more = sub;
    c->params[c->nparams++] = (struct scan_param){SCAN_PARAM_MISSING, false};
}

static void add_digit(struct scan_csi *c, int d)
{
    if (c->overflow)
        return;
    long *v = &c->params[c->nparams - 1].value;
    long base = *v == SCAN_PARAM_MISSING ? 0 : *v;
    *v = base > (SCAN_PARAM_MAX - d) / 10 ? SCAN_PARAM_MAX : base * 10 + d;
}

/* Bytes every sequence state treats alike: NUL, DEL, CAN, SUB, ESC, other C0, >= 0x80. */
static bool common_byte(struct scan *s, unsigned char c, enum scan_step *step)
{
    if (c == NUL || c == DEL) {
        *step = SCAN_MORE;
    } else if (c == CAN || c == SUB) {
        s->state = SCAN_GROUND;
        *step = SCAN_ABORT;
    } else if (c == ESC) {
        scan_begin(s);
        *step = SCAN_MORE;
    } else if (c < 0x20) {
        *step = SCAN_EXEC;
    } else {
        return false;
    }
    return true;
}

/* A CSI's final byte, or a byte that ends it unfinished. */
static enum scan_step csi_end(struct scan *s, unsigned char c)
{
    s->state = SCAN_GROUND;
    if (c >= 0x40 && c <= 0x7e) {
        s->csi.final = (char)c;
        return SCAN_CSI;
    }
    return SCAN_ABORT;
}

static enum scan_step in_csi_args(struct scan *s, unsigned char c)
{
    enum scan_step step;
    if (common_byte(s, c, &step))
        return step;
    struct scan_csi *csi = &s->csi;
    if (c >= '0' && c <= '9') {
        add_digit(csi, c - '0');
    } else if (c == ';' || c == ':') {
        next_param(csi, c == ':');
    } else if (c >= 0x3c && c <= 0x3f) {
        if (args_started(csi))
            return csi_end(s, c); /* a leader after parameters: libvterm drops the CSI */
        csi->junk |= csi->leader != 0;
        csi->leader = (char)c;
    } else if (c >= 0x20 && c <= 0x2f) {
        csi->inter = (char)c;
        s->state = SCAN_CSI_INT;
    } else {
        return csi_end(s, c);
    }
    return SCAN_MORE;
}

static enum scan_step in_csi_int(struct scan *s, unsigned char c)
{
    enum scan_step step;
    if (common_byte(s, c, &step))
        return step;
    if (c >= 0x20 && c <= 0x2f) {
        s->csi.junk = true;
        return SCAN_MORE;
    }
    return csi_end(s, c); /* a parameter byte after an intermediate ends it unfinished */
}

/* ---- ESC ---------------------------------------------------------------- */

/* The byte after ESC (and its intermediates, if any). */
static enum scan_step in_escape(struct scan *s, unsigned char c)
{
    enum scan_step step;
    if (common_byte(s, c, &step))
        return step;
    bool plain = s->state == SCAN_ESCAPE;
    if (c == '[') {
        csi_begin(s);
    } else if (c == ']' || c == 'P' || (plain && (c == 'X' || c == '^' || c == '_'))) {
        str_begin(s, (char)c);
    } else if (c >= 0x20 && c <= 0x2f) {
        s->esc.junk |= !plain;
        if (plain)
            s->esc.inter = (char)c;
        s->state = SCAN_ESC_INT;
    } else if (c >= 0x30 && c <= 0x7e) {
        s->esc.final = (char)c;
        s->state = SCAN_GROUND;
        return SCAN_ESC;
    }
    return SCAN_MORE; /* bytes >= 0x80 are ignored here, as libvterm does */
}

enum scan_step scan_byte(struct scan *s, unsigned char c)
{
    switch (s->state) {
    case SCAN_ESCAPE:
    case SCAN_ESC_INT:
        return in_escape(s, c);
    case SCAN_CSI_ARGS:
        return in_csi_args(s, c);
    case SCAN_CSI_INT:
        return in_csi_int(s, c);
    case SCAN_STRING:
        return in_string(s, c);
    case SCAN_STRING_ESC:
        return in_string_esc(s, c);
    case SCAN_GROUND:
        break;
    }
    return SCAN_ABORT;
}
