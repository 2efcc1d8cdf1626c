/*
 * The line space (lines.h).
 *
 * History rows read from the store are kept in a direct-mapped cache indexed by row
 * number, filled a block of CACHE_BLOCK rows at a time with one sb_store_visit_rows()
 * call (a spilled page is read and decrypted once per block, not once per row). A copy
 * stays right because a number is never given to another row, except when the terminal
 * takes rows back (sb_span.taken_back): then the copies go. lines_release() frees them
 * when nobody reads history, so following the screen costs no RAM for it.
 */
#include "lines.h"

#include <stdlib.h>
#include <string.h>

#include "term.h"

#define CACHE_BLOCK 64
#define CACHE_MIN 256

struct cache_ent {
    uint64_t n;
    bool valid;
    struct sb_row row;
};

struct lines {
    struct sb_store *store;
    struct term *term;
    struct sb_span span;     /* the store's, at the last sync */
    struct cache_ent *cache;
    size_t ncache;           /* a power of two */
    struct sb_row screen_row; /* the screen row last read */
    struct sb_cell *joined;
    uint32_t joined_cap;
    struct sb_row jlinks;    /* the URIs the joined cells name */
    struct lines_joined out;
    uint64_t joined_line, joined_limit; /* what out holds; joined_line UINT64_MAX = nothing */
};

struct lines *lines_create(struct sb_store *store, struct term *term)
{
    struct lines *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->store = store;
    l->term = term;
    l->joined_line = UINT64_MAX;
    sb_row_init(&l->screen_row);
    sb_row_init(&l->jlinks);
    sb_store_span(store, &l->span);
    return l;
}

void lines_release(struct lines *l)
{
    for (size_t i = 0; i < l->ncache; i++)
        sb_row_fini(&l->cache[i].row);
    free(l->cache);
    l->cache = NULL;
    l->ncache = 0;
    l->joined_line = UINT64_MAX;
}

void lines_destroy(struct lines *l)
{
    if (!l)
        return;
    lines_release(l);
    sb_row_fini(&l->screen_row);
    sb_row_fini(&l->jlinks);
    free(l->joined);
    free(l);
}

/* Reads the store's span; rows taken back since the last look void every copy. */
static void sync(struct lines *l)
{
    uint64_t taken = l->span.taken_back;
    sb_store_span(l->store, &l->span);
    if (l->span.taken_back != taken)
        lines_release(l);
}

void lines_span(struct lines *l, struct lines_span *out)
{
    sync(l);
    int rows, cols;
    term_size(l->term, &rows, &cols);
    *out = (struct lines_span){l->span.first, l->span.end, l->span.end + (uint64_t)rows};
}

/* Copies a visited row into its cache slot. */
static int cache_fill(void *user, uint64_t n, const struct sb_row *row)
{
    struct lines *l = user;
    struct cache_ent *e = &l->cache[n & (l->ncache - 1)];
    e->valid = false;
    if (sb_row_copy(&e->row, row) != 0)
        return 0; /* left out: read again on demand */
    e->n = n;
    e->valid = true;
    return 0;
}

/* History row n (retained), from the cache or the store; NULL when out of memory. */
static const struct sb_row *history_row(struct lines *l, uint64_t n)
{
    int rows, cols;
    term_size(l->term, &rows, &cols);
    size_t want = CACHE_MIN;
    while (want < (size_t)rows * 8) /* a screenful of display rows may join many rows */
        want *= 2;
    if (l->ncache < want) {
        lines_release(l);
        if (!(l->cache = calloc(want, sizeof *l->cache)))
            return NULL;
        l->ncache = want;
    }
    struct cache_ent *e = &l->cache[n & (l->ncache - 1)];
    if (e->valid && e->n == n)
        return &e->row;
    uint64_t first = n - n % CACHE_BLOCK;
    sb_store_visit_rows(l->store, first < l->span.first ? l->span.first : first, CACHE_BLOCK,
                        cache_fill, l);
    return e->valid && e->n == n ? &e->row : NULL;
}

/* Row n with the span already synced. */
static const struct sb_row *row_at(struct lines *l, uint64_t n)
{
    if (n < l->span.first)
        return NULL;
    if (n < l->span.end)
        return history_row(l, n);
    int rows, cols;
    term_size(l->term, &rows, &cols);
    if (n - l->span.end >= (uint64_t)rows ||
        term_read_row(l->term, (int)(n - l->span.end), &l->screen_row) != 0)
        return NULL;
    return &l->screen_row;
}

