/* The search bar's glue and the window's bottom line (window_internal.h): opening,
 * editing and stepping through a search, the matches marked on the grid, and drawing the bar,
 * the message and the prompt. */
#include "window_internal.h"

#include "utf8.h"

/* Scrolls the view so that the current match shows. */
static void reveal_current(struct win *w)
{
    const struct search_match *m = &w->bar.current;
    const struct sb_row *row = lines_row(session_lines(w->s), m->row);
    uint64_t line;
    uint32_t cell;
    if (row && lines_locate(session_lines(w->s), m->row, search_byte_to_col(row, m->byte), &line, &cell))
        view_reveal(w->view, line, cell, w->rows, w->cols);
    w->dirty = true;
}

/* The absolute row at the bottom of the view: where a new search starts. */
static uint64_t view_bottom(struct win *w)
{
    if (!view_layout(w->view, w->rows, w->cols))
        return view_screen_abs(w->view);
    const struct view_line *l = &view_lines(w->view)[w->rows - 1];
    return l->line;
}

/* Ctrl+Shift+F: opens the bar (the last query is kept and searched again). */
void search_open(struct win *w)
{
    if (w->bar.open)
        return;
    view_get_pos(w->view, &w->bar_from);
    searchbar_open(&w->bar, session_store(w->s), view_bottom(w));
    w->search_t0 = session_now_ns();
    w->search_ms = -1;
    w->bar_gen = 0;
    w->dirty = true;
}

/* Closes the bar; back to where the view was when it opened, unless staying at the match. */
static void search_close(struct win *w, bool stay)
{
    searchbar_close(&w->bar);
    if (!stay)
        view_set_pos(w->view, &w->bar_from);
    w->nmarks = 0;
    w->dirty = true;
}

/* After an edit of the query or a toggle: search again. */
void search_edited(struct win *w)
{
    searchbar_restart(&w->bar);
    w->search_t0 = session_now_ns();
    w->search_ms = -1;
    w->bar_gen = 0;
    w->dirty = true;
}

/* Enter, Shift+Enter, Up, Down: to the next older (up) or newer match. */
static void search_go(struct win *w, enum search_dir dir)
{
    if (searchbar_next(&w->bar, dir))
        reveal_current(w);
}

/* key_search_case, key_search_regex (the bar is open): the next case mode, or regex on/off. */
void search_toggle(struct win *w, bool regex)
{
    if (regex)
        searchbar_toggle_regex(&w->bar);
    else
        searchbar_cycle_case(&w->bar);
    search_edited(w);
}

/* Editing keys with Ctrl held; true when the key was one of them. */
static bool bar_chord(struct win *w, const SDL_Keysym *key)
{
    bool ctrl = key->mod & KMOD_CTRL;
    if (ctrl && (key->sym == SDLK_u || key->sym == SDLK_w || key->sym == SDLK_BACKSPACE)) {
        if (!(key->sym == SDLK_u ? searchbar_clear(&w->bar) : searchbar_delete_word(&w->bar)))
            return true;
    } else if (ctrl && (key->sym == SDLK_a || key->sym == SDLK_e)) {
        searchbar_move(&w->bar, key->sym == SDLK_a ? -2 : 2);
        w->dirty = true;
        return true;
    } else
        return false;
    search_edited(w);
    return true;
}

/* A key press while the bar is open: it edits the query or moves; none reach the program. */
void bar_key(struct win *w, const SDL_Keysym *key)
{
    bool shift = key->mod & KMOD_SHIFT, ctrl = key->mod & KMOD_CTRL;
    if (bar_chord(w, key))
        return;
    switch (key->sym) {
    case SDLK_ESCAPE: search_close(w, false); break;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        if (ctrl)
            search_close(w, true);
        else
            search_go(w, shift ? SEARCH_FORWARD : SEARCH_BACKWARD);
        break;
    case SDLK_UP: search_go(w, SEARCH_BACKWARD); break;
    case SDLK_DOWN: search_go(w, SEARCH_FORWARD); break;
    case SDLK_BACKSPACE:
    case SDLK_DELETE:
        if (searchbar_delete(&w->bar, key->sym == SDLK_BACKSPACE))
            search_edited(w);
        break;
    case SDLK_LEFT: searchbar_move(&w->bar, -1); break;
    case SDLK_RIGHT: searchbar_move(&w->bar, 1); break;
    case SDLK_HOME: searchbar_move(&w->bar, -2); break;
    case SDLK_END: searchbar_move(&w->bar, 2); break;
    default: break;
    }
    w->dirty = true;
}

