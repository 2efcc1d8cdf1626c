/*
 * Search through the whole scrollback (search.h).
 *
 * The scan covers the rows retained when the search began, [lo, hi) in
 * absolute rows, in two phases: from the start row to one end in the search's
 * direction, then the rest from the other end. Each slice loads a chunk of
 * consecutive rows with one sb_store_visit_text call into one buffer: each
 * row's text (empty cells as spaces), a '\n' after every row that is not
 * soft-wrapped, so a logical line is contiguous and a literal is found with
 * one memmem over the chunk and a regex with REG_NEWLINE. A chunk ends on a
 * logical line's boundary: the partial line at its far edge is left for the
 * next chunk (a line longer than a chunk is cut there).
 *
 * Rows carry their numbers, so a row dropped while a chunk is read is simply
 * missing from it; a match whose first row has gone is removed when matches are
 * read, and a clear is no different: every row below the store's first is gone.
 */
#include "search/search.h"

#include <ctype.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

#define CHUNK_ROWS 1024u /* rows per visit: about 75 KiB of od -cx text, a page or two */
#define SNAP_ROWS 256u   /* how far back the start row looks for its line's start */

/* A row of the loaded chunk: its absolute number, where its text starts, its flags. */
struct chunk_row {
    uint64_t abs;
    size_t off;
    uint32_t flags;
};

struct range {
    uint64_t a, b; /* absolute rows [a, b) */
};

struct search {
    struct sb_store *store;
    char *query;
    size_t qlen;
    bool regex, fold, have_re;
    regex_t re;
    enum search_dir dir;
    enum search_state state;
    atomic_bool cancel;
    uint64_t lo, hi, start, cur; /* absolute rows */
    int phase;                   /* 0 or 1, -1 before the start row is snapped */
    uint64_t first;              /* the oldest row retained, as last seen */
    char *needle;                /* what every match holds, for passing over pages; or NULL */
    size_t needle_len;
    uint64_t load_a;             /* the first row the last load asked for (after clamping) */
    char *buf;                   /* the chunk's text */
    size_t len, cap;
    struct chunk_row *rows;
    size_t nrows, rows_cap;
    bool oom;
    struct search_match *m;
    size_t nm, mcap;
    bool sorted;
    uint64_t rows_scanned, bytes_scanned, rows_total;
    char err[160];
};

/* CLOCK_MONOTONIC in nanoseconds. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ASCII lower case in place (UTF-8 multibyte sequences have no ASCII bytes). */
static void fold_ascii(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 'A' && p[i] <= 'Z')
            p[i] = (char)(p[i] + ('a' - 'A'));
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* w with every ASCII upper-case byte made lower case, eight bytes at once. */
static uint64_t fold_word(uint64_t w)
{
    uint64_t low7 = w & ~HIGHS;
    uint64_t ge_a = low7 + ONES * (0x80 - 'A'); /* top bit: byte >= 'A' */
    uint64_t gt_z = low7 + ONES * (0x7f - 'Z'); /* top bit: byte > 'Z' */
    return w | ((ge_a ^ gt_z) & ~w & HIGHS) >> 2;
}

/*
 * Copies a row's text into the chunk: empty cells (NUL) become spaces, and
 * with fold ASCII becomes lower case. Eight bytes at a time, since this pass
 * touches every byte the search reads.
 */
static void copy_text(char *dst, const char *src, size_t len, bool fold)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        if ((w - ONES) & ~w & HIGHS) /* a NUL among them: the rare slow way */
            for (int k = 0; k < 8; k++)
                if (!(w >> (8 * k) & 0xff))
                    w |= (uint64_t)' ' << (8 * k);
        if (fold)
            w = fold_word(w);
        memcpy(dst + i, &w, 8);
    }
    for (; i < len; i++)
        dst[i] = src[i] ? src[i] : ' ';
    if (fold)
        fold_ascii(dst + (len & ~(size_t)7), len & 7);
}

