/*
 * The terminal engine (term.h): bytes from the pty in, libvterm's VTermState driving the grid.
 *
 * Text goes to libvterm as it came, with one shortcut (the fast path below). Escape sequences
 * never do: from an ESC on, bytes go to the scanner (scan.c), and seq.c acts on each complete
 * sequence, writing libvterm a rebuilt one when libvterm should act on it. So libvterm's parser
 * is always between sequences when text arrives, and the engine sees every sequence whole,
 * however the pty split it.
 *
 * Guards against libvterm 0.1.4 that live with the text (seq.c has those for sequences):
 *   - C1 controls in UTF-8 form (C2 80..C2 9F): libvterm places them as glyphs of width -1
 *     and walks its cursor to column -1; they are dropped (scan_ground). Raw 0x9B is not a
 *     CSI in UTF-8 mode, for libvterm or for us: "\xC2\x9B" "3J" never clears scrollback;
 *   - UTF-8 split across writes after other text: libvterm garbles it; an incomplete tail is
 *     held back to the next feed (hold_partial);
 *   - one write of several MiB overflows libvterm's stack: text goes in slices (slice_len);
 *   - a resize to no more rows than the scroll region's top (or columns than the left
 *     margin): libvterm keeps the region inverted and corrupts its heap on the next scroll;
 *     the region is reset first, as xterm resets it on resize anyway (reset_region_for).
 */
#include "vt_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "marks.h"
#include "utf8.h"

/*
 * Every write to libvterm goes through here. The ESC that starts a sequence went to libvterm
 * with the text before it (see scan_ground), so libvterm sits in its escape state: the first
 * sequence written after it drops its own ESC, anything else cancels the state first (CAN).
 */
void vt_write(struct term *t, const char *bytes, size_t len)
{
    if (t->esc_pending) {
        t->esc_pending = false;
        if (len > 0 && bytes[0] == '\x1b') {
            bytes++;
            len--;
        } else {
            vterm_input_write(t->vt, "\x18", 1);
        }
    }
    vterm_input_write(t->vt, bytes, len);
}

/* After a sequence: libvterm leaves the escape state if nothing was written for it. */
static void vt_end_sequence(struct term *t)
{
    if (t->esc_pending) {
        t->esc_pending = false;
        vterm_input_write(t->vt, "\x18", 1);
    }
}

void vt_reply(struct term *t, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof buf && t->cb.output)
        t->cb.output(t->user, buf, (size_t)n);
}

/* ---- Text ---------------------------------------------------------------- */

/* One term_feed call: bytes from start to p are scanned and not yet given to libvterm. */
struct feed {
    const unsigned char *begin, *start, *p, *end;
    const unsigned char *c2; /* the next 0xC2 at or after p, or end; NULL until searched */
    bool seg; /* libvterm starts a new piece of text at p (a new write, or after a sequence) */
};

/*
 * libvterm's text handler keeps an array of codepoints as long as the write on its stack: a
 * write of a few MiB overflows the stack. Longer runs go in slices of at most this many bytes.
 */
#define VT_WRITE_MAX (64u << 10)

/*
 * How much of p[0..n) to write at once: all of it when short, else a slice that ends right
 * before an ASCII byte, so that no UTF-8 sequence or base-and-marks is split, when there is one.
 */
static size_t slice_len(const unsigned char *p, size_t n)
{
    if (n <= VT_WRITE_MAX)
        return n;
    for (size_t k = VT_WRITE_MAX; k > VT_WRITE_MAX / 2; k--)
        if (p[k] < 0x80)
            return k;
    for (size_t k = VT_WRITE_MAX; k > VT_WRITE_MAX - 8; k--)
        if ((p[k] & 0xc0) != 0x80)
            return k;
    return VT_WRITE_MAX;
}

/*
 * On a one-column screen every glyph leaves VTermState waiting at the edge (at_phantom), and
 * only a cursor move ends the wait; CR cannot move there, nor LF on the last row, so libvterm
 * 0.1.4 wraps again on the next glyph and leaves a blank row between lines. After each such
 * control, CUF (which clears the wait and cannot move either) does what xterm's CR and LF do.
 */
