/*
 * The resets, as xterm 379 does them (checked on the same bytes):
 *   RIS (ESC c)     libvterm resets itself; the engine's own state follows: its modes (mouse,
 *                   bracketed paste, keyboard protocols, synchronized output), margins,
 *                   character sets, the pen attributes libvterm lacks, and the colours.
 *   DECSTR (CSI ! p) which libvterm 0.1.4 never parses (it expects '!' as a leader): cursor
 *                   keys, keypad, origin and insert modes, DECLRMM and the margins reset,
 *                   autowrap on, the cursor shown with its default style, SGR 0, DECSCA 0,
 *                   character sets to ASCII, the saved cursor to home; the cursor stays where
 *                   it is; mouse, bracketed paste, focus, reverse video and LNM stay.
 *   DECALN (ESC # 8) libvterm fills with E in the current pen and leaves the margins and the
 *                   cursor alone; xterm resets the margins, fills with E in the default
 *                   rendition and homes the cursor, keeping the pen.
 */
#include <stdio.h>
#include <string.h>

#include "vt_internal.h"

#define PEN_EXTRAS (SB_ATTR_DIM | SB_ATTR_CONCEAL | SB_ATTR_OVERLINE)

void reset_tracked(struct term *t)
{
    modes_reset(&t->modes);
    grid_set_autowrap(t->grid, true);
    t->margins = (struct term_margins){0, -1, 0, -1};
    t->protect = false;
    t->cs = (struct term_charsets){0};
    t->nsaved_modes = 0;
    grid_set_link(t->grid, 0);
    grid_set_pen_extra(t->grid, PEN_EXTRAS, false);
    grid_save_pen_extra(t->grid);
    t->colors = t->default_colors;
    grid_touch_rows(t->grid);
}

static void put(struct term *t, const char *seq)
{
    vt_write(t, seq, strlen(seq));
}

/* Moves libvterm's cursor to (row, col) of the screen (origin mode off). */
static void cursor_to(struct term *t, int row, int col)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "\x1b[%d;%dH", row + 1, col + 1);
    vt_write(t, buf, (size_t)n);
}

/* Both margins back to the screen's edges (libvterm takes CSI s for DECSLRM always). */
static void reset_margins(struct term *t)
{
    put(t, "\x1b[r\x1b[s");
    t->margins = (struct term_margins){0, -1, 0, -1};
}

void soft_reset(struct term *t)
{
    VTermPos pos;
    vterm_state_get_cursorpos(t->state, &pos);
    seq_dec_mode(t, 1, false);  /* DECCKM */
    seq_dec_mode(t, 6, false);  /* DECOM */
    seq_dec_mode(t, 7, true);   /* DECAWM */
    seq_dec_mode(t, 25, true);  /* DECTCEM */
    seq_dec_mode(t, 66, false); /* DECNKM */
    seq_dec_mode(t, 69, false); /* DECLRMM */
    seq_ansi_mode(t, 4, false); /* IRM */
    reset_margins(t);
    put(t, "\x1b[m\x1b[0\"q\x1b[0 q"); /* SGR 0, DECSCA 0, DECSCUSR 0 */
    grid_set_pen_extra(t->grid, PEN_EXTRAS, false);
    t->protect = false;
    put(t, "\x1b(B\x1b)B\x1b*B\x1b+B\x0f");
    t->cs = (struct term_charsets){0};
    put(t, "\x1b[H\x1b" "7"); /* the saved cursor: home, the default pen */
    grid_save_pen_extra(t->grid);
    cursor_to(t, pos.row, pos.col);
}

void screen_alignment(struct term *t)
{
    sb_color fg, bg;
    uint32_t attrs;
    char sgr[8 + TERM_SGR_MAX];
    grid_pen(t->grid, &fg, &bg, &attrs);
    int n = snprintf(sgr, sizeof sgr, "\x1b[0");
    n += (int)term_sgr_params(sgr + n, fg, bg, attrs, TERM_SGR_PLAIN);
    sgr[n++] = 'm';
    reset_margins(t);
    put(t, "\x1b[m");
    grid_set_pen_extra(t->grid, PEN_EXTRAS, false);
    put(t, "\x1b#8");
    put(t, "\x1b[H"); /* home: the margins are the screen's now */
    vt_write(t, sgr, (size_t)n);
    grid_set_pen_extra(t->grid, attrs & PEN_EXTRAS, true);
}
