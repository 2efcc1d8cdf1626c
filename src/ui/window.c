/*
 * The window's event loop (window.h).
 *
 * One thread does everything that touches the engine: it reads the pty in
 * bounded slices (INGEST_NS or INGEST_BYTES, whichever comes first), handles
 * SDL events between slices, and draws at most once per frame interval, and
 * only when something visible changed. While output floods in, frames are
 * spaced FLOOD_FRAME_NS apart so drawing takes a small share of the time.
 *
 * Sleeping: on X11 the loop poll()s the pty, the signalfd and the X
 * connection together, as headless mode polls the first two, so a flood costs
 * no extra wake-ups. Elsewhere SDL_WaitEventTimeout() sleeps, and a small
 * waker thread, armed before each sleep, polls the pty and the signalfd and
 * pushes an SDL event when either is ready (SDL wakes itself through the
 * display server, too slow for every pty read, so X11 does not use it).
 *
 * The search bar's store search runs on a thread of its own (search/runner.h);
 * the loop only reads what it published, never waiting for a store read. Its
 * progress wakes the loop through a pipe (wake_pipe) polled with the others.
 *
 * Environment: BOUNDTERM_FRAME_LOG=FILE appends one line per frame, "total layout
 * draw start search" in microseconds, start on CLOCK_MONOTONIC, search the part of draw
 * spent on the search bar's marks and label (tests/gui/bench_window.sh and
 * bench_search.sh read it); SDL_RENDER_DRIVER picks
 * another SDL renderer than the software one (render.c then uses SDL_RenderGeometry).
 */
#include "window.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_syswm.h>

#include "events.h"
#include "export.h"
#include "font.h"
#include "memstat.h"
#include "overlay.h"
#include "pty.h"
#include "render.h"
#include "searchbar.h"
#include "links.h"
#include "select.h"
#include "session.h"
#include "term.h"
#include "view.h"

#define INGEST_NS 8000000ull
#define INGEST_BYTES (4u << 20)
#define FLOOD_FRAME_NS 50000000ull
#define BLINK_NS 500000000ull
#define FONT_PX_MIN 6
#define FONT_PX_MAX 72
#define WHEEL_ROWS 3
#define BELL_NS 120000000ull /* the visual bell's flash */
#define SYNC_MAX_NS 150000000ull /* the longest a synchronized update holds frames back */
#define IDLE_MAX_MS 250 /* input methods talk to SDL on sockets the loop does not poll */
#define SLICE_NS 4000000ull /* a save runs this long at most between frames */
#define MESSAGE_NS 6000000000ull /* how long "saved N rows to PATH" stays */

struct waker {
    SDL_Thread *thread;
    SDL_sem *arm;
    int stop[2]; /* a pipe: written to stop the thread */
    SDL_atomic_t pty_fd; /* -1 once the pty reached its end */
    SDL_atomic_t sig_fd;
    int wake_fd; /* the search's wake-ups (read end of wake_pipe) */
    Uint32 event;
    bool armed;
};

struct win {
    struct session s;
    SDL_Window *window;
    SDL_Renderer *ren;
    struct font *font;
    struct render *rd;
    struct view *view;
    struct select sel;
    struct overlay ov;
    struct waker wk;
    int wake_pipe[2]; /* the search thread writes a byte when there is progress to show */
    int xfd; /* the X connection, or -1: use the waker */
    struct events_bindings keys;
    struct events_keys ek; /* a key waiting for its text */
    int rows, cols, font_px;
    bool focused, dirty, quit, eof;
    uint64_t gen, clears, frame_ns, next_frame, next_stats, blink_epoch, reaped_at;
    uint64_t flash_until; /* the visual bell is shown until then */
    uint64_t sync_since;  /* when the program's synchronized update began (0: none) */
    SDL_Rect ime_rect;    /* last cursor cell given to the input method */
    bool blinking; /* the last frame held blinking text or cursor */
    bool blink_on;
    char title[256];          /* the program's (OSC 0/2), "" until it sets one */
    bool title_dirty;
    uint64_t title_res;       /* the RES the title shows (title_shows_res) */
    uint64_t bells;           /* for --stats */
    uint64_t flash_frames;    /* frames drawn with the visual bell, for --stats */
    unsigned clip_asked;      /* osc52_read = ask: the selection a program waits for, or 0 */
    uint64_t osc52_copies, osc52_reads, osc52_denied; /* for --stats */
    int *sel_from, *sel_to;
    int ptr_row, ptr_col;     /* the pointer's cell, -1 when it is outside the window */
    struct link_hit hover;    /* the link under the pointer, when hover_on */
    bool hover_on;
    int *link_from, *link_to; /* its cells, per display row (render_scene) */
    uint16_t *link_num;
    SDL_Cursor *hand;         /* the pointer over a link */
    uint64_t links_opened, links_refused; /* for --stats */
    bool thumb_drag; /* the position indicator is being dragged */
    FILE *frame_log; /* BOUNDTERM_FRAME_LOG: one line per frame, microseconds */
    const struct bt_config *cfg;
    struct searchbar bar;
    struct view_pos bar_from; /* where the view was when the bar opened: Escape goes back */
    uint64_t bar_gen;         /* term generation of the screen matches; 0 = take them again */
    char bar_status[192];     /* the status last drawn, to redraw only when it changes */
    uint64_t search_t0;       /* when the query was last edited */
    int64_t search_ms;        /* how long its scan of the store took, -1 until done */
    struct render_mark *marks;
    int nmarks, marks_cap;
    struct export *exp;       /* a Ctrl+Shift+S save in progress, or NULL */
    FILE *exp_file;
    char exp_tmp[BT_PATH_BYTES + 16], exp_path[BT_PATH_BYTES];
    uint64_t saves;           /* saves completed, for --stats */
    char msg[BT_PATH_BYTES + 96]; /* a transient message line ("saved N rows to PATH") */
    uint64_t msg_until;
    char *paste_held;         /* a paste waiting for paste_confirm_multiline's answer */
    bool swallow_text;        /* a key answered a question: its text is not the program's */
    char prompt[160];         /* the question on the bottom row while it waits (or "") */
    bool exec_failed;         /* the program could not run: its message stays until a key */
};

/* ---- The waker --------------------------------------------------------- */

/* The waker thread: waits to be armed, polls, pushes one event, repeats. */
static int waker_main(void *arg)
{
    struct waker *wk = arg;
    for (;;) {
        SDL_SemWait(wk->arm);
        struct pollfd fds[4] = {{.fd = SDL_AtomicGet(&wk->pty_fd), .events = POLLIN},
                                {.fd = SDL_AtomicGet(&wk->sig_fd), .events = POLLIN},
                                {.fd = wk->stop[0], .events = POLLIN},
                                {.fd = wk->wake_fd, .events = POLLIN}};
        while (poll(fds, 4, -1) < 0 && errno == EINTR)
            ;
        if (fds[2].revents)
            return 0;
        SDL_Event ev = {.type = wk->event};
        SDL_PushEvent(&ev);
    }
}

/* Starts the waker; false (logged) on failure. */
static bool waker_start(struct waker *wk, int pty_fd, int sig_fd, int wake_fd)
{
    wk->wake_fd = wake_fd;
    wk->stop[0] = wk->stop[1] = -1;
    wk->event = SDL_RegisterEvents(1);
    wk->arm = SDL_CreateSemaphore(0);
    if (wk->event == (Uint32)-1 || !wk->arm || pipe(wk->stop) != 0)
        goto fail;
    SDL_AtomicSet(&wk->pty_fd, pty_fd);
    SDL_AtomicSet(&wk->sig_fd, sig_fd);
    wk->thread = SDL_CreateThread(waker_main, "bt-waker", wk);
    if (!wk->thread)
        goto fail;
    return true;
fail:
    fprintf(stderr, "boundterm: window: cannot start the waker: %s\n", SDL_GetError());
    return false;
}

