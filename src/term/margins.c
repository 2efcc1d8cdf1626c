/*
 * Left and right margins (DECSLRM, with DECLRMM on) where libvterm 0.1.4 ignores them, as
 * xterm 379 honours them (checked on the same bytes):
 *   text     wraps from the right margin to the left margin of the next line (scrolling the
 *            region at its bottom), or, without autowrap, stays in the margin's last column;
 *   CR       goes to the left margin (to column 1 from left of it); NEL the same, a line down;
 *   BS       stops at the left margin;
 *   HT, CHT, CUF stop at the right margin, CUB at the left, when they start inside;
 *   CHA, HPA count from the left margin in origin mode.
 * libvterm already scrolls, inserts and deletes within the margins. None of this runs while
 * the margins are the screen's edges (margins_active), so plain text keeps its fast path.
 *
 * A glyph written in the margin's last column leaves the cursor there with a wrap pending
 * (t->margin_wrap), as xterm does; the next glyph wraps first. Cursor movements end it.
 */
#include <stdio.h>
#include <string.h>

#include "marks.h"
#include "utf8.h"
#include "vt_internal.h"

/* The first column past the right margin. */
static int right_end(const struct term *t)
{
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    return t->margins.right < 0 || t->margins.right > cols ? cols : t->margins.right;
}

bool margins_active(const struct term *t)
{
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    return t->modes.lr_margins && (t->margins.left > 0 || right_end(t) < cols);
}

static VTermPos cursor(const struct term *t)
{
    VTermPos pos;
    vterm_state_get_cursorpos(t->state, &pos);
    return pos;
}

/* Moves libvterm's cursor to (row, col) of the screen, whatever the origin mode. */
static void cursor_to(struct term *t, int row, int col)
{
    char buf[32];
    if (t->modes.origin) {
        row -= t->margins.top;
        col -= t->margins.left;
    }
    int n = snprintf(buf, sizeof buf, "\x1b[%d;%dH", row + 1, col + 1);
    vt_write(t, buf, (size_t)n);
}

/* CR: to the left margin, or to the first column from left of it. */
static void carriage_return(struct term *t)
{
    VTermPos pos = cursor(t);
    cursor_to(t, pos.row, pos.col >= t->margins.left ? t->margins.left : 0);
}

/* After a rightward move from pos: back to the margin's last column if it went past it. */
static void stop_at_right(struct term *t, VTermPos from)
{
    VTermPos now = cursor(t);
    int end = right_end(t);
    if (from.col < end && now.col >= end)
        cursor_to(t, now.row, end - 1);
}

/* The wrap a glyph in the margin's last column left pending: left margin, a line down. */
static void wrap(struct term *t)
{
    t->margin_wrap = false;
    carriage_return(t);
    vt_write(t, "\x1b" "D", 2); /* IND: scrolls the region (within the margins) at its end */
}

/* One glyph (a character and its combining marks) written at the cursor. */
static void glyph(struct term *t, const char *bytes, size_t n)
{
    if (t->margin_wrap && t->modes.autowrap)
        wrap(t);
    t->margin_wrap = false;
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    VTermPos before = cursor(t);
    vt_write(t, bytes, n);
    VTermPos after = cursor(t);
    int end = right_end(t);
    /* libvterm stays in the last screen column (waiting to wrap) after a glyph there */
    int width = after.row == before.row && after.col > before.col ? after.col - before.col
                                                                   : cols - before.col;
    if (before.col < end && before.col + width >= end) {
        cursor_to(t, before.row, end - 1); /* also ends libvterm's own wait at the edge */
        t->margin_wrap = t->modes.autowrap;
    }
}

/* The length of the glyph at p[0..n): a character and the combining marks after it. */
static size_t glyph_len(const char *p, size_t n)
{
    uint32_t cp;
    size_t len = utf8_decode(p, n, &cp);
    while (len < n) {
        size_t k = utf8_decode(p + len, n - len, &cp);
        if (!marks_is_combining(cp))
            break;
        len += k;
    }
    return len;
}

/* One C0 control in text. */
static void control(struct term *t, char c)
{
    VTermPos pos = cursor(t);
    switch (c) {
    case '\r':
        carriage_return(t);
        break;
    case '\b':
        if (pos.col != t->margins.left && pos.col > 0)
            cursor_to(t, pos.row, pos.col - 1);
        break;
    case '\t':
        vt_write(t, "\t", 1);
        stop_at_right(t, pos);
        break;
    default:
        vt_write(t, &c, 1);
        seq_track_c0(t, (unsigned char)c);
        return; /* LF, VT and FF keep the column; BEL, SO, SI move nothing */
    }
    t->margin_wrap = false;
}