/* Whether the query asks for case-sensitive matching under the smart rule. */
static bool has_upper(const char *q)
{
    for (; *q; q++)
        if (*q >= 'A' && *q <= 'Z')
            return true;
    return false;
}

/* Compiles the query (or prepares the literal); false with err filled on failure. */
/* Whether c has a meaning of its own in a POSIX extended regular expression. */
static bool re_special(char c)
{
    return strchr(".[]()*+?{}|^$\\", c) != NULL;
}

/*
 * The longest run of plain ASCII characters that every match of the extended regular
 * expression re must contain, copied (*len set), or NULL when none of 3 bytes or more is
 * sure: an alternation at the top, anything inside brackets or groups, a character that a
 * quantifier makes optional or repeats, GNU's backslash classes and anything not ASCII
 * (REG_ICASE may fold it) end a run.
 */
static char *regex_required_literal(const char *re, size_t *len)
{
    char run[256], best[256];
    size_t n = 0, bn = 0;
    int depth = 0;
    for (const char *p = re; *p; p++) {
        char c = *p;
        bool literal = false;
        if (c == '|' && depth == 0)
            return NULL; /* either side may match: nothing is required */
        if (c == '(' || c == '[') {
            depth += c == '(';
            if (c == '[') /* skip the bracket expression: ']' first is part of it */
                for (p += p[1] == ']' ? 2 : 1; *p && *p != ']'; p++)
                    ;
            if (!*p)
                break;
        } else if (c == ')') {
            depth -= depth > 0;
        } else if (c == '\\' && p[1]) {
            c = *++p; /* GNU gives \w \s \b \< ... a meaning: only punctuation is plain */
            literal = depth == 0 && !((unsigned char)c & 0x80) && !isalnum((unsigned char)c);
        } else if (depth == 0 && !re_special(c) && !((unsigned char)c & 0x80)) {
            literal = true;
        }
        bool optional = p[1] == '*' || p[1] == '?' || p[1] == '{';
        bool repeated = p[1] == '+'; /* there at least once, but what follows is not next */
        if (literal && !optional && n < sizeof run)
            run[n++] = c;
        if (!literal || optional || repeated || n == sizeof run) {
            if (n > bn)
                memcpy(best, run, bn = n);
            n = 0;
        }
    }
    if (n > bn)
        memcpy(best, run, bn = n);
    if (bn < 3)
        return NULL;
    char *out = malloc(bn + 1);
    if (out) {
        memcpy(out, best, bn);
        out[bn] = '\0';
        *len = bn;
    }
    return out;
}

static bool prepare_query(struct search *s, const struct search_opts *o, char *err,
                          size_t errlen)
{
    bool icase = o->case_mode == SEARCH_CASE_INSENSITIVE ||
                 (o->case_mode == SEARCH_CASE_SMART && !has_upper(o->query));
    s->query = strdup(o->query);
    if (!s->query) {
        snprintf(err, errlen, "search: out of memory");
        return false;
    }
    s->qlen = strlen(s->query);
    s->regex = o->regex;
    if (!o->regex) {
        s->fold = icase;
        if (icase)
            fold_ascii(s->query, s->qlen);
        s->needle = s->qlen >= 3 ? strdup(s->query) : NULL; /* none: every page is read */
        s->needle_len = s->needle ? s->qlen : 0;
        return true;
    }
    s->needle = regex_required_literal(s->query, &s->needle_len);
    int rc = regcomp(&s->re, s->query, REG_EXTENDED | REG_NEWLINE | (icase ? REG_ICASE : 0));
    if (rc != 0) {
        char why[128];
        regerror(rc, &s->re, why, sizeof why);
        snprintf(err, errlen, "search: bad regular expression '%s': %s", s->query, why);
        return false;
    }
    s->have_re = true;
    return true;
}

