/*
 * The search bar's state (searchbar.h). Nothing here draws or knows SDL: the
 * window feeds it keys as edits and asks it what to draw.
 *
 * Two lists of matches make one ordered list: the store search's (rows below
 * screen_abs, published by the runner) then the screen's (sb->screen). The
 * store search starts at the origin going backward (older), so the matches
 * nearest to what the user was looking at are found first. Every look-up in
 * the store's list is a binary search (runner.h), so a frame costs the same
 * with ten matches or ten million.
 */
#include "searchbar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"


/* The oldest row the store retains: no match below it is shown. */
static uint64_t first_retained(struct sb_store *store)
{
    struct sb_span span;
    sb_store_span(store, &span);
    return span.first;
}

void searchbar_use_thread(struct searchbar *sb, void (*wake)(void *user), void *user)
{
    sb->threaded = true;
    sb->wake = wake;
    sb->wake_user = user;
}

void searchbar_open(struct searchbar *sb, struct sb_store *store, uint64_t origin)
{
    sb->open = true;
    sb->store = store;
    sb->origin = origin;
    searchbar_restart(sb);
}

void searchbar_close(struct searchbar *sb)
{
    if (sb->runner)
        search_runner_start(sb->runner, NULL);
    search_destroy(sb->search);
    sb->search = NULL;
    sb->open = false;
    sb->has_current = sb->seek = false;
    sb->nscreen = 0;
    sb->error[0] = '\0';
}

void searchbar_fini(struct searchbar *sb)
{
    searchbar_close(sb);
    search_runner_destroy(sb->runner);
    sb->runner = NULL;
    free(sb->screen);
    sb->screen = NULL;
    sb->screen_cap = 0;
    free(sb->range);
    sb->range = NULL;
    sb->range_cap = 0;
}

/* Makes the runner at the first query; false (logged) when it cannot. */
static bool need_runner(struct searchbar *sb)
{
    if (!sb->runner)
        sb->runner = search_runner_create(sb->store,
                                          sb->threaded ? SEARCH_RUNNER_THREAD
                                                       : SEARCH_RUNNER_INLINE,
                                          sb->wake, sb->wake_user);
    return sb->runner != NULL;
}

bool searchbar_restart(struct searchbar *sb)
{
    if (sb->runner)
        search_runner_start(sb->runner, NULL); /* the old matches go at once */
    search_destroy(sb->search);
    sb->search = NULL;
    sb->has_current = false;
    sb->seek = true;
    sb->nscreen = 0;
    sb->error[0] = '\0';
    if (sb->len == 0 || !sb->store)
        return true;
    sb->floor = first_retained(sb->store);
    struct search_opts o = {.query = sb->query, .regex = sb->regex, .case_mode = sb->case_mode,
                            .dir = SEARCH_BACKWARD, .from_row = sb->origin + 1};
    char err[sizeof sb->error];
    sb->search = search_create(sb->store, &o, err, sizeof err);
    if (!sb->search) { /* "search: bad regular expression '...': why" -> "why" */
        const char *why = strrchr(err, ':');
        snprintf(sb->error, sizeof sb->error, "%s", why && why[1] ? why + 2 : err);
        return false;
    }
    /* The same query again for the runner: the screen's search stays on this thread. */
    struct search *s = need_runner(sb) ? search_create(sb->store, &o, err, sizeof err) : NULL;
    if (!s) {
        snprintf(sb->error, sizeof sb->error, "out of memory");
        search_destroy(sb->search);
        sb->search = NULL;
        return false;
    }
    search_runner_start(sb->runner, s);
    return true;
}

/* ---- Editing ------------------------------------------------------------ */

/* Whether byte b continues a UTF-8 sequence. */
static bool cont(char b)
{
    return ((unsigned char)b & 0xc0) == 0x80;
}

bool searchbar_insert(struct searchbar *sb, const char *utf8)
{
    size_t n = strlen(utf8);
    while (n > 0 && sb->len + n >= SEARCHBAR_QUERY_MAX) /* cut at a codepoint boundary */
        for (n--; n > 0 && cont(utf8[n]); n--)
            ;
    if (n == 0)
        return false;
    memmove(sb->query + sb->caret + n, sb->query + sb->caret, sb->len - sb->caret + 1);
    for (size_t i = 0; i < n; i++) /* a pasted newline or tab is a space in a one-line bar */
        sb->query[sb->caret + i] = (unsigned char)utf8[i] < ' ' ? ' ' : utf8[i];
    sb->caret += (uint32_t)n;
    sb->len += (uint32_t)n;
    return true;
}

