/*
 * The terminal engine (term.h): libvterm's parser and VTermState drive the grid (grid.c).
 *
 * libvterm 0.1.4 answers DA1 (CSI c), DA2 (CSI > c), DSR (CSI 5n, 6n, ? 6n), DECRQM for
 * DEC private modes (CSI ? Ps $ p) and DECRQSS itself through the output callback. What it
 * leaves out is done here:
 *   - unrecognised CSIs reach csi_fallback(): XTWINOPS 14/16/18/19 t, and DECRQM for ANSI
 *     modes (CSI Ps $ p), whose two modes libvterm supports (IRM 4, LNM 20) we track;
 *   - some sequences libvterm swallows without a fallback: ESC [3J (its erase-display has no
 *     case 3) and DECRQCRA (CSI ... * y: it drops intermediates other than space " $ ').
 *
 * For those, and to keep libvterm 0.1.4 out of its own bugs, a small scanner (struct scan)
 * follows the raw bytes: memchr finds ESC (and 0xC2) in plain text, so it costs next to nothing
 * on od -cx output, and its state survives sequences split across term_feed calls. When a
 * sequence it cares about completes, term_feed hands libvterm the bytes up to there and acts,
 * so an answer or a clear lands exactly between the bytes before and after it. The guards:
 *   - CSI with more than 16 arguments: libvterm writes past its argument array and crashes;
 *     parameter bytes from the 16th separator on are cut out (csi_byte);
 *   - REP (CSI b) after a glyph of width <= 0, or before any glyph: libvterm loops forever;
 *     the CSI is cancelled with CAN instead (feed_event);
 *   - C1 controls in UTF-8 form (C2 80..C2 9F): libvterm places them as glyphs of width -1
 *     and walks its cursor to column -1; they are dropped (scan_ground). Raw 0x9B is not a
 *     CSI in UTF-8 mode, for libvterm or for us: "\xC2\x9B" "3J" never clears scrollback;
 *   - UTF-8 split across writes after other text: libvterm garbles it; an incomplete tail is
 *     held back to the next feed (hold_partial);
 *   - a resize to no more rows than the scroll region's top: libvterm keeps the region
 *     inverted and corrupts its heap on the next scroll; the region is reset first, as xterm
 *     resets it on resize anyway (reset_region_for);
 *   - a saved cursor restored (ESC 8, CSI u, CSI ? 1048/1049 l) after the screen shrank:
 *     libvterm puts it off the screen; relative moves bring it back (fix_cursor).
 */
#include "term.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "grid.h"

#define SCAN_MAX_PARAMS 16

/* Where the scanner is in the byte stream. */
enum scan_state {
    SCAN_GROUND,
    SCAN_ESC,     /* after ESC */
    SCAN_ESC_INT, /* after ESC and an intermediate byte */
    SCAN_CSI,     /* inside CSI: parameters, intermediates */
    SCAN_STR,     /* inside OSC, DCS, SOS, PM or APC */
    SCAN_STR_ESC, /* ESC inside a string: ST or the start of a new sequence */
};

/* Where a CSI is, as libvterm 0.1.4's parser sees it: a byte out of order ends it unfinished. */
enum csi_phase { CSI_LEADER, CSI_ARGS, CSI_INTER };

/*
 * The scanner: just enough of a VT parser to recognise the sequences libvterm ignores, and to
 * know where libvterm's own parser is (its states and transitions are mirrored, down to how
 * it drops a malformed CSI), plus the character-set state plain text depends on.
 */
