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
 * waker thread per window, armed before each sleep, polls its pty and signalfd and
 * pushes an SDL event when either is ready (SDL wakes itself through the
 * display server, too slow for every pty read, so X11 does not use it).
 *
 * The search bar's store search runs on a thread of its own (search/runner.h);
 * the loop only reads what it published, never waiting for a store read. Its
 * progress wakes the loop through a pipe (wake_pipe) polled with the others.
 *
 * The input, the search bar's glue and saving the history are in window_input.c,
 * window_search.c and window_save.c (window_internal.h has struct win).
 *
 * Environment (read by the configuration): BOUNDTERM_FRAME_LOG=FILE appends one line per frame, "total layout
 * draw start search" in microseconds, start on CLOCK_MONOTONIC, search the part of draw
 * spent on the search bar's marks and label (tests/gui/bench_window.sh and
 * bench_search.sh read it); SDL_RENDER_DRIVER naming another renderer than "software" (or
 * BOUNDTERM_GEOMETRY=1) draws through that SDL renderer (render.c then uses
 * SDL_RenderGeometry) instead of render.c's own pixels on the window's surface.
 */
#include "window_internal.h"
#include "xkeys.h"

#include <limits.h>
#include <sched.h>
#include <sys/syscall.h>

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
static bool waker_start(struct waker *wk, int wake_fd)
{
    wk->wake_fd = wake_fd;
    wk->stop[0] = wk->stop[1] = -1;
    wk->event = SDL_RegisterEvents(1);
    wk->arm = SDL_CreateSemaphore(0);
    if (wk->event == (Uint32)-1 || !wk->arm || pipe(wk->stop) != 0)
        goto fail;
    SDL_AtomicSet(&wk->pty_fd, -1);
    SDL_AtomicSet(&wk->sig_fd, -1);
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

/* Arms the waker for the next sleep, once, to wait for what the session waits on. */
static void waker_arm(struct waker *wk, const struct session *s)
{
    if (!wk->armed) {
        struct pollfd fds[SESSION_POLLFDS];
        session_pollfds(s, fds); /* writes wait for the next turn: sleep_ms() says when */
        SDL_AtomicSet(&wk->sig_fd, fds[0].fd);
        SDL_AtomicSet(&wk->pty_fd, fds[1].fd);
        wk->armed = true;
        SDL_SemPost(wk->arm);
    }
}

/* ---- Grid geometry, title ----------------------------------------------- */

/* The size in pixels the window draws at. */
void output_size(struct win *w, int *pw, int *ph)
{
    if (w->ren)
        SDL_GetRendererOutputSize(w->ren, pw, ph);
    else
        SDL_GetWindowSizeInPixels(w->window, pw, ph);
}

/* The shared image to draw into; when it cannot be had, SDL's window surface from now on. */
static SDL_Surface *xshm_surface_of(struct win *w)
{
    int pw, ph;
    output_size(w, &pw, &ph);
    if (pw <= 0 || ph <= 0)
        return NULL; /* no pixels to show now (nothing is drawn): not a failure */
    SDL_Surface *surf = xshm_surface(w->xshm, pw, ph);
    if (surf)
        return surf;
    fprintf(stderr, "boundterm: window: no shared image of %dx%d pixels: SDL's surface\n", pw,
            ph);
    xshm_destroy(w->xshm);
    w->xshm = NULL;
    return SDL_GetWindowSurface(w->window);
}

/*
 * Shows the frame just drawn: with an SDL renderer, the whole of it; else the bands that
 * changed (all of them when the window's surface is new or the window was exposed).
 */
static void present(struct win *w)
{
    if (w->ren) {
        SDL_RenderPresent(w->ren);
        return;
    }
    SDL_Surface *surf = w->xshm ? xshm_surface_of(w) : SDL_GetWindowSurface(w->window);
    if (!surf) {
        if (!w->xshm && !w->present_failed) /* the shared image's size was 0: nothing to say */
            fprintf(stderr, "boundterm: window surface: %s\n", SDL_GetError());
        w->present_failed = !w->xshm;
        w->present_all = true; /* what this frame changed is shown with the next */
        return;
    }
    bool all = w->present_all || surf != w->surface || surf->w != w->surface_w ||
               surf->h != w->surface_h;
    const SDL_Rect *rects;
    int n = render_copy_to(w->rd, surf, all, &rects);
    if (w->xshm) {
        xshm_put(w->xshm, rects, n);
        all = false;
    } else if (n && SDL_UpdateWindowSurfaceRects(w->window, rects, n) != 0) {
        all = true; /* try the whole window next time */
    } else {
        all = false;
    }
    w->present_all = all;
    w->surface = surf;
    w->surface_w = surf->w;
    w->surface_h = surf->h;
}

/* Fits the grid to the window's pixel size and tells engine and child. */
void fit_grid(struct win *w)
{
    const struct font_metrics *m = font_metrics(w->font);
    int pw, ph;
    output_size(w, &pw, &ph);
    int cols = pw / m->cell_w, rows = ph / m->cell_h;
    cols = cols < 2 ? 2 : cols;
    rows = rows < 1 ? 1 : rows;
    session_set_cell_pixels(w->s, m->cell_w, m->cell_h);
    if (cols != w->cols || rows != w->rows) {
        session_resize(w->s, rows, cols);
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
/* Session hook: the history is gone; the view, matches and a save in progress see that
 * by its row numbers, but a selection reaching into it would copy less than it shows. */
static void on_cleared(void *user)
{
    struct win *w = user;
    select_clear(&w->sel);
    w->dirty = true;
}

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

/* The overlay's line for the command running now (its RSS live), or the last one's peak. */
static void command_line(struct win *w)
{
    struct command_info c;
    char a[32], b[32];
    w->ov.command[0] = '\0';
    if (!session_command(w->s, &c))
        return;
    uint64_t end = c.running ? session_now_ns() : c.end_ns;
    double secs = (double)(end - c.start_ns) / 1e9;
    if (c.running)
        snprintf(w->ov.command, sizeof w->ov.command, "%.24s: %s now, peak %s, %.0f s",
                 c.argv0[0] ? c.argv0 : "command", overlay_bytes(c.rss, a, sizeof a),
                 overlay_bytes(c.peak_rss, b, sizeof b), secs);
    else
        snprintf(w->ov.command, sizeof w->ov.command, "last: %.24s, peak %s, %.1f s",
                 c.argv0[0] ? c.argv0 : "command", overlay_bytes(c.peak_rss, a, sizeof a), secs);
}

/* The overlay's line for the budgets the windows share, when there are several. */
static void pool_line(struct win *w, const struct sb_stats *mine)
{
    struct sb_pool_stats ps;
    char a[32], b[32], c[32];
    w->ov.pool[0] = '\0';
    if (w->app->n < 2)
        return;
    sb_pool_stats(w->app->pool, &ps);
    snprintf(w->ov.pool, sizeof w->ov.pool, "%d windows: %s of %s, this one %s", w->app->n,
             overlay_bytes(ps.ram_used, a, sizeof a), overlay_bytes(ps.ram_budget, b, sizeof b),
             overlay_bytes(mine->ram_used, c, sizeof c));
}

/* Once a second: stats line, overlay sample, title. */
static void tick(struct win *w, uint64_t now)
{
    if (now < w->next_stats)
        return;
    w->next_stats = now + SESSION_STATS_NS;
    struct sb_stats st;
    session_store_stats(w->s, &st);
    overlay_sample(&w->ov, session_rss(w->s), &st);
    command_line(w);
    pool_line(w, &st);
    update_title(w);
    if (w->ov.shown)
        w->dirty = true;
}

/* ---- Messages and --stats ----------------------------------------------- */

/* Shows a one-line message at the bottom of the window for a few seconds. */
void message(struct win *w, const char *text)
{
    size_t n = strnlen(text, sizeof w->msg - 1); /* a long message is cut */
    memcpy(w->msg, text, n);
    w->msg[n] = '\0';
    w->msg_until = session_now_ns() + MESSAGE_NS;
    w->dirty = true;
}

/* The row at the top of the view, -1 while it follows the screen. */
static int64_t view_top_row(struct win *w)
{
    if (view_following(w->view) || !view_layout(w->view, w->rows, w->cols))
        return -1;
    return (int64_t)view_lines(w->view)[0].line;
}

/*
 * The windows of the process in a --stats line, after what buf holds already: their count, the
 * shared budgets' use, and per window (in the order they opened) its rows, RAM, disk and rows
 * dropped. Returns the bytes added (none when they do not fit).
 */
static int sessions_members(struct app *a, char *buf, size_t cap)
{
    size_t at = strlen(buf), start = at;
    struct sb_pool_stats ps;
    sb_pool_stats(a->pool, &ps);
    at += (size_t)snprintf(buf + at, cap > at ? cap - at : 0,
                           ",\"keys\":\"%s\",\"keys_direct\":%" PRIu64 ",\"windows\":%d,"
                           "\"pool_ram_used\":%" PRIu64 ",\"pool_disk_used\":%" PRIu64
                           ",\"sessions\":[", a->xk ? "x11" : "sdl", a->keys_direct, a->n,
                           ps.ram_used, ps.disk_used);
    for (int i = 0; i < a->n && at < cap; i++) {
        struct sb_stats st;
        session_store_stats(a->wins[i]->s, &st);
        at += (size_t)snprintf(buf + at, cap - at, "%s{\"rows\":%" PRIu64 ",\"ram\":%" PRIu64
                               ",\"disk\":%" PRIu64 ",\"dropped\":%" PRIu64 "}",
                               i ? "," : "", st.rows_retained, st.ram_used, st.disk_used,
                               st.rows_dropped);
    }
    at += (size_t)snprintf(buf + at, cap > at ? cap - at : 0, "]");
    if (at >= cap) {
        buf[start] = '\0';
        return 0;
    }
    return (int)(at - start);
}

/* The frames that waited for the server to finish with the last (xshm.h); SDL's all wait. */
static unsigned long present_waits(const struct win *w)
{
    return w->xshm ? xshm_waits(w->xshm) : (unsigned long)w->frames;
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
    int len = snprintf(buf, cap, ",\"search_state\":\"%s\",\"search_matches\":%zu,"
                    "\"search_current\":%zu,\"search_current_row\":%" PRId64
                    ",\"search_ms\":%" PRId64 ",\"view_following\":%s,\"saves\":%" PRIu64
                    ",\"bells\":%" PRIu64 ",\"flash_frames\":%" PRIu64 ",\"focused\":%s"
                    ",\"osc52_copies\":%" PRIu64 ",\"osc52_reads\":%" PRIu64
                    ",\"osc52_denied\":%" PRIu64 ",\"links_opened\":%" PRIu64
                    ",\"links_refused\":%" PRIu64 ",\"view_top_row\":%" PRId64
                    ",\"outputs_copied\":%" PRIu64 ",\"pipes\":%" PRIu64 ",\"frames\":%" PRIu64
                    ",\"frames_redone\":%" PRIu64 ",\"rows_drawn\":%" PRIu64
                    ",\"rows_copied\":%" PRIu64 ",\"present\":\"%s\",\"present_waits\":%lu",
                    state, n, place, w->bar.has_current ? (int64_t)w->bar.current.row : -1,
                    w->bar.open ? w->search_ms : -1,
                    view_following(w->view) ? "true" : "false", w->saves, w->bells, w->flash_frames,
                    w->focused ? "true" : "false", w->osc52_copies, w->osc52_reads,
                    w->osc52_denied, w->links_opened, w->links_refused, view_top_row(w),
                    w->outputs_copied, w->pipes, w->frames, w->redone,
                    render_rows_drawn(w->rd), view_rows_copied(w->view),
                    w->xshm ? "xshm" : w->ren ? "renderer" : "surface", present_waits(w));
    if (len < 0 || (size_t)len >= cap)
        return len;
    return len + sessions_members(w->app, buf, cap);
}

/* ---- Drawing ------------------------------------------------------------ */

/*
 * True while the cursor blinks: the program asked for it (DECSCUSR), the window has the
 * keyboard, and a key came within cursor_blink_timeout. Then it stays on, and an idle window
 * has no frame to draw (as GNOME Terminal, kitty and Alacritty do).
 */
static bool cursor_blinks(const struct win *w, const struct term_cursor *tc, uint64_t now)
{
    uint64_t timeout = (uint64_t)w->cfg->cursor_blink_timeout * 1000000000ull;
    return tc->blink && w->focused && (!timeout || now - w->blink_epoch < timeout);
}

/* The cursor as drawn: its display row in the view, or off-grid when scrolled away. */
static struct render_cursor cursor_in_view(struct win *w, const struct view_line *lines,
                                           uint64_t now)
{
    struct term_cursor tc;
    term_cursor(session_term(w->s), &tc);
    struct render_cursor c = {.row = -1, .col = tc.col, .shape = tc.shape,
                              .visible = tc.visible, .hollow = !w->focused};
    uint64_t abs = view_screen_abs(w->view) + (uint64_t)tc.row;
    for (int r = 0; r < w->rows; r++)
        if (lines[r].screen && lines[r].line == abs)
            c.row = r;
    bool blinks = cursor_blinks(w, &tc, now);
    if (blinks && !w->blink_on)
        c.visible = false;
    w->blinking |= blinks;
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

/*
 * Draws the frame of the laid-out lines, through render_end; keep: rows drawn from what they
 * were drawn from last frame are kept from it (their stamps go in the scene). Returns the time
 * the search's marks and bar took.
 */
static uint64_t compose(struct win *w, uint64_t now, const struct view_line *lines, bool keep)
{
    const struct sb_row *rows[w->rows];
    uint64_t stamps[w->rows];
    for (int r = 0; r < w->rows; r++) {
        rows[r] = lines[r].row;
        stamps[r] = lines[r].stamp;
    }
    w->blink_on = (now - w->blink_epoch) / BLINK_NS % 2 == 0;
    w->blinking = false;
    struct render_scene sc = {.rows = w->rows, .cols = w->cols, .lines = rows,
                              .stamps = keep ? stamps : NULL, .blink_on = w->blink_on,
                              .indicator = !view_following(w->view)};
    sc.cursor = cursor_in_view(w, lines, now);
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
    if (sc.indicator)
        sc.nticks = failed_ticks(w, &sc.ticks);
    int pw, ph;
    output_size(w, &pw, &ph);
    render_set_colors(w->rd, term_colors(session_term(w->s))); /* the program may have changed them */
    render_begin(w->rd, pw, ph);
    w->blinking |= render_grid(w->rd, &sc);
    draw_command_notes(w, lines);
    overlay_draw(&w->ov, w->rd, font_metrics(w->font), w->cols * font_metrics(w->font)->cell_w,
                 ph);
    if (w->bar.open) {
        uint64_t bar0 = session_now_ns();
        draw_bar(w, pw);
        search_ns += session_now_ns() - bar0;
    }
    draw_message(w, pw, now);
    draw_prompt(w, pw);
    if (now < w->flash_until)
        render_rect(w->rd, 0, 0, pw, ph, 0x40ffffffu);
    render_end(w->rd);
    return search_ns;
}

/* Lays out, draws and presents one frame; logs its time when asked to. */
static void draw(struct win *w, uint64_t now)
{
    int *from = realloc(w->sel_from, sizeof(int) * (size_t)w->rows);
    int *to = from ? realloc(w->sel_to, sizeof(int) * (size_t)w->rows) : NULL;
    w->sel_from = from ? from : w->sel_from;
    w->sel_to = to ? to : w->sel_to;
    if (!from || !to || !view_layout(w->view, w->rows, w->cols))
        return;
    uint64_t laid = session_now_ns();
    const struct view_line *lines = view_lines(w->view);
    uint64_t search_ns = compose(w, now, lines, true);
    if (render_redo(w->rd)) { /* something over a kept row changed: every row drawn anew */
        search_ns += compose(w, now, lines, false);
        w->redone++;
    }
    if (now < w->flash_until)
        w->flash_frames++;
    uint64_t drawn = session_now_ns();
    present(w);
    w->gen = term_generation(session_term(w->s));
    w->dirty = false;
    w->frames++;
    if (w->frame_log)
        fprintf(w->frame_log, "%llu %llu %llu %llu %llu %llu\n",
                (unsigned long long)(session_now_ns() - now) / 1000,
                (unsigned long long)(laid - now) / 1000, (unsigned long long)(drawn - laid) / 1000,
                (unsigned long long)now / 1000, (unsigned long long)search_ns / 1000,
                (unsigned long long)w->action_ns / 1000);
    w->action_ns = 0;
    render_warm(w->rd); /* after the first frame, not before it */
}

/*
 * True while the program's synchronized update (DECSET 2026) holds frames back, so that a
 * screen half-redrawn is never shown; at most SYNC_MAX_NS, as a program may never end it.
 */
static bool sync_holds(struct win *w, uint64_t now)
{
    if (!term_synchronized(session_term(w->s))) {
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
    if (term_generation(session_term(w->s)) != w->gen)
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
    if (w->echo_wait && now >= w->echo_wait)
        w->echo_wait = 0; /* no echo came: the cursor's frame goes out now */
    if (!w->dirty || now < w->next_frame || w->echo_wait || sync_holds(w, now))
        return;
    draw(w, now);
    w->next_frame = now + (busy ? FLOOD_FRAME_NS : w->frame_ns);
}

/* ---- The loop ----------------------------------------------------------- */

/* Reads the pty for one slice; true when the slice ran out before the data did. */
static bool ingest(struct win *w)
{
    uint64_t start = session_now_ns();
    size_t total = 0;
    bool echo = w->echo_wait != 0;
    for (;;) {
        long n = session_pump(w->s, INGEST_BYTES - total);
        if (n <= 0)
            return false;
        if (w->echo_wait) { /* the echo of a key: shown at once, not a frame interval on */
            w->echo_wait = 0;
            w->next_frame = 0;
        }
        total += (size_t)n;
        if (total >= INGEST_BYTES || session_now_ns() - start >= INGEST_NS)
            return true;
        if (echo && n < INGEST_SHORT)
            return false;
    }
    return false;
}

/* Milliseconds to sleep: until the next frame when one is due, the next tick, the drain. */
static int sleep_ms(struct win *w, uint64_t now)
{
    uint64_t until = w->next_stats;
    bool held = term_synchronized(session_term(w->s)) && w->sync_since &&
                now - w->sync_since < SYNC_MAX_NS;
    if (held && w->sync_since + SYNC_MAX_NS < until)
        until = w->sync_since + SYNC_MAX_NS; /* the frame the update holds back */
    else if (w->dirty && !held && !w->echo_wait && w->next_frame < until)
        until = w->next_frame; /* while an echo is awaited the frame waits for it (below) */
    if (w->blinking) {
        uint64_t flip = w->blink_epoch + ((now - w->blink_epoch) / BLINK_NS + 1) * BLINK_NS;
        until = flip < until ? flip : until;
    }
    if (w->flash_until && w->flash_until < until)
        until = w->flash_until;
    if (w->msg_until && w->msg_until < until)
        until = w->msg_until;
    if (w->echo_wait && w->echo_wait < until)
        until = w->echo_wait;
    uint64_t due = session_deadline(w->s, now); /* stats, the drain's end, a write */
    until = due < until ? due : until;
    return until <= now ? 0 : (int)((until - now + 999999) / 1000000);
}

/* True when the session is over: a signal, the window closed, the child gone and drained. */
static bool finished(struct win *w, uint64_t now)
{
    enum session_end end = session_end(w->s, now);
    if (end == SESSION_SIGNALLED)
        w->app->quit = true; /* a signal ends the process: every window goes */
    return end == SESSION_SIGNALLED || w->quit || w->app->quit ||
           (end == SESSION_CHILD_GONE && !w->exec_failed); /* the message stays */
}

static void dispatch(struct app *a, const SDL_Event *e);

/* Sleeps until a pty, a signal, the display or the next deadline of any window wants it. */
static void wait_events(struct app *a)
{
    /* Keys taken directly mean no input method (xkeys.h): nothing comes but on the fds. */
    int ms = a->xk ? INT_MAX : IDLE_MAX_MS;
    for (int i = 0; i < a->n; i++) {
        int m = sleep_ms(a->wins[i], session_now_ns());
        ms = m < ms ? m : ms;
    }
    if (a->xfd >= 0) {
        struct pollfd fds[APP_WINDOWS_MAX * (SESSION_POLLFDS + 1) + 2];
        int n = 0;
        fds[n++] = (struct pollfd){.fd = a->xfd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = a->listen_fd, .events = POLLIN};
        for (int i = 0; i < a->n; i++) {
            session_pollfds(a->wins[i]->s, fds + n);
            n += SESSION_POLLFDS;
            fds[n++] = (struct pollfd){.fd = a->wins[i]->wake_pipe[0], .events = POLLIN};
        }
        int ready = poll(fds, (nfds_t)n, ms);
        if (ready < 0 && errno != EINTR)
            fprintf(stderr, "boundterm: poll: %s\n", strerror(errno));
        a->x_quiet = ready >= 0 && !(fds[0].revents & (POLLIN | POLLHUP | POLLERR));
        for (int i = 0; ready >= 0 && i < a->n; i++)
            session_polled(a->wins[i]->s, fds + 2 + i * (SESSION_POLLFDS + 1));
        return;
    }
    /* Without X11 each window's waker thread polls its session and pushes an event. */
    for (int i = 0; i < a->n; i++)
        waker_arm(&a->wins[i]->wk, a->wins[i]->s);
    SDL_Event e;
    if (SDL_WaitEventTimeout(&e, ms))
        dispatch(a, &e);
}

/* One window's part of a turn; false when its session is over (the caller closes it). */
static bool turn(struct win *w, uint64_t now, bool *working)
{
    session_service(w->s, now);
    tick(w, now);
    if (finished(w, now))
        return false;
    bool busy = ingest(w);
    /* A save takes a bounded slice, so a frame is never late by more; the search is on its own
     * thread. */
    search_tick(w);
    *working |= busy | save_tick(w);
    pipe_tick(w); /* its own thread does the work: this only ends it */
    maybe_draw(w, busy);
    return true;
}

/* The window an event is for (by its SDL window id), else the first. */
static struct win *event_window(struct app *a, const SDL_Event *e)
{
    Uint32 id = 0;
    switch (e->type) {
    case SDL_KEYDOWN: case SDL_KEYUP: id = e->key.windowID; break;
    case SDL_TEXTINPUT: id = e->text.windowID; break;
    case SDL_TEXTEDITING: id = e->edit.windowID; break;
    case SDL_MOUSEMOTION: id = e->motion.windowID; break;
    case SDL_MOUSEBUTTONDOWN: case SDL_MOUSEBUTTONUP: id = e->button.windowID; break;
    case SDL_MOUSEWHEEL: id = e->wheel.windowID; break;
    case SDL_WINDOWEVENT: id = e->window.windowID; break;
    default: break;
    }
    for (int i = 0; id && i < a->n; i++)
        if (SDL_GetWindowID(a->wins[i]->window) == id)
            return a->wins[i];
    return a->n ? a->wins[0] : NULL;
}

/* One SDL event: a waker's (its window sleeps unarmed again), or to the window it is for. */
static void dispatch(struct app *a, const SDL_Event *e)
{
    if (e->type == SDL_QUIT) {
        a->quit = true;
        return;
    }
    for (int i = 0; i < a->n; i++)
        if (a->wins[i]->wk.thread && e->type == a->wins[i]->wk.event) {
            a->wins[i]->wk.armed = false;
            return;
        }
    on_event(event_window(a, e), e);
}

static void close_one(struct app *a, int i);

static struct win *open_one(struct app *a, const struct bt_config *cfg);

/*
 * The configuration of a window opened after the first (malloc'd, for its own_cfg): the
 * first's, without --stats, the dump and --pass-stdin, which stay the first window's.
 */
static struct bt_config *later_cfg(const struct app *a)
{
    struct bt_config *cfg = malloc(sizeof *cfg);
    if (cfg) {
        *cfg = *a->cfg;
        cfg->stats_path = cfg->dump_path = NULL;
        cfg->pass_stdin = false;
    }
    return cfg;
}

/*
 * Opens a window whose program starts in dir (NULL or gone: where boundterm is): the child
 * inherits the working directory, so boundterm stands in it for the moment of the spawn.
 */
static struct win *open_in(struct app *a, const struct bt_config *cfg, const char *dir)
{
    int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir && chdir(dir) != 0)
        fprintf(stderr, "boundterm: window: %s: %s\n", dir, strerror(errno));
    struct win *w = open_one(a, cfg);
    if (here >= 0) {
        if (fchdir(here) != 0)
            perror("boundterm: window: chdir back");
        close(here);
    }
    return w;
}

/* Another boundterm of this user asked for a window (instance.h): open it, answer. */
static void serve_requests(struct app *a)
{
    struct instance_request req;
    while (a->listen_fd >= 0 && instance_accept(a->listen_fd, &req)) {
        struct bt_config *cfg = later_cfg(a);
        struct win *w = NULL;
        if (cfg) {
            cfg->argv = (const char *const *)req.argv; /* NULL: the shell */
            cfg->env_extra = (const char *const *)req.env;
            w = open_in(a, cfg, req.cwd);
        }
        char line[64];
        snprintf(line, sizeof line, w ? "ok %d\n" : "no the window could not open\n",
                 (int)getpid());
        instance_answer(req.fd, line);
        if (!w || !req.wait) {
            close(req.fd);
            req.fd = -1;
        }
        if (!w) {
            free(cfg);
            instance_request_free(&req);
            continue;
        }
        w->own_cfg = cfg;
        w->req = req; /* its strings are the window's program and environment */
    }
}

/* xkeys_take's delivery: an event made from an X key event, to its window. */
static void deliver_key(void *user, const SDL_Event *e)
{
    dispatch(user, e);
}

/*
 * Every event waiting, to its window: the keys at the head of X's queue taken directly, the
 * rest through SDL; then the keys still waiting for their text.
 */
static void pump_events(struct app *a)
{
    SDL_Event e;
    /*
     * Woken by a pty alone, with nothing read from X since the last pump drained Xlib's and
     * XCB's queues (the turn's second pump, after the frame's XSync), there is nothing to
     * take: the echo of a key goes to the frame without a read of the X connection first.
     * Not with an input method (xk NULL), which SDL reaches over sockets the loop cannot see.
     */
    bool quiet = a->x_quiet && a->xk && !SDL_HasEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
    a->x_quiet = false;
    if (quiet)
        return;
    bool more;
    a->keys_direct += (uint64_t)xkeys_take(a->xk, deliver_key, a, &more);
    if (more) /* once: SDL_PollEvent would read the X connection again for each event */
        SDL_PumpEvents();
    while (a->n > 0 && SDL_PeepEvents(&e, 1, SDL_GETEVENT, SDL_FIRSTEVENT, SDL_LASTEVENT) > 0) {
        if (e.type == SDL_KEYDOWN || e.type == SDL_KEYUP)
            xkeys_seen(a->xk, &e.key);
        dispatch(a, &e);
    }
    for (int i = 0; i < a->n; i++)
        if (events_flush(&a->wins[i]->ek, session_term(a->wins[i]->s)))
            typed(a->wins[i]);
}

/*
 * The event loop: SDL events first (a key reaches the program before anything else is
 * done), every window's turn, the events drawing read ahead (XSync), sleep if idle.
 */
static void run(struct app *a)
{
    while (a->n > 0) {
        pump_events(a);
        uint64_t now = session_now_ns();
        bool working = false;
        serve_requests(a);
        for (int i = 0; i < a->n; i++)
            if (!turn(a->wins[i], now, &working))
                close_one(a, i--);
        pump_events(a);
        if (a->n > 0 && !working && !a->quit)
            wait_events(a);
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
    const char *drv = SDL_GetCurrentVideoDriver(), *asked = env ? env->sdl_videodriver : NULL;
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
     * A text grid needs no GPU: render.c draws into the window's surface, which SDL presents
     * through XShm, a band at a time, and keeps Mesa (and its LLVM, some 60 MiB of RES) out
     * of the process. SDL_RENDER_DRIVER and SDL_FRAMEBUFFER_ACCELERATION in the environment
     * still choose otherwise.
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
    bool geometry = cfg->env && cfg->env->render_geometry;
    w->xshm = geometry || (cfg->env && cfg->env->xshm_off) ? NULL : xshm_create(w->window);
    if (!geometry && !w->xshm && !SDL_GetWindowSurface(w->window)) {
        /* A video driver without a window framebuffer: an SDL renderer draws instead. */
        fprintf(stderr, "boundterm: window surface: %s; drawing through an SDL renderer\n",
                SDL_GetError());
        geometry = true;
    }
    if (geometry && !(w->ren = SDL_CreateRenderer(w->window, -1, 0)))
        goto fail;
    w->rd = render_create(w->ren, w->font);
    w->present_all = true;
    w->hand = SDL_CreateSystemCursor(SDL_SYSTEM_CURSOR_HAND); /* NULL: the arrow stays */
    w->frame_ns = refresh_ns(w->window);
    return w->rd != NULL;
fail:
    fprintf(stderr, "boundterm: window: %s\n", SDL_GetError());
    return false;
}

/* Frees everything the window made (the session is closed by the caller), and the window. */
static void close_window(struct win *w)
{
    waker_stop(&w->wk);
    searchbar_fini(&w->bar); /* joins the search thread before the store goes */
    pipe_stop(w);
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
    xshm_destroy(w->xshm); /* its image before the window */
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
    for (int i = 0; i < 2; i++)
        if (w->wake_pipe[i] >= 0)
            close(w->wake_pipe[i]);
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
 * Opens a window and its session in that order: a missing display fails before the child
 * starts. The session's signals were blocked before SDL could start a thread (window_run), so
 * every thread inherits the mask. The session's store shares the process's budgets.
 */
static bool start(struct win *w, const struct bt_config *cfg)
{
    static const struct session_hooks hooks_proto = {
        .title = on_title, .bell = on_bell, .cleared = on_cleared, .stats = stats_members,
        .clipboard_set = on_clipboard_set, .clipboard_get = on_clipboard_get};
    struct session_hooks hooks = hooks_proto;
    hooks.user = w;
    w->cfg = cfg;
    w->title_dirty = true; /* "boundterm" until the program sets its own */
    if (!open_window(w, cfg))
        return false;
    if (!(w->s = session_open_in(cfg, &hooks, &w->app->orig, w->app->pool, (unsigned)-1)))
        return false;
    cursor_default(session_term(w->s), cfg);
    w->app->xfd = x11_fd(w->window);
    if (!w->app->xk) /* NULL again for every window when the first could not */
        w->app->xk = w->app->n == 0 ? xkeys_create(w->window, cfg->env) : NULL;
    else if (!xkeys_add(w->app->xk, w->window))
        fprintf(stderr, "boundterm: window: keys of this window go through SDL\n");
    if (pipe2(w->wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        w->wake_pipe[0] = w->wake_pipe[1] = -1;
        perror("boundterm: window: pipe");
        return false;
    }
    searchbar_use_thread(&w->bar, search_woke, w);
    if (!(w->view = view_create(session_lines(w->s))) ||
        (w->app->xfd < 0 && !waker_start(&w->wk, w->wake_pipe[0])))
        return false;
    const char *log = cfg->env ? cfg->env->frame_log : NULL;
    w->frame_log = log && *log && w->app->n == 0 ? fopen(log, "a") : NULL;
    if (w->frame_log)
        setvbuf(w->frame_log, NULL, _IOLBF, 0);
    w->focused = true;
    w->blink_epoch = session_now_ns();
    if (session_exec_failed(w->s)) {
        w->exec_failed = true;
        snprintf(w->prompt, sizeof w->prompt, "The program could not be run. Press a key to "
                 "close the window.");
    }
    fit_grid(w);
    return true;
}

/* A window for cfg in the app, its session running; NULL (logged) when it could not open. */
static struct win *open_one(struct app *a, const struct bt_config *cfg)
{
    struct win *w = a->n < APP_WINDOWS_MAX ? calloc(1, sizeof *w) : NULL;
    if (!w) {
        fprintf(stderr, "boundterm: window: %s\n", a->n < APP_WINDOWS_MAX ? "out of memory"
                                                                          : "too many windows");
        return NULL;
    }
    w->app = a;
    w->req.fd = -1;
    w->wk.stop[0] = w->wk.stop[1] = -1;
    w->wake_pipe[0] = w->wake_pipe[1] = -1;
    w->ptr_row = w->ptr_col = -1;
    if (!start(w, cfg)) {
        close_window(w);
        session_close(w->s);
        free(w);
        return NULL;
    }
    a->wins[a->n++] = w;
    return w;
}

/*
 * Ends window i: its program hung up when the window was closed under it, the exit status
 * kept, its stats line and dump written (if it has them); the last one restores the mask.
 * Its store leaves the pool, so its pages are given back at once.
 */
static void close_one(struct app *a, int i)
{
    struct win *w = a->wins[i];
    bool closed = (w->quit || a->quit) && !session_signal(w->s) &&
                  session_child_status(w->s) < 0;
    int hung = closed ? session_hangup(w->s) : -1;
    /* its stats line and dump either way; the mask goes back with the last window */
    int status = a->n == 1 ? session_finish(w->s) : session_finish_one(w->s);
    a->status = closed ? hung : status < 0 ? SESSION_EXIT_FAILED : status;
    xkeys_remove(a->xk, w->window);
    close_window(w);
    session_close(w->s);
    if (w->req.fd >= 0 && w->req.wait) { /* a boundterm --wait learns how it ended */
        char line[32];
        snprintf(line, sizeof line, "exit %d\n", a->status);
        instance_answer(w->req.fd, line);
        close(w->req.fd);
    }
    instance_request_free(&w->req);
    free(w->own_cfg);
    free(w);
    a->wins[i] = a->wins[--a->n];
    malloc_trim(0); /* RES falls with the window's history */
}

void window_new(struct win *w)
{
    struct bt_config *cfg = later_cfg(w->app); /* the same program or shell */
    if (!cfg) {
        message(w, "no memory for another window");
        return;
    }
    char link[64], cwd[BT_PATH_BYTES];
    snprintf(link, sizeof link, "/proc/%d/cwd", (int)session_child_pid(w->s));
    ssize_t n = readlink(link, cwd, sizeof cwd - 1);
    if (n > 0)
        cwd[n] = '\0';
    struct win *nw = open_in(w->app, cfg, n > 0 ? cwd : NULL);
    if (!nw) {
        free(cfg);
        message(w, "another window could not be opened");
        return;
    }
    nw->own_cfg = cfg;
}

/* sched_setattr(2)'s argument (glibc 2.36 has no wrapper, and <linux/sched/types.h> clashes
 * with <sched.h>). */
struct slice_attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
};

/*
 * Asks the kernel for short time slices for the window's thread (Linux 6.12 and later take
 * sched_runtime as the slice of a SCHED_OTHER thread; earlier ones ignore it). The loop runs
 * for tens of microseconds at a time and sleeps; woken by a key or its echo while a CPU hog
 * runs on its CPU, a thread with the default slice waits for the hog's slice to end (0.3 ms
 * and more was seen on two cores under the typing benchmark), one with a short slice runs at
 * once. Threads and programs started later get the default again (reset on fork).
 * BOUNDTERM_SHORT_SLICE=0 (env->short_slice_off) leaves the default.
 */
static void short_slice(const struct bt_config_env *env)
{
    if (env && env->short_slice_off)
        return;
#if defined(__linux__) && defined(SYS_sched_setattr)
    struct slice_attr at = {.size = sizeof at, .policy = SCHED_OTHER,
                            .flags = 0x01 /* SCHED_FLAG_RESET_ON_FORK */,
                            .runtime = 100000 /* ns: the kernel's smallest slice */};
    if (syscall(SYS_sched_setattr, 0, &at, 0) != 0 && errno != ENOSYS && errno != EINVAL)
        fprintf(stderr, "boundterm: short time slices: %s\n", strerror(errno));
#endif
}

int window_run(const struct bt_config *cfg)
{
    short_slice(cfg->env);
    struct app *a = calloc(1, sizeof *a);
    int status = SESSION_EXIT_FAILED;
    if (!a) {
        fprintf(stderr, "boundterm: window: out of memory\n");
        return status;
    }
    a->cfg = cfg;
    a->xfd = -1;
    a->listen_fd = cfg->single_instance ? instance_listen(cfg) : -1;
    if (sb_pool_create(cfg->scrollback_ram, cfg->scrollback_disk, 1, &a->pool) != 0) {
        fprintf(stderr, "boundterm: window: the scrollback budgets cannot be shared\n");
        free(a);
        return status;
    }
    if (block_signals(&a->orig)) {
        if (open_one(a, cfg)) {
            run(a);
            status = a->status;
        } else {
            pthread_sigmask(SIG_SETMASK, &a->orig, NULL);
        }
    }
    while (a->n > 0)
        close_one(a, a->n - 1);
    xkeys_destroy(a->xk);
    sb_pool_destroy(a->pool);
    instance_close(cfg, a->listen_fd);
    SDL_Quit();
    free(a);
    return status;
}