/* Typed text goes into the query while the bar is open. */
void bar_text(struct win *w, const char *utf8)
{
    if (SDL_GetModState() & (KMOD_CTRL | KMOD_ALT))
        return; /* the bar's toggles and Ctrl chords were keys */
    if (searchbar_insert(&w->bar, utf8))
        search_edited(w);
}

/* The search thread's wake-up (runner.h): called on that thread, so it only writes a byte. */
void search_woke(void *user)
{
    struct win *w = user;
    SDL_AtomicSet(&w->woken, 1);
    if (write(w->wake_pipe[1], "", 1) < 0 && errno != EAGAIN)
        perror("boundterm: search wake-up");
}

/* Empties the wake-up pipe before the loop reads what the search published. */
static void search_drain(struct win *w)
{
    char buf[64];
    if (!SDL_AtomicSet(&w->woken, 0))
        return; /* no byte since the last drain: no read to learn so */
    while (read(w->wake_pipe[0], buf, sizeof buf) > 0)
        ;
}

/* Takes the search's news between frames (it runs on its own thread, so nothing to wait for). */
void search_tick(struct win *w)
{
    search_drain(w);
    if (!w->bar.open)
        return;
    bool more = searchbar_step(&w->bar, 0); /* only tells the thread about new rows */
    if (!more && w->search_ms < 0 && w->bar.search)
        w->search_ms = (int64_t)((session_now_ns() - w->search_t0) / 1000000);
    uint64_t gen = term_generation(session_term(w->s));
    if (w->bar_gen != gen) { /* the screen changed: match its rows again */
        searchbar_scan_screen(&w->bar, session_lines(w->s));
        w->bar_gen = gen;
        w->dirty = true;
    }
    if (searchbar_settle(&w->bar))
        reveal_current(w);
    char status[sizeof w->bar_status];
    searchbar_status(&w->bar, status, sizeof status);
    if (strcmp(status, w->bar_status) != 0)
        w->dirty = true;
}

struct marking {
    struct win *w;
    const struct view_line *lines;
};

/* Adds the marks of cells [c0, c1) of absolute row abs on the display rows showing them. */
static void mark_cells(struct win *w, const struct view_line *lines, uint64_t abs, uint32_t c0,
                       uint32_t c1, bool current)
{
    uint64_t line;
    uint32_t cell;
    if (c1 <= c0 || !lines_locate(session_lines(w->s), abs, c0, &line, &cell))
        return;
    uint64_t end = (uint64_t)cell + (c1 - c0);
    for (int r = 0; r < w->rows && w->nmarks < w->marks_cap; r++) {
        if (lines[r].line != line)
            continue;
        uint64_t off = lines[r].off, len = lines[r].screen ? (uint64_t)w->cols
                                                           : lines[r].row->ncols;
        uint64_t from = cell > off ? cell : off, to = end < off + len ? end : off + len;
        if (from < to)
            w->marks[w->nmarks++] = (struct render_mark){r, (int)(from - off), (int)(to - off),
                                                         current};
    }
}

/* searchbar_each callback: the marks of one match, on each row it spans. */
static void mark_match(void *user, const struct search_match *m, bool current)
{
    struct marking *mk = user;
    for (uint64_t k = m->row; k <= m->end_row; k++) {
        const struct sb_row *row = lines_row(session_lines(mk->w->s), k);
        if (!row)
            continue;
        uint32_t c0 = k == m->row ? search_byte_to_col(row, m->byte) : 0;
        uint32_t c1 = k == m->end_row ? search_byte_to_col(row, m->end_byte) : row->ncols;
        mark_cells(mk->w, mk->lines, k, c0, c1, current);
    }
}

static int cmp_mark(const void *a, const void *b)
{
    const struct render_mark *x = a, *y = b;
    return (x->row > y->row) - (x->row < y->row);
}