struct scan {
    enum scan_state state;
    enum csi_phase phase;
    char leader;        /* '?', '>', '=', '<' or 0 */
    char inter;         /* the one intermediate byte, or 0 (CSI and ESC) */
    char final;         /* a CSI's final byte */
    bool junk;          /* more than we track (several intermediates, ':', late leader) */
    bool cutting;       /* past libvterm's 16 arguments: parameter bytes are cut out */
    int seps;           /* ';' and ':' seen */
    int nparams;        /* parameters seen so far (a started one counts) */
    long params[SCAN_MAX_PARAMS]; /* -1 when empty */
    /* Character sets (VTermState's gl_set, G0, gsingle_set): ASCII maps to itself only when
     * gl is 0, G0 is ASCII (or libvterm's default UTF-8) and no single shift is pending. */
    uint8_t gl;         /* 0..3: SO, SI, ESC n, ESC o */
    bool g0_other;      /* ESC ( F with F not 'B' */
    bool single_shift;  /* ESC N or ESC O, until the next text */
};

/* What a completed sequence asks term_feed to do after libvterm has seen it. */
enum scan_event {
    EV_NONE,
    EV_CLEAR_SCROLLBACK, /* CSI 3 J */
    EV_CHECKSUM,         /* DECRQCRA: CSI Pid;Pp;Pt;Pl;Pb;Pr * y */
    EV_SET_MODE,         /* CSI Ps h */
    EV_RESET_MODE,       /* CSI Ps l */
    EV_RESET,            /* RIS (ESC c): modes back to their defaults (libvterm 0.1.4 ignores
                          * DECSTR, CSI ! p, so it changes nothing here either) */
    EV_REGION,           /* DECSTBM: CSI Pt;Pb r */
    EV_REPEAT,           /* REP: CSI Ps b, handled before libvterm sees its final byte */
    EV_CUT,              /* a parameter byte libvterm must not see (see csi_byte) */
    EV_RESTORE,          /* DECRC (ESC 8), SCORC (CSI u), CSI ? 1048/1049 l: see fix_cursor */
    EV_SGR,              /* CSI ... m: libvterm 0.1.4 has no conceal (SGR 8/28); see track_conceal */
    EV_DEC_MODE,         /* CSI ? ... h or l: origin mode (DECOM) for the fast path, DECRC */
    EV_MODE_UNSURE,      /* CSI ... h we could not read (sub-parameters): IRM may be on */
};

struct term {
    VTerm *vt;
    VTermState *state;
    struct grid *grid;
    struct term_callbacks cb;
    void *user;
    struct scan scan;
    bool mode_insert;  /* IRM, ANSI mode 4 */
    bool mode_newline; /* LNM, ANSI mode 20 */
    bool mode_origin;  /* DECOM, DEC mode 6 */
    bool mode_unsure;  /* a mode set we could not read: IRM or DECOM may be on (until a reset) */
    int region_top;    /* top of the DECSTBM scroll region as VTermState holds it, 0-based */
    unsigned char held[8]; /* an incomplete UTF-8 sequence that ended the last feed */
    size_t nheld;
    int cell_w, cell_h;
};

/* ---- Replies ----------------------------------------------------------- */

/* Writes a reply to the pty through the output callback. */
static void reply(struct term *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(struct term *t, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof buf && t->cb.output)
        t->cb.output(t->user, buf, (size_t)n);
}

/* XTWINOPS reports: 14 text area and 16 cell size in pixels, 18/19 size in characters. */
static bool answer_winops(struct term *t, long op)
{
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    switch (op) {
    case 14:
        if (!t->cell_w || !t->cell_h)
            return false;
        reply(t, "\x1b[4;%d;%dt", rows * t->cell_h, cols * t->cell_w);
        return true;
    case 16:
        if (!t->cell_w || !t->cell_h)
            return false;
        reply(t, "\x1b[6;%d;%dt", t->cell_h, t->cell_w);
        return true;
    case 18:
        reply(t, "\x1b[8;%d;%dt", rows, cols);
        return true;
    case 19:
        reply(t, "\x1b[9;%d;%dt", rows, cols);
        return true;
    default:
        return false;
    }
}