struct search *search_create(struct sb_store *store, const struct search_opts *opts, char *err,
                             size_t errlen)
{
    struct search *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "search: out of memory");
        return NULL;
    }
    s->store = store;
    s->dir = opts->dir;
    atomic_init(&s->cancel, false);
    if (!prepare_query(s, opts, err, errlen))
        goto fail;
    struct sb_span span;
    sb_store_span(store, &span);
    s->first = s->lo = span.first;
    s->hi = span.end;
    s->rows_total = span.end - span.first;
    s->start = opts->from_row < s->lo ? s->lo : opts->from_row > s->hi ? s->hi : opts->from_row;
    s->phase = -1;
    s->sorted = true;
    if (s->qlen == 0) /* nothing matches an empty query */
        s->state = SEARCH_DONE;
    return s;
fail:
    search_destroy(s);
    return NULL;
}

void search_destroy(struct search *s)
{
    if (!s)
        return;
    if (s->have_re)
        regfree(&s->re);
    free(s->query);
    free(s->needle);
    free(s->buf);
    free(s->rows);
    free(s->m);
    free(s);
}

void search_cancel(struct search *s)
{
    atomic_store(&s->cancel, true);
}

const char *search_error(const struct search *s)
{
    return s->err;
}

/* Grows an array of elem-sized items to hold need; false when out of memory. */
static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* sb_store_visit_text callback: appends one row's text to the chunk. */
static int on_row(void *user, uint64_t n, const char *text, size_t len, uint32_t flags)
{
    struct search *s = user;
    if ((s->nrows >= s->rows_cap &&
         !grow((void **)&s->rows, &s->rows_cap, s->nrows + 1, sizeof *s->rows)) ||
        (s->len + len + 2 > s->cap && !grow((void **)&s->buf, &s->cap, s->len + len + 2, 1))) {
        s->oom = true;
        return 1;
    }
    s->rows[s->nrows++] = (struct chunk_row){n, s->len, flags};
    /* An empty cell looks like a space, and regexec would stop at a NUL. */
    copy_text(s->buf + s->len, text, len, s->fold);
    s->len += len;
    if (!(flags & SB_ROW_WRAPPED))
        s->buf[s->len++] = '\n';
    return 0;
}

/* The oldest row retained now (rows below it are gone: dropped, or cleared). */
static uint64_t first_retained(struct search *s)
{
    struct sb_span span;
    sb_store_span(s->store, &span);
    return s->first = span.first;
}

/*
 * Loads the rows of [a, b) still retained into the chunk, each with its number (a row
 * dropped during the visit is simply missing). false when out of memory or on a store error.
 */
static bool load(struct search *s, uint64_t a, uint64_t b)
{
    s->len = s->nrows = 0;
    uint64_t first = first_retained(s);
    if (a < first)
        a = first;
    s->load_a = a;
    if (a >= b)
        return true;
    uint64_t skipped = 0;
    int rc = s->needle ? sb_store_visit_text_probe(s->store, a, b - a, s->needle, s->needle_len,
                                                   on_row, s, &skipped)
                       : sb_store_visit_text(s->store, a, b - a, on_row, s);
    s->rows_scanned += skipped; /* passed over: they cannot match */
    if (s->oom || (rc != 0 && rc != 1)) {
        snprintf(s->err, sizeof s->err, "search: %s",
                 s->oom ? "out of memory" : sb_strerror(rc));
        return false;
    }
    return true;
}

/* The chunk row holding buffer offset pos. */
static size_t row_at(const struct search *s, size_t pos)
{
    size_t lo = 0, hi = s->nrows;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->rows[mid].off <= pos)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Records a match of buffer bytes [p, e) (e > p); false when out of memory. */
static bool add_match(struct search *s, size_t p, size_t e)
{
    if (!grow((void **)&s->m, &s->mcap, s->nm + 1, sizeof *s->m))
        return false;
    size_t i = row_at(s, p), j = row_at(s, e - 1);
    const struct chunk_row *r = &s->rows[i], *q = &s->rows[j];
    struct search_match m = {
        .row = r->abs, .end_row = q->abs,
        .byte = (uint32_t)(p - r->off), .end_byte = (uint32_t)(e - q->off),
        .col = (uint32_t)utf8_count(s->buf + r->off, p - r->off),
        .end_col = (uint32_t)utf8_count(s->buf + q->off, e - q->off),
    };
    if (s->nm > 0 && (s->m[s->nm - 1].row > m.row ||
                      (s->m[s->nm - 1].row == m.row && s->m[s->nm - 1].byte > m.byte)))
        s->sorted = false;
    s->m[s->nm++] = m;
    return true;
}

