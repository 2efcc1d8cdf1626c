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
 * Environment: BOUNDTERM_FRAME_LOG=FILE appends one line per frame, "total layout
 * draw" in microseconds (tests/gui/bench_window.sh reads it); SDL_RENDER_DRIVER picks
 * another SDL renderer than the software one (render.c then uses SDL_RenderGeometry).
 */
#include "window.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_syswm.h>

#include "events.h"
#include "font.h"
#include "memstat.h"
#include "overlay.h"
#include "pty.h"
#include "render.h"
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
#define IDLE_MAX_MS 250 /* input methods talk to SDL on sockets the loop does not poll */

struct waker {
    SDL_Thread *thread;
    SDL_sem *arm;
    int stop[2]; /* a pipe: written to stop the thread */
    SDL_atomic_t pty_fd; /* -1 once the pty reached its end */
    SDL_atomic_t sig_fd;
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
    int xfd; /* the X connection, or -1: use the waker */
    struct events_bindings keys;
    int rows, cols, font_px;
    bool focused, dirty, quit, eof;
    uint64_t gen, clears, frame_ns, next_frame, next_stats, blink_epoch, reaped_at;
    uint64_t flash_until; /* the visual bell is shown until then */
    SDL_Rect ime_rect;    /* last cursor cell given to the input method */
    bool blinking; /* the last frame held blinking text or cursor */
    bool blink_on;
    char title[256];
    bool title_dirty;
    int *sel_from, *sel_to;
    bool thumb_drag; /* the position indicator is being dragged */
    FILE *frame_log; /* BOUNDTERM_FRAME_LOG: one line per frame, microseconds */
};

/* ---- The waker --------------------------------------------------------- */

/* The waker thread: waits to be armed, polls, pushes one event, repeats. */
static int waker_main(void *arg)
{
    struct waker *wk = arg;
    for (;;) {
        SDL_SemWait(wk->arm);
        struct pollfd fds[3] = {{.fd = SDL_AtomicGet(&wk->pty_fd), .events = POLLIN},
                                {.fd = SDL_AtomicGet(&wk->sig_fd), .events = POLLIN},
                                {.fd = wk->stop[0], .events = POLLIN}};
        while (poll(fds, 3, -1) < 0 && errno == EINTR)
            ;
        if (fds[2].revents)
            return 0;
        SDL_Event ev = {.type = wk->event};
        SDL_PushEvent(&ev);
    }
}