/* Removes query bytes [a, b). */
static void cut(struct searchbar *sb, uint32_t a, uint32_t b)
{
    memmove(sb->query + a, sb->query + b, sb->len - b + 1);
    sb->len -= b - a;
    if (sb->caret > b)
        sb->caret -= b - a;
    else if (sb->caret > a)
        sb->caret = a;
}

/* The codepoint boundary before (dir < 0) or after the caret. */
static uint32_t step_from(const struct searchbar *sb, uint32_t at, int dir)
{
    if (dir < 0) {
        while (at > 0 && cont(sb->query[--at]))
            ;
        return at;
    }
    while (at < sb->len && cont(sb->query[++at]))
        ;
    return at;
}

bool searchbar_delete(struct searchbar *sb, bool back)
{
    if (back ? sb->caret == 0 : sb->caret == sb->len)
        return false;
    uint32_t other = step_from(sb, sb->caret, back ? -1 : 1);
    cut(sb, back ? other : sb->caret, back ? sb->caret : other);
    return true;
}

bool searchbar_delete_word(struct searchbar *sb)
{
    uint32_t a = sb->caret;
    while (a > 0 && sb->query[a - 1] == ' ')
        a--;
    while (a > 0 && sb->query[a - 1] != ' ')
        a--;
    if (a == sb->caret)
        return false;
    cut(sb, a, sb->caret);
    return true;
}

bool searchbar_clear(struct searchbar *sb)
{
    if (sb->len == 0)
        return false;
    sb->len = sb->caret = 0;
    sb->query[0] = '\0';
    return true;
}

void searchbar_move(struct searchbar *sb, int dir)
{
    if (dir == -2 || dir == 2)
        sb->caret = dir < 0 ? 0 : sb->len;
    else
        sb->caret = step_from(sb, sb->caret, dir);
}

void searchbar_cycle_case(struct searchbar *sb)
{
    sb->case_mode = (enum search_case)((sb->case_mode + 1) % 3);
    searchbar_restart(sb);
}

void searchbar_toggle_regex(struct searchbar *sb)
{
    sb->regex = !sb->regex;
    searchbar_restart(sb);
}

/* ---- Scanning ----------------------------------------------------------- */

bool searchbar_step(struct searchbar *sb, uint64_t max_ns)
{
    if (!sb->search || !sb->runner)
        return false;
    sb->floor = first_retained(sb->store);
    if (!sb->threaded)
        return search_runner_step(sb->runner, max_ns);
    struct search_runner_status st;
    search_runner_status(sb->runner, &st);
    if (st.state == SEARCH_DONE) /* new output is taken in by the thread; it finds out */
        search_runner_poke(sb->runner);
    return st.state == SEARCH_RUNNING;
}

/* Whether a cell is one the store leaves off the end of a row's text (sb_store_visit_text). */
static bool trailing_blank(const struct sb_cell *c)
{
    return !c->chars[0] && c->width == 1 && !c->attrs && c->fg == SB_COLOR_DEFAULT &&
           c->bg == SB_COLOR_DEFAULT;
}

/*
 * Appends a row's text to buf at *len as the store gives it (an empty cell as a space, a
 * wide character's right half as nothing, trailing blank cells left out).
 */
static bool row_text(const struct sb_row *row, char **buf, size_t *len, size_t *cap)
{
    size_t need = *len + (size_t)row->ncols * SB_MAX_CHARS * 4 + 1;
    if (need > *cap) {
        char *grown = realloc(*buf, need * 2);
        if (!grown)
            return false;
        *buf = grown;
        *cap = need * 2;
    }
    uint32_t end = row->ncols;
    while (end > 0 && trailing_blank(&row->cells[end - 1]))
        end--;
    for (uint32_t c = 0; c < end; c++) {
        const struct sb_cell *cell = &row->cells[c];
        if (cell->width == 0)
            continue;
        if (cell->chars[0] == 0)
            (*buf)[(*len)++] = ' ';
        for (int k = 0; k < SB_MAX_CHARS && cell->chars[k]; k++)
            *len += utf8_encode(cell->chars[k], *buf + *len);
    }
    return true;
}

/* The texts of the rows scanned with the screen, gathered for matching. */
struct gather {
    char *buf;
    size_t len, cap;
    struct search_text *rows;
    size_t *offs; /* each row's text starts at buf + offs[i] (buf moves while it grows) */
    size_t n, rows_cap;
};