/* Finds every literal match in buf[from, to); false when out of memory. */
static bool match_literal(struct search *s, size_t from, size_t to)
{
    const char *end = s->buf + to;
    for (const char *p = s->buf + from; (size_t)(end - p) >= s->qlen;) {
        const char *hit = memmem(p, (size_t)(end - p), s->query, s->qlen);
        if (!hit)
            break;
        size_t at = (size_t)(hit - s->buf);
        if (!add_match(s, at, at + s->qlen))
            return false;
        p = hit + s->qlen;
    }
    return true;
}

/* Finds every regex match in buf[from, to) (glibc's REG_STARTEND); false when out of memory. */
static bool match_regex(struct search *s, size_t from, size_t to)
{
    for (size_t pos = from; pos < to;) {
        regmatch_t m = {.rm_so = (regoff_t)pos, .rm_eo = (regoff_t)to};
        int eflags = REG_STARTEND | (pos > 0 && s->buf[pos - 1] != '\n' ? REG_NOTBOL : 0);
        if (regexec(&s->re, s->buf, 1, &m, eflags) != 0)
            break;
        size_t so = (size_t)m.rm_so, eo = (size_t)m.rm_eo;
        if (eo > so && !add_match(s, so, eo))
            return false;
        pos = eo > so ? eo : so + 1; /* an empty match moves on by a byte */
    }
    return true;
}

/* Matches buf[from, to) and counts rows [r0, r1) as scanned; false when out of memory. */
static bool scan(struct search *s, size_t from, size_t to, size_t r0, size_t r1)
{
    s->rows_scanned += r1 - r0;
    s->bytes_scanned += to - from;
    bool ok = s->regex ? match_regex(s, from, to) : match_literal(s, from, to);
    if (!ok)
        snprintf(s->err, sizeof s->err, "search: out of memory for matches");
    return ok;
}

/* The range phase p covers. */
static struct range phase_range(const struct search *s, int p)
{
    if (p == 2) /* search_extend: the rows pushed since, from s->start on */
        return (struct range){s->start, s->hi};
    bool low = (s->dir == SEARCH_FORWARD) == (p == 1);
    return low ? (struct range){s->lo, s->start} : (struct range){s->start, s->hi};
}

/* One forward chunk from s->cur within r: complete lines only, unless one line fills it. */
static bool step_forward(struct search *s, struct range r)
{
    uint64_t b = r.b - s->cur > CHUNK_ROWS ? s->cur + CHUNK_ROWS : r.b;
    if (s->nrows == 0) {
        s->cur = b;
        return true;
    }
    size_t k = s->nrows; /* rows [0, k) are whole lines */
    if (b < r.b)
        while (k > 0 && (s->rows[k - 1].flags & SB_ROW_WRAPPED))
            k--;
    if (k == 0)
        k = s->nrows;
    size_t to = k < s->nrows ? s->rows[k].off : s->len;
    s->cur = k < s->nrows ? s->rows[k].abs : b;
    return scan(s, 0, to, 0, k);
}

/* One backward chunk ending at s->cur within r: whole lines only, unless one line fills it. */
static bool step_backward(struct search *s, struct range r, uint64_t a)
{
    if (s->nrows == 0) {
        s->cur = a;
        return true;
    }
    size_t k = 0; /* rows [k, nrows) are whole lines */
    /* The first row may end a line begun before the chunk, unless the rows before it were
     * passed over (a page is passed over only when no line runs across its ends). */
    if (s->rows[0].abs > r.a && s->rows[0].abs > s->first && s->rows[0].abs == s->load_a) {
        while (k < s->nrows && (s->rows[k].flags & SB_ROW_WRAPPED))
            k++;
        k++; /* past the row that ends the partial line */
        if (k >= s->nrows)
            k = 0;
    }
    s->cur = s->rows[k].abs;
    return scan(s, s->rows[k].off, s->len, k, s->nrows);
}