/* DECRPM for an ANSI mode: 1 set, 2 reset, 0 not recognised (as xterm). */
static void answer_ansi_mode(struct term *t, long mode)
{
    int state = 0;
    if (mode == 4)
        state = t->mode_insert ? 1 : 2;
    else if (mode == 20)
        state = t->mode_newline ? 1 : 2;
    reply(t, "\x1b[%ld;%d$y", mode, state);
}

/* CSIs VTermState did not recognise. */
static int csi_fallback(const char *leader, const long args[], int argcount, const char *intermed,
                        char command, void *user)
{
    struct term *t = user;
    bool plain = !leader || !leader[0];
    long a0 = argcount > 0 ? CSI_ARG(args[0]) : (long)CSI_ARG_MISSING;
    if (plain && (!intermed || !intermed[0]) && command == 't' && argcount >= 1)
        return answer_winops(t, a0);
    if (plain && intermed && !strcmp(intermed, "$") && command == 'p' && argcount == 1 &&
        a0 != (long)CSI_ARG_MISSING) {
        answer_ansi_mode(t, a0);
        return 1;
    }
    return 0;
}

static const VTermParserCallbacks fallbacks = {
    .csi = csi_fallback,
};

/* The value of parameter i with a default for absent or empty ones. */
static long param_or(const struct scan *s, int i, long dflt)
{
    return i < s->nparams && s->params[i] >= 0 ? s->params[i] : dflt;
}

/* xterm's rectangle parameter: absent takes the default, present is clamped to 1..max. */
static int rect_param(const long *p, int n, int i, int dflt, int max)
{
    if (i >= n)
        return dflt;
    long v = p[i] < 0 ? 0 : p[i];
    return v < 1 ? 1 : v > max ? max : (int)v;
}

/*
 * DECRQCRA, answered as xterm does (xtermCheckRect with its default checksum mode): the
 * first two parameters are Pid and the page (ignored) when more than two are given.
 */
static void answer_checksum(struct term *t)
{
    const struct scan *s = &t->scan;
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    int n = s->nparams, off = n > 2 ? 2 : 0;
    long p[SCAN_MAX_PARAMS];
    for (int i = 0; i < n; i++)
        p[i] = s->params[i];
    int top = rect_param(p + off, n - off, 0, 1, rows);
    int left = rect_param(p + off, n - off, 1, 1, cols);
    int bottom = rect_param(p + off, n - off, 2, rows, rows);
    int right = rect_param(p + off, n - off, 3, cols, cols);
    int sum = 0;
    if (top <= bottom && left <= right)
        sum = grid_checksum(t->grid, top - 1, left - 1, bottom - 1, right - 1);
    reply(t, "\x1bP%ld!~%04X\x1b\\", param_or(s, 0, 0), (unsigned)(-sum & 0xffff));
}

/* Applies SM/RM parameters to the ANSI modes we report. */
static void set_modes(struct term *t, bool on)
{
    for (int i = 0; i < t->scan.nparams; i++) {
        if (t->scan.params[i] == 4)
            t->mode_insert = on;
        else if (t->scan.params[i] == 20)
            t->mode_newline = on;
    }
}

/*
 * Follows DECSTBM as VTermState 0.1.4 applies it: the top clamped to the screen, and an empty
 * or inverted region reset to the whole screen.
 */
static void track_region(struct term *t)
{
    const struct scan *s = &t->scan;
    int rows;
    grid_size(t->grid, &rows, NULL);
    long top = param_or(s, 0, 1) - 1, bottom = param_or(s, 1, rows);
    if (top < 0)
        top = 0;
    if (top > rows)
        top = rows;
    if (bottom > rows)
        bottom = rows;
    t->region_top = bottom <= top ? 0 : (int)top;
}

/*
 * libvterm 0.1.4 restores a saved cursor without fitting it to a screen that has shrunk
 * since, and then indexes its line table past the end. Relative moves bring it back: every
 * CSI ends by clamping the cursor to the screen (or the region in origin mode).
 */
static void fix_cursor(struct term *t)
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
        vterm_input_write(t->vt, buf, (size_t)n);
}