static void write_narrow(struct term *t, const unsigned char *p, size_t n)
{
    const unsigned char *end = p + n;
    while (p < end) {
        const unsigned char *q = p;
        while (q < end && *q != '\r' && *q != '\n' && *q != '\v' && *q != '\f')
            q++;
        if (q < end)
            q++;
        vt_write(t, (const char *)p, (size_t)(q - p));
        if (q[-1] == '\r' || q[-1] == '\n' || q[-1] == '\v' || q[-1] == '\f')
            vt_write(t, "\x1b[C", 3);
        p = q;
    }
}

/*
 * Combining marks that start a write, when the glyph before them waits at the row's end: the
 * grid joins them to it (libvterm 0.1.4 would start a new cell on the next row with them).
 * Returns the bytes taken, 0 when there are none (U+0300 is the first mark: lead byte 0xCC).
 */
static size_t join_leading_marks(struct term *t, const unsigned char *p, size_t n)
{
    if (n == 0 || *p < 0xcc || *p >= 0xf8)
        return 0;
    uint32_t marks[SB_MAX_CHARS];
    int k = 0;
    size_t at = 0;
    while (at < n && k < SB_MAX_CHARS) {
        uint32_t cp;
        size_t len = utf8_decode((const char *)p + at, n - at, &cp);
        if (cp == UTF8_REPLACEMENT || !marks_is_combining(cp))
            break;
        marks[k++] = cp;
        at += len;
    }
    while (at < n && k == SB_MAX_CHARS) { /* more than a cell holds: dropped, as libvterm does */
        uint32_t cp;
        size_t len = utf8_decode((const char *)p + at, n - at, &cp);
        if (cp == UTF8_REPLACEMENT || !marks_is_combining(cp))
            break;
        at += len;
    }
    return k && grid_join_marks(t->grid, marks, k) ? at : 0;
}

/*
 * Whether REP may repeat (xterm's rule): only right after a graphic character, with nothing
 * between, not even a control. Follows text [p, end) on its way to libvterm (an ESC at its end
 * starts a sequence and is not text); the grid knows the glyph itself.
 */
static void note_last_char(struct term *t, const unsigned char *p, const unsigned char *end)
{
    if (end > p && end[-1] == 0x1b)
        end--;
    if (end > p)
        t->rep_ok = end[-1] >= 0x20 && end[-1] != 0x7f;
}

void vt_text(struct term *t, const char *bytes, size_t n)
{
    if (margins_active(t))
        margins_text(t, bytes, n);
    else if (t->narrow)
        write_narrow(t, (const unsigned char *)bytes, n);
    else
        vt_write(t, bytes, n);
}

/* Hands libvterm the scanned bytes up to (not including) upto. */
static void flush_to(struct term *t, struct feed *f, const unsigned char *upto)
{
    f->start += join_leading_marks(t, f->start, (size_t)(upto - f->start));
    note_last_char(t, f->start, upto);
    while (upto > f->start) {
        size_t n = slice_len(f->start, (size_t)(upto - f->start));
        vt_text(t, (const char *)f->start, n);
        f->start += n;
    }
}

static bool is_c1_tail(unsigned char c)
{
    return c >= 0x80 && c <= 0x9f;
}

/*
 * True for a byte after 0xC2 that neither ends a character (A0..BF) nor a C1 control. Given
 * an ASCII byte or a control, libvterm's decoder keeps waiting for the 0xC2's tail; given
 * 0xFE or 0xFF it writes U+FFFD and still waits. Either way the next 0x80..0x9F, however much
 * later, would end a C1 control, a glyph of width -1 (the same walk off the screen as below).
 */
static bool ends_c2(unsigned char c)
{
    return c < 0x80 || c >= 0xc0;
}

/* A 0xC2 before a byte that cannot continue it (ends_c2): U+FFFD in its place. */
static void lone_c2(struct term *t, struct feed *f)
{
    flush_to(t, f, f->c2);
    vt_write(t, "\xef\xbf\xbd", 3);
    f->start = f->p = f->c2 + 1;
}