const struct sb_row *lines_row(struct lines *l, uint64_t n)
{
    sync(l);
    return row_at(l, n);
}

bool lines_copy_row(struct lines *l, uint64_t n, struct sb_row *out)
{
    sync(l);
    if (n >= l->span.end) {
        int rows, cols;
        term_size(l->term, &rows, &cols);
        return n - l->span.end < (uint64_t)rows &&
               term_read_row(l->term, (int)(n - l->span.end), out) == 0;
    }
    const struct sb_row *row = row_at(l, n);
    return row && sb_row_copy(out, row) == 0;
}

void lines_row_stamps(struct lines *l, uint64_t n, int count, uint64_t *out)
{
    sync(l);
    int rows, cols;
    term_size(l->term, &rows, &cols);
    for (int i = 0; i < count; i++, n++)
        out[i] = n >= l->span.end && n - l->span.end < (uint64_t)rows
                     ? term_row_stamp(l->term, (int)(n - l->span.end)) : 0;
}

/* lines_start with the span already synced. */
static uint64_t start_at(struct lines *l, uint64_t n)
{
    uint64_t a = n;
    while (a > l->span.first && n - a < LINES_MAX_JOIN - 1) {
        const struct sb_row *prev = row_at(l, a - 1);
        if (!prev || !(prev->flags & SB_ROW_WRAPPED))
            break;
        a--;
    }
    return a;
}

/* Cells of a row without its trailing empty cells (erased, default colours). */
static uint32_t trimmed(const struct sb_row *row)
{
    uint32_t n = row->ncols;
    while (n > 0 && !row->cells[n - 1].chars[0] && row->cells[n - 1].width && /* not a wide */
           !row->cells[n - 1].attrs && row->cells[n - 1].bg == SB_COLOR_DEFAULT) /* char's half */
        n--;
    return n;
}

/* Appends row's first n cells to the joined line, renumbering its links; false when OOM. */
static bool join_append(struct lines *l, const struct sb_row *row, uint32_t n)
{
    struct lines_joined *o = &l->out;
    if (o->ncells + n > l->joined_cap) {
        uint32_t cap = (o->ncells + n) * 2;
        struct sb_cell *grown = realloc(l->joined, cap * sizeof *grown);
        if (!grown)
            return false;
        l->joined = grown;
        l->joined_cap = cap;
        o->cells = grown;
    }
    struct sb_cell *to = l->joined + o->ncells;
    memcpy(to, row->cells, n * sizeof *row->cells);
    o->ncells += n;
    uint16_t renum[SB_MAX_ROW_LINKS + 1] = {0};
    for (uint32_t i = 0; i < n && row->nlinks; i++) {
        uint16_t k = to[i].link;
        if (k && !renum[k]) {
            const char *uri = sb_row_link(row, k);
            int j = uri ? sb_row_add_link(&l->jlinks, uri, strlen(uri)) : 0;
            renum[k] = j > 0 ? (uint16_t)j : UINT16_MAX; /* the line is full: no link */
        }
        to[i].link = k && renum[k] != UINT16_MAX ? renum[k] : 0;
    }
    return true;
}

/* The screen rows [lo, hi) (numbers) nearest the far end with any of mask. */
static bool find_on_screen(struct lines *l, uint64_t lo, uint64_t hi, bool back, uint32_t mask,
                           uint64_t *found)
{
    for (uint64_t k = 0; lo < hi && k < hi - lo; k++) {
        uint64_t n = back ? hi - 1 - k : lo + k;
        if (term_row_marks(l->term, (int)(n - l->span.end)) & mask)
            return *found = n, true;
    }
    return false;
}

bool lines_find_mark(struct lines *l, uint64_t from, bool back, uint32_t mask, uint64_t *found)
{
    struct lines_span sp;
    lines_span(l, &sp);
    if (back) {
        uint64_t hi = from < sp.end ? from : sp.end;
        if (hi > sp.screen && find_on_screen(l, sp.screen, hi, true, mask, found))
            return true;
        return sb_store_find_mark(l->store, hi < sp.screen ? hi : sp.screen, true, mask,
                                  found) == 0;
    }
    if (from + 1 < sp.screen && sb_store_find_mark(l->store, from, false, mask, found) == 0)
        return true;
    uint64_t lo = from + 1 > sp.screen ? from + 1 : sp.screen;
    return find_on_screen(l, lo, sp.end, false, mask, found);
}