/*
 * Follows SGR 8 (conceal) and 28 (reveal), which libvterm 0.1.4 does not know, so the grid
 * can mark concealed cells. A reset (SGR 0 or empty) reveals; the arguments of extended
 * colours (38/48/58;5;n and ;2;r;g;b) are skipped so a colour index 8 is not taken for
 * conceal. Sequences the scanner could not follow (sub-parameters, more than it tracks)
 * leave the state as it was.
 */
static void track_conceal(struct term *t)
{
    const struct scan *s = &t->scan;
    if (s->nparams == 0) {
        grid_set_conceal(t->grid, false);
        return;
    }
    for (int i = 0; i < s->nparams; i++) {
        long p = s->params[i];
        if (p <= 0 || p == 28)
            grid_set_conceal(t->grid, false);
        else if (p == 8)
            grid_set_conceal(t->grid, true);
        else if ((p == 38 || p == 48 || p == 58) && i + 1 < s->nparams)
            i += s->params[i + 1] == 5 ? 2 : s->params[i + 1] == 2 ? 4 : 1;
    }
}

/*
 * CSI ? ... h/l: follows DECOM (mode 6) for the fast path, and fixes the cursor after a
 * restore (1048/1049 l). Sub-parameters (junk) still reach libvterm's set_dec_mode, so an
 * unreadable set leaves the modes unsure.
 */
static void track_dec_modes(struct term *t)
{
    const struct scan *s = &t->scan;
    bool on = s->final == 'h', restore = false;
    for (int i = 0; i < s->nparams; i++) {
        if (s->params[i] == 6 && !s->junk)
            t->mode_origin = on;
        restore |= !on && (s->params[i] == 1048 || s->params[i] == 1049);
    }
    if (s->junk && on)
        t->mode_unsure = true;
    if (restore)
        fix_cursor(t);
}

/* RIS: vterm_state_reset puts modes, charsets and the pen back to their defaults. */
static void track_reset(struct term *t)
{
    t->mode_insert = t->mode_newline = t->mode_origin = t->mode_unsure = false;
    t->region_top = 0;
    t->scan.gl = 0;
    t->scan.g0_other = t->scan.single_shift = false;
    grid_set_conceal(t->grid, false);
}

/* Acts on a completed sequence; libvterm has already processed it. */
static void handle_event(struct term *t, enum scan_event ev)
{
    switch (ev) {
    case EV_CLEAR_SCROLLBACK:
        if (t->cb.clear_scrollback)
            t->cb.clear_scrollback(t->user);
        break;
    case EV_CHECKSUM:
        answer_checksum(t);
        break;
    case EV_SET_MODE:
    case EV_RESET_MODE:
        set_modes(t, ev == EV_SET_MODE);
        break;
    case EV_RESET:
        track_reset(t);
        break;
    case EV_DEC_MODE:
        track_dec_modes(t);
        break;
    case EV_MODE_UNSURE:
        t->mode_unsure = true;
        break;
    case EV_SGR:
        track_conceal(t);
        break;
    case EV_REGION:
        track_region(t);
        break;
    case EV_RESTORE:
        fix_cursor(t);
        break;
    case EV_REPEAT:
    case EV_CUT:
    case EV_NONE:
        break;
    }
}

/* ---- The byte scanner -------------------------------------------------- */

/* Starts collecting a new CSI. */
static void csi_begin(struct scan *s)
{
    s->state = SCAN_CSI;
    s->phase = CSI_LEADER;
    s->leader = 0;
    s->inter = 0;
    s->junk = false;
    s->cutting = false;
    s->seps = 0;
    s->nparams = 0;
}

