/*
 * What each complete escape sequence does in the engine (vt_internal.h).
 *
 * libvterm's parser never sees a sequence's own bytes: the scanner (scan.c) collected it, and
 * this file decides. Most sequences are written to libvterm again, rebuilt from their parsed
 * form (at most 16 arguments, which is all libvterm 0.1.4 can hold). The rest are libvterm
 * 0.1.4's gaps and bugs, each answered here:
 *   - SM/RM and DECSET/DECRST apply only their first parameter in libvterm: every parameter
 *     is applied in order, one sequence each (ncurses and htop send CSI ? 1006 ; 1000 h);
 *   - the modes input depends on (cursor keys, keypad, mouse, focus, bracketed paste, LNM)
 *     are kept here, and DECRQM is answered from them;
 *   - CSI s is DECSLRM even without DECLRMM in libvterm (it homes the cursor): without it,
 *     CSI s saves the cursor and CSI u restores it (SCOSC/SCORC), as in xterm;
 *   - ESC [3J is swallowed by libvterm (its erase has no case 3): it clears the scrollback;
 *   - SGR with more than 16 parameters is written in several pieces (libvterm crashes past 16),
 *     and dim (2/22), conceal (8/28) and overline (53/55), which libvterm does not track, reach
 *     the grid, which saves and restores them with the cursor (DECSC/DECRC, 1048, 1049);
 *   - REP after a glyph of width <= 0 (or none) loops forever in libvterm: dropped;
 *   - a saved cursor restored after the screen shrank lands off the screen: moved back;
 *   - OSC strings longer than 64 bytes are cut by libvterm: titles are taken here, and SOS,
 *     PM and APC strings, which libvterm prints as text, are ignored as xterm does;
 *   - queries libvterm lacks or answers wrongly are answered by reply.c: DECRQM, DECRQSS,
 *     DECRQCRA and XTWINOPS 14/16/18/19; colour commands (OSC 4, 10-19, 104-119) go to
 *     colors.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decimal.h"
#include "utf8.h"
#include "vt_internal.h"

#define VT_ARGS_MAX 16 /* libvterm 0.1.4's CSI_ARGS_MAX */

/* ---- Rebuilding sequences for libvterm ----------------------------------- */

/* Appends parameters [from, from + n) of c to buf at *len (room: n of DECIMAL_MAX + 1). */
static void put_params(char *buf, size_t *len, const struct scan_csi *c, int from, int n)
{
    for (int i = from; i < from + n; i++) {
        const struct scan_param *p = &c->params[i];
        if (p->value >= 0)
            *len += decimal_put(buf + *len, (unsigned long)p->value);
        if (i + 1 < from + n)
            buf[(*len)++] = p->more ? ':' : ';';
    }
}

/* Writes CSI with parameters [from, from + n) of c (n <= VT_ARGS_MAX) to libvterm. */
static void write_csi_params(struct term *t, const struct scan_csi *c, int from, int n)
{
    char buf[16 + VT_ARGS_MAX * (DECIMAL_MAX + 1)];
    size_t len = 0;
    buf[len++] = '\x1b';
    buf[len++] = '[';
    if (c->leader)
        buf[len++] = c->leader;
    put_params(buf, &len, c, from, n);
    if (c->inter)
        buf[len++] = c->inter;
    buf[len++] = c->final;
    vt_write(t, buf, len);
}

/* Passes a CSI on to libvterm as it came (its first 16 parameters). */
static void pass_csi(struct term *t, const struct scan_csi *c)
{
    write_csi_params(t, c, 0, c->nparams < VT_ARGS_MAX ? c->nparams : VT_ARGS_MAX);
    /* libvterm's cursor movements end its wait at the row's end even when nothing moves */
    if (!c->leader && !c->inter && strchr("ABCDEFGHIZ`adefjk", c->final))
        grid_cursor_moved(t->grid);
}

/* Writes one mode switch: CSI [?] mode h/l. */
static void write_mode(struct term *t, bool dec, long mode, bool on)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "\x1b[%s%ld%c", dec ? "?" : "", mode, on ? 'h' : 'l');
    vt_write(t, buf, (size_t)n);
}