/*
 * The fast path for plain text. libvterm 0.1.4 spends most of its time on text, glyph by
 * glyph (decoding, width and combining lookups, a callback and an allocation each). In a run
 * of printable ASCII that begins a piece of text (after a control or a sequence), VTermState
 * would put each byte in the next column, with nothing to remember but the cursor, as long
 * as the run stays on the row. So libvterm gets the run's first character (which settles its
 * UTF-8 decoder, a single shift, and tells the grid the pen and the cursor), the grid writes
 * the middle itself (grid_put_ascii), CUF moves VTermState's cursor past it, and libvterm gets
 * the last character (so REP and a combining mark that follows see the glyph they expect).
 * Not taken while the result could differ: another character set in GL (SO, ESC n/o, a G0
 * other than ASCII), insert mode (text shifts cells), origin mode (CUF is clamped to the
 * margins), DECLRMM (text wraps at the right margin: margins.c).
 */
#define FAST_MIN 8 /* shorter runs are not worth the CUF */

static bool fast_allowed(const struct term *t)
{
    return t->cs.gl == 0 && !t->cs.g0_other && !t->modes.insert && !t->modes.origin &&
           !t->modes.lr_margins;
}

/* Moves VTermState's cursor k columns right: CSI k C. */
static void write_cuf(struct term *t, int k)
{
    char cuf[4 + DECIMAL_MAX] = "\x1b[";
    size_t n = 2 + decimal_put(cuf + 2, (unsigned long)k);
    cuf[n++] = 'C';
    vt_write(t, cuf, n);
}

/*
 * A run r[0..n) of printable ASCII that starts a piece of text, row by row: libvterm places a
 * character (and wraps to the next row when it must), the grid writes what fits after it on
 * the row but the last column, CUF catches VTermState up. Each piece libvterm gets starts
 * with ASCII, so its decoder stays clean; it gets the run's last character, except when the
 * run ends in a CR (a line of output: ONLCR sends each LF as CR LF) and fits on the row: then
 * the grid writes it all and the CR, which sets VTermState's column to 0 whatever it was
 * (0.1.4's on_control), is the catching up, with no CUF to parse.
 */
static void fast_run(struct term *t, struct feed *f, const unsigned char *r, size_t n)
{
    const unsigned char *end = r + n;
    bool cr_next = end < f->end && *end == '\r';
    while (end - r >= 3) {
        flush_to(t, f, r + 1);
        size_t rest = (size_t)(end - r) - 1, mid = cr_next ? rest : rest - 1;
        int k = grid_put_ascii(t->grid, (const char *)r + 1,
                               (int)(mid > VT_WRITE_MAX ? VT_WRITE_MAX : mid));
        r++;
        if (k <= 0)
            continue; /* at the row's end: libvterm takes the next one too, and wraps */
        r += k;
        f->start = r;
        if (r == end)
            return; /* the CR comes next */
        write_cuf(t, k);
    }
}

/*
 * Whether a byte >= 0x80 lies within 6 bytes before p in this feed: libvterm's decoder looks
 * ahead for the rest of a sequence up to the end of the write, and the fast path ends a write
 * right after p.
 */
static bool utf8_just_before(const struct feed *f, const unsigned char *p)
{
    for (const unsigned char *q = p - (p - f->begin < 6 ? p - f->begin : 6); q < p; q++)
        if (*q >= 0x80)
            return true;
    return false;
}

/*
 * The end of the run of printable ASCII (0x20..0x7E) that starts at p, at most lim: eight
 * bytes at a time while none is below 0x20 or above 0x7E (the word tests say only whether
 * some byte is, not which), then byte by byte. A flood of text is mostly such runs; the byte
 * loop alone was two thirds of the time spent here.
 */
static const unsigned char *printable_end(const unsigned char *p, const unsigned char *lim)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (lim - p >= 8) {
        uint64_t w;
        memcpy(&w, p, sizeof w);
        uint64_t below = (w - ones * 0x20) & ~w & highs; /* some byte < 0x20 */
        uint64_t above = ((w + ones) | w) & highs; /* some byte > 0x7E */
        if (below | above)
            break;
        p += 8;
    }
    while (p < lim && *p >= 0x20 && *p < 0x7f)
        p++;
    return p;
}

/*
 * Looks at ground text [f->p, lim) (no ESC, no 0xC2 in it): follows SO and SI, ends a
 * pending single shift at the first text, and hands runs of printable ASCII that are a whole
 * piece of text (from a C0 control, a sequence or a write boundary to a C0 control, ESC or
 * the end of the feed) to fast_run.
 */