/* Stops and joins the waker; safe when it never started. */
static void waker_stop(struct waker *wk)
{
    if (wk->thread) {
        if (write(wk->stop[1], "x", 1) < 0)
            perror("boundterm: waker");
        SDL_SemPost(wk->arm);
        SDL_WaitThread(wk->thread, NULL);
        wk->thread = NULL;
    }
    for (int i = 0; i < 2; i++) {
        if (wk->stop[i] >= 0)
            close(wk->stop[i]);
        wk->stop[i] = -1;
    }
    if (wk->arm)
        SDL_DestroySemaphore(wk->arm);
    wk->arm = NULL;
}

/* Arms the waker for the next sleep, once. */
static void waker_arm(struct waker *wk)
{
    if (!wk->armed) {
        wk->armed = true;
        SDL_SemPost(wk->arm);
    }
}

/* ---- Grid geometry, title ----------------------------------------------- */

/* Fits the grid to the window's pixel size and tells engine and child. */
static void fit_grid(struct win *w)
{
    const struct font_metrics *m = font_metrics(w->font);
    int pw, ph;
    SDL_GetRendererOutputSize(w->ren, &pw, &ph);
    int cols = pw / m->cell_w, rows = ph / m->cell_h;
    cols = cols < 2 ? 2 : cols;
    rows = rows < 1 ? 1 : rows;
    session_set_cell_pixels(&w->s, m->cell_w, m->cell_h);
    if (cols != w->cols || rows != w->rows) {
        term_resize(w->s.term, rows, cols);
        pty_resize(w->s.pty, cols, rows);
        w->cols = cols;
        w->rows = rows;
        select_clear(&w->sel);
    }
    w->dirty = true;
}

/* Engine hook: the program set the title. */
static void on_title(void *user, const char *utf8)
{
    struct win *w = user;
    snprintf(w->title, sizeof w->title, "%s", utf8);
    w->title_dirty = true;
}

/*
 * Engine hook: the bell (BEL). bell = flash: a short flash of the window; flash or urgent: the
 * urgency hint (the window manager's attention) while the window is not focused.
 */
static void on_bell(void *user)
{
    struct win *w = user;
    w->bells++;
    if (w->cfg->bell == BT_BELL_NONE)
        return;
    if (w->cfg->bell == BT_BELL_FLASH) {
        w->flash_until = session_now_ns() + BELL_NS;
        w->dirty = true;
    }
    if (!w->focused)
        SDL_FlashWindow(w->window, SDL_FLASH_UNTIL_FOCUSED);
}

/*
 * Sets the window title: the program's as it is ("boundterm" while it sets none, or an empty
 * one), with " - RES x MiB" after it when title_shows_res asks, redone when RES moved by a MiB.
 */
static void update_title(struct win *w)
{
    char res[32], t[sizeof w->title + 48];
    const char *title = w->title[0] ? w->title : "boundterm";
    uint64_t res_now = w->ov.res_now;
    bool res_moved = res_now >= w->title_res + (1u << 20) || res_now + (1u << 20) <= w->title_res;
    if (!w->title_dirty && !(w->cfg->title_shows_res && res_moved))
        return;
    if (w->cfg->title_shows_res) {
        snprintf(t, sizeof t, "%s - RES %s", title, overlay_bytes(res_now, res, sizeof res));
        w->title_res = res_now;
    } else {
        snprintf(t, sizeof t, "%s", title);
    }
    SDL_SetWindowTitle(w->window, t);
    w->title_dirty = false;
}

/* Once a second: stats line, overlay sample, title. */
static void tick(struct win *w, uint64_t now)
{
    if (now < w->next_stats)
        return;
    w->next_stats = now + SESSION_STATS_NS;
    session_stats_write(&w->s, false);
    struct sb_stats st;
    sb_store_stats(w->s.store, &st);
    overlay_sample(&w->ov, memstat_rss(&w->s.mem), &st);
    update_title(w);
    if (w->ov.shown)
        w->dirty = true;
}

/* ---- Search bar and saving the history ---------------------------------- */

/* Shows a one-line message at the bottom of the window for a few seconds. */
static void message(struct win *w, const char *text)
{
    size_t n = strnlen(text, sizeof w->msg - 1); /* a long message is cut */
    memcpy(w->msg, text, n);
    w->msg[n] = '\0';
    w->msg_until = session_now_ns() + MESSAGE_NS;
    w->dirty = true;
}

/* ---- The clipboard, for programs (OSC 52) ------------------------------------ */

/* Engine hook: the program copies text to the clipboard or the primary selection. */
static void on_clipboard_set(void *user, unsigned which, const char *utf8, size_t len)
{
    struct win *w = user;
    (void)len; /* utf8 holds no NUL: SDL takes it as a string */
    if (which & TERM_CLIP_CLIPBOARD)
        SDL_SetClipboardText(utf8);
    if (which & TERM_CLIP_PRIMARY)
        SDL_SetPrimarySelectionText(utf8);
    w->osc52_copies++;
}

/* Gives the program the text of selection which. */
static void clipboard_answer(struct win *w, unsigned which)
{
    char *text = which == TERM_CLIP_PRIMARY ? SDL_GetPrimarySelectionText()
                                            : SDL_GetClipboardText();
    session_clipboard_answer(&w->s, which, text ? text : "", text ? strlen(text) : 0);
    SDL_free(text);
    w->osc52_reads++;
}

static void clipboard_deny(struct win *w)
{
    w->osc52_denied++;
    message(w, "a program asked to read the clipboard: denied (osc52_read)");
}

/*
 * Engine hook: the program asks for a selection's text. Whatever a program prints could ask,
 * and the clipboard may hold a password: osc52_read decides (deny by default); ask puts the
 * question on the bottom row, and only 'y' allows. A question while another one (or a paste
 * confirmation) waits is denied.
 */
static void on_clipboard_get(void *user, unsigned which)
{
    struct win *w = user;
    if (w->cfg->osc52_read == BT_OSC52_ALLOW) {
        clipboard_answer(w, which);
    } else if (w->cfg->osc52_read == BT_OSC52_ASK && !w->prompt[0]) {
        w->clip_asked = which;
        snprintf(w->prompt, sizeof w->prompt, "The program asks to read the %s. y lets it, any "
                 "other key refuses.", which == TERM_CLIP_PRIMARY ? "primary selection"
                                                                  : "clipboard");
        w->dirty = true;
    } else {
        clipboard_deny(w);
    }
}

/* A key while a program waits to read a selection: y answers, anything else refuses. */
static void clipboard_key(struct win *w, const SDL_Keysym *key)
{
    if (key->sym == SDLK_y && !(key->mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)))
        clipboard_answer(w, w->clip_asked);
    else
        clipboard_deny(w);
    w->clip_asked = 0;
    w->prompt[0] = '\0';
    w->dirty = true;
}