/* The bytes of the UTF-8 sequence lead byte c starts (1 when it starts none). */
static size_t sequence_len(unsigned char c)
{
    return c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4
                                                                                            : 1;
}

/*
 * A character cut by the end of the last write: completes it from bytes (and returns how many
 * it took), writing it once whole; it stays held while bytes run out first.
 */
static size_t complete_held(struct term *t, const char *bytes, size_t n)
{
    size_t need = sequence_len((unsigned char)t->mpart[0]), took = 0;
    while (t->nmpart < need && took < n && ((unsigned char)bytes[took] & 0xc0) == 0x80)
        t->mpart[t->nmpart++] = bytes[took++];
    if (t->nmpart == need || took < n) { /* whole, or cut short by a byte that ends it */
        glyph(t, t->mpart, t->nmpart);
        t->nmpart = 0;
    }
    return took;
}

void margins_text(struct term *t, const char *bytes, size_t n)
{
    if (t->nmpart) {
        size_t took = complete_held(t, bytes, n);
        bytes += took;
        n -= took;
    }
    while (n > 0) {
        unsigned char c = (unsigned char)bytes[0];
        size_t len = c < 0x20 || c == 0x7f ? 1 : glyph_len(bytes, n);
        uint32_t cp;
        if (c >= 0x80 && len < sequence_len(c) && len == n) { /* cut: wait for the rest */
            memcpy(t->mpart, bytes, n);
            t->nmpart = n;
            return;
        }
        utf8_decode(bytes, n, &cp);
        if (c < 0x20)
            control(t, (char)c);
        else if (marks_is_combining(cp))
            vt_write(t, bytes, len); /* marks after a glyph of an earlier write: libvterm's */
        else if (c != 0x7f)
            glyph(t, bytes, len);
        bytes += len;
        n -= len;
    }
}

/* Writes CSI n final to libvterm. */
static void csi(struct term *t, long n, char final)
{
    char buf[32];
    int k = snprintf(buf, sizeof buf, "\x1b[%ld%c", n, final);
    vt_write(t, buf, (size_t)k);
}

bool margins_csi(struct term *t, const struct scan_csi *c)
{
    VTermPos pos = cursor(t);
    long n = scan_param(c, 0, 1);
    n = n < 1 ? 1 : n;
    switch (c->final) {
    case 'C': case 'I': /* CUF, CHT */
        csi(t, n, c->final);
        stop_at_right(t, pos);
        break;
    case 'D': { /* CUB */
        csi(t, n, 'D');
        VTermPos now = cursor(t);
        if (pos.col >= t->margins.left && now.col < t->margins.left)
            cursor_to(t, now.row, t->margins.left);
        break;
    }
    case 'G': case '`': /* CHA, HPA */
        if (!t->modes.origin)
            return false;
        n = t->margins.left + n - 1;
        cursor_to(t, pos.row, (int)(n < right_end(t) ? n : right_end(t) - 1));
        break;
    default:
        return false;
    }
    t->margin_wrap = false;
    return true;
}

void margins_nel(struct term *t)
{
    t->margin_wrap = false;
    vt_write(t, "\x1b" "D", 2);
    carriage_return(t);
}

/*
 * DECBI and DECFI, as xterm: a column left (right), or at the left (right) margin, the
 * scrolling region's columns between the margins move right (left) by one instead, a blank
 * column coming in; nothing when the cursor is at the margin but outside the region's rows.
 * Outside the margins the cursor moves up to the screen's edge.
 */
void margins_index_column(struct term *t, bool forward)
{
    t->margin_wrap = false;
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    VTermPos pos = cursor(t);
    int left = t->modes.lr_margins ? t->margins.left : 0;
    int right = t->modes.lr_margins ? right_end(t) : cols; /* one past */
    int bottom = t->margins.bottom < 0 ? rows : t->margins.bottom;
    bool in_rows = pos.row >= t->margins.top && pos.row < bottom;
    if (!forward && pos.col == left) {
        if (in_rows)
            vt_write(t, "\x1b[1'}", 5); /* DECIC at the left margin */
    } else if (forward && pos.col == right - 1) {
        if (in_rows) { /* DECDC at the left margin */
            cursor_to(t, pos.row, left);
            vt_write(t, "\x1b[1'~", 5);
            cursor_to(t, pos.row, pos.col);
        }
    } else if (!forward && pos.col > 0) {
        cursor_to(t, pos.row, pos.col - 1);
    } else if (forward && pos.col < cols - 1) {
        cursor_to(t, pos.row, pos.col + 1);
    }
}