/* Moves the start row back to the start of its logical line (one visit); false on failure. */
static bool snap_start(struct search *s)
{
    uint64_t a = s->start - s->lo > SNAP_ROWS ? s->start - SNAP_ROWS : s->lo;
    if (!load(s, a, s->start))
        return false;
    if (s->nrows == 0)
        return true;
    size_t k = s->nrows;
    while (k > 0 && (s->rows[k - 1].flags & SB_ROW_WRAPPED))
        k--;
    if (k > 0 || s->rows[0].abs == s->first)
        s->start = s->rows[k > 0 ? k - 1 : 0].abs + (k > 0);
    return true;
}

/* Enters phase p (or ends the search after phase 1). */
static void enter_phase(struct search *s, int p)
{
    if (p > 1) {
        s->state = SEARCH_DONE;
        return;
    }
    s->phase = p;
    struct range r = phase_range(s, p);
    s->cur = s->dir == SEARCH_FORWARD ? r.a : r.b;
}

/* Loads and scans one chunk of the current phase, or moves to the next phase. */
static void step_chunk(struct search *s)
{
    struct range r = phase_range(s, s->phase);
    bool fwd = s->dir == SEARCH_FORWARD || s->phase == 2;
    uint64_t floor = r.a > s->first ? r.a : s->first;
    if (fwd ? s->cur < floor : false)
        s->cur = floor;
    if (fwd ? s->cur >= r.b : s->cur <= floor) {
        enter_phase(s, s->phase + 1);
        return;
    }
    uint64_t a = fwd ? s->cur : (s->cur - floor > CHUNK_ROWS ? s->cur - CHUNK_ROWS : floor);
    uint64_t b = fwd ? (r.b - s->cur > CHUNK_ROWS ? s->cur + CHUNK_ROWS : r.b) : s->cur;
    if (!load(s, a, b) || !(fwd ? step_forward(s, r) : step_backward(s, r, a)))
        s->state = SEARCH_FAILED;
}

enum search_state search_step(struct search *s, uint64_t max_rows, uint64_t max_ns)
{
    uint64_t t0 = max_ns ? now_ns() : 0, rows0 = s->rows_scanned;
    while (s->state == SEARCH_RUNNING) {
        if (atomic_load(&s->cancel)) {
            s->state = SEARCH_CANCELLED;
            break;
        }
        if (s->phase < 0) {
            if (s->start > s->lo && !snap_start(s))
                s->state = SEARCH_FAILED;
            else
                enter_phase(s, 0);
            continue;
        }
        step_chunk(s);
        if ((max_rows && s->rows_scanned - rows0 >= max_rows) ||
            (max_ns && now_ns() - t0 >= max_ns))
            break;
    }
    return s->state;
}

size_t search_take(struct search *s, const struct search_match **out)
{
    size_t n = s->nm;
    *out = s->m;
    s->nm = 0;
    s->sorted = true;
    return n;
}

uint64_t search_rescan_row(const struct search *s)
{
    return s->start;
}

/* Orders matches by (row, byte). */
static int cmp_match(const void *x, const void *y)
{
    const struct search_match *a = x, *b = y;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return (a->byte > b->byte) - (a->byte < b->byte);
}

/* Sorts the matches if needed and removes those whose first row was dropped. */
static void tidy(struct search *s)
{
    if (!s->sorted) {
        qsort(s->m, s->nm, sizeof *s->m, cmp_match);
        s->sorted = true;
    }
    uint64_t d = first_retained(s);
    size_t k = 0;
    while (k < s->nm && s->m[k].row < d)
        k++;
    if (k > 0) /* s->m may be NULL when there are no matches: memmove must not see it */
        memmove(s->m, s->m + k, (s->nm - k) * sizeof *s->m);
    s->nm -= k;
}