static void fast_text(struct term *t, struct feed *f, const unsigned char *lim)
{
    const unsigned char *p = f->p;
    bool seg = f->seg, ok = fast_allowed(t);
    while (p < lim) {
        unsigned char c = *p;
        if (c >= 0x20 && c < 0x7f) {
            const unsigned char *r = printable_end(p + 1, lim);
            /* ... and ends one: libvterm decodes invalid or cut UTF-8 differently when a
             * write starts elsewhere, so text that goes on past the run is left to it */
            if (seg && ok && !t->cs.single_shift && r - p >= FAST_MIN &&
                (r == f->end || *r < 0x20) && !utf8_just_before(f, p))
                fast_run(t, f, p, (size_t)(r - p));
            t->cs.single_shift = false;
            seg = false;
            p = r;
            continue;
        }
        if (c == 0x0e || c == 0x0f) {
            seq_track_c0(t, c);
            ok = fast_allowed(t);
        }
        if (c >= 0x80)
            t->cs.single_shift = false;
        seg = c < 0x20; /* DEL and bytes >= 0x80 do not start a new piece of text */
        p++;
    }
}

/*
 * Plain text: skips to the next ESC (where the scanner takes over) or drops a C1 control in its
 * UTF-8 form (C2 80..C2 9F). libvterm 0.1.4 places U+0080..U+009F as glyphs of width -1,
 * which walks its cursor to column -1 and then indexes its tab stops and lines there. memchr
 * does the walking.
 */
static void scan_ground(struct term *t, struct feed *f)
{
    const unsigned char *esc = memchr(f->p, 0x1b, (size_t)(f->end - f->p));
    if (!f->c2 || f->c2 < f->p) {
        f->c2 = memchr(f->p, 0xc2, (size_t)(f->end - f->p));
        f->c2 = f->c2 ? f->c2 : f->end;
    }
    if (!esc)
        esc = f->end;
    fast_text(t, f, esc < f->c2 ? esc : f->c2);
    if (esc < f->c2) {
        /*
         * The text goes with the ESC after it, as libvterm would get it from the pty: its text
         * handler sizes a buffer by the bytes of the write, and a cut UTF-8 sequence decodes
         * differently when that buffer is exactly as long as the text.
         */
        flush_to(t, f, esc < f->end ? esc + 1 : f->end);
        f->p = f->start;
        if (esc < f->end) {
            t->esc_pending = true;
            scan_begin(&t->scan);
        }
    } else if (f->c2 + 1 < f->end && is_c1_tail(f->c2[1])) {
        flush_to(t, f, f->c2);
        f->start = f->p = f->c2 + 2;
        f->seg = true;
    } else if (f->c2 + 1 < f->end && ends_c2(f->c2[1])) {
        lone_c2(t, f);
        f->seg = true;
    } else {
        f->p = f->c2 < f->end ? f->c2 + 1 : f->end;
        f->seg = false;
    }
}

/* Length of an incomplete UTF-8 sequence (libvterm takes up to 6 bytes) ending p[0..n). */
static size_t utf8_partial(const unsigned char *p, size_t n)
{
    for (size_t k = 1; k <= 5 && k <= n; k++) {
        unsigned char c = p[n - k];
        if (c < 0x80)
            return 0;
        if (c < 0xc0)
            continue;
        size_t need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : c < 0xfc ? 5 : 6;
        return need > k ? k : 0;
    }
    return 0;
}

/*
 * libvterm 0.1.4 loses a UTF-8 sequence split across two writes when text came before it in
 * the first (U+FFFD, then the tail as garbage), yet finishes one that starts a write. So an
 * incomplete sequence ending a feed in plain text is held back and written alone first
 * next time; a held 0xC2 followed by 0x80..0x9F is a C1 control and dropped (scan_ground).
 */
static void hold_partial(struct term *t, struct feed *f)
{
    size_t n = t->scan.state == SCAN_GROUND ? utf8_partial(f->start, (size_t)(f->p - f->start))
                                             : 0;
    flush_to(t, f, f->p - n);
    memcpy(t->held, f->p - n, n);
    t->nheld = n;
}