/* Which of our sequences, if any, a CSI final byte completes. */
static enum scan_event csi_final(const struct scan *s, unsigned char c)
{
    if (s->leader == '?' && !s->inter && (c == 'l' || c == 'h'))
        return EV_DEC_MODE;
    if (s->junk && !s->leader && !s->inter && c == 'h')
        return EV_MODE_UNSURE;
    if (s->junk || s->leader)
        return EV_NONE;
    if (!s->inter) {
        if (c == 'J')
            return s->nparams == 1 && s->params[0] == 3 ? EV_CLEAR_SCROLLBACK : EV_NONE;
        if (c == 'h')
            return EV_SET_MODE;
        if (c == 'l')
            return EV_RESET_MODE;
        if (c == 'r')
            return EV_REGION;
        if (c == 'b')
            return EV_REPEAT;
        if (c == 'u')
            return EV_RESTORE;
        if (c == 'm')
            return EV_SGR;
        return EV_NONE;
    }
    if (s->inter == '*' && c == 'y')
        return EV_CHECKSUM;
    return EV_NONE;
}

/* One parameter byte (0x30-0x3F) of a CSI. */
static void csi_param(struct scan *s, unsigned char c)
{
    if (c >= '0' && c <= '9') {
        if (s->nparams == 0)
            s->params[s->nparams++] = -1;
        long *p = &s->params[s->nparams - 1];
        if (s->inter)
            s->junk = true;
        else if (*p < 100000)
            *p = (*p < 0 ? 0 : *p * 10) + (c - '0');
    } else if (c == ';') {
        if (s->nparams == 0)
            s->params[s->nparams++] = -1;
        if (s->nparams < SCAN_MAX_PARAMS)
            s->params[s->nparams++] = -1;
        else
            s->junk = true;
    } else if (c >= '<' && c <= '?' && s->nparams == 0 && !s->leader) {
        s->leader = (char)c;
    } else {
        s->junk = true; /* ':' sub-parameters, or a leader after parameters */
    }
}

/* A C0 control, which libvterm 0.1.4 executes in every parser state: SO and SI shift GL. */
static void track_c0(struct scan *s, unsigned char c)
{
    if (c == 0x0e)
        s->gl = 1;
    else if (c == 0x0f)
        s->gl = 0;
}

/* Whether a parameter byte (0x30-0x3F) is out of order where the CSI is: libvterm drops it. */
static bool csi_out_of_order(const struct scan *s, unsigned char c)
{
    return s->phase == CSI_INTER || (c >= 0x3c && s->phase == CSI_ARGS);
}

/*
 * Feeds one byte of a CSI; returns the event when it is the final byte. libvterm 0.1.4 stores
 * arguments with no bound check (16 slots): a 17th overwrites its parser state and crashes
 * it (a NULL call), so parameter bytes from the 16th separator on are cut from the stream
 * and libvterm acts on the first 16 arguments. A byte out of order (a leader after
 * arguments, a parameter after an intermediate, a byte >= 0x80) ends the CSI unfinished, as
 * in libvterm's parser.
 */
static enum scan_event csi_byte(struct scan *s, unsigned char c)
{
    if (c >= 0x40 && c <= 0x7e) {
        s->state = SCAN_GROUND;
        s->final = (char)c;
        return csi_final(s, c);
    }
    if (c >= 0x30 && c <= 0x3f) {
        if (!s->cutting && csi_out_of_order(s, c)) {
            s->state = SCAN_GROUND;
            return EV_NONE;
        }
        if (s->cutting || ((c == ';' || c == ':') && ++s->seps >= 16)) {
            s->cutting = s->junk = true;
            return EV_CUT;
        }
        if (c < 0x3c)
            s->phase = CSI_ARGS;
        csi_param(s, c);
    } else if (c >= 0x20 && c <= 0x2f) {
        if (s->inter)
            s->junk = true;
        s->inter = (char)c;
        s->phase = CSI_INTER;
    } else if (c == 0x1b) {
        s->state = SCAN_ESC;
    } else if (c == 0x18 || c == 0x1a || c >= 0x80) {
        s->state = SCAN_GROUND;
    } else {
        track_c0(s, c); /* other C0 controls are executed inside a CSI without ending it */
    }
    return EV_NONE;
}