/* Scrolls the view so that the current match shows. */
static void reveal_current(struct win *w)
{
    const struct search_match *m = &w->bar.current;
    const struct sb_row *row = view_row(w->view, m->row);
    uint64_t line;
    uint32_t cell;
    if (row && view_locate(w->view, m->row, search_byte_to_col(row, m->byte), &line, &cell))
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
static void search_open(struct win *w)
{
    if (w->bar.open)
        return;
    view_get_pos(w->view, &w->bar_from);
    searchbar_open(&w->bar, w->s.store, view_bottom(w));
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
static void search_edited(struct win *w)
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

/* Editing keys with Ctrl or Alt held; true when the key was one of them. */
static bool bar_chord(struct win *w, const SDL_Keysym *key)
{
    bool ctrl = key->mod & KMOD_CTRL, alt = key->mod & KMOD_ALT;
    if (alt && key->sym == SDLK_c)
        searchbar_cycle_case(&w->bar);
    else if (alt && key->sym == SDLK_r)
        searchbar_toggle_regex(&w->bar);
    else if (ctrl && (key->sym == SDLK_u || key->sym == SDLK_w || key->sym == SDLK_BACKSPACE)) {
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
static void bar_key(struct win *w, const SDL_Keysym *key)
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
static void bar_text(struct win *w, const char *utf8)
{
    if (SDL_GetModState() & (KMOD_CTRL | KMOD_ALT))
        return; /* Alt+C, Alt+R and Ctrl chords were keys */
    if (searchbar_insert(&w->bar, utf8))
        search_edited(w);
}

/* The search thread's wake-up (runner.h): called on that thread, so it only writes a byte. */
static void search_woke(void *user)
{
    struct win *w = user;
    if (write(w->wake_pipe[1], "", 1) < 0 && errno != EAGAIN)
        perror("boundterm: search wake-up");
}

/* Empties the wake-up pipe before the loop reads what the search published. */
static void search_drain(struct win *w)
{
    char buf[64];
    while (read(w->wake_pipe[0], buf, sizeof buf) > 0)
        ;
}

/* Takes the search's news between frames (it runs on its own thread, so nothing to wait for). */
static void search_tick(struct win *w)
{
    search_drain(w);
    if (!w->bar.open)
        return;
    bool more = searchbar_step(&w->bar, 0); /* only tells the thread about new rows */
    if (!more && w->search_ms < 0 && w->bar.search)
        w->search_ms = (int64_t)((session_now_ns() - w->search_t0) / 1000000);
    uint64_t gen = term_generation(w->s.term);
    if (w->bar_gen != gen) { /* the screen changed: match its rows again */
        searchbar_scan_screen(&w->bar, w->s.term, view_screen_abs(w->view));
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
    if (c1 <= c0 || !view_locate(w->view, abs, c0, &line, &cell))
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
        const struct sb_row *row = view_row(mk->w->view, k);
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
static bool search_marks(struct win *w, const struct view_line *lines)
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

/* Codepoints in p[0..n). */
static int codepoints(const char *p, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)p[i] & 0xc0) != 0x80;
    return k;
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
static void draw_bar(struct win *w, int pw)
{
    const struct font_metrics *m = font_metrics(w->font);
    int y = (w->rows - 1) * m->cell_h, cw = m->cell_w;
    char toggles[32], right[sizeof w->bar_status + 40], shown[SEARCHBAR_QUERY_MAX];
    searchbar_status(&w->bar, w->bar_status, sizeof w->bar_status);
    searchbar_toggles(&w->bar, toggles, sizeof toggles);
    snprintf(right, sizeof right, " %s  %s ", w->bar_status, toggles);
    int right_cells = codepoints(right, strlen(right)), prompt = 6;
    int avail = w->cols - prompt - right_cells - 1;
    avail = avail < 4 ? 4 : avail;
    int caret = codepoints(w->bar.query, w->bar.caret);
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
static void draw_message(struct win *w, int pw, uint64_t now)
{
    if (now >= w->msg_until)
        return;
    const struct font_metrics *m = font_metrics(w->font);
    int row = w->rows - 1 - (w->bar.open && w->rows > 1);
    render_rect(w->rd, 0, row * m->cell_h, pw, m->cell_h, 0xff303020u);
    render_text(w->rd, 0, row * m->cell_h, w->msg, 0xffd75f);
}

/* Queues the question the window waits on (a paste's confirmation) on the bottom row. */
static void draw_prompt(struct win *w, int pw)
{
    if (!w->prompt[0])
        return;
    const struct font_metrics *m = font_metrics(w->font);
    int y = (w->rows - 1) * m->cell_h;
    render_rect(w->rd, 0, y, pw, m->cell_h, 0xff402020u);
    render_text(w->rd, 0, y, w->prompt, 0xffd75f);
}

/* The file name a save goes to now: the save_path pattern through strftime(3). */
static bool save_name(struct win *w, char *out, size_t cap)
{
    const char *home = w->cfg->env ? w->cfg->env->home : NULL;
    char pattern[BT_PATH_BYTES + 64];
    if (w->cfg->save_path[0])
        snprintf(pattern, sizeof pattern, "%s", w->cfg->save_path);
    else
        snprintf(pattern, sizeof pattern, "%s/boundterm-%%Y%%m%%d-%%H%%M%%S.txt",
                 home && *home ? home : "/tmp");
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return false;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* the pattern is the user's, on purpose */
    size_t n = strftime(out, cap, pattern, &tm);
#pragma GCC diagnostic pop
    return n > 0;
}

/* Opens a temporary file next to path (mode 0600), for a rename when complete. */
static FILE *save_tmp(const char *path, char *tmp, size_t cap)
{
    const char *slash = strrchr(path, '/');
    int dir = slash ? (int)(slash - path + 1) : 0;
    if (snprintf(tmp, cap, "%.*s.%s.XXXXXX", dir, path, path + dir) >= (int)cap)
        return NULL;
    int fd = mkstemp(tmp); /* 0600 */
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !f) {
        close(fd);
        unlink(tmp);
    }
    if (f)
        setvbuf(f, NULL, _IOFBF, 1u << 20);
    return f;
}

/* Ctrl+Shift+S: starts saving the history; it is written in slices between frames. */
static void save_start(struct win *w)
{
    char err[sizeof w->msg + 64];
    if (w->exp) {
        message(w, "a save is already running");
        return;
    }
    if (!save_name(w, w->exp_path, sizeof w->exp_path)) {
        message(w, "save: the save_path pattern gives no file name");
        return;
    }
    w->exp_file = save_tmp(w->exp_path, w->exp_tmp, sizeof w->exp_tmp);
    if (!w->exp_file) {
        snprintf(err, sizeof err, "save: cannot create a file next to %s: %s", w->exp_path,
                 strerror(errno));
        message(w, err);
        return;
    }
    w->exp = export_create(w->s.store, w->s.term, w->exp_file, w->cfg->dump_ansi, err,
                           sizeof err);
    if (!w->exp) {
        fclose(w->exp_file);
        unlink(w->exp_tmp);
        message(w, err);
    }
}

/* Ends a save: the temporary file renamed into place, or removed; the outcome as a message. */
static void save_finish(struct win *w, enum export_state st)
{
    struct export_progress p;
    char text[sizeof w->msg];
    export_progress(w->exp, &p);
    bool ok = st == EXPORT_DONE && fclose(w->exp_file) == 0;
    if (st != EXPORT_DONE)
        fclose(w->exp_file);
    if (ok && rename(w->exp_tmp, w->exp_path) == 0) {
        int n = snprintf(text, sizeof text, "saved %" PRIu64 " rows to %s",
                         p.rows_written + p.screen_rows, w->exp_path);
        if (p.rows_skipped && n > 0 && (size_t)n < sizeof text)
            snprintf(text + n, sizeof text - (size_t)n, " (%" PRIu64 " older rows were dropped "
                     "while saving)", p.rows_skipped);
        w->saves++;
    } else {
        snprintf(text, sizeof text, "save to %s failed: %s", w->exp_path,
                 st == EXPORT_DONE ? strerror(errno) : export_error(w->exp));
        unlink(w->exp_tmp);
    }
    fprintf(stderr, "boundterm: %s\n", text);
    message(w, text);
    export_destroy(w->exp);
    w->exp = NULL;
    w->exp_file = NULL;
}

/* One slice of a save between frames; true while it has more to do. */
static bool save_tick(struct win *w)
{
    if (!w->exp)
        return false;
    enum export_state st = export_step(w->exp, 0, SLICE_NS);
    if (st == EXPORT_RUNNING)
        return true;
    save_finish(w, st);
    return false;
}

/* Session hook: the search's and saves' figures in each --stats line (tests read them). */
static int stats_members(void *user, char *buf, size_t cap)
{
    struct win *w = user;
    size_t place = 0, n = w->bar.open ? searchbar_count(&w->bar, &place) : 0;
    int pct = 100;
    bool running = w->bar.open && searchbar_progress(&w->bar, &pct);
    const char *state = !w->bar.open ? "closed" : w->bar.error[0] ? "error"
                        : running ? "running" : "done";
    return snprintf(buf, cap, ",\"search_state\":\"%s\",\"search_matches\":%zu,"
                    "\"search_current\":%zu,\"search_current_row\":%" PRId64
                    ",\"search_ms\":%" PRId64 ",\"view_following\":%s,\"saves\":%" PRIu64
                    ",\"bells\":%" PRIu64 ",\"flash_frames\":%" PRIu64 ",\"focused\":%s"
                    ",\"osc52_copies\":%" PRIu64 ",\"osc52_reads\":%" PRIu64
                    ",\"osc52_denied\":%" PRIu64 ",\"links_opened\":%" PRIu64
                    ",\"links_refused\":%" PRIu64,
                    state, n, place, w->bar.has_current ? (int64_t)w->bar.current.row : -1,
                    w->bar.open ? w->search_ms : -1,
                    view_following(w->view) ? "true" : "false", w->saves, w->bells, w->flash_frames,
                    w->focused ? "true" : "false", w->osc52_copies, w->osc52_reads,
                    w->osc52_denied, w->links_opened, w->links_refused);
}

/* ---- Drawing ------------------------------------------------------------ */

/* The cursor as drawn: its display row in the view, or off-grid when scrolled away. */
static struct render_cursor cursor_in_view(struct win *w, const struct view_line *lines)
{
    struct term_cursor tc;
    term_cursor(w->s.term, &tc);
    struct render_cursor c = {.row = -1, .col = tc.col, .shape = tc.shape,
                              .visible = tc.visible, .hollow = !w->focused};
    uint64_t abs = view_screen_abs(w->view) + (uint64_t)tc.row;
    for (int r = 0; r < w->rows; r++)
        if (lines[r].screen && lines[r].line == abs)
            c.row = r;
    if (tc.blink && w->focused && !w->blink_on)
        c.visible = false;
    w->blinking |= tc.blink && w->focused;
    return c;
}

/* Tells the input method where the cursor is, so its candidate window opens there. */
static void ime_follow(struct win *w, const struct render_cursor *c)
{
    const struct font_metrics *m = font_metrics(w->font);
    SDL_Rect r = {c->col * m->cell_w, c->row * m->cell_h, m->cell_w, m->cell_h};
    if (c->row >= 0 && (r.x != w->ime_rect.x || r.y != w->ime_rect.y)) {
        w->ime_rect = r;
        SDL_SetTextInputRect(&r);
    }
}

/* Fills the per-row selection spans; false when nothing is selected. */
static bool selection_spans(struct win *w, const struct view_line *lines)
{
    if (!w->sel.exists)
        return false;
    for (int r = 0; r < w->rows; r++)
        if (!select_span(&w->sel, &lines[r], w->cols, &w->sel_from[r], &w->sel_to[r]))
            w->sel_from[r] = w->sel_to[r] = 0;
    return true;
}

/* ---- Links ---------------------------------------------------------------- */

static bool mouse_to_program(struct win *w);

/* Finds the link under the pointer and the cells to underline for it; false when none. */
static bool link_spans(struct win *w, const struct view_line *lines)
{
    size_t n = (size_t)w->rows;
    int *from = realloc(w->link_from, n * sizeof *from);
    int *to = from ? realloc(w->link_to, n * sizeof *to) : NULL;
    uint16_t *num = to ? realloc(w->link_num, n * sizeof *num) : NULL;
    w->link_from = from ? from : w->link_from;
    w->link_to = to ? to : w->link_to;
    w->link_num = num ? num : w->link_num;
    bool pointer = w->ptr_row >= 0 && w->ptr_row < w->rows && !mouse_to_program(w);
    bool was = w->hover_on;
    w->hover_on = num && pointer &&
                  link_find(lines, w->rows, w->cols, w->ptr_row, w->ptr_col, &w->hover);
    if (w->hover_on != was && w->hand)
        SDL_SetCursor(w->hover_on ? w->hand : SDL_GetDefaultCursor());
    for (int r = 0; w->hover_on && r < w->rows; r++)
        link_row_span(&w->hover, lines, r, &w->link_from[r], &w->link_to[r], &w->link_num[r]);
    return w->hover_on;
}

/* Ctrl+click on a link: the launcher opens it, unless it may not be opened. */
static void open_link(struct win *w)
{
    char host[256] = "", text[SB_MAX_LINK_BYTES + 64];
    gethostname(host, sizeof host - 1);
    if (!link_openable(w->hover.uri, host)) {
        w->links_refused++;
        snprintf(text, sizeof text, "not opened (no scheme, or a file on another host): %s",
                 w->hover.uri);
    } else if (!w->cfg->url_launcher[0]) {
        w->links_refused++;
        snprintf(text, sizeof text, "not opened: url_launcher is none");
    } else if (link_open(w->cfg->url_launcher, w->hover.uri)) {
        w->links_opened++;
        snprintf(text, sizeof text, "opening %s", w->hover.uri);
    } else {
        snprintf(text, sizeof text, "%s could not start", w->cfg->url_launcher);
    }
    message(w, text);
}

/* Lays out, draws and presents one frame; logs its time when asked to. */
static void draw(struct win *w, uint64_t now)
{
    const struct sb_row *rows[w->rows];
    int *from = realloc(w->sel_from, sizeof(int) * (size_t)w->rows);
    int *to = from ? realloc(w->sel_to, sizeof(int) * (size_t)w->rows) : NULL;
    w->sel_from = from ? from : w->sel_from;
    w->sel_to = to ? to : w->sel_to;
    if (!from || !to || !view_layout(w->view, w->rows, w->cols))
        return;
    uint64_t laid = session_now_ns();
    const struct view_line *lines = view_lines(w->view);
    for (int r = 0; r < w->rows; r++)
        rows[r] = lines[r].row;
    w->blink_on = (now - w->blink_epoch) / BLINK_NS % 2 == 0;
    w->blinking = false;
    struct render_scene sc = {.rows = w->rows, .cols = w->cols, .lines = rows,
                              .blink_on = w->blink_on,
                              .indicator = !view_following(w->view)};
    sc.cursor = cursor_in_view(w, lines);
    ime_follow(w, &sc.cursor);
    if (selection_spans(w, lines)) {
        sc.sel_from = w->sel_from;
        sc.sel_to = w->sel_to;
    }
    if (link_spans(w, lines)) {
        sc.link_from = w->link_from;
        sc.link_to = w->link_to;
        sc.link_num = w->link_num;
    }
    uint64_t marks0 = session_now_ns();
    bool marked = search_marks(w, lines);
    uint64_t search_ns = session_now_ns() - marks0;
    if (marked) {
        sc.marks = w->marks;
        sc.nmarks = w->nmarks;
    }
    view_position(w->view, &sc.above, &sc.total);
    int pw, ph;
    SDL_GetRendererOutputSize(w->ren, &pw, &ph);
    render_set_colors(w->rd, term_colors(w->s.term)); /* the program may have changed them */
    render_begin(w->rd);
    w->blinking |= render_grid(w->rd, &sc);
    overlay_draw(&w->ov, w->rd, font_metrics(w->font), w->cols * font_metrics(w->font)->cell_w,
                 ph);
    if (w->bar.open) {
        uint64_t bar0 = session_now_ns();
        draw_bar(w, pw);
        search_ns += session_now_ns() - bar0;
    }
    draw_message(w, pw, now);
    draw_prompt(w, pw);
    if (now < w->flash_until) {
        render_rect(w->rd, 0, 0, pw, ph, 0x40ffffffu);
        w->flash_frames++;
    }
    render_end(w->rd);
    uint64_t drawn = session_now_ns();
    SDL_RenderPresent(w->ren);
    w->gen = term_generation(w->s.term);
    w->dirty = false;
    if (w->frame_log)
        fprintf(w->frame_log, "%llu %llu %llu %llu %llu\n",
                (unsigned long long)(session_now_ns() - now) / 1000,
                (unsigned long long)(laid - now) / 1000, (unsigned long long)(drawn - laid) / 1000,
                (unsigned long long)now / 1000, (unsigned long long)search_ns / 1000);
}

/*
 * True while the program's synchronized update (DECSET 2026) holds frames back, so that a
 * screen half-redrawn is never shown; at most SYNC_MAX_NS, as a program may never end it.
 */
static bool sync_holds(struct win *w, uint64_t now)
{
    if (!term_synchronized(w->s.term)) {
        w->sync_since = 0;
        return false;
    }
    if (!w->sync_since)
        w->sync_since = now;
    return now - w->sync_since < SYNC_MAX_NS;
}

/* Draws when something changed and the frame interval has passed. */
static void maybe_draw(struct win *w, bool busy)
{
    uint64_t now = session_now_ns();
    if (term_generation(w->s.term) != w->gen)
        w->dirty = true;
    if (w->blinking && (now - w->blink_epoch) / BLINK_NS % 2 != (w->blink_on ? 0u : 1u))
        w->dirty = true;
    if (w->flash_until && now >= w->flash_until) {
        w->flash_until = 0; /* one more frame takes the flash away */
        w->dirty = true;
    }
    if (w->msg_until && now >= w->msg_until) {
        w->msg_until = 0; /* and the message line */
        w->dirty = true;
    }
    if (w->title_dirty)
        update_title(w);
    if (!w->dirty || now < w->next_frame || sync_holds(w, now))
        return;
    draw(w, now);
    w->next_frame = now + (busy ? FLOOD_FRAME_NS : w->frame_ns);
}

/* ---- Input -------------------------------------------------------------- */

_Static_assert((int)TERM_PASTE_RAW == (int)BT_PASTE_RAW, "paste filters match");

/* Sends text to the program as a paste (filtered; bracketed when the program asked). */
static void paste_send(struct win *w, const char *text)
{
    view_follow(w->view);
    if (!session_paste(&w->s, text, strlen(text), (enum term_paste_filter)w->cfg->paste_filter))
        message(w, "paste: too large for the program to take now (64 MiB at most)");
}

/* Lines a paste holds: its line ends, plus one for text after the last. */
static int paste_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n' || (*p == '\r' && p[1] != '\n');
    return n + (text[0] && text[strlen(text) - 1] != '\n' && text[strlen(text) - 1] != '\r');
}

/*
 * Without bracketed paste each line of a paste runs as it arrives; paste_confirm_multiline
 * asks first, on the bottom row, until Enter (paste) or any other key (cancel).
 */
static void paste(struct win *w, bool primary)
{
    char *text = primary ? SDL_GetPrimarySelectionText() : SDL_GetClipboardText();
    if (text && *text && w->bar.open) { /* into the query, newlines as spaces */
        if (searchbar_insert(&w->bar, text))
            search_edited(w);
    } else if (text && *text && w->cfg->paste_confirm_multiline &&
               !term_bracketed_paste(w->s.term) && strpbrk(text, "\r\n")) {
        free(w->paste_held);
        w->paste_held = strdup(text);
        if (w->paste_held)
            snprintf(w->prompt, sizeof w->prompt, "Paste %d lines? They run as "
                     "they arrive. Enter pastes, any other key cancels.", paste_lines(text));
        w->dirty = true;
    } else if (text && *text) {
        paste_send(w, text);
    }
    SDL_free(text);
}

/* A key while a paste waits for its confirmation: Enter sends it, anything else drops it. */
static void paste_answer(struct win *w, const SDL_Keysym *key)
{
    if (key->sym == SDLK_RETURN || key->sym == SDLK_KP_ENTER)
        paste_send(w, w->paste_held);
    else
        message(w, "paste cancelled");
    free(w->paste_held);
    w->paste_held = NULL;
    w->prompt[0] = '\0';
    w->dirty = true;
}


/* Copies the selection to the clipboard (or the primary selection). */
static void copy(struct win *w, bool primary)
{
    char *text = select_text(&w->sel, w->view);
    if (text && *text) {
        if (primary)
            SDL_SetPrimarySelectionText(text);
        else
            SDL_SetClipboardText(text);
    }
    free(text);
}

/* Changes the font size and refits the grid. */
static void zoom(struct win *w, int px)
{
    px = px < FONT_PX_MIN ? FONT_PX_MIN : px > FONT_PX_MAX ? FONT_PX_MAX : px;
    if (px == font_size(w->font) || !font_set_size(w->font, px))
        return;
    if (!render_font_changed(w->rd))
        fprintf(stderr, "boundterm: zoom: the glyph atlas could not be rebuilt\n");
    fit_grid(w);
}

/* Carries out a shortcut. */
static void action(struct win *w, enum bt_action a)
{
    switch (a) {
    case BT_ACTION_COPY: copy(w, false); break;
    case BT_ACTION_PASTE: paste(w, false); break;
    case BT_ACTION_OVERLAY: w->ov.shown = !w->ov.shown; break;
    case BT_ACTION_CLEAR_SCROLLBACK:
        session_clear(&w->s);
        break;
    case BT_ACTION_ZOOM_IN: zoom(w, font_size(w->font) + 1 + font_size(w->font) / 8); break;
    case BT_ACTION_ZOOM_OUT: zoom(w, font_size(w->font) - 1 - font_size(w->font) / 9); break;
    case BT_ACTION_ZOOM_RESET: zoom(w, w->font_px); break;
    case BT_ACTION_SCROLL_PAGE_UP: view_scroll(w->view, w->rows - 1); break;
    case BT_ACTION_SCROLL_PAGE_DOWN: view_scroll(w->view, -(w->rows - 1)); break;
    case BT_ACTION_SCROLL_TOP: view_top(w->view); break;
    case BT_ACTION_SCROLL_BOTTOM: view_follow(w->view); break;
    case BT_ACTION_SEARCH: search_open(w); break;
    case BT_ACTION_SAVE_HISTORY: save_start(w); break;
    case BT_ACTION_NONE: case BT_ACTION_COUNT: break;
    }
    w->dirty = true;
}

/* Input reached the program: the view follows the screen again and the cursor shows. */
static void typed(struct win *w)
{
    view_follow(w->view);
    w->blink_epoch = session_now_ns();
    w->dirty = true;
}

/* A key press or release: shortcut, search bar, confirmation, or on to the program. */
static void on_key(struct win *w, const SDL_KeyboardEvent *e)
{
    const SDL_Keysym *key = &e->keysym;
    bool press = e->type == SDL_KEYDOWN;
    if (w->exec_failed) { /* the program never ran: a key closes the window */
        w->quit |= press && !events_is_modifier(key);
        return;
    }
    if (press)
        w->swallow_text = false; /* a text event follows its own key press, if any */
    if (press && (w->paste_held || w->clip_asked)) {
        if (events_is_modifier(key))
            return;
        if (w->paste_held)
            paste_answer(w, key);
        else
            clipboard_key(w, key);
        w->swallow_text = true;
        return;
    }
    enum bt_action a = press ? events_shortcut(&w->keys, key) : BT_ACTION_NONE;
    if (a != BT_ACTION_NONE) {
        action(w, a);
        return;
    }
    if (w->bar.open || w->paste_held) {
        if (press && w->bar.open)
            bar_key(w, key);
        return;
    }
    if (events_key(&w->ek, w->s.term, e) && press)
        typed(w);
}

/* The grid cell under a pixel, clamped to the grid. */
static void cell_at(struct win *w, int x, int y, int *row, int *col)
{
    const struct font_metrics *m = font_metrics(w->font);
    *row = y / m->cell_h;
    *col = x / m->cell_w;
    *row = *row < 0 ? 0 : *row >= w->rows ? w->rows - 1 : *row;
    *col = *col < 0 ? 0 : *col >= w->cols ? w->cols - 1 : *col;
}

/* True when mouse events go to the program: it asked, the view follows, Shift is up. */
static bool mouse_to_program(struct win *w)
{
    return term_mouse_mode(w->s.term) != TERM_MOUSE_NONE && view_following(w->view) &&
           !(SDL_GetModState() & KMOD_SHIFT);
}

/* The engine's button number for an SDL button (1 left, 2 middle, 3 right). */
static int button_of(Uint8 b)
{
    return b == SDL_BUTTON_LEFT ? 1 : b == SDL_BUTTON_MIDDLE ? 2 : b == SDL_BUTTON_RIGHT ? 3 : 0;
}

/* Width of the position indicator at the right edge of the grid (render.c draws it). */
#define INDICATOR_PX 6

/*
 * The left button on the position indicator (shown while scrolled back) jumps there and
 * drags it; true when the event was the indicator's.
 */
static bool on_indicator(struct win *w, int x, int y, bool down)
{
    const struct font_metrics *m = font_metrics(w->font);
    int right = w->cols * m->cell_w, h = w->rows * m->cell_h;
    if (!down || w->thumb_drag) {
        bool was = w->thumb_drag;
        w->thumb_drag = down && w->thumb_drag;
        return was;
    }
    if (view_following(w->view) || x < right - INDICATOR_PX || x >= right || h <= 0)
        return false;
    w->thumb_drag = true;
    view_jump(w->view, (double)y / h);
    w->dirty = true;
    return true;
}

/* A button press or release on the grid. */
static void on_button(struct win *w, const SDL_MouseButtonEvent *b, bool down)
{
    int row, col;
    cell_at(w, b->x, b->y, &row, &col);
    unsigned mods = events_mods(SDL_GetModState());
    if (mouse_to_program(w)) {
        term_mouse_move(w->s.term, row, col, mods);
        if (button_of(b->button))
            term_mouse_button(w->s.term, button_of(b->button), down, mods);
        return;
    }
    if (b->button == SDL_BUTTON_LEFT && on_indicator(w, b->x, b->y, down))
        return;
    if (!view_layout(w->view, w->rows, w->cols))
        return;
    w->ptr_row = row;
    w->ptr_col = col;
    if (b->button == SDL_BUTTON_LEFT && (SDL_GetModState() & KMOD_CTRL) &&
        link_spans(w, view_lines(w->view))) {
        if (down)
            open_link(w);
        return; /* a link's click selects nothing */
    }
    struct select_point p = select_point_at(&view_lines(w->view)[row], col);
    if (b->button == SDL_BUTTON_MIDDLE && down) {
        paste(w, true);
    } else if (b->button == SDL_BUTTON_LEFT && down) {
        if ((SDL_GetModState() & KMOD_SHIFT) && w->sel.exists && b->clicks == 1) {
            select_extend(&w->sel, w->view, p);
            w->sel.dragging = true;
        } else {
            enum select_mode mode = b->clicks >= 3 ? SELECT_LINE : b->clicks == 2 ? SELECT_WORD
                                                                                   : SELECT_CHAR;
            select_start(&w->sel, w->view, p, mode);
            w->sel.exists = mode != SELECT_CHAR; /* a plain click selects nothing yet */
        }
    } else if (b->button == SDL_BUTTON_LEFT && w->sel.dragging) {
        w->sel.dragging = false;
        copy(w, true);
    }
    w->dirty = true;
}

/* Pointer motion: report it, or drag the selection. */
static void on_motion(struct win *w, const SDL_MouseMotionEvent *m)
{
    int row, col;
    cell_at(w, m->x, m->y, &row, &col);
    if (row != w->ptr_row || col != w->ptr_col)
        w->dirty |= w->hover_on || !mouse_to_program(w); /* the link under it may change */
    w->ptr_row = row;
    w->ptr_col = col;
    if (mouse_to_program(w)) {
        term_mouse_move(w->s.term, row, col, events_mods(SDL_GetModState()));
        return;
    }
    if (w->thumb_drag && (m->state & SDL_BUTTON_LMASK)) {
        view_jump(w->view, (double)m->y / (w->rows * font_metrics(w->font)->cell_h));
        w->dirty = true;
        return;
    }
    if (!w->sel.dragging || !(m->state & SDL_BUTTON_LMASK))
        return;
    if (m->y < 0)
        view_scroll(w->view, 1);
    else if (m->y >= w->rows * font_metrics(w->font)->cell_h)
        view_scroll(w->view, -1);
    if (!view_layout(w->view, w->rows, w->cols))
        return;
    w->sel.exists = true;
    select_extend(&w->sel, w->view, select_point_at(&view_lines(w->view)[row], col));
    w->dirty = true;
}

/* The wheel: to the program, as arrow keys on the alternate screen, or scrolling the view. */
static void on_wheel(struct win *w, const SDL_MouseWheelEvent *e)
{
    int n = e->y;
    if (n == 0)
        return;
    if (mouse_to_program(w)) {
        for (int i = 0; i < abs(n); i++) {
            term_mouse_button(w->s.term, n > 0 ? 4 : 5, true, 0);
            term_mouse_button(w->s.term, n > 0 ? 4 : 5, false, 0);
        }
    } else if (term_altscreen(w->s.term) && view_following(w->view)) {
        for (int i = 0; i < abs(n) * WHEEL_ROWS; i++)
            term_key(w->s.term, n > 0 ? TERM_KEY_UP : TERM_KEY_DOWN, 0, TERM_KEY_PRESS);
    } else {
        view_scroll(w->view, n * WHEEL_ROWS);
        w->dirty = true;
    }
}

/* Window events: resize, focus, close. */
static void on_window(struct win *w, const SDL_WindowEvent *e)
{
    switch (e->event) {
    case SDL_WINDOWEVENT_SIZE_CHANGED:
        fit_grid(w);
        break;
    case SDL_WINDOWEVENT_FOCUS_GAINED:
    case SDL_WINDOWEVENT_FOCUS_LOST:
        w->focused = e->event == SDL_WINDOWEVENT_FOCUS_GAINED;
        term_focus(w->s.term, w->focused);
        w->dirty = true;
        break;
    case SDL_WINDOWEVENT_CLOSE:
        w->quit = true;
        break;
    case SDL_WINDOWEVENT_LEAVE:
        w->ptr_row = w->ptr_col = -1;
        w->dirty = true;
        break;
    default:
        w->dirty = true; /* exposed, shown, restored: draw again */
        break;
    }
}

/* One SDL event. */
static void on_event(struct win *w, const SDL_Event *e)
{
    if (e->type != SDL_TEXTINPUT && e->type != SDL_KEYDOWN && e->type != SDL_KEYUP &&
        events_flush(&w->ek, w->s.term))
        typed(w); /* a key with no text of its own (Ctrl+A) goes out before anything else */
    switch (e->type) {
    case SDL_QUIT: w->quit = true; break;
    case SDL_KEYDOWN:
    case SDL_KEYUP: on_key(w, &e->key); break;
    case SDL_TEXTINPUT:
        if (w->swallow_text || w->paste_held || w->clip_asked) {
            w->swallow_text = false; /* the key press answered a question */
            break;
        }
        if (w->bar.open) {
            bar_text(w, e->text.text);
            break;
        }
        if (events_text(&w->ek, w->s.term, e->text.text))
            typed(w);
        break;
    case SDL_MOUSEBUTTONDOWN: on_button(w, &e->button, true); break;
    case SDL_MOUSEBUTTONUP: on_button(w, &e->button, false); break;
    case SDL_MOUSEMOTION: on_motion(w, &e->motion); break;
    case SDL_MOUSEWHEEL: on_wheel(w, &e->wheel); break;
    case SDL_WINDOWEVENT: on_window(w, &e->window); break;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET: /* GPU renderers lose textures: glyphs are drawn again */
        if (!render_font_changed(w->rd))
            fprintf(stderr, "boundterm: the glyph atlas could not be rebuilt\n");
        w->dirty = true;
        break;
    default:
        if (e->type == w->wk.event)
            w->wk.armed = false;
        break;
    }
}

/* ---- The loop ----------------------------------------------------------- */

/* Reads the pty for one slice; true when the slice ran out before the data did. */
static bool ingest(struct win *w)
{
    uint64_t start = session_now_ns();
    size_t total = 0;
    while (!w->eof) {
        long n = session_pump(&w->s, INGEST_BYTES - total);
        if (n < 0) {
            w->eof = true;
            SDL_AtomicSet(&w->wk.pty_fd, -1);
        }
        if (n <= 0)
            return false;
        total += (size_t)n;
        if (total >= INGEST_BYTES || session_now_ns() - start >= INGEST_NS)
            return true;
    }
    return false;
}

/* Milliseconds to sleep: until the next frame when one is due, the next tick, the drain. */
static int sleep_ms(struct win *w, uint64_t now)
{
    uint64_t until = w->next_stats;
    bool held = term_synchronized(w->s.term) && w->sync_since &&
                now - w->sync_since < SYNC_MAX_NS;
    if (held && w->sync_since + SYNC_MAX_NS < until)
        until = w->sync_since + SYNC_MAX_NS; /* the frame the update holds back */
    else if (w->dirty && !held && w->next_frame < until)
        until = w->next_frame;
    if (w->blinking) {
        uint64_t flip = w->blink_epoch + ((now - w->blink_epoch) / BLINK_NS + 1) * BLINK_NS;
        until = flip < until ? flip : until;
    }
    if (w->flash_until && w->flash_until < until)
        until = w->flash_until;
    if (w->msg_until && w->msg_until < until)
        until = w->msg_until;
    if (w->reaped_at && w->reaped_at + SESSION_DRAIN_NS < until)
        until = w->reaped_at + SESSION_DRAIN_NS;
    if (pty_pending(w->s.pty))
        until = now + 5000000ull < until ? now + 5000000ull : until; /* flush soon */
    return until <= now ? 0 : (int)((until - now + 999999) / 1000000);
}

/* True when the session is over: a signal, the window closed, the child gone and drained. */
static bool finished(struct win *w, uint64_t now)
{
    if (pty_exit_status(w->s.pty) >= 0 && !w->reaped_at)
        w->reaped_at = now;
    bool gone = w->reaped_at && (w->eof || now >= w->reaped_at + SESSION_DRAIN_NS);
    return w->s.signal || w->quit || (gone && !w->exec_failed); /* the message stays */
}

/* Sleeps until the pty, a signal, the display or the next deadline wants attention. */
static void wait_events(struct win *w)
{
    int ms = sleep_ms(w, session_now_ns());
    ms = ms > IDLE_MAX_MS ? IDLE_MAX_MS : ms;
    if (w->xfd >= 0) {
        short out = pty_pending(w->s.pty) ? POLLOUT : 0;
        struct pollfd fds[4] = {{.fd = w->eof ? -1 : pty_fd(w->s.pty), .events = POLLIN | out},
                                {.fd = w->s.sigfd, .events = POLLIN},
                                {.fd = w->xfd, .events = POLLIN},
                                {.fd = w->wake_pipe[0], .events = POLLIN}};
        if (poll(fds, 4, ms) < 0 && errno != EINTR)
            fprintf(stderr, "boundterm: poll: %s\n", strerror(errno));
        return;
    }
    SDL_Event e;
    waker_arm(&w->wk);
    if (SDL_WaitEventTimeout(&e, ms))
        on_event(w, &e);
}

/* The event loop: read a slice, draw if due, take every SDL event, sleep if idle. */
static void run(struct win *w)
{
    for (;;) {
        uint64_t now = session_now_ns();
        session_signals(&w->s);
        tick(w, now);
        if (finished(w, now))
            break;
        if (pty_pending(w->s.pty))
            pty_flush(w->s.pty);
        bool busy = ingest(w);
        if (w->s.clears != w->clears) {
            w->clears = w->s.clears;
            view_invalidate(w->view);
            select_clear(&w->sel);
            if (w->bar.open) /* the old positions mean other rows now */
                search_edited(w);
            if (w->exp)
                export_cut(w->exp, 0);
            w->dirty = true;
        }
        /* A save takes a bounded slice, so a frame is never late by more; the search is
         * on its own thread. */
        search_tick(w);
        bool working = save_tick(w);
        /* Drawing may read X events ahead (XSync): take them all after it, then sleep. */
        maybe_draw(w, busy);
        SDL_Event e;
        while (SDL_PollEvent(&e))
            on_event(w, &e);
        if (events_flush(&w->ek, w->s.term))
            typed(w);
        if (!busy && !working && !w->quit)
            wait_events(w);
    }
}

/* The X connection's fd, for poll(); -1 when the window is not on X11. */
static int x11_fd(SDL_Window *win)
{
#if defined(SDL_VIDEO_DRIVER_X11)
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (SDL_GetWindowWMInfo(win, &info) && info.subsystem == SDL_SYSWM_X11)
        return ConnectionNumber(info.info.x11.display);
#endif
    return -1;
}

/* The refresh interval of the window's display, 60 Hz when unknown. */
static uint64_t refresh_ns(SDL_Window *win)
{
    SDL_DisplayMode mode;
    int hz = 60;
    if (SDL_GetCurrentDisplayMode(SDL_GetWindowDisplayIndex(win), &mode) == 0 &&
        mode.refresh_rate >= 30)
        hz = mode.refresh_rate;
    return 1000000000ull / (uint64_t)hz;
}

/* False (logged) when SDL fell back to a driver nobody sees, unless it was asked for. */
static bool real_display(const struct bt_config_env *env)
{
    const char *drv = SDL_GetCurrentVideoDriver(), *asked = getenv("SDL_VIDEODRIVER"); /* SDL's */
    if (!drv || ((!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) &&
                 !(asked && !strcmp(asked, drv)))) {
        const char *d = env ? env->display : NULL, *wd = env ? env->wayland_display : NULL;
        fprintf(stderr, "boundterm: window: cannot open the display %s%s%s (run with "
                        "--headless to go without a window)\n", d && *d ? d : "",
                d && *d && wd && *wd ? " or " : "", wd && *wd ? wd : "");
        return false;
    }
    return true;
}

/*
 * Xlib turns a UTF-8 title into _NET_WM_NAME, and the input method composes non-ASCII text,
 * only under a UTF-8 LC_CTYPE: the user's when it is one, else C.UTF-8. Nothing else in
 * boundterm reads the locale (config parsing's ctype calls see only ASCII meaningfully).
 */
static void use_utf8_ctype(void)
{
    if (setlocale(LC_CTYPE, "") && strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
        return;
    setlocale(LC_CTYPE, "C.UTF-8");
}

/*
 * SDL_Init(SDL_INIT_VIDEO), with the window's class (X11 WM_CLASS, Wayland app_id) "boundterm"
 * whatever the executable is called, unless the user's environment names one; the variables are
 * SDL's only way in, and are taken away again so that the program in the terminal never sees them.
 */
static bool init_video_named(void)
{
    static const char *const vars[] = {"SDL_VIDEO_X11_WMCLASS", "SDL_VIDEO_WAYLAND_WMCLASS"};
    bool set[2] = {false, false};
    for (int i = 0; i < 2; i++)
        set[i] = !getenv(vars[i]) && setenv(vars[i], "boundterm", 0) == 0;
    bool ok = SDL_Init(SDL_INIT_VIDEO) == 0;
    for (int i = 0; i < 2; i++)
        if (set[i])
            unsetenv(vars[i]);
    return ok;
}

const char *window_library_versions(void)
{
    static char buf[96];
    SDL_version v;
    SDL_GetVersion(&v);
    snprintf(buf, sizeof buf, "SDL2 %u.%u.%u, FreeType %s", v.major, v.minor, v.patch,
             font_freetype_version());
    return buf;
}

bool window_cell_pixels(const struct bt_config *cfg, int *width, int *height)
{
    return font_cell_size(cfg->font, cfg->env ? cfg->env->font_dir : NULL, cfg->font_size,
                          width, height);
}

/* Opens the window and renderer sized for the configured grid. */
static bool open_window(struct win *w, const struct bt_config *cfg)
{
    use_utf8_ctype();
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1"); /* signals are the session's */
    /*
     * A text grid needs no GPU: the software renderer presents through XShm and keeps
     * Mesa (and its LLVM, some 60 MiB of RES) out of the process. SDL_RENDER_DRIVER and
     * SDL_FRAMEBUFFER_ACCELERATION in the environment still choose otherwise.
     */
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
    SDL_SetHint(SDL_HINT_IME_SHOW_UI, "1"); /* the input method draws its own preedit text */
    if (!init_video_named())
        goto fail;
    if (!real_display(cfg->env))
        return false;
    w->font_px = cfg->font_size;
    w->font = font_create(cfg->font, cfg->env ? cfg->env->font_dir : NULL, w->font_px);
    if (!w->font)
        return false;
    events_bind(&w->keys, cfg->keys);
    const struct font_metrics *m = font_metrics(w->font);
    w->window = SDL_CreateWindow("boundterm", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                                 cfg->cols * m->cell_w, cfg->rows * m->cell_h,
                                 SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!w->window)
        goto fail;
    w->ren = SDL_CreateRenderer(w->window, -1, 0);
    if (!w->ren)
        goto fail;
    w->rd = render_create(w->ren, w->font, cfg->env && cfg->env->render_geometry);
    w->hand = SDL_CreateSystemCursor(SDL_SYSTEM_CURSOR_HAND); /* NULL: the arrow stays */
    w->frame_ns = refresh_ns(w->window);
    return w->rd != NULL;
fail:
    fprintf(stderr, "boundterm: window: %s\n", SDL_GetError());
    return false;
}

/* Waits up to a second for the hung-up child, for its exit status. */
static int hangup_status(struct win *w)
{
    pty_hangup(w->s.pty);
    for (int i = 0; i < 100 && !pty_reap(w->s.pty); i++)
        SDL_Delay(10);
    int st = pty_exit_status(w->s.pty);
    return st >= 0 ? st : 128 + SIGHUP;
}

/* Frees everything the window made; the session is closed by the caller. */
static void close_window(struct win *w)
{
    searchbar_fini(&w->bar);
    free(w->marks);
    free(w->paste_held);
    if (w->exp) { /* a save cut short by the end leaves no half file behind */
        export_destroy(w->exp);
        fclose(w->exp_file);
        unlink(w->exp_tmp);
    }
    view_destroy(w->view);
    render_destroy(w->rd);
    font_destroy(w->font);
    if (w->ren)
        SDL_DestroyRenderer(w->ren);
    if (w->window)
        SDL_DestroyWindow(w->window);
    free(w->sel_from);
    free(w->link_from);
    free(w->link_to);
    free(w->link_num);
    if (w->hand)
        SDL_FreeCursor(w->hand);
    free(w->sel_to);
    if (w->frame_log)
        fclose(w->frame_log);
    SDL_Quit();
}

/* The configured cursor, as if the program had asked for it (DECSCUSR); programs may change it. */
static void cursor_default(struct term *t, const struct bt_config *cfg)
{
    static const int base[] = {[BT_CURSOR_BLOCK] = 1, [BT_CURSOR_UNDERLINE] = 3,
                               [BT_CURSOR_BAR] = 5};
    char seq[16];
    int n = snprintf(seq, sizeof seq, "\x1b[%d q", base[cfg->cursor_shape] + !cfg->cursor_blink);
    term_feed(t, seq, (size_t)n);
}

/* Blocks the signals the session takes from its signalfd; *orig receives the mask before. */
static bool block_signals(sigset_t *orig)
{
    sigset_t set;
    session_signal_set(&set);
    if (pthread_sigmask(SIG_BLOCK, &set, orig) != 0) {
        fprintf(stderr, "boundterm: window: cannot block signals\n");
        return false;
    }
    return true;
}

/*
 * Opens window, session and the rest in that order: a missing display fails before the
 * child starts, and the session's signals are blocked before SDL can start a thread, so
 * every thread inherits the mask (the session restores the mask from before that when it
 * finishes). *opened says whether session_open() ran, for session_close().
 */
static bool start(struct win *w, const struct bt_config *cfg, bool *opened)
{
    static const struct session_hooks hooks_proto = {
        .title = on_title, .bell = on_bell, .stats = stats_members,
        .clipboard_set = on_clipboard_set, .clipboard_get = on_clipboard_get};
    struct session_hooks hooks = hooks_proto;
    sigset_t orig;
    hooks.user = w;
    w->cfg = cfg;
    w->title_dirty = true; /* "boundterm" until the program sets its own */
    if (!block_signals(&orig))
        return false;
    if (!open_window(w, cfg)) {
        pthread_sigmask(SIG_SETMASK, &orig, NULL);
        return false;
    }
    *opened = true;
    if (!session_open(&w->s, cfg, &hooks))
        return false;
    w->s.old_mask = orig;
    cursor_default(w->s.term, cfg);
    w->xfd = x11_fd(w->window);
    if (pipe2(w->wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        w->wake_pipe[0] = w->wake_pipe[1] = -1;
        perror("boundterm: window: pipe");
        return false;
    }
    searchbar_use_thread(&w->bar, search_woke, w);
    if (!(w->view = view_create(w->s.store, w->s.term)) ||
        (w->xfd < 0 && !waker_start(&w->wk, pty_fd(w->s.pty), w->s.sigfd, w->wake_pipe[0])))
        return false;
    const char *log = cfg->env ? cfg->env->frame_log : NULL;
    w->frame_log = log && *log ? fopen(log, "a") : NULL;
    if (w->frame_log)
        setvbuf(w->frame_log, NULL, _IOLBF, 0);
    w->focused = true;
    w->blink_epoch = session_now_ns();
    if (pty_exec_error(w->s.pty)) {
        w->exec_failed = true;
        snprintf(w->prompt, sizeof w->prompt, "The program could not be run. Press a key to "
                 "close the window.");
    }
    fit_grid(w);
    return true;
}

int window_run(const struct bt_config *cfg)
{
    int status = SESSION_EXIT_FAILED;
    bool opened = false;
    struct win *w = calloc(1, sizeof *w);
    if (!w) {
        fprintf(stderr, "boundterm: window: out of memory\n");
        return status;
    }
    w->wk.stop[0] = w->wk.stop[1] = -1;
    w->wake_pipe[0] = w->wake_pipe[1] = -1;
    w->ptr_row = w->ptr_col = -1;
    if (start(w, cfg, &opened)) {
        run(w);
        waker_stop(&w->wk);
        bool closed = w->quit && !w->s.signal && pty_exit_status(w->s.pty) < 0;
        int hung = closed ? hangup_status(w) : -1;
        status = session_finish(&w->s);
        if (closed)
            status = hung;
    }
    waker_stop(&w->wk);
    close_window(w); /* joins the search thread before the store goes */
    for (int i = 0; i < 2; i++)
        if (w->wake_pipe[i] >= 0)
            close(w->wake_pipe[i]);
    if (opened)
        session_close(&w->s);
    free(w);
    return status;
}