/*
 * VTermState ends every CSI it knows by fitting the cursor to its row (a DECDWL row is half as
 * wide); TBC 1, which does nothing else in libvterm 0.1.4, does just that for a CSI the engine
 * takes instead.
 */
static void clamp_cursor(struct term *t)
{
    vt_write(t, "\x1b[1g", 4);
}

/* ---- Modes -------------------------------------------------------------- */

void modes_reset(struct term_modes *m)
{
    *m = (struct term_modes){.autowrap = true};
}

/* Mouse tracking (9, 1000, 1002, 1003): one at a time; resetting any turns tracking off. */
static void set_mouse(struct term_modes *m, long mode, bool on)
{
    m->mouse = on ? (int)mode : 0;
}

/*
 * 47 and 1047, as xterm: the alternate screen keeps its text between visits (libvterm 0.1.4
 * clears it on every entry and knows no 47); leaving with 1047 clears it first.
 */
static void alternate_screen(struct term *t, bool on, bool clear_on_leaving)
{
    bool alt = grid_altscreen(t->grid);
    if (on && !alt)
        grid_keep_alternate(t->grid);
    if (!on && alt && clear_on_leaving)
        vt_write(t, "\x1b[2J", 4);
    write_mode(t, true, 1047, on);
}

/* A DEC private mode (DECSET/DECRST), applied alone. */
void seq_dec_mode(struct term *t, long mode, bool on)
{
    struct term_modes *m = &t->modes;
    switch (mode) {
    case 1: m->cursor_keys = on; break;
    case 6: m->origin = on; break;
    case 7:
        m->autowrap = on;
        grid_set_autowrap(t->grid, on);
        break;
    case 66: m->keypad = on; break;
    case 67: m->backarrow_bs = on; break;
    case 69: m->lr_margins = on; break;
    case 9: case 1000: case 1002: case 1003: set_mouse(m, mode, on); break;
    case 1004: m->focus = on; break;
    case 1005: case 1006: case 1015: m->mouse_enc = on ? (int)mode : 0; break;
    case 2004: m->bracketed_paste = on; break;
    case 2026:
        m->synchronized = on;
        grid_touch(t->grid); /* the end of an update is a change the window must draw */
        return;
    case 47: case 1047:
        alternate_screen(t, on, mode == 1047);
        return;
    default: break;
    }
    write_mode(t, true, mode, on);
    if (mode == 1048 || mode == 1049) { /* libvterm saved or restored the cursor */
        if (on)
            grid_save_pen_extra(t->grid);
        else
            grid_restore_pen_extra(t->grid);
    }
    if (!on && (mode == 1048 || mode == 1049))
        seq_fix_cursor(t);
    int row, col;
    bool leaves_alt = !on && (mode == 47 || mode == 1047 || mode == 1049);
    if (leaves_alt && grid_primary_cursor_moved(t->grid, &row, &col) && mode == 1049) {
        char buf[32]; /* the cursor libvterm saved went elsewhere with the reflowed text */
        int n = snprintf(buf, sizeof buf, "\x1b[%d;%dH", row + 1, col + 1);
        vt_write(t, buf, (size_t)n);
    }
}

/* An ANSI mode (SM/RM): libvterm knows IRM and LNM; the others are not implemented. */
void seq_ansi_mode(struct term *t, long mode, bool on)
{
    if (mode == 4)
        t->modes.insert = on;
    else if (mode == 20)
        t->modes.newline = on;
    if (mode == 4 || mode == 20)
        write_mode(t, false, mode, on);
    else
        clamp_cursor(t);
}

/* SM/RM or DECSET/DECRST: every parameter in order (a sub-parameter's pieces are skipped). */
static void set_modes(struct term *t, const struct scan_csi *c, bool dec)
{
    bool on = c->final == 'h', sub = false;
    for (int i = 0; i < c->nparams; i++) {
        long mode = c->params[i].value;
        if (!sub && mode != SCAN_PARAM_MISSING) {
            if (dec)
                seq_dec_mode(t, mode, on);
            else
                seq_ansi_mode(t, mode, on);
        }
        sub = c->params[i].more;
    }
}

