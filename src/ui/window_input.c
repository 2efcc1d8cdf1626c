/* The window's input (window_internal.h): keys and shortcuts, the mouse, paste and copy,
 * the clipboard for programs (OSC 52), and links under the pointer. */
#include "window_internal.h"
#include "frame.h"
#include "xkeys.h"

static bool mouse_to_program(struct win *w);

/* ---- The clipboard, for programs (OSC 52) ------------------------------------ */

/* Engine hook: the program copies text to the clipboard or the primary selection. */
void on_clipboard_set(void *user, unsigned which, const char *utf8, size_t len)
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
    session_clipboard_answer(w->s, which, text ? text : "", text ? strlen(text) : 0);
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
void on_clipboard_get(void *user, unsigned which)
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

/* ---- Links ---------------------------------------------------------------- */


/*
 * What link_find's answer for the pointer depends on: its cell, the width, and the rows of its
 * logical line (which, where, and each screen row's stamp; a history row's text never changes).
 */
static uint64_t hover_key(const struct win *w, const struct view_line *lines)
{
    uint64_t line = lines[w->ptr_row].line;
    uint64_t k = frame_fold(frame_fold(frame_fold(0x9e3779b97f4a7c15ull, (uint64_t)w->ptr_row),
                                       (uint64_t)w->ptr_col), (uint64_t)w->cols);
    k = frame_fold(k, line);
    for (int r = 0; r < w->rows; r++) {
        if (lines[r].line != line)
            continue;
        uint64_t where = (uint64_t)lines[r].sub << 32 | lines[r].off |
                         (uint64_t)lines[r].screen << 63;
        k = frame_fold(frame_fold(frame_fold(k, (uint64_t)r), lines[r].stamp), where);
    }
    return k;
}

/* Finds the link under the pointer and the cells to underline for it; false when none. */
bool link_spans(struct win *w, const struct view_line *lines)
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
    if (num && pointer) { /* looked up again only when what it depends on changed */
        uint64_t key = hover_key(w, lines);
        if (!w->hover_known || key != w->hover_key)
            w->hover_on = link_find(lines, w->rows, w->cols, w->ptr_row, w->ptr_col, &w->hover);
        w->hover_key = key;
        w->hover_known = true;
    } else {
        w->hover_on = w->hover_known = false;
    }
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

/* ---- Input -------------------------------------------------------------- */

_Static_assert((int)TERM_PASTE_RAW == (int)BT_PASTE_RAW, "paste filters match");

/* Sends text to the program as a paste (filtered; bracketed when the program asked). */
static void paste_send(struct win *w, const char *text)
{
    view_follow(w->view);
    if (!session_paste(w->s, text, strlen(text), (enum term_paste_filter)w->cfg->paste_filter))
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
               !term_bracketed_paste(session_term(w->s)) && strpbrk(text, "\r\n")) {
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
    char *text = select_text(&w->sel, session_lines(w->s));
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
    uint64_t t0 = session_now_ns();
    switch (a) {
    case BT_ACTION_COPY: copy(w, false); break;
    case BT_ACTION_PASTE: paste(w, false); break;
    case BT_ACTION_OVERLAY: w->ov.shown = !w->ov.shown; break;
    case BT_ACTION_CLEAR_SCROLLBACK:
        session_clear(w->s);
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
    case BT_ACTION_SEARCH_CASE: search_toggle(w, false); break;
    case BT_ACTION_SEARCH_REGEX: search_toggle(w, true); break;
    case BT_ACTION_PREV_PROMPT: prompt_jump(w, true); break;
    case BT_ACTION_NEXT_PROMPT: prompt_jump(w, false); break;
    case BT_ACTION_COPY_OUTPUT: copy_output(w); break;
    case BT_ACTION_PIPE_HISTORY: pipe_start(w); break;
    case BT_ACTION_NEW_WINDOW: window_new(w); break;
    case BT_ACTION_NONE: case BT_ACTION_COUNT: break;
    }
    w->action_ns += session_now_ns() - t0; /* the frame log adds it to the next frame's time */
    w->dirty = true;
}

/* Input reached the program: the view follows the screen again and the cursor shows. */
void typed(struct win *w)
{
    view_follow(w->view);
    w->blink_epoch = session_now_ns();
    w->dirty = true;
    /* The program's echo usually follows within a millisecond or two: the frame waits for
     * it (up to ECHO_WAIT_NS) rather than going out now and pacing the echo's frame. */
    w->echo_wait = w->blink_epoch + ECHO_WAIT_NS;
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
    enum bt_action a = press ? events_shortcut(&w->keys, key, w->bar.open) : BT_ACTION_NONE;
    if (a != BT_ACTION_NONE) {
        action(w, a);
        return;
    }
    if (w->bar.open || w->paste_held) {
        if (press && w->bar.open)
            bar_key(w, key);
        return;
    }
    if (events_key(&w->ek, session_term(w->s), e) && press)
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
    return term_mouse_mode(session_term(w->s)) != TERM_MOUSE_NONE && view_following(w->view) &&
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
        term_mouse_move(session_term(w->s), row, col, mods);
        if (button_of(b->button))
            term_mouse_button(session_term(w->s), button_of(b->button), down, mods);
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
    if (b->button == SDL_BUTTON_RIGHT && (SDL_GetModState() & KMOD_CTRL)) {
        if (down)
            select_output_at(w, view_lines(w->view)[row].line);
    } else if (b->button == SDL_BUTTON_MIDDLE && down) {
        paste(w, true);
    } else if (b->button == SDL_BUTTON_LEFT && down) {
        if ((SDL_GetModState() & KMOD_SHIFT) && w->sel.exists && b->clicks == 1) {
            select_extend(&w->sel, session_lines(w->s), p);
            w->sel.dragging = true;
        } else {
            enum select_mode mode = b->clicks >= 3 ? SELECT_LINE : b->clicks == 2 ? SELECT_WORD
                                                                                   : SELECT_CHAR;
            select_start(&w->sel, session_lines(w->s), p, mode);
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
        term_mouse_move(session_term(w->s), row, col, events_mods(SDL_GetModState()));
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
    select_extend(&w->sel, session_lines(w->s), select_point_at(&view_lines(w->view)[row], col));
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
            term_mouse_button(session_term(w->s), n > 0 ? 4 : 5, true, 0);
            term_mouse_button(session_term(w->s), n > 0 ? 4 : 5, false, 0);
        }
    } else if (term_altscreen(session_term(w->s)) && view_following(w->view)) {
        for (int i = 0; i < abs(n) * WHEEL_ROWS; i++)
            term_key(session_term(w->s), n > 0 ? TERM_KEY_UP : TERM_KEY_DOWN, 0, TERM_KEY_PRESS);
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
        if (w->focused)
            w->blink_epoch = session_now_ns(); /* the cursor blinks again, from on */
        else
            xkeys_focus_lost(w->app->xk);
        term_focus(session_term(w->s), w->focused);
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
        w->dirty = true; /* exposed, shown, restored: draw again, all of it */
        w->present_all = true;
        break;
    }
}

/* One SDL event. */
void on_event(struct win *w, const SDL_Event *e)
{
    if (e->type != SDL_TEXTINPUT && e->type != SDL_KEYDOWN && e->type != SDL_KEYUP &&
        events_flush(&w->ek, session_term(w->s)))
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
        if (events_text(&w->ek, session_term(w->s), e->text.text))
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
        break;
    }
}
