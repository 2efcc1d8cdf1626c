/*
 * The history as a text file, in slices (export.h).
 *
 * Each slice visits up to CHUNK_ROWS scrollback rows by number and formats
 * them into a buffer that is then written. A row the store drops before the
 * visit reaches it is simply not visited: the gap in the numbers is counted
 * as skipped. The screen was copied when the export began and is written last.
 */
#include "export.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

#define CHUNK_ROWS 1024u
#define SLICE_BYTES (256u << 10) /* a chunk ends early past this: rows may be 64K columns wide */

struct export {
    struct sb_store *store;
    FILE *f;
    bool ansi;
    enum export_state state;
    uint64_t next, hi;      /* absolute rows still to write: [next, hi) */
    char *screen;           /* the screen when the export began, formatted */
    size_t screen_len;
    uint64_t screen_rows;
    char *out;              /* the formatted slice */
    size_t len, cap;
    char *line;             /* a screen row as UTF-8 */
    size_t line_cap;
    bool oom;
    struct export_progress p;
    char err[160];
};

/* CLOCK_MONOTONIC in nanoseconds. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Makes room for need more bytes in the slice buffer; false when out of memory. */
static bool reserve(struct export *e, size_t need)
{
    if (e->len + need <= e->cap)
        return true;
    size_t cap = e->cap ? e->cap : 64u << 10;
    while (cap < e->len + need)
        cap *= 2;
    char *grown = realloc(e->out, cap);
    if (!grown) {
        e->oom = true;
        return false;
    }
    e->out = grown;
    e->cap = cap;
    return true;
}

/* Writes the SGR sequence that sets cell's style at out (from style `from`); its length. */
static size_t sgr_style(char *out, const struct sb_cell *cell, const struct sb_cell *from)
{
    bool plain = cell->attrs == 0 && cell->fg == 0 && cell->bg == 0;
    bool was_plain = from->attrs == 0 && from->fg == 0 && from->bg == 0;
    if (plain)
        return (size_t)sprintf(out, "\x1b[0m");
    /* The parameters come with a leading ';', dropped when no reset precedes them. */
    int n = sprintf(out, "\x1b[%s", was_plain ? "" : "0");
    n += (int)term_sgr_params(out + n, cell->fg, cell->bg, cell->attrs, TERM_SGR_PLAIN);
    if (was_plain) /* "\x1b[;1m" -> "\x1b[1m" */
        memmove(out + 2, out + 3, (size_t)n - 3), n--;
    out[n++] = 'm';
    return (size_t)n;
}

/* Whether cell is blank and unstyled, so it may be left off the end of a line. */
static bool cell_blank(const struct sb_cell *cell)
{
    return (cell->chars[0] == 0 || (cell->chars[0] == ' ' && cell->chars[1] == 0)) &&
           cell->attrs == 0 && cell->fg == 0 && cell->bg == 0 && cell->width == 1;
}

/* Appends text[0..len) as one line: NUL (empty cell) as a space, trailing blanks trimmed. */
static bool put_line(struct export *e, const char *text, size_t len)
{
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\0'))
        len--;
    if (!reserve(e, len + 1))
        return false;
    for (size_t i = 0; i < len; i++)
        e->out[e->len++] = text[i] ? text[i] : ' ';
    e->out[e->len++] = '\n';
    return true;
}

/* The bytes the OSC 8 sequences of cells [0, end) take: one at each change of link. */
static size_t link_bytes(const struct sb_row *row, uint32_t end)
{
    size_t n = 16; /* the last link's end */
    for (uint32_t c = 0, prev = 0; c < end; prev = row->cells[c++].link)
        if (row->cells[c].link != prev) {
            const char *uri = sb_row_link(row, row->cells[c].link);
            n += 16 + (uri ? strlen(uri) : 0);
        }
    return n;
}

/* Writes the OSC 8 that starts the row's link k (0: ends the one open) at out; its length. */
static size_t put_link(char *out, const struct sb_row *row, uint16_t k)
{
    const char *uri = k ? sb_row_link(row, k) : NULL; /* printable ASCII: the store checks */
    return (size_t)sprintf(out, "\x1b]8;;%s\x1b\\", uri ? uri : "");
}

/*
 * Writes the row's prompt marks as the OSC 133 sequences that made them, so the dump replays
 * with its marks: C, D (with the status when known), A, B, the order in which they land on one
 * row (a command's output start and end, then the next prompt). Returns the length.
 */
