/*
 * Answers to the program's queries that the engine gives itself rather than libvterm 0.1.4
 * (which lacks them, answers them wrongly, or could be made to echo the request):
 *   DECRQM   CSI ? Ps $ p, CSI Ps $ p      from the modes the engine keeps
 *   DECRQSS  DCS $ q Pt ST                  SGR, DECSTBM, DECSLRM, DECSCUSR, DECSCL, DECSCA
 *   XTWINOPS CSI 14 / 16 / 18 / 19 t        sizes in pixels and characters
 *   DECRQCRA CSI Pid ; Pp ; rect * y        xterm's checksum of a rectangle
 * A reply holds only what the engine formats itself: never a byte of the request (a request
 * the engine does not know gets xterm's "invalid" reply, with nothing of it echoed).
 */
#include <stdio.h>
#include <string.h>

#include "vt_internal.h"

/* ---- DECRQM ---------------------------------------------------------------- */

static int set_or_reset(bool on)
{
    return on ? MODE_SET : MODE_RESET;
}

int dec_mode_state(struct term *t, long mode)
{
    const struct term_modes *m = &t->modes;
    bool visible, blink;
    int shape;
    grid_cursor_props(t->grid, &visible, &blink, &shape);
    switch (mode) {
    case 1: return set_or_reset(m->cursor_keys);
    case 2: return MODE_ALWAYS; /* DECANM: ANSI, never VT52 */
    case 3: return MODE_NEVER;  /* DECCOLM: the window's width is the user's, not 132 */
    case 4: return MODE_NEVER;  /* DECSCLM: no smooth scrolling */
    case 5: return set_or_reset(grid_reverse(t->grid));
    case 6: return set_or_reset(m->origin);
    case 7: return set_or_reset(m->autowrap);
    case 8: return MODE_ALWAYS; /* DECARM: keys repeat as the window system repeats them */
    case 12: return set_or_reset(blink);
    case 25: return set_or_reset(visible);
    case 66: return set_or_reset(m->keypad);
    case 67: return set_or_reset(m->backarrow_bs);
    case 69: return set_or_reset(m->lr_margins);
    case 9: case 1000: case 1002: case 1003: return set_or_reset(m->mouse == mode);
    case 1004: return set_or_reset(m->focus);
    case 1005: case 1006: case 1015: return set_or_reset(m->mouse_enc == mode);
    case 47: case 1047: case 1049: return set_or_reset(grid_altscreen(t->grid));
    case 1048: return MODE_SET; /* as xterm answers it */
    case 2004: return set_or_reset(m->bracketed_paste);
    case 2026: return set_or_reset(m->synchronized);
    default: return MODE_UNKNOWN;
    }
}

/* DECRPM for an ANSI mode. */
static int ansi_mode_state(struct term *t, long mode)
{
    switch (mode) {
    case 2: return MODE_NEVER;   /* KAM: the keyboard is never locked */
    case 4: return set_or_reset(t->modes.insert);
    case 12: return MODE_ALWAYS; /* SRM: no local echo, ever */
    case 20: return set_or_reset(t->modes.newline);
    default: return MODE_UNKNOWN;
    }
}

void reply_decrqm(struct term *t, const struct scan_csi *c)
{
    long mode = scan_param(c, 0, 0);
    if (c->leader == '?')
        vt_reply(t, "\x1b[?%ld;%d$y", mode, dec_mode_state(t, mode));
    else
        vt_reply(t, "\x1b[%ld;%d$y", mode, ansi_mode_state(t, mode));
}

/* ---- DECRQSS --------------------------------------------------------------- */

/* SGR: "0" then what sets the pen, in xterm's form (38:5:n, 38:2::r:g:b). */
static void status_sgr(struct term *t, char *out, size_t cap)
{
    sb_color fg, bg;
    uint32_t attrs;
    char params[TERM_SGR_MAX];
    grid_pen(t->grid, &fg, &bg, &attrs);
    term_sgr_params(params, fg, bg, attrs, TERM_SGR_XTERM);
    snprintf(out, cap, "0%sm", params);
}

/* DECSCUSR: 1/2 block, 3/4 underline, 5/6 bar; the odd ones blink. */
static int cursor_style(struct term *t)
{
    bool visible, blink;
    int shape;
    grid_cursor_props(t->grid, &visible, &blink, &shape);
    int steady = shape == VTERM_PROP_CURSORSHAPE_UNDERLINE ? 4
                 : shape == VTERM_PROP_CURSORSHAPE_BAR_LEFT ? 6 : 2;
    return blink ? steady - 1 : steady;
}