/* Writes the bytes held back by the last feed, or drops them with a C1 control's tail. */
static void release_held(struct term *t, struct feed *f)
{
    size_t n = t->nheld;
    t->nheld = 0;
    unsigned char seq[8];
    size_t more = (size_t)(f->end - f->p) < 4 ? (size_t)(f->end - f->p) : 4;
    memcpy(seq, t->held, n);
    memcpy(seq + n, f->p, more);
    size_t joined = join_leading_marks(t, seq, n + more); /* a mark cut between two reads */
    if (joined > n) {
        f->start = f->p += joined - n;
        return;
    }
    if (n == 1 && t->held[0] == 0xc2 && f->p < f->end && is_c1_tail(*f->p)) {
        f->start = ++f->p;
        return;
    }
    if (n == 1 && t->held[0] == 0xc2 && f->p < f->end && ends_c2(*f->p)) {
        vt_write(t, "\xef\xbf\xbd", 3); /* as lone_c2() */
        return;
    }
    vt_text(t, (const char *)t->held, n);
}

/* One byte of a sequence: to the scanner, never to libvterm; a C0 control inside is run. */
static void sequence_byte(struct term *t, unsigned char c)
{
    enum scan_step step = scan_byte(&t->scan, c);
    if (step == SCAN_EXEC) {
        vterm_input_write(t->vt, (const char *)&c, 1); /* executed in the escape state too */
        seq_track_c0(t, c);
        t->rep_ok = false;
    } else if (step != SCAN_MORE) {
        if (step != SCAN_ABORT)
            seq_dispatch(t, step);
        vt_end_sequence(t);
        t->rep_ok = false; /* REP repeats only what came right before it */
    }
}

/* ---- Callbacks from libvterm and the grid ------------------------------ */

static void on_output(const char *s, size_t len, void *user)
{
    struct term *t = user;
    if (t->cb.output)
        t->cb.output(t->user, s, len);
}

/* ---- Public API -------------------------------------------------------- */

struct term *term_create(int rows, int cols, const struct term_callbacks *cb, void *user)
{
    if (rows < 1 || cols < 1)
        return NULL;
    struct term *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (cb)
        t->cb = *cb;
    t->user = user;
    snprintf(t->term_name, sizeof t->term_name, "xterm-256color");
    scan_init(&t->scan);
    modes_reset(&t->modes);
    t->margins = (struct term_margins){0, -1, 0, -1};
    t->mouse = (struct term_mouse){.row = -1, .col = -1};
    t->narrow = cols == 1;
    term_set_clipboard_limit(t, TERM_CLIP_DEFAULT_MAX);
    term_colors_default(&t->default_colors);
    t->colors = t->default_colors;
    t->vt = vterm_new(rows, cols);
    if (!t->vt)
        goto fail;
    vterm_set_utf8(t->vt, 1);
    t->state = vterm_obtain_state(t->vt);
    t->grid = grid_create(t->state, rows, cols, &t->cb, user);
    if (!t->state || !t->grid)
        goto fail;
    vterm_state_set_callbacks(t->state, grid_state_callbacks(), t->grid);
    vterm_output_set_callback(t->vt, on_output, t);
    vterm_state_reset(t->state, 1);
    return t;
fail:
    fprintf(stderr, "term: out of memory creating a %dx%d terminal\n", rows, cols);
    term_destroy(t);
    return NULL;
}

void term_destroy(struct term *t)
{
    if (!t)
        return;
    if (t->vt)
        vterm_free(t->vt);
    grid_destroy(t->grid);
    scan_fini(&t->scan);
    free(t);
}

void term_feed(struct term *t, const char *bytes, size_t len)
{
    const unsigned char *b = (const unsigned char *)bytes;
    struct feed f = {b, b, b, b + len, NULL, true};
    if (t->nheld && len)
        release_held(t, &f);
    while (f.p < f.end) {
        if (t->scan.state == SCAN_GROUND) {
            scan_ground(t, &f);
            continue;
        }
        sequence_byte(t, *f.p++);
        f.start = f.p;
        f.seg = true; /* read only once the scanner is back in the ground state */
    }
    hold_partial(t, &f);
}

/*
 * VTermState 0.1.4 clamps the bottom of the scroll region on resize but not its top: a screen
 * shrunk to or above the top of the region leaves it inverted, and the next scroll memmoves a
 * negative size inside libvterm (heap corruption); the same goes for the left margin. Reset
 * them first, as xterm does on resize anyway. DECSTBM (DECSLRM) homes the cursor, so the
 * resize puts it back where it was.
 */