/* XTSAVE (CSI ? Pm s): each mode's state now, for XTRESTORE; modes that cannot change are not. */
static void save_modes(struct term *t, const struct scan_csi *c)
{
    for (int i = 0; i < c->nparams; i++) {
        long mode = c->params[i].value;
        int state = dec_mode_state(t, mode);
        if (state != MODE_SET && state != MODE_RESET)
            continue;
        int k = 0;
        while (k < t->nsaved_modes && t->saved_modes[k].mode != mode)
            k++;
        if (k == TERM_SAVED_MODES)
            continue; /* full: every mode the engine knows fits, so this is not one */
        t->saved_modes[k] = (struct saved_mode){mode, state == MODE_SET};
        if (k == t->nsaved_modes)
            t->nsaved_modes++;
    }
}

/* XTRESTORE (CSI ? Pm r): the saved state of each mode given that XTSAVE saved. */
static void restore_modes(struct term *t, const struct scan_csi *c)
{
    for (int i = 0; i < c->nparams; i++)
        for (int k = 0; k < t->nsaved_modes; k++) {
            const struct saved_mode *s = &t->saved_modes[k];
            if (s->mode == c->params[i].value &&
                (dec_mode_state(t, s->mode) == MODE_SET) != s->on)
                seq_dec_mode(t, s->mode, s->on);
        }
}

/* ---- Tracking what libvterm does with a sequence --------------------------- */

/*
 * Follows DECSTBM (or DECSLRM) as VTermState 0.1.4 applies it to n rows (columns): the start
 * clamped to the screen, an end of n or none is -1, and an empty or inverted range is reset.
 */
static void track_range(const struct scan_csi *c, int n, int *start, int *end)
{
    long a = scan_param(c, 0, 1) - 1;
    long b = c->nparams > 1 && c->params[1].value != SCAN_PARAM_MISSING ? c->params[1].value : -1;
    a = a < 0 ? 0 : a > n ? n : a;
    b = b == n && a == 0 ? -1 : b > n ? n : b;
    if ((b < 0 ? n : b) <= a)
        a = 0, b = -1;
    *start = (int)a;
    *end = (int)b;
}

static void track_region(struct term *t, const struct scan_csi *c)
{
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    if (c->final == 'r')
        track_range(c, rows, &t->margins.top, &t->margins.bottom);
    else
        track_range(c, cols, &t->margins.left, &t->margins.right);
}

void seq_fix_cursor(struct term *t)
{
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    VTermPos pos;
    vterm_state_get_cursorpos(t->state, &pos);
    char buf[32];
    int n = 0;
    if (pos.row >= rows)
        n = snprintf(buf, sizeof buf, "\x1b[%dA", pos.row - (rows - 1));
    else if (pos.col >= cols)
        n = snprintf(buf, sizeof buf, "\x1b[%dD", pos.col - (cols - 1));
    if (n > 0)
        vt_write(t, buf, (size_t)n);
}

/* How many parameters SGR parameter i takes with it (an extended colour's arguments). */
static int sgr_unit(const struct scan_csi *c, int i)
{
    int n = 1;
    while (i + n - 1 < c->nparams - 1 && c->params[i + n - 1].more)
        n++; /* colon sub-parameters belong together */
    if (n > 1)
        return n;
    long p = c->params[i].value;
    if ((p == 38 || p == 48 || p == 58) && i + 1 < c->nparams) {
        long kind = c->params[i + 1].value;
        n = kind == 5 ? 3 : kind == 2 ? 5 : 2;
    }
    return n > c->nparams - i ? c->nparams - i : n;
}

/*
 * The SGR attributes libvterm 0.1.4 does not know: dim (2, and 22 "normal intensity" clears it
 * with bold), conceal (8, 28) and overline (53, 55); a reset (0 or empty) clears them all. The
 * arguments of extended colours are skipped, so that colour index 8 is not taken for conceal.
 */
static void track_pen_extras(struct term *t, const struct scan_csi *c, int from, int n)
{
    static const struct { long code; uint32_t attr; bool on; } extras[] = {
        {2, SB_ATTR_DIM, true},       {22, SB_ATTR_DIM, false},
        {8, SB_ATTR_CONCEAL, true},   {28, SB_ATTR_CONCEAL, false},
        {53, SB_ATTR_OVERLINE, true}, {55, SB_ATTR_OVERLINE, false},
    };
    for (int i = from; i < from + n; i += sgr_unit(c, i)) {
        long p = c->params[i].value;
        if (p <= 0)
            grid_set_pen_extra(t->grid, SB_ATTR_DIM | SB_ATTR_CONCEAL | SB_ATTR_OVERLINE, false);
        for (size_t k = 0; k < sizeof extras / sizeof extras[0]; k++)
            if (p == extras[k].code)
                grid_set_pen_extra(t->grid, extras[k].attr, extras[k].on);
    }
}