/* The marks of every match the view shows; false when there is no room for them. */
bool search_marks(struct win *w, const struct view_line *lines)
{
    w->nmarks = 0;
    if (!w->bar.open || w->rows < 1)
        return true;
    int cap = w->rows * 8; /* at most a few matches per row are worth drawing apart */
    if (cap > w->marks_cap) {
        struct render_mark *m = realloc(w->marks, (size_t)cap * sizeof *m);
        if (!m)
            return false;
        w->marks = m;
        w->marks_cap = cap;
    }
    struct marking mk = {w, lines};
    uint64_t lo = lines[0].line, hi = lines[w->rows - 1].line + 256; /* a line's rows */
    searchbar_each(&w->bar, lo, hi, mark_match, &mk);
    qsort(w->marks, (size_t)w->nmarks, sizeof *w->marks, cmp_mark);
    return true;
}

/* The byte offset of codepoint k of a NUL-terminated string. */
static size_t cp_offset(const char *p, int k)
{
    size_t i = 0;
    for (; p[i] && k > 0; k--)
        for (i++; ((unsigned char)p[i] & 0xc0) == 0x80; i++)
            ;
    return i;
}

/* Queues the bar on the bottom row: prompt, query with caret, toggles, status. */
void draw_bar(struct win *w, int pw)
{
    const struct font_metrics *m = font_metrics(w->font);
    int y = (w->rows - 1) * m->cell_h, cw = m->cell_w;
    char toggles[32], right[sizeof w->bar_status + 40], shown[SEARCHBAR_QUERY_MAX];
    searchbar_status(&w->bar, w->bar_status, sizeof w->bar_status);
    searchbar_toggles(&w->bar, toggles, sizeof toggles);
    snprintf(right, sizeof right, " %s  %s ", w->bar_status, toggles);
    int right_cells = (int)utf8_count(right, strlen(right)), prompt = 6;
    int avail = w->cols - prompt - right_cells - 1;
    avail = avail < 4 ? 4 : avail;
    int caret = (int)utf8_count(w->bar.query, w->bar.caret);
    int first = caret > avail - 1 ? caret - (avail - 1) : 0; /* keep the caret in sight */
    size_t a = cp_offset(w->bar.query, first);
    size_t b = a + cp_offset(w->bar.query + a, avail);
    snprintf(shown, sizeof shown, "%.*s", (int)(b - a), w->bar.query + a);
    render_rect(w->rd, 0, y, pw, m->cell_h, 0xff202830u); /* opaque: the row under it must not show through */
    render_rect(w->rd, 0, y, pw, 1, 0xff5f87afu);
    render_text(w->rd, 0, y, "Find: ", 0x87afd7);
    render_text(w->rd, prompt * cw, y, shown, 0xffffff);
    render_rect(w->rd, (prompt + caret - first) * cw, y + 1, 2, m->cell_h - 2, 0xffffd75fu);
    int rx = (w->cols - right_cells) * cw;
    int sx = rx + render_text(w->rd, rx, y, " ", 0);
    uint32_t color = w->bar.error[0] ? 0xff5f5f : 0xd0d0d0;
    sx += render_text(w->rd, sx, y, w->bar_status, color);
    render_text(w->rd, sx, y, "  ", 0);
    render_text(w->rd, sx + 2 * cw, y, toggles, 0x8a8a8a);
}

/* Queues the message line, above the bar when it is open. */
void draw_message(struct win *w, int pw, uint64_t now)
{
    if (now >= w->msg_until)
        return;
    const struct font_metrics *m = font_metrics(w->font);
    int row = w->rows - 1 - (w->bar.open && w->rows > 1);
    render_rect(w->rd, 0, row * m->cell_h, pw, m->cell_h, 0xff303020u);
    render_text(w->rd, 0, row * m->cell_h, w->msg, 0xffd75f);
}

/* Queues the question the window waits on (a paste's confirmation) on the bottom row. */
void draw_prompt(struct win *w, int pw)
{
    if (!w->prompt[0])
        return;
    const struct font_metrics *m = font_metrics(w->font);
    int y = (w->rows - 1) * m->cell_h;
    render_rect(w->rd, 0, y, pw, m->cell_h, 0xff402020u);
    render_text(w->rd, 0, y, w->prompt, 0xffd75f);
}