/* The status string for request req (the bytes after "$q"); false when it is none known. */
static bool status_string(struct term *t, const char *req, size_t n, char *out, size_t cap)
{
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    const struct term_margins *mg = &t->margins;
    if (n == 1 && req[0] == 'm')
        status_sgr(t, out, cap);
    else if (n == 1 && req[0] == 'r')
        snprintf(out, cap, "%d;%dr", mg->top + 1, mg->bottom < 0 ? rows : mg->bottom);
    else if (n == 1 && req[0] == 's')
        snprintf(out, cap, "%d;%ds", mg->left + 1, mg->right < 0 ? cols : mg->right);
    else if (n == 2 && !memcmp(req, " q", 2))
        snprintf(out, cap, "%d q", cursor_style(t));
    else if (n == 2 && !memcmp(req, "\"p", 2))
        snprintf(out, cap, "64;1\"p"); /* DECSCL: a VT420, 7-bit controls (as xterm says) */
    else if (n == 2 && !memcmp(req, "\"q", 2))
        snprintf(out, cap, "%d\"q", t->protect ? 1 : 0);
    else
        return false;
    return true;
}

void reply_decrqss(struct term *t, const char *req, size_t n)
{
    char status[160];
    if (status_string(t, req, n, status, sizeof status))
        vt_reply(t, "\x1bP1$r%s\x1b\\", status);
    else
        vt_reply(t, "\x1bP0$r\x1b\\");
}

/* ---- CPR, DECXCPR ------------------------------------------------------------ */

void reply_cursor(struct term *t, bool dec)
{
    VTermPos pos;
    vterm_state_get_cursorpos(t->state, &pos);
    if (t->modes.origin) { /* xterm counts from the margins' corner */
        pos.row -= t->margins.top;
        pos.col -= t->modes.lr_margins ? t->margins.left : 0;
    }
    if (dec)
        vt_reply(t, "\x1b[?%d;%d;1R", pos.row + 1, pos.col + 1); /* page 1, as xterm */
    else
        vt_reply(t, "\x1b[%d;%dR", pos.row + 1, pos.col + 1);
}

/* ---- XTWINOPS, DECRQCRA ----------------------------------------------------- */

/* XTWINOPS reports: 14 text area and 16 cell size in pixels, 18/19 size in characters. */
void reply_winops(struct term *t, long op)
{
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    bool px = t->cell_w > 0 && t->cell_h > 0;
    if (op == 14 && px)
        vt_reply(t, "\x1b[4;%d;%dt", rows * t->cell_h, cols * t->cell_w);
    else if (op == 16 && px)
        vt_reply(t, "\x1b[6;%d;%dt", t->cell_h, t->cell_w);
    else if (op == 18)
        vt_reply(t, "\x1b[8;%d;%dt", rows, cols);
    else if (op == 19)
        vt_reply(t, "\x1b[9;%d;%dt", rows, cols);
}

/* xterm's rectangle parameter: absent takes the default, present is clamped to 1..max. */
static int rect_param(const struct scan_csi *c, int i, int dflt, int max)
{
    if (i >= c->nparams)
        return dflt;
    long v = c->params[i].value < 0 ? 0 : c->params[i].value;
    return v < 1 ? 1 : v > max ? max : (int)v;
}

/*
 * DECRQCRA, answered as xterm does (xtermCheckRect with its default checksum mode): the
 * first two parameters are Pid and the page (ignored) when more than two are given.
 */
void reply_checksum(struct term *t, const struct scan_csi *c)
{
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    int off = c->nparams > 2 ? 2 : 0;
    int top = rect_param(c, off, 1, rows), left = rect_param(c, off + 1, 1, cols);
    int bottom = rect_param(c, off + 2, rows, rows), right = rect_param(c, off + 3, cols, cols);
    int sum = 0;
    if (top <= bottom && left <= right)
        sum = grid_checksum(t->grid, top - 1, left - 1, bottom - 1, right - 1);
    vt_reply(t, "\x1bP%ld!~%04X\x1b\\", scan_param(c, 0, 0), (unsigned)(-sum & 0xffff));
}