/* SGR: written in pieces of at most 16 parameters, never splitting a colour's arguments. */
static void pass_sgr(struct term *t, const struct scan_csi *c)
{
    int from = 0;
    while (from < c->nparams) {
        int n = 0;
        while (from + n < c->nparams) {
            int u = sgr_unit(c, from + n);
            if (n + u > VT_ARGS_MAX && n > 0)
                break;
            n += u;
        }
        n = n > VT_ARGS_MAX ? VT_ARGS_MAX : n;
        write_csi_params(t, c, from, n);
        track_pen_extras(t, c, from, n);
        from += n;
    }
}

/* ---- Titles ------------------------------------------------------------ */

/* Makes title (clean UTF-8) the window's. */
static void show_title(struct term *t, const char *title)
{
    snprintf(t->title, sizeof t->title, "%s", title);
    if (t->cb.title)
        t->cb.title(t->user, t->title);
}

/*
 * XTWINOPS 22 (push) and 23 (pop) with Ps2 0 (icon and window title) or 2 (window title):
 * the engine keeps no icon title, so Ps2 1 does nothing. A full stack forgets its oldest.
 */
static void title_stack(struct term *t, long op, long which)
{
    if (which == 1)
        return;
    if (op == 22) {
        if (t->ntitles == TERM_TITLES) {
            memmove(t->title_stack[0], t->title_stack[1],
                    sizeof t->title_stack[0] * (TERM_TITLES - 1));
            t->ntitles--;
        }
        memcpy(t->title_stack[t->ntitles++], t->title, sizeof t->title);
    } else if (t->ntitles > 0) {
        show_title(t, t->title_stack[--t->ntitles]);
    }
}

/* The window title from OSC 0 or 2: valid UTF-8 without controls, as the window needs it. */
static void set_title(struct term *t, const char *text, size_t len)
{
    char title[TERM_TITLE_MAX];
    size_t n = 0;
    while (len > 0 && n + UTF8_MAX < sizeof title) {
        uint32_t cp;
        size_t k = utf8_decode(text, len, &cp);
        text += k;
        len -= k;
        if (!utf8_is_control(cp))
            n += utf8_encode(cp, title + n);
    }
    title[n] = '\0';
    show_title(t, title);
}

/* ---- CSI ---------------------------------------------------------------- */

#define REP_MAX 65535 /* xterm's largest parameter */

/*
 * REP, as xterm does it: the character written right before (its base, without marks), n more
 * times (0 is 1), through the text path, so that it wraps and scrolls like typed text.
 * libvterm 0.1.4 stopped at the row's end, counted columns rather than glyphs, repeated after
 * any sequence, and looped forever on a glyph of width 0.
 */
static void repeat_char(struct term *t, long n)
{
    char unit[UTF8_MAX], buf[256];
    uint32_t cp = t->rep_ok ? grid_last_glyph(t->grid) : 0;
    if (!cp)
        return;
    size_t len = utf8_encode(cp, unit), per = sizeof buf / len;
    n = n < 1 ? 1 : n > REP_MAX ? REP_MAX : n;
    for (size_t i = 0; i < per; i++)
        memcpy(buf + i * len, unit, len);
    while (n > 0) {
        size_t k = (size_t)n < per ? (size_t)n : per;
        vt_text(t, buf, k * len);
        n -= (long)k;
    }
}