/* Feeds the byte after ESC (no intermediate yet). */
static enum scan_event esc_byte(struct scan *s, unsigned char c)
{
    if (c == '[') {
        csi_begin(s);
        return EV_NONE;
    }
    if (c == ']' || c == 'P') { /* libvterm 0.1.4 knows only OSC and DCS as strings */
        s->state = SCAN_STR;
        return EV_NONE;
    }
    if (c >= 0x20 && c <= 0x2f) {
        s->state = SCAN_ESC_INT;
        s->inter = (char)c;
        s->junk = false;
        return EV_NONE;
    }
    if (c == 0x18 || c == 0x1a || (c >= 0x30 && c <= 0x7e))
        s->state = SCAN_GROUND;
    else
        track_c0(s, c); /* a C0 control is executed; ESC and bytes >= 0x7F leave us here */
    switch (c) {
    case 'c':
        return EV_RESET;
    case '8':
        return EV_RESTORE;
    case 'n': /* LS2, LS3 */
    case 'o':
        s->gl = (uint8_t)(c == 'n' ? 2 : 3);
        break;
    case 'N': /* SS2, SS3: the next character from G2 or G3 */
    case 'O':
        s->single_shift = true;
        break;
    }
    return EV_NONE;
}

/*
 * Feeds a byte after ESC and an intermediate: as in libvterm 0.1.4, '[', ']' and 'P' still
 * start a sequence; a final byte ends it (ESC ( F designates G0); bytes >= 0x7F are ignored.
 */
static void esc_int_byte(struct scan *s, unsigned char c)
{
    if (c == '[' || c == ']' || c == 'P') {
        esc_byte(s, c);
    } else if (c >= 0x20 && c <= 0x2f) {
        s->junk = true;
    } else if (c == 0x1b) {
        s->state = SCAN_ESC;
    } else if (c == 0x18 || c == 0x1a) {
        s->state = SCAN_GROUND;
    } else if (c >= 0x30 && c <= 0x7e) {
        if (s->inter == '(' && !s->junk)
            s->g0_other = c != 'B';
        s->state = SCAN_GROUND;
    } else {
        track_c0(s, c);
    }
}

/*
 * Feeds one byte of a string (OSC or DCS): BEL, ST, CAN or SUB end it; other C0 controls are
 * executed. After ESC, anything but '\' is the byte after ESC, as in libvterm 0.1.4.
 */
static enum scan_event str_byte(struct scan *s, unsigned char c)
{
    if (s->state == SCAN_STR_ESC) {
        if (c == '\\') {
            s->state = SCAN_GROUND;
            return EV_NONE;
        }
        s->state = SCAN_ESC;
        return esc_byte(s, c);
    }
    if (c == 0x07 || c == 0x18 || c == 0x1a)
        s->state = SCAN_GROUND;
    else if (c == 0x1b)
        s->state = SCAN_STR_ESC;
    else
        track_c0(s, c);
    return EV_NONE;
}

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

/* Hands libvterm the scanned bytes up to (not including) upto. */
static void flush_to(struct term *t, struct feed *f, const unsigned char *upto)
{
    while (upto > f->start) {
        size_t n = slice_len(f->start, (size_t)(upto - f->start));
        vterm_input_write(t->vt, (const char *)f->start, n);
        f->start += n;
    }
}

static bool is_c1_tail(unsigned char c)
{
    return c >= 0x80 && c <= 0x9f;
}

/*
 * A 0xC2 before a byte that cannot continue it: U+FFFD in its place. libvterm's decoder would
 * keep waiting through the control characters that may follow and take the next 0x80..0x9F
 * as the end of a C1 control, a glyph of width -1 (the same walk off the screen as below).
 */
static void lone_c2(struct term *t, struct feed *f)
{
    flush_to(t, f, f->c2);
    vterm_input_write(t->vt, "\xef\xbf\xbd", 3);
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
 * margins), or a mode set the scanner could not read.
 */