void search_progress(struct search *s, struct search_progress *out)
{
    tidy(s);
    *out = (struct search_progress){
        .state = s->state, .rows_scanned = s->rows_scanned, .rows_total = s->rows_total,
        .bytes_scanned = s->bytes_scanned, .matches = s->nm,
    };
}

size_t search_matches(struct search *s, const struct search_match **out)
{
    tidy(s);
    *out = s->m;
    return s->nm;
}

bool search_next(struct search *s, uint64_t row, uint32_t byte, enum search_dir dir,
                 struct search_match *out)
{
    tidy(s);
    if (s->nm == 0)
        return false;
    struct search_match key = {.row = row, .byte = byte};
    size_t lo = 0, hi = s->nm; /* first match > key (forward) or >= key (backward) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_match(&s->m[mid], &key);
        if (dir == SEARCH_FORWARD ? c <= 0 : c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (dir == SEARCH_FORWARD)
        *out = s->m[lo < s->nm ? lo : 0];
    else
        *out = s->m[lo > 0 ? lo - 1 : s->nm - 1];
    return true;
}

/* Bytes of one cell in the text stream: its codepoints as UTF-8, or 1 for an empty cell. */
static uint32_t cell_bytes(const struct sb_cell *c)
{
    if (c->chars[0] == 0)
        return 1;
    uint32_t n = 0;
    for (int k = 0; k < SB_MAX_CHARS && c->chars[k]; k++)
        n += c->chars[k] < 0x80 ? 1 : c->chars[k] < 0x800 ? 2 : c->chars[k] < 0x10000 ? 3 : 4;
    return n;
}

uint32_t search_byte_to_col(const struct sb_row *row, uint32_t byte)
{
    uint32_t at = 0;
    for (uint32_t c = 0; c < row->ncols; c++) {
        if (row->cells[c].width == 0) /* a wide character's right half has no text */
            continue;
        at += cell_bytes(&row->cells[c]);
        if (byte < at)
            return c;
    }
    return row->ncols;
}

bool search_extend(struct search *s)
{
    if (s->state != SEARCH_DONE)
        return false;
    struct sb_span span;
    sb_store_span(s->store, &span);
    uint64_t d = s->first = span.first, hi = span.end;
    if (hi <= s->hi)
        return false; /* nothing new */
    uint64_t old = s->hi > d ? s->hi : d;
    s->rows_total += hi - s->hi;
    s->hi = hi;
    s->start = old;
    /* The line cut at the old end may go on in the new rows: scan it again, whole. */
    if (s->start > d && !snap_start(s))
        s->start = old;
    tidy(s);
    while (s->nm > 0 && s->m[s->nm - 1].row >= s->start)
        s->nm--;
    s->phase = 2;
    s->cur = s->start;
    s->state = SEARCH_RUNNING;
    return true;
}

size_t search_match_text(struct search *s, uint64_t first_abs, const struct search_text *rows,
                         size_t n, struct search_match *out, size_t cap)
{
    size_t nm0 = s->nm, got = 0;
    bool sorted = s->sorted;
    /* The chunk buffer holds nothing between steps, so it can be borrowed here. */
    s->len = s->nrows = 0;
    s->oom = false;
    for (size_t i = 0; i < n && !s->oom; i++)
        on_row(s, first_abs + i, rows[i].text, rows[i].len, rows[i].flags & SB_ROW_WRAPPED);
    if (!s->oom && s->qlen > 0 &&
        (s->regex ? match_regex(s, 0, s->len) : match_literal(s, 0, s->len))) {
        got = s->nm - nm0 < cap ? s->nm - nm0 : cap;
        if (got > 0)
            memcpy(out, s->m + nm0, got * sizeof *out);
    }
    s->nm = nm0;
    s->sorted = sorted;
    s->oom = false;
    s->len = s->nrows = 0;
    return got;
}