/* A CSI without leader or intermediate. */
static void plain_csi(struct term *t, const struct scan_csi *c)
{
    if (margins_active(t) && margins_csi(t, c))
        return;
    switch (c->final) {
    case 'h':
    case 'l':
        set_modes(t, c, false);
        return;
    case 'm':
        pass_sgr(t, c);
        return;
    case 'J':
        if (c->nparams == 1 && c->params[0].value == 3 && t->cb.clear_scrollback)
            t->cb.clear_scrollback(t->user);
        break; /* ED 3 is nothing else in libvterm, but it still fits the cursor */
    case 'r':
        pass_csi(t, c);
        track_region(t, c);
        return;
    case 'b':
        repeat_char(t, scan_param(c, 0, 1));
        return;
    case 'c':
        if (scan_param(c, 0, 0) == 0) /* DA1: a VT420 with selective erase, colour, rectangles */
            vt_reply(t, "\x1b[?64;6;22;28c");
        clamp_cursor(t);
        return;
    case 's':
        if (!t->modes.lr_margins) {
            vt_write(t, "\x1b" "7", 2); /* SCOSC */
            grid_save_pen_extra(t->grid);
            return;
        }
        pass_csi(t, c); /* DECSLRM */
        track_region(t, c);
        return;
    case 'u':
        vt_write(t, "\x1b" "8", 2); /* SCORC */
        grid_restore_pen_extra(t->grid);
        seq_fix_cursor(t);
        return;
    case 't':
        if (scan_param(c, 0, 0) == 22 || scan_param(c, 0, 0) == 23)
            title_stack(t, scan_param(c, 0, 0), scan_param(c, 1, 0));
        else
            reply_winops(t, scan_param(c, 0, 0));
        return;
    default:
        break;
    }
    pass_csi(t, c);
}

static void on_csi(struct term *t, const struct scan_csi *c)
{
    if (c->junk)
        return; /* several leaders or intermediates: libvterm ignores them too */
    if (!c->leader && !c->inter && strchr("@ABCDEFGHIJKLMPSTXZ`abdefrs", c->final))
        t->margin_wrap = false; /* a move or an edit ends a wrap pending at the right margin */
    if (c->final == 'n' && !c->inter && scan_param(c, 0, 0) == 6 &&
        (!c->leader || c->leader == '?')) {
        reply_cursor(t, c->leader == '?');
        clamp_cursor(t); /* as VTermState ends every CSI it knows */
    } else if (rect_csi(t, c)) {
        return;
    } else if (!c->leader && !c->inter) {
        plain_csi(t, c);
    } else if (c->leader == '?' && !c->inter && (c->final == 'h' || c->final == 'l')) {
        set_modes(t, c, true);
    } else if (c->leader == '?' && !c->inter && (c->final == 's' || c->final == 'r')) {
        if (c->final == 's')
            save_modes(t, c);
        else
            restore_modes(t, c);
        clamp_cursor(t);
    } else if (c->inter == '$' && c->final == 'p' && (!c->leader || c->leader == '?')) {
        reply_decrqm(t, c);
        if (c->leader == '?')
            clamp_cursor(t);
    } else if (c->inter == '!' && c->final == 'p' && !c->leader) {
        soft_reset(t); /* DECSTR, which libvterm 0.1.4 never parses */
    } else if (c->inter == '"' && c->final == 'q' && !c->leader) {
        pass_csi(t, c); /* DECSCA; tracked for DECRQSS */
        long p = scan_param(c, 0, 0);
        t->protect = p == 1 ? true : p == 0 || p == 2 ? false : t->protect;
    } else if (c->inter == '*' && c->final == 'y' && !c->leader) {
        reply_checksum(t, c);
    } else if (c->final == 'u' && !c->inter) { /* ? > < = : the kitty keyboard protocol */
        input_kitty_csi(t, c);
    } else if (!c->inter && ((c->leader == '>' && (c->final == 'm' || c->final == 'n')) ||
                             (c->leader == '?' && c->final == 'm'))) {
        input_modkeys_csi(t, c); /* XTMODKEYS, XTQMODKEYS: modifyOtherKeys */
    } else {
        pass_csi(t, c);
    }
}

/* ---- ESC ---------------------------------------------------------------- */

