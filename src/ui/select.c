/*
 * The selection (select.h). Word bounds are runs of "word" cells: letters,
 * digits and the characters paths and URLs are made of, so a double click takes
 * a whole file name. Copied text is capped at TEXT_MAX bytes.
 */
#include "select.h"

#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "utf8.h"

#define TEXT_MAX (32u << 20)

struct select_point select_point_at(const struct view_line *line, int col)
{
    return (struct select_point){line->line, line->off + (uint32_t)(col < 0 ? 0 : col)};
}

/* Lexicographic order of points. */
static int cmp(struct select_point a, struct select_point b)
{
    if (a.line != b.line)
        return a.line < b.line ? -1 : 1;
    return a.off < b.off ? -1 : a.off > b.off;
}

/* True for cells that belong to a word. */
static bool word_cell(const struct sb_cell *c)
{
    uint32_t ch = c->chars[0];
    if (c->width == 0)
        return true; /* the right half of a wide character */
    if (!ch || ch == ' ')
        return false;
    return ch > 0x7f ? iswalnum((wint_t)ch) || ch > 0x2e80 : !!strchr(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,/~:@%+=?&#", (int)ch);
}

/* Widens [from, to) to word bounds within their lines. */
static void widen_words(struct select *s, struct lines *l)
{
    const struct lines_joined *j = lines_join_shown(l, s->from.line);
    if (j && s->from.off < j->ncells && word_cell(&j->cells[s->from.off]))
        while (s->from.off > 0 && word_cell(&j->cells[s->from.off - 1]))
            s->from.off--;
    if (!(j = lines_join_shown(l, s->to.line)))
        return;
    const struct sb_cell *c = j->cells;
    uint32_t n = j->ncells, end = s->to.off;
    if (end < n && word_cell(&c[end]))
        while (end < n && word_cell(&c[end]))
            end++;
    else
        end++;
    s->to.off = end;
}

/* Orders anchor and head into [from, to) and widens them for the mode. */
static void normalise(struct select *s, struct lines *l)
{
    bool fwd = cmp(s->anchor, s->head) <= 0;
    s->from = fwd ? s->anchor : s->head;
    s->to = fwd ? s->head : s->anchor;
    if (s->mode == SELECT_WORD) {
        widen_words(s, l);
    } else if (s->mode == SELECT_LINE) {
        s->from.off = 0;
        s->to.off = UINT32_MAX;
    } else {
        s->to.off++; /* the cell under the pointer is included */
    }
}

void select_start(struct select *s, struct lines *l, struct select_point p, enum select_mode mode)
{
    *s = (struct select){.exists = true, .dragging = true, .mode = mode, .anchor = p,
                         .head = p};
    normalise(s, l);
}

void select_extend(struct select *s, struct lines *l, struct select_point p)
{
    if (!s->exists)
        return;
    s->head = p;
    normalise(s, l);
}

void select_clear(struct select *s)
{
    s->exists = false;
    s->dragging = false;
}

bool select_span(const struct select *s, const struct view_line *line, int cols, int *from,
                 int *to)
{
    if (!s->exists || line->line < s->from.line || line->line > s->to.line)
        return false;
    int64_t a = 0, b = cols;
    if (line->line == s->from.line)
        a = (int64_t)s->from.off - line->off;
    if (line->line == s->to.line)
        b = (int64_t)s->to.off - line->off;
    a = a < 0 ? 0 : a;
    b = b > cols ? cols : b;
    if (a >= b)
        return false;
    *from = (int)a;
    *to = (int)b;
    return true;
}

/* A growing byte buffer. */
struct text {
    char *buf;
    size_t len, cap;
    bool full;
};

/* Appends len bytes; false (and full) past TEXT_MAX or when out of memory. */
static bool put(struct text *t, const char *bytes, size_t len)
{
    if (t->len + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + len + 1)
            cap *= 2;
        char *grown = cap <= TEXT_MAX ? realloc(t->buf, cap) : NULL;
        if (!grown) {
            t->full = true;
            return false;
        }
        t->buf = grown;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, bytes, len);
    t->len += len;
    t->buf[t->len] = '\0';
    return true;
}

/* Appends codepoint c as UTF-8. */
static void put_utf8(struct text *t, uint32_t c)
{
    char b[UTF8_MAX];
    put(t, b, utf8_encode(c, b));
}

/* Appends cells [a, b) as text, trailing blanks left out. */
static void put_cells(struct text *t, const struct sb_cell *c, uint32_t a, uint32_t b)
{
    while (b > a && (!c[b - 1].chars[0] || (c[b - 1].chars[0] == ' ' && c[b - 1].width)))
        b--;
    for (uint32_t i = a; i < b && !t->full; i++) {
        if (c[i].width == 0)
            continue;
        if (!c[i].chars[0])
            put(t, " ", 1);
        for (int k = 0; k < SB_MAX_CHARS && c[i].chars[k]; k++)
            put_utf8(t, c[i].chars[k]);
    }
}

char *select_text(const struct select *s, struct lines *l)
{
    if (!s->exists)
        return NULL;
    struct text t = {0};
    uint64_t line = s->from.line;
    put(&t, "", 0);
    while (line <= s->to.line && !t.full) {
        const struct lines_joined *j = lines_join_shown(l, line);
        if (!j)
            break;
        uint32_t a = line == s->from.line ? s->from.off : 0;
        uint32_t b = line == s->to.line && s->to.off < j->ncells ? s->to.off : j->ncells;
        if (a < b)
            put_cells(&t, j->cells, a, b);
        uint64_t next = line + j->rows;
        if (next <= s->to.line && !j->wrapped)
            put(&t, "\n", 1);
        line = next;
    }
    return t.buf;
}