/* Appends row n's text; false when out of memory or the row cannot be read. */
static bool gather_row(struct gather *g, struct lines *l, uint64_t n)
{
    if (g->n == g->rows_cap) {
        size_t cap = g->rows_cap ? g->rows_cap * 2 : 64;
        struct search_text *r = realloc(g->rows, cap * sizeof *r);
        if (r)
            g->rows = r;
        size_t *o = r ? realloc(g->offs, cap * sizeof *o) : NULL;
        if (o)
            g->offs = o;
        if (!r || !o)
            return false;
        g->rows_cap = cap;
    }
    const struct sb_row *row = lines_row(l, n);
    size_t at = g->len;
    if (!row || !row_text(row, &g->buf, &g->len, &g->cap))
        return false;
    g->offs[g->n] = at;
    g->rows[g->n++] = (struct search_text){NULL, g->len - at, row->flags};
    return true;
}

bool searchbar_scan_screen(struct searchbar *sb, struct lines *l)
{
    struct lines_span span;
    lines_span(l, &span);
    sb->nscreen = 0;
    sb->screen_abs = span.screen;
    if (!sb->search)
        return true;
    /* From the start of the line that wraps onto the screen, if one does. */
    struct gather g = {0};
    uint64_t first = lines_start(l, span.screen);
    bool ok = true;
    for (uint64_t n = first; ok && n < span.end; n++)
        ok = gather_row(&g, l, n);
    size_t cap = g.len + 1; /* matches do not overlap and are at least a byte long */
    if (ok && cap > sb->screen_cap) {
        struct search_match *m = realloc(sb->screen, cap * sizeof *m);
        ok = m != NULL;
        if (m) {
            sb->screen = m;
            sb->screen_cap = cap;
        }
    }
    for (size_t i = 0; ok && i < g.n; i++)
        g.rows[i].text = g.buf + g.offs[i];
    size_t n = ok ? search_match_text(sb->search, first, g.rows, g.n, sb->screen, cap) : 0;
    for (size_t i = 0; i < n; i++) /* matches wholly in the store are the store search's */
        if (sb->screen[i].end_row >= span.screen)
            sb->screen[sb->nscreen++] = sb->screen[i];
    free(g.buf);
    free(g.rows);
    free(g.offs);
    return ok;
}

/* ---- Matches ------------------------------------------------------------ */

/* Whether the store search has published anything to read. */
static bool have_store(const struct searchbar *sb)
{
    return sb->search && sb->runner;
}

/* The first screen match strictly after (forward) or the last strictly before (row, byte). */
static bool screen_near(const struct searchbar *sb, uint64_t row, uint32_t byte,
                        enum search_dir dir, struct search_match *out)
{
    size_t i = search_lower_bound(sb->screen, sb->nscreen, row, byte);
    if (dir == SEARCH_FORWARD) {
        while (i < sb->nscreen && search_pos_cmp(sb->screen[i].row, sb->screen[i].byte, row, byte) == 0)
            i++;
        if (i < sb->nscreen)
            return *out = sb->screen[i], true;
    } else if (i > 0) {
        return *out = sb->screen[i - 1], true;
    }
    return false;
}

/*
 * The first match strictly after (forward) or the last strictly before (row, byte)
 * in the two lists, without wrapping; false when there is none.
 */
static bool nearest(struct searchbar *sb, uint64_t row, uint32_t byte, enum search_dir dir,
                    struct search_match *out)
{
    bool store = have_store(sb);
    if (dir == SEARCH_FORWARD)
        return (store && search_runner_near(sb->runner, sb->floor, row, byte, dir, out)) ||
               screen_near(sb, row, byte, dir, out);
    return screen_near(sb, row, byte, dir, out) ||
           (store && search_runner_near(sb->runner, sb->floor, row, byte, dir, out));
}

/* The first (forward) or last match of all; false when there are none. */
static bool extreme(struct searchbar *sb, enum search_dir dir, struct search_match *out)
{
    bool store = have_store(sb);
    if (dir == SEARCH_FORWARD)
        return (store && search_runner_extreme(sb->runner, sb->floor, dir, out)) ||
               (sb->nscreen > 0 && (*out = sb->screen[0], true));
    return (sb->nscreen > 0 && (*out = sb->screen[sb->nscreen - 1], true)) ||
           (store && search_runner_extreme(sb->runner, sb->floor, dir, out));
}

/* The place of m on the screen's list (1-based), or 0. */
static size_t screen_place(const struct searchbar *sb, const struct search_match *m)
{
    size_t j = search_lower_bound(sb->screen, sb->nscreen, m->row, m->byte);
    return j < sb->nscreen && search_match_same(&sb->screen[j], m) ? j + 1 : 0;
}

/* Whether m is still a match the lists hold. */
static bool listed(struct searchbar *sb, const struct search_match *m)
{
    return screen_place(sb, m) > 0 ||
           (have_store(sb) && search_runner_place(sb->runner, sb->floor, m) > 0);
}