static void on_esc(struct term *t, const struct scan_esc *e)
{
    if (e->junk || e->final == '\\')
        return; /* libvterm ignores both; a lone ST ends nothing */
    t->margin_wrap = false;
    if (e->inter == '#' && e->final == '8') {
        screen_alignment(t); /* DECALN */
        return;
    }
    if (!e->inter && (e->final == '6' || e->final == '9')) {
        margins_index_column(t, e->final == '9');
        return;
    }
    if (!e->inter && e->final == 'E' && margins_active(t)) {
        margins_nel(t);
        return;
    }
    char buf[3] = {'\x1b'};
    size_t n = 1;
    if (e->inter)
        buf[n++] = e->inter;
    buf[n++] = e->final;
    vt_write(t, buf, n);
    if (e->inter) {
        if (e->inter == '(')
            t->cs.g0_other = e->final != 'B';
        return;
    }
    switch (e->final) {
    case 'c': reset_tracked(t); break;
    case '7': grid_save_pen_extra(t->grid); break;
    case '8':
        grid_restore_pen_extra(t->grid);
        seq_fix_cursor(t);
        break;
    case '=': t->modes.keypad = true; break;
    case '>': t->modes.keypad = false; break;
    case 'n': t->cs.gl = 2; break;
    case 'o': t->cs.gl = 3; break;
    case 'N': case 'O': t->cs.single_shift = true; break;
    default: break;
    }
}

void seq_track_c0(struct term *t, unsigned char c)
{
    if (c == 0x0e)
        t->cs.gl = 1;
    else if (c == 0x0f)
        t->cs.gl = 0;
}

/* ---- Strings ------------------------------------------------------------ */

/*
 * OSC 8 ; params ; URI: the text written next links to URI, until OSC 8 ; ; ends it. The
 * params (id=...) are not kept: cells with the same URI are one link. A URI that is not
 * printable ASCII of at most SB_MAX_LINK_BYTES (what a URI is) links nothing.
 */
static void hyperlink(struct term *t, const char *text, size_t len)
{
    const char *semi = memchr(text, ';', len);
    const char *uri = semi ? semi + 1 : text + len;
    size_t n = (size_t)(text + len - uri);
    bool ok = semi && sb_link_valid(uri, n);
    grid_set_link(t->grid, ok ? grid_link_intern(t->grid, uri, n) : 0);
}

/* OSC Ps [; Pt]: Ps is 1 to 4 decimal digits; anything else is no command. */
static void on_osc(struct term *t, const struct scan_str *s)
{
    if (s->overflow)
        return;
    const char *semi = memchr(s->data, ';', s->len);
    size_t plen = semi ? (size_t)(semi - s->data) : s->len;
    long ps = 0;
    if (plen < 1 || plen > 4)
        return;
    for (size_t i = 0; i < plen; i++) {
        if (s->data[i] < '0' || s->data[i] > '9')
            return;
        ps = ps * 10 + (s->data[i] - '0');
    }
    const char *text = semi ? semi + 1 : s->data + s->len;
    size_t len = s->len - (size_t)(text - s->data);
    if ((ps == 0 || ps == 2) && semi)
        set_title(t, text, len);
    else if (ps == 8 && semi)
        hyperlink(t, text, len);
    else if (ps == 52 && semi)
        clip_osc(t, text, len, s->bel);
    else if (ps == 133 && semi)
        prompt_osc(t, text, len);
    else
        colors_osc(t, ps, text, len, semi != NULL, s->bel);
}

/*
 * DCS: DECRQSS (DCS $ q Pt ST) and XTGETTCAP (DCS + q Pt ST); other device control strings are
 * ignored, as by libvterm. A string cut by its limit is answered as unknown.
 */
static void on_dcs(struct term *t, const struct scan_str *s)
{
    if (s->len < 2)
        return;
    const char *req = s->overflow ? "" : s->data + 2;
    size_t n = s->overflow ? 0 : s->len - 2;
    if (!memcmp(s->data, "$q", 2))
        reply_decrqss(t, req, n);
    else if (!memcmp(s->data, "+q", 2))
        reply_tcap(t, req, n);
}

void seq_dispatch(struct term *t, enum scan_step step)
{
    switch (step) {
    case SCAN_CSI:
        on_csi(t, &t->scan.csi);
        break;
    case SCAN_ESC:
        on_esc(t, &t->scan.esc);
        break;
    case SCAN_STR:
        if (t->scan.str.kind == ']')
            on_osc(t, &t->scan.str);
        else if (t->scan.str.kind == 'P')
            on_dcs(t, &t->scan.str);
        scan_trim(&t->scan);
        break;
    default:
        break;
    }
}