static size_t put_marks(char *out, const struct sb_row *row)
{
    size_t n = 0;
    if (row->flags & SB_ROW_MARK_OUTPUT)
        n += (size_t)sprintf(out + n, "\x1b]133;C\x07");
    if ((row->flags & SB_ROW_MARK_END) && row->has_command && row->command.exit_status >= 0)
        n += (size_t)sprintf(out + n, "\x1b]133;D;%d\x07", (int)row->command.exit_status);
    else if (row->flags & SB_ROW_MARK_END)
        n += (size_t)sprintf(out + n, "\x1b]133;D\x07");
    if (row->flags & SB_ROW_MARK_PROMPT)
        n += (size_t)sprintf(out + n, "\x1b]133;A\x07");
    if (row->flags & SB_ROW_MARK_INPUT)
        n += (size_t)sprintf(out + n, "\x1b]133;B\x07");
    return n;
}

/* Appends row as one line with SGR sequences (and OSC 8 for its links, OSC 133 for its prompt
 * marks); false when out of memory. */
static bool put_row_ansi(struct export *e, const struct sb_row *row)
{
    uint32_t end = row->ncols;
    while (end > 0 && cell_blank(&row->cells[end - 1]))
        end--;
    if (!reserve(e, (size_t)end * (SB_MAX_CHARS * 4 + 96) + 96 + link_bytes(row, end)))
        return false;
    char *o = e->out;
    size_t len = e->len + put_marks(e->out + e->len, row);
    struct sb_cell style = {0}; /* the style in force: the default at the line's start */
    uint16_t link = 0;
    for (uint32_t c = 0; c < end; c++) {
        const struct sb_cell *cell = &row->cells[c];
        if (cell->width == 0) /* the right half of a wide character */
            continue;
        if (cell->link != link) {
            len += put_link(o + len, row, cell->link);
            link = cell->link;
        }
        if (cell->attrs != style.attrs || cell->fg != style.fg || cell->bg != style.bg) {
            len += sgr_style(o + len, cell, &style);
            style = *cell;
        }
        if (cell->chars[0] == 0)
            o[len++] = ' ';
        for (int k = 0; k < SB_MAX_CHARS && cell->chars[k]; k++)
            len += utf8_encode(cell->chars[k], o + len);
    }
    if (link)
        len += put_link(o + len, row, 0);
    if (style.attrs || style.fg || style.bg)
        len += (size_t)sprintf(o + len, "\x1b[0m");
    o[len++] = '\n';
    e->len = len;
    return true;
}

/* Counts row n as written, and the rows before it that were dropped as skipped. */
static void count_row(struct export *e, uint64_t n, uint32_t flags)
{
    e->p.rows_skipped += n - e->next;
    e->next = n + 1;
    e->p.rows_written++;
    e->p.rows_lost += (flags & SB_ROW_LOST) != 0;
}

/* sb_store_visit_text callback: one scrollback row, plain. */
static int on_text(void *user, uint64_t n, const char *text, size_t len, uint32_t flags)
{
    struct export *e = user;
    count_row(e, n, flags);
    return put_line(e, text, len) && e->len < SLICE_BYTES ? 0 : 1;
}

/* sb_store_visit_rows callback: one scrollback row, with its style. */
static int on_row(void *user, uint64_t n, const struct sb_row *row)
{
    struct export *e = user;
    count_row(e, n, row->flags);
    return put_row_ansi(e, row) && e->len < SLICE_BYTES ? 0 : 1;
}

/* Ends the export with a reason. */
static void fail(struct export *e, const char *why)
{
    snprintf(e->err, sizeof e->err, "%s", why);
    e->state = EXPORT_FAILED;
}

/* Writes the slice buffer to the file. */
static void flush_out(struct export *e)
{
    if (e->len && fwrite(e->out, 1, e->len, e->f) != e->len)
        fail(e, "write error");
    e->len = 0;
}

/* Skips the rows below first (dropped or cleared); false once the scrollback part is over. */
static bool skip_gone(struct export *e, uint64_t first)
{
    if (e->next < first) {
        uint64_t upto = first < e->hi ? first : e->hi;
        e->p.rows_skipped += upto - e->next;
        e->next = upto;
    }
    return e->next < e->hi;
}

/* Writes no row from row number end on (counted as skipped): rows the terminal took back
 * onto its screen are not history any more. */
static void export_cut(struct export *e, uint64_t end)
{
    if (end < e->next)
        end = e->next;
    if (end < e->hi) {
        e->p.rows_skipped += e->hi - end;
        e->hi = end;
    }
}

/*
 * Writes one chunk of scrollback rows. The rows carry their numbers, so a row dropped
 * while the chunk is read is simply not there (counted when the next one arrives).
 */
static void step_chunk(struct export *e)
{
    struct sb_span span;
    sb_store_span(e->store, &span);
    if (span.end < e->hi)
        export_cut(e, span.end);
    if (!skip_gone(e, span.first))
        return;
    uint64_t n = e->hi - e->next < CHUNK_ROWS ? e->hi - e->next : CHUNK_ROWS, from = e->next;
    e->len = 0;
    int rc = e->ansi ? sb_store_visit_rows(e->store, from, n, on_row, e)
                     : sb_store_visit_text(e->store, from, n, on_text, e);
    if (e->oom || (rc != 0 && rc != 1)) {
        fail(e, e->oom ? "out of memory" : sb_strerror(rc));
        return;
    }
    flush_out(e); /* rows that went while it was read are counted by the next chunk */
}