#define FAST_MIN 8 /* shorter runs are not worth the CUF */

static bool fast_allowed(const struct term *t)
{
    return t->scan.gl == 0 && !t->scan.g0_other && !t->mode_insert && !t->mode_origin &&
           !t->mode_unsure;
}

/* Moves VTermState's cursor k columns right: CSI k C, formatted by hand (snprintf would cost
 * as much as the glyphs it replaces). */
static void write_cuf(struct term *t, int k)
{
    char cuf[16], *e = cuf + sizeof cuf, *q = e;
    *--q = 'C';
    for (int v = k; v > 0; v /= 10)
        *--q = (char)('0' + v % 10);
    *--q = '[';
    *--q = '\x1b';
    vterm_input_write(t->vt, q, (size_t)(e - q));
}

/*
 * A run r[0..n) of printable ASCII that starts a piece of text, row by row: libvterm places a
 * character (and wraps to the next row when it must), the grid writes what fits after it on
 * the row but the last column, CUF catches VTermState up. Each piece libvterm gets starts
 * with ASCII, so its decoder stays clean; it always gets the run's last character.
 */
static void fast_run(struct term *t, struct feed *f, const unsigned char *r, size_t n)
{
    const unsigned char *end = r + n;
    while (end - r >= 3) {
        flush_to(t, f, r + 1);
        size_t mid = (size_t)(end - r) - 2;
        int k = grid_put_ascii(t->grid, (const char *)r + 1,
                               (int)(mid > VT_WRITE_MAX ? VT_WRITE_MAX : mid));
        r++;
        if (k <= 0)
            continue; /* at the row's end: libvterm takes the next one too, and wraps */
        write_cuf(t, k);
        r += k;
        f->start = r;
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
            const unsigned char *r = p + 1;
            while (r < lim && *r >= 0x20 && *r < 0x7f)
                r++;
            /* ... and ends one: libvterm decodes invalid or cut UTF-8 differently when a
             * write starts elsewhere, so text that goes on past the run is left to it */
            if (seg && ok && !t->scan.single_shift && r - p >= FAST_MIN &&
                (r == f->end || *r < 0x20) && !utf8_just_before(f, p))
                fast_run(t, f, p, (size_t)(r - p));
            t->scan.single_shift = false;
            seg = false;
            p = r;
            continue;
        }
        if (c == 0x0e || c == 0x0f) {
            track_c0(&t->scan, c);
            ok = fast_allowed(t);
        }
        if (c >= 0x80)
            t->scan.single_shift = false;
        seg = c < 0x20; /* DEL and bytes >= 0x80 do not start a new piece of text */
        p++;
    }
}

/*
 * Plain text: skips to the next ESC (entering the escape state) or drops a C1 control in its
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
        f->p = esc < f->end ? esc + 1 : f->end;
        if (esc < f->end)
            t->scan.state = SCAN_ESC;
    } else if (f->c2 + 1 < f->end && is_c1_tail(f->c2[1])) {
        flush_to(t, f, f->c2);
        f->start = f->p = f->c2 + 2;
        f->seg = true;
    } else if (f->c2 + 1 < f->end && f->c2[1] < 0x80) {
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
    if (n == 1 && t->held[0] == 0xc2 && f->p < f->end && is_c1_tail(*f->p)) {
        f->start = ++f->p;
        return;
    }
    if (n == 1 && t->held[0] == 0xc2 && f->p < f->end && *f->p < 0x80) {
        vterm_input_write(t->vt, "\xef\xbf\xbd", 3); /* as lone_c2() */
        return;
    }
    vterm_input_write(t->vt, (const char *)t->held, n);
}

/* One byte inside an escape sequence or string; returns the event it completes. */
static enum scan_event scan_escape_byte(struct scan *s, unsigned char c)
{
    switch (s->state) {
    case SCAN_ESC:
        return esc_byte(s, c);
    case SCAN_ESC_INT:
        esc_int_byte(s, c);
        return EV_NONE;
    case SCAN_CSI:
        return csi_byte(s, c);
    default:
        return str_byte(s, c);
    }
}