bool searchbar_settle(struct searchbar *sb)
{
    sb->floor = sb->store ? first_retained(sb->store) : 0;
    if (sb->has_current) {
        /* A match still on the screen must still be there; one that scrolled into the
         * store stays current (the store search takes those rows in again). */
        if (sb->current.row < sb->floor ||
            (sb->current.end_row >= sb->screen_abs && !listed(sb, &sb->current)))
            sb->has_current = false;
        return false;
    }
    if (!sb->seek || !sb->search)
        return false;
    struct search_match m;
    bool done = !searchbar_progress(sb, &(int){0});
    if (nearest(sb, sb->origin + 1, 0, SEARCH_BACKWARD, &m) ||
        (done && extreme(sb, SEARCH_BACKWARD, &m))) {
        sb->current = m;
        sb->has_current = true;
        sb->seek = false;
        return true;
    }
    return false;
}

bool searchbar_next(struct searchbar *sb, enum search_dir dir)
{
    searchbar_settle(sb);
    uint64_t row = sb->has_current ? sb->current.row : sb->origin + 1;
    uint32_t byte = sb->has_current ? sb->current.byte : 0;
    struct search_match m;
    if (!nearest(sb, row, byte, dir, &m) && !extreme(sb, dir, &m))
        return false;
    sb->current = m;
    sb->has_current = true;
    sb->seek = false;
    return true;
}

void searchbar_each(struct searchbar *sb, uint64_t lo, uint64_t hi,
                    void (*fn)(void *user, const struct search_match *m, bool current),
                    void *user)
{
    const struct search_match *lists[2] = {sb->range, sb->screen};
    /* Copied out, so that fn may read the store without the runner's mutex held. */
    size_t n[2] = {have_store(sb) ? search_runner_range(sb->runner, sb->floor,
                                                        lo > 256 ? lo - 256 : 0, hi,
                                                        &sb->range, &sb->range_cap) : 0,
                   sb->nscreen};
    lists[0] = sb->range;
    for (int l = 0; l < 2; l++) {
        /* A match starting above lo may reach into it: look a line's worth back. */
        for (size_t i = search_lower_bound(lists[l], n[l], lo > 256 ? lo - 256 : 0, 0);
             i < n[l] && lists[l][i].row <= hi; i++)
            if (lists[l][i].end_row >= lo)
                fn(user, &lists[l][i],
                   sb->has_current && search_match_same(&lists[l][i], &sb->current));
    }
}

size_t searchbar_count(struct searchbar *sb, size_t *place)
{
    bool store = have_store(sb);
    size_t ns = store ? search_runner_count(sb->runner, sb->floor) : 0, i = 0;
    *place = 0;
    if (sb->has_current) {
        if (store && (i = search_runner_place(sb->runner, sb->floor, &sb->current)) > 0)
            *place = i;
        else if ((i = screen_place(sb, &sb->current)) > 0)
            *place = ns + i;
    }
    return ns + sb->nscreen;
}

bool searchbar_progress(struct searchbar *sb, int *percent)
{
    *percent = 100;
    if (!have_store(sb))
        return false;
    struct search_runner_status p;
    search_runner_status(sb->runner, &p);
    if (p.state != SEARCH_RUNNING || p.extending) /* new output is not worth a percentage */
        return false;
    uint64_t total = p.rows_total ? p.rows_total : 1;
    uint64_t done = p.rows_scanned < total ? p.rows_scanned : total;
    *percent = (int)(done * 100 / total);
    return true;
}

void searchbar_status(struct searchbar *sb, char *buf, size_t cap)
{
    size_t place, n = searchbar_count(sb, &place);
    int pct;
    bool running = searchbar_progress(sb, &pct);
    if (sb->error[0])
        snprintf(buf, cap, "bad regex: %s", sb->error);
    else if (sb->len == 0)
        snprintf(buf, cap, "type to search");
    else if (running && place)
        snprintf(buf, cap, "%zu of %zu \xc2\xb7 %d%%", place, n, pct);
    else if (running)
        snprintf(buf, cap, "%zu match%s \xc2\xb7 %d%%", n, n == 1 ? "" : "es", pct);
    else if (n == 0)
        snprintf(buf, cap, "no matches");
    else if (place)
        snprintf(buf, cap, "%zu of %zu", place, n);
    else
        snprintf(buf, cap, "%zu match%s", n, n == 1 ? "" : "es");
}

void searchbar_toggles(const struct searchbar *sb, char *buf, size_t cap)
{
    static const char *const cases[] = {"smart", "exact", "ignore"};
    snprintf(buf, cap, "Aa:%s .*:%s", cases[sb->case_mode], sb->regex ? "on" : "off");
}