/* Starts the waker; false (logged) on failure. */
static bool waker_start(struct waker *wk, int pty_fd, int sig_fd)
{
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
    term_set_cell_pixels(w->s.term, m->cell_w, m->cell_h);
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

/* Engine hook: the bell (BEL), shown as a short flash of the window. */
static void on_bell(void *user)
{
    struct win *w = user;
    w->flash_until = session_now_ns() + BELL_NS;
    w->dirty = true;
}

/* Sets the window title: the program's title and our RES. */
static void update_title(struct win *w)
{
    char res[32], t[320];
    snprintf(t, sizeof t, "%s - boundterm - RES %s", w->title,
             overlay_bytes(w->ov.res_now, res, sizeof res));
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
    view_position(w->view, &sc.above, &sc.total);
    int pw, ph;
    SDL_GetRendererOutputSize(w->ren, &pw, &ph);
    render_begin(w->rd);
    w->blinking |= render_grid(w->rd, &sc);
    overlay_draw(&w->ov, w->rd, font_metrics(w->font), w->cols * font_metrics(w->font)->cell_w,
                 ph);
    if (now < w->flash_until)
        render_rect(w->rd, 0, 0, pw, ph, 0x40ffffffu);
    render_end(w->rd);
    uint64_t drawn = session_now_ns();
    SDL_RenderPresent(w->ren);
    term_clear_damage(w->s.term);
    w->gen = term_generation(w->s.term);
    w->dirty = false;
    if (w->frame_log)
        fprintf(w->frame_log, "%llu %llu %llu\n",
                (unsigned long long)(session_now_ns() - now) / 1000,
                (unsigned long long)(laid - now) / 1000, (unsigned long long)(drawn - laid) / 1000);
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
    if (w->title_dirty)
        update_title(w);
    if (!w->dirty || now < w->next_frame)
        return;
    draw(w, now);
    w->next_frame = now + (busy ? FLOOD_FRAME_NS : w->frame_ns);
}

/* ---- Input -------------------------------------------------------------- */

/* Sends clipboard (or primary selection) text as a bracketed paste. */
static void paste(struct win *w, bool primary)
{
    char *text = primary ? SDL_GetPrimarySelectionText() : SDL_GetClipboardText();
    if (text && *text) {
        view_follow(w->view);
        term_paste_start(w->s.term);
        for (char *p = text; *p; p++)
            if (*p == '\n') /* a pasted newline is Enter, as typed */
                *p = '\r';
        events_text(w->s.term, text, 0);
        term_paste_end(w->s.term);
    }
    SDL_free(text);
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
static void action(struct win *w, enum ui_action a)
{
    switch (a) {
    case UI_COPY: copy(w, false); break;
    case UI_PASTE: paste(w, false); break;
    case UI_OVERLAY: w->ov.shown = !w->ov.shown; break;
    case UI_CLEAR:
        session_clear(&w->s);
        break;
    case UI_ZOOM_IN: zoom(w, font_size(w->font) + 1 + font_size(w->font) / 8); break;
    case UI_ZOOM_OUT: zoom(w, font_size(w->font) - 1 - font_size(w->font) / 9); break;
    case UI_ZOOM_RESET: zoom(w, w->font_px); break;
    case UI_PAGE_UP: view_scroll(w->view, w->rows - 1); break;
    case UI_PAGE_DOWN: view_scroll(w->view, -(w->rows - 1)); break;
    case UI_TOP: view_top(w->view); break;
    case UI_BOTTOM: view_follow(w->view); break;
    case UI_NONE: break;
    }
    w->dirty = true;
}

/* A key press: shortcut, or on to the program (which brings the view back down). */
static void on_key(struct win *w, const SDL_Keysym *key)
{
    enum ui_action a = events_shortcut(&w->keys, key);
    if (a != UI_NONE) {
        action(w, a);
        return;
    }
    if (events_key(w->s.term, key)) {
        view_follow(w->view);
        w->blink_epoch = session_now_ns();
    }
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
            term_keyboard_key(w->s.term, n > 0 ? TERM_KEY_UP : TERM_KEY_DOWN, 0);
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
    default:
        w->dirty = true; /* exposed, shown, restored: draw again */
        break;
    }
}

/* One SDL event. */
static void on_event(struct win *w, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: w->quit = true; break;
    case SDL_KEYDOWN: on_key(w, &e->key.keysym); break;
    case SDL_TEXTINPUT:
        events_text(w->s.term, e->text.text, SDL_GetModState());
        view_follow(w->view);
        w->blink_epoch = session_now_ns();
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
    if (w->dirty && w->next_frame < until)
        until = w->next_frame;
    if (w->blinking) {
        uint64_t flip = w->blink_epoch + ((now - w->blink_epoch) / BLINK_NS + 1) * BLINK_NS;
        until = flip < until ? flip : until;
    }
    if (w->flash_until && w->flash_until < until)
        until = w->flash_until;
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
    return w->s.signal || w->quit ||
           (w->reaped_at && (w->eof || now >= w->reaped_at + SESSION_DRAIN_NS));
}

/* Sleeps until the pty, a signal, the display or the next deadline wants attention. */
static void wait_events(struct win *w)
{
    int ms = sleep_ms(w, session_now_ns());
    ms = ms > IDLE_MAX_MS ? IDLE_MAX_MS : ms;
    if (w->xfd >= 0) {
        short out = pty_pending(w->s.pty) ? POLLOUT : 0;
        struct pollfd fds[3] = {{.fd = w->eof ? -1 : pty_fd(w->s.pty), .events = POLLIN | out},
                                {.fd = w->s.sigfd, .events = POLLIN},
                                {.fd = w->xfd, .events = POLLIN}};
        if (poll(fds, 3, ms) < 0 && errno != EINTR)
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
            w->dirty = true;
        }
        /* Drawing may read X events ahead (XSync): take them all after it, then sleep. */
        maybe_draw(w, busy);
        SDL_Event e;
        while (SDL_PollEvent(&e))
            on_event(w, &e);
        if (!busy && !w->quit)
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
static bool real_display(void)
{
    const char *drv = SDL_GetCurrentVideoDriver(), *asked = getenv("SDL_VIDEODRIVER");
    if (!drv || ((!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) &&
                 !(asked && !strcmp(asked, drv)))) {
        const char *d = getenv("DISPLAY"), *wd = getenv("WAYLAND_DISPLAY");
        fprintf(stderr, "boundterm: window: cannot open the display %s%s%s (run with "
                        "--headless to go without a window)\n", d && *d ? d : "",
                d && *d && wd && *wd ? " or " : "", wd && *wd ? wd : "");
        return false;
    }
    return true;
}

/* Opens the window and renderer sized for the configured grid. */
static bool open_window(struct win *w, const struct bt_config *cfg)
{
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
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
        goto fail;
    if (!real_display())
        return false;
    w->font_px = cfg->font_size;
    w->font = font_create(cfg->font, w->font_px);
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
    w->rd = render_create(w->ren, w->font);
    if (w->rd)
        render_set_colors(w->rd, cfg->foreground, cfg->background, cfg->palette);
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
    view_destroy(w->view);
    render_destroy(w->rd);
    font_destroy(w->font);
    if (w->ren)
        SDL_DestroyRenderer(w->ren);
    if (w->window)
        SDL_DestroyWindow(w->window);
    free(w->sel_from);
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
    static const struct session_hooks hooks_proto = {.title = on_title, .bell = on_bell};
    struct session_hooks hooks = hooks_proto;
    sigset_t orig;
    hooks.user = w;
    snprintf(w->title, sizeof w->title, "%s", cfg->argv && cfg->argv[0] ? cfg->argv[0] : "shell");
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
    if (!term_input_init(w->s.term) || !(w->view = view_create(w->s.store, w->s.term)) ||
        (w->xfd < 0 && !waker_start(&w->wk, pty_fd(w->s.pty), w->s.sigfd)))
        return false;
    const char *log = getenv("BOUNDTERM_FRAME_LOG");
    w->frame_log = log && *log ? fopen(log, "a") : NULL;
    if (w->frame_log)
        setvbuf(w->frame_log, NULL, _IOLBF, 0);
    w->focused = true;
    w->blink_epoch = session_now_ns();
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
    if (w->s.term)
        term_input_fini(w->s.term);
    close_window(w);
    if (opened)
        session_close(&w->s);
    free(w);
    return status;
}