/* Acts on an event at f->p (just after its final byte), feeding libvterm what comes before. */
static void feed_event(struct term *t, struct feed *f, enum scan_event ev)
{
    if (ev == EV_CUT) {
        flush_to(t, f, f->p - 1);
        f->start = f->p;
        return;
    }
    if (ev == EV_REPEAT) {
        flush_to(t, f, f->p - 1);
        /* libvterm 0.1.4 repeats a glyph of width <= 0 forever: cancel the CSI instead */
        vterm_input_write(t->vt, grid_last_glyph_width(t->grid) > 0 ? "b" : "\x18", 1);
        f->start = f->p;
        return;
    }
    flush_to(t, f, f->p);
    handle_event(t, ev);
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
    t->vt = vterm_new(rows, cols);
    if (!t->vt)
        goto fail;
    vterm_set_utf8(t->vt, 1);
    t->state = vterm_obtain_state(t->vt);
    struct grid_hooks hooks = {
        .scrollout = t->cb.scrollout,
        .scrollout_plain = t->cb.scrollout_plain,
        .popline = t->cb.popline,
        .bell = t->cb.bell,
        .title = t->cb.title,
        .user = user,
    };
    t->grid = grid_create(t->state, rows, cols, &hooks);
    if (!t->state || !t->grid)
        goto fail;
    vterm_state_set_callbacks(t->state, grid_state_callbacks(), t->grid);
    vterm_state_set_unrecognised_fallbacks(t->state, &fallbacks, t);
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
        enum scan_event ev = scan_escape_byte(&t->scan, *f.p++);
        if (ev != EV_NONE)
            feed_event(t, &f, ev);
        f.seg = true; /* read only once the scanner is back in the ground state */
    }
    hold_partial(t, &f);
}

/*
 * VTermState 0.1.4 clamps the bottom of the scroll region on resize but not its top: a screen
 * shrunk to or above the top of the region leaves it inverted, and the next scroll memmoves a
 * negative size inside libvterm (heap corruption). Reset the region first, as xterm does on
 * resize anyway; DECSTBM homes the cursor, so the resize puts it back where it was.
 */
static void reset_region_for(struct term *t, int rows)
{
    if (t->region_top < rows)
        return;
    if (t->scan.state != SCAN_GROUND) {
        /* a sequence is half-way through libvterm's parser: CAN ends it before ours */
        vterm_input_write(t->vt, "\x18", 1);
        t->scan.state = SCAN_GROUND;
    }
    VTermPos before, after;
    vterm_state_get_cursorpos(t->state, &before);
    vterm_input_write(t->vt, "\x1b[r", 3);
    vterm_state_get_cursorpos(t->state, &after);
    grid_bias_next_resize(t->grid, before.row - after.row, before.col - after.col);
    t->region_top = 0;
}

void term_resize(struct term *t, int rows, int cols)
{
    if (rows < 1 || cols < 1)
        return;
    int r, c;
    grid_size(t->grid, &r, &c);
    if (r == rows && c == cols)
        return;
    reset_region_for(t, rows);
    vterm_set_size(t->vt, rows, cols);
}

void term_size(const struct term *t, int *rows, int *cols)
{
    grid_size(t->grid, rows, cols);
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

uint64_t term_generation(const struct term *t)
{
    return grid_generation(t->grid);
}

bool term_row_dirty(const struct term *t, int row)
{
    return grid_row_dirty(t->grid, row);
}

void term_clear_damage(struct term *t)
{
    grid_clear_damage(t->grid);
}

size_t term_sizeof(const struct term *t)
{
    return sizeof *t + grid_sizeof(t->grid);
}

/* The libvterm handle, for input.c's keyboard and mouse encoding. */
struct VTerm *term_vterm(struct term *t)
{
    return t->vt;
}