/* Converts a screen row to UTF-8 in e->line; its length with trailing spaces trimmed. */
static size_t screen_text(struct export *e, const struct sb_row *row)
{
    size_t need = (size_t)row->ncols * SB_MAX_CHARS * 4 + 1, len = 0;
    if (need > e->line_cap) {
        char *grown = realloc(e->line, need);
        if (!grown) {
            e->oom = true;
            return 0;
        }
        e->line = grown;
        e->line_cap = need;
    }
    for (uint32_t c = 0; c < row->ncols; c++) {
        const struct sb_cell *cell = &row->cells[c];
        if (cell->width == 0) /* the right half of a wide character */
            continue;
        if (cell->chars[0] == 0)
            e->line[len++] = ' ';
        for (int k = 0; k < SB_MAX_CHARS && cell->chars[k]; k++)
            len += utf8_encode(cell->chars[k], e->line + len);
    }
    while (len > 0 && e->line[len - 1] == ' ')
        len--;
    return len;
}

/* Formats one screen row at the end of the slice buffer; blank counts the empty rows before. */
static bool format_screen_row(struct export *e, const struct sb_row *row, int *blank)
{
    size_t len = screen_text(e, row);
    if (len == 0 && !(e->ansi && (row->flags & SB_ROW_MARKS))) { /* a mark keeps a row */
        (*blank)++; /* written only if a non-empty row follows */
        return !e->oom;
    }
    for (; *blank > 0 && reserve(e, 1); (*blank)--)
        e->out[e->len++] = '\n';
    if (!(e->ansi ? put_row_ansi(e, row) : put_line(e, e->line, len)))
        return false;
    e->screen_rows++;
    return true;
}

/*
 * Formats the screen as it is now, leaving out the empty rows at its bottom, into
 * e->screen (one row read at a time: a screen may be 64K columns wide); false when a
 * row cannot be read or memory ran out.
 */
static bool format_screen(struct export *e, struct term *t)
{
    int rows, cols, blank = 0;
    struct sb_row row;
    bool ok = true;
    sb_row_init(&row);
    term_size(t, &rows, &cols);
    for (int r = 0; ok && r < rows; r++)
        ok = term_read_row(t, r, &row) == 0 && format_screen_row(e, &row, &blank);
    sb_row_fini(&row);
    e->screen = e->out; /* the slice buffer's bytes become the screen's */
    e->screen_len = e->len;
    e->out = NULL;
    e->len = e->cap = 0;
    return ok;
}

/* Writes the screen's text and ends the export. */
static void write_screen(struct export *e)
{
    if (e->screen_len && fwrite(e->screen, 1, e->screen_len, e->f) != e->screen_len)
        fail(e, "write error");
    e->p.screen_rows = e->screen_rows;
    if (e->state == EXPORT_RUNNING && fflush(e->f) != 0)
        fail(e, "write error");
    if (e->state == EXPORT_RUNNING)
        e->state = EXPORT_DONE;
}

struct export *export_create(struct sb_store *store, struct term *t, FILE *f, bool ansi,
                             char *err, size_t errlen)
{
    struct export *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *e = (struct export){.store = store, .f = f, .ansi = ansi};
    if (!format_screen(e, t)) {
        snprintf(err, errlen, "%s", e->oom ? "out of memory" : "cannot read the screen");
        export_destroy(e);
        return NULL;
    }
    struct sb_span span;
    sb_store_span(store, &span);
    e->next = span.first;
    e->hi = span.end;
    e->p.rows_total = e->hi - e->next;
    return e;
}

void export_destroy(struct export *e)
{
    if (!e)
        return;
    free(e->screen);
    free(e->out);
    free(e->line);
    free(e);
}

enum export_state export_step(struct export *e, uint64_t max_rows, uint64_t max_ns)
{
    uint64_t t0 = max_ns ? now_ns() : 0, rows0 = e->p.rows_written + e->p.rows_skipped;
    while (e->state == EXPORT_RUNNING) {
        if (e->next >= e->hi) {
            write_screen(e);
            break;
        }
        step_chunk(e);
        if ((max_rows && e->p.rows_written + e->p.rows_skipped - rows0 >= max_rows) ||
            (max_ns && now_ns() - t0 >= max_ns))
            break;
    }
    e->p.state = e->state;
    return e->state;
}

void export_progress(const struct export *e, struct export_progress *out)
{
    *out = e->p;
    out->state = e->state;
}

const char *export_error(const struct export *e)
{
    return e->err;
}