size_t lines_mark_rows(struct lines *l, uint32_t mask, uint64_t *rows, size_t cap)
{
    struct lines_span sp;
    lines_span(l, &sp);
    size_t n = 0;
    for (uint64_t r = sp.end; r-- > sp.screen && n < cap;)
        if (term_row_marks(l->term, (int)(r - sp.screen)) & mask)
            rows[n++] = r;
    return n + sb_store_mark_pages(l->store, mask, rows + n, cap - n);
}

bool lines_command_output(struct lines *l, uint64_t at, uint64_t *first, uint64_t *end)
{
    struct lines_span sp;
    lines_span(l, &sp);
    uint64_t prompt = sp.first, next_prompt = sp.end, out, stop;
    if (at < sp.first || at >= sp.end)
        return false;
    bool prompted = lines_find_mark(l, at + 1, true, SB_ROW_MARK_PROMPT, &prompt);
    lines_find_mark(l, prompt, false, SB_ROW_MARK_PROMPT, &next_prompt);
    /* Output starts after its prompt's row: an OUTPUT mark on that row is the previous
     * command's, whose end and this prompt came on the same row. Before any prompt, from the
     * first row (the number before it wraps at 0 to mean "from the start"). */
    if (!lines_find_mark(l, prompted ? prompt : prompt - 1, false, SB_ROW_MARK_OUTPUT, &out) ||
        out >= next_prompt)
        return false;
    if (!lines_find_mark(l, out - 1, false, SB_ROW_MARK_END, &stop) || stop > next_prompt)
        stop = next_prompt;
    *first = out;
    *end = stop;
    return true;
}

uint64_t lines_start(struct lines *l, uint64_t n)
{
    sync(l);
    return start_at(l, n);
}

/* lines_join with the span already synced. */
static const struct lines_joined *join(struct lines *l, uint64_t line, uint64_t limit)
{
    uint64_t stop = line + l->out.rows; /* the row after the last one joined */
    if (l->joined_line == line && limit <= l->span.end && /* history does not change */
        (limit == l->joined_limit || (stop < l->joined_limit && stop <= limit)))
        return &l->out; /* the same limit, or the join ended before either one */
    struct lines_joined *o = &l->out;
    *o = (struct lines_joined){.links = &l->jlinks, .gen = o->gen + 1};
    l->joined_line = UINT64_MAX;
    sb_row_clear_links(&l->jlinks);
    o->cells = l->joined;
    for (uint64_t a = line; a < limit && o->rows < LINES_MAX_JOIN; a++) {
        const struct sb_row *row = row_at(l, a);
        if (!row) /* gone, or no memory for the copy: what was joined is the line */
            return o->rows ? o : NULL;
        bool wraps = row->flags & SB_ROW_WRAPPED;
        bool more = wraps && a + 1 < limit && o->rows + 1 < LINES_MAX_JOIN;
        if (!join_append(l, row, more || wraps ? row->ncols : trimmed(row)))
            return NULL;
        o->rows++;
        o->wrapped = wraps && !more;
        if (!more)
            break;
    }
    if (o->rows == 0)
        return NULL;
    o->cells = l->joined;
    l->joined_line = line;
    l->joined_limit = limit;
    return o;
}

const struct lines_joined *lines_join(struct lines *l, uint64_t line, uint64_t limit)
{
    sync(l);
    return join(l, line, limit);
}

const struct lines_joined *lines_join_shown(struct lines *l, uint64_t line)
{
    sync(l);
    return join(l, line, line >= l->span.end ? line + 1 : l->span.end);
}

bool lines_locate(struct lines *l, uint64_t n, uint32_t col, uint64_t *line, uint32_t *cell)
{
    sync(l);
    if (n < l->span.first)
        return false;
    if (n >= l->span.end) { /* a screen row is a line of its own */
        *line = n;
        *cell = col;
        return true;
    }
    *line = start_at(l, n);
    uint64_t off = col;
    for (uint64_t a = *line; a < n; a++) { /* the rows before n are joined whole */
        const struct sb_row *row = row_at(l, a);
        if (!row)
            return false;
        off += row->ncols;
    }
    *cell = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
    return true;
}