static void reset_region_for(struct term *t, int rows, int cols)
{
    bool region = t->margins.top >= rows, sides = t->margins.left >= cols;
    if (!region && !sides)
        return;
    VTermPos before, after;
    vterm_state_get_cursorpos(t->state, &before);
    vt_end_sequence(t); /* a sequence still coming starts again with its ESC */
    if (region)
        vt_write(t, "\x1b[r", 3);
    if (sides) /* the same with the left margin; libvterm takes CSI s for DECSLRM always */
        vt_write(t, "\x1b[s", 3);
    vterm_state_get_cursorpos(t->state, &after);
    grid_bias_next_resize(t->grid, before.row - after.row, before.col - after.col);
    if (region)
        t->margins.top = 0, t->margins.bottom = -1;
    if (sides)
        t->margins.left = 0, t->margins.right = -1;
}

/* VTermState's own clamping of the margins' far ends on resize, followed. */
static void clamp_margins(struct term *t, int rows, int cols)
{
    if (t->margins.bottom > rows)
        t->margins.bottom = rows;
    if (t->margins.right > cols)
        t->margins.right = cols;
}

/*
 * Narrowed to one column: double-width lines become single again (libvterm keeps them through a
 * resize and would clamp the cursor to column -1 of one). ESC # 5 on each, with origin mode off
 * so the rows are addressed from the screen's top; the cursor goes back where it was.
 */
static void single_width_lines(struct term *t, int rows)
{
    VTermPos pos;
    vterm_state_get_cursorpos(t->state, &pos);
    vt_write(t, "\x1b[?6l", 5);
    char buf[48];
    for (int row = 0; row < rows; row++) {
        if (!vterm_state_get_lineinfo(t->state, row)->doublewidth)
            continue;
        int n = snprintf(buf, sizeof buf, "\x1b[%dH\x1b#5", row + 1);
        vt_write(t, buf, (size_t)n);
    }
    if (t->modes.origin) { /* setting it homes the cursor; CUP then counts from the region */
        vt_write(t, "\x1b[?6h", 5);
        pos.row -= t->margins.top;
    }
    int n = snprintf(buf, sizeof buf, "\x1b[%dH", pos.row + 1);
    vt_write(t, buf, (size_t)n);
}

void term_resize(struct term *t, int rows, int cols)
{
    if (rows < 1 || cols < 1)
        return;
    int r, c;
    grid_size(t->grid, &r, &c);
    if (r == rows && c == cols)
        return;
    reset_region_for(t, rows, cols);
    vterm_set_size(t->vt, rows, cols);
    clamp_margins(t, rows, cols);
    t->narrow = cols == 1;
    if (t->narrow)
        single_width_lines(t, rows);
}

void term_size(const struct term *t, int *rows, int *cols)
{
    grid_size(t->grid, rows, cols);
}

const char *term_vterm_version(void)
{
    return BT_VTERM_VERSION;
}

void term_set_name(struct term *t, const char *name)
{
    if (name && name[0])
        snprintf(t->term_name, sizeof t->term_name, "%s", name);
}

void term_set_cell_pixels(struct term *t, int width, int height)
{
    t->cell_w = width > 0 ? width : 0;
    t->cell_h = height > 0 ? height : 0;
}

int term_read_row(struct term *t, int row, struct sb_row *out)
{
    return grid_read_row(t->grid, row, out);
}

uint64_t term_row_stamp(const struct term *t, int row)
{
    return grid_row_stamp(t->grid, row);
}

uint32_t term_row_marks(const struct term *t, int row)
{
    return grid_row_marks(t->grid, row);
}

void term_cursor(const struct term *t, struct term_cursor *out)
{
    VTermPos pos;
    vterm_state_get_cursorpos(t->state, &pos);
    out->row = pos.row;
    out->col = pos.col;
    grid_cursor_props(t->grid, &out->visible, &out->blink, &out->shape);
}

bool term_altscreen(const struct term *t)
{
    return grid_altscreen(t->grid);
}

bool term_synchronized(const struct term *t)
{
    return t->modes.synchronized;
}

uint64_t term_generation(const struct term *t)
{
    return grid_generation(t->grid);
}

size_t term_sizeof(const struct term *t)
{
    return sizeof *t + grid_sizeof(t->grid);
}


