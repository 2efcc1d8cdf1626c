/*
 * The terminal engine: libvterm's parser and state machine (VTermState)
 * driving boundterm's own screen grid. Bytes from the pty go in; rows that
 * scroll off the top come out through callbacks in the scrollback store's
 * cell format; replies to the program's queries come out through `output`.
 *
 * Coordinates: row 0 is the top of the screen, col 0 the left edge. The
 * alternate screen is a separate grid whose rows never reach scrollback.
 * The engine knows nothing of windows, pages or disks.
 */
#ifndef BT_TERM_H
#define BT_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"

struct term;

struct term_callbacks {
    /* A row left the top of the primary screen (cells and hyperlinks), borrowed for the call. */
    void (*scrollout)(void *user, const struct sb_row *row);
    /*
     * Optional: a plain row (one codepoint per cell, width 1, default style) as UTF-8, NUL for
     * an empty cell, trailing empty cells left out (what sb_store_push_plain takes). When
     * set, plain rows come here instead of scrollout, skipping the cell conversion.
     */
    void (*scrollout_plain)(void *user, const char *utf8, size_t len, uint32_t ncols,
                            uint32_t flags);
    /* The screen grew taller: give back the newest scrollback row. false when there is none. */
    bool (*popline)(void *user, struct sb_row *row);
    /* ESC [3J: erase the saved lines. */
    void (*clear_scrollback)(void *user);
    /* Bytes to write back to the pty (answers to queries). */
    void (*output)(void *user, const char *bytes, size_t len);
    void (*bell)(void *user);
    /* Window title (OSC 0/2), UTF-8. */
    void (*title)(void *user, const char *utf8);
    /* OSC 52: the program copies text (UTF-8, no NUL, len bytes) to selections (TERM_CLIP_*). */
    void (*clipboard_set)(void *user, unsigned which, const char *utf8, size_t len);
    /* OSC 52 ; Pc ; ?: the program asks for a selection; answer with term_clipboard_answer()
     * when the policy allows, else not at all. */
    void (*clipboard_get)(void *user, unsigned which);
    /*
     * OSC 133: a shell marked the cursor's row (SB_ROW_MARK_PROMPT, _INPUT, _OUTPUT or _END).
     * For _END, cmd holds the exit status (-1 when not given) and the callback fills in the
     * command's duration and peak memory and returns true when a command did run (the row
     * keeps cmd then); cmd is NULL for the others.
     */
    bool (*mark)(void *user, uint32_t mark, struct sb_command *cmd);
};

/* The selections of OSC 52. */
enum { TERM_CLIP_CLIPBOARD = 1, TERM_CLIP_PRIMARY = 2 };

/* A new engine of rows x cols; NULL when out of memory. cb is copied. */
struct term *term_create(int rows, int cols, const struct term_callbacks *cb, void *user);
void term_destroy(struct term *t);

/* Feeds bytes from the pty. Sequences may be split across calls. */
void term_feed(struct term *t, const char *bytes, size_t len);

/* Resizes the screen; rows come back from scrollback (popline) when it grows. */
void term_resize(struct term *t, int rows, int cols);
void term_size(const struct term *t, int *rows, int *cols);

/* Cell size in pixels, for XTWINOPS 14 t (size in pixels). */
void term_set_cell_pixels(struct term *t, int width, int height);

/* Copies visible row `row` into out (ncols = screen width; flags carry SB_ROW_WRAPPED). */
int term_read_row(struct term *t, int row, struct sb_row *out);

/*
 * Identifies what term_read_row gives of visible row `row` now: while the stamp stays the
 * same, so does the row read (cells, flags, links, its command's note), so a front end that
 * kept a copy need not read it again. 0: no stamp (read it). No two rows share a stamp.
 */
uint64_t term_row_stamp(const struct term *t, int row);

/* The prompt marks (SB_ROW_MARK_*) of visible row `row`: cheaper than reading it. */
uint32_t term_row_marks(const struct term *t, int row);

struct term_cursor {
    int row, col;
    bool visible;
    bool blink;
    int shape; /* 1 block, 2 underline, 3 bar (VTERM_PROP_CURSORSHAPE_*) */
};
void term_cursor(const struct term *t, struct term_cursor *out);

/* True while the alternate screen is shown. */
bool term_altscreen(const struct term *t);

/*
 * True between the program's begin and end of a synchronized update (DECSET/DECRST 2026):
 * a front end should not draw the screen half-updated meanwhile (it bounds the wait itself).
 */
bool term_synchronized(const struct term *t);

/*
 * A monotonically increasing counter bumped whenever any visible cell, the
 * cursor, a colour or the screen size changes, so a renderer can skip unchanged frames.
 */
uint64_t term_generation(const struct term *t);

/*
 * Bytes the engine's own screen state holds (both screens' cells and row tables, the
 * combining-mark tables, conversion buffers); libvterm's parser and state are not counted.
 */
size_t term_sizeof(const struct term *t);

/* The libvterm boundterm was built with (its pkg-config version; 0.1.4 has no runtime query). */
const char *term_vterm_version(void);

/* The $TERM the program runs with, as XTGETTCAP's TN answers it ("" keeps xterm-256color). */
void term_set_name(struct term *t, const char *name);

/* ---- The clipboard (clipboard.c) ------------------------------------------ */

#define TERM_CLIP_DEFAULT_MAX (1u << 20)

/* The most bytes a program may copy with OSC 52 (0: none); larger copies are refused whole. */
void term_set_clipboard_limit(struct term *t, size_t max);

/*
 * Answers the program's last OSC 52 question about selection which with text (len bytes),
 * as OSC 52 ; c|p ; base64 ended as the question was; more than the copy limit answers "".
 */
void term_clipboard_answer(struct term *t, unsigned which, const char *text, size_t len);

/* ---- Colours (colors.c) --------------------------------------------------- */

/* The colours a program may query and set: the 256 palette entries, then these. */
enum term_color_slot {
    TERM_COLOR_FG = 256,  /* default foreground, OSC 10 */
    TERM_COLOR_BG,        /* default background, OSC 11 */
    TERM_COLOR_CURSOR,    /* OSC 12 */
    TERM_COLOR_SELECT_BG, /* selection background, OSC 17 */
    TERM_COLOR_SELECT_FG, /* selection foreground, OSC 19 */
    TERM_COLOR_SLOTS
};

struct term_colors {
    uint32_t rgb[TERM_COLOR_SLOTS]; /* 0xRRGGBB */
};

/* boundterm's defaults: xterm's palette (16 colours, 6x6x6 cube, 24 greys), light on dark. */
void term_colors_default(struct term_colors *c);

/* Sets the colours the program starts with and goes back to on a reset (the configuration's). */
void term_set_colors(struct term *t, const struct term_colors *c);

/* The colours in effect; a change bumps term_generation() and dirties every row. */
const struct term_colors *term_colors(const struct term *t);

/* ---- Styles as SGR (sgr.c) ------------------------------------------------ */

enum term_sgr_form {
    TERM_SGR_PLAIN, /* extended colours as 38;5;n and 38;2;r;g;b: what every terminal reads */
    TERM_SGR_XTERM, /* 38:5:n and 38:2::r:g:b, as xterm answers DECRQSS */
};

#define TERM_SGR_MAX 96 /* the most term_sgr_params() writes, with its terminating NUL */

/*
 * Writes the SGR parameters that set a style on top of SGR 0, each with a ';' before it
 * (";1;4;38;5;200"; nothing for the default style) at out; returns their length.
 */
size_t term_sgr_params(char *out, sb_color fg, sb_color bg, uint32_t attrs,
                       enum term_sgr_form form);

/* ---- Input: keys, mouse, paste and focus (input.c) ---------------------- */

/* Modifier bits, as the kitty keyboard protocol numbers them (xterm's parameter is 1 + these). */
enum { TERM_MOD_SHIFT = 1, TERM_MOD_ALT = 2, TERM_MOD_CTRL = 4, TERM_MOD_SUPER = 8 };

/* Keys that do not type text. */
enum term_key {
    TERM_KEY_NONE, TERM_KEY_ENTER, TERM_KEY_TAB, TERM_KEY_BACKSPACE, TERM_KEY_ESCAPE,
    TERM_KEY_UP, TERM_KEY_DOWN, TERM_KEY_LEFT, TERM_KEY_RIGHT,
    TERM_KEY_INS, TERM_KEY_DEL, TERM_KEY_HOME, TERM_KEY_END, TERM_KEY_PAGEUP, TERM_KEY_PAGEDOWN,
    /* the modifier keys themselves: only the kitty protocol's "all keys" mode reports them */
    TERM_KEY_LEFT_SHIFT, TERM_KEY_LEFT_CTRL, TERM_KEY_LEFT_ALT, TERM_KEY_LEFT_SUPER,
    TERM_KEY_RIGHT_SHIFT, TERM_KEY_RIGHT_CTRL, TERM_KEY_RIGHT_ALT, TERM_KEY_RIGHT_SUPER,
    TERM_KEY_CAPS_LOCK, TERM_KEY_NUM_LOCK,
    TERM_KEY_FUNCTION_0 = 256, /* F1 is TERM_KEY_FUNCTION_0 + 1, up to F24 */
    TERM_KEY_KP_0 = 512, /* keypad 0-9 then * + , - . / Enter = (TERM_KEY_KP_0 + 10 .. + 17) */
};
#define TERM_KEY_KP_ENTER (TERM_KEY_KP_0 + 16)

/* Key event types; the kitty protocol reports repeats and releases when a program asks. */
enum term_key_event { TERM_KEY_PRESS = 1, TERM_KEY_REPEAT = 2, TERM_KEY_RELEASE = 3 };

/*
 * A key that does not type text, with TERM_MOD_* bits held. What is sent follows the modes the
 * program set: legacy xterm bytes by default (Enter is CR whatever the modifiers, Shift+Tab is
 * CSI Z, Ctrl+Backspace is ^H), xterm's modifyOtherKeys when asked (CSI > 4 ; 1|2 m), the
 * kitty keyboard protocol when asked (CSI > flags u). Returns true when bytes went out.
 */
bool term_key(struct term *t, enum term_key key, unsigned mods, enum term_key_event ev);

/*
 * A key that types text (a letter, digit or symbol): base is the key's own, unshifted character
 * ('a' for A, '1' for !; 0 when the text came from an input method rather than one key), text
 * what it typed with the modifiers held (UTF-8; "" when nothing, as for Ctrl+A). Returns true
 * when bytes went out.
 */
bool term_key_text(struct term *t, uint32_t base, const char *text, unsigned mods,
                   enum term_key_event ev);

/* What mouse reporting the program asked for (DECSET 9/1000/1002/1003), 0 = none. */
enum { TERM_MOUSE_NONE = 0, TERM_MOUSE_CLICK = 1, TERM_MOUSE_DRAG = 2, TERM_MOUSE_MOVE = 3 };

/* The program's mouse mode (TERM_MOUSE_*). */
int term_mouse_mode(const struct term *t);
/* Pointer moved to a cell; reported only when the mode asks for it. */
void term_mouse_move(struct term *t, int row, int col, unsigned mods);
/* Button 1-3 (left, middle, right), 4/5 wheel up/down, pressed or released. */
void term_mouse_button(struct term *t, int button, bool pressed, unsigned mods);

/* True while the program asks for bracketed paste (DECSET 2004). */
bool term_bracketed_paste(const struct term *t);

/* How pasted text is filtered (the configuration's paste_filter; docs/CONFIG.md). */
enum term_paste_filter {
    TERM_PASTE_SAFE, /* TAB and line ends kept; every other control dropped; UTF-8 checked */
    TERM_PASTE_RAW,  /* every byte kept, but line ends */
};

/*
 * Filters pasted text. Both modes turn each line end (LF, CR or CR LF) into one CR, which is
 * Enter. SAFE also decodes the text as UTF-8 (a bad byte becomes U+FFFD) and drops every
 * control but TAB: the C0 controls (ESC, which could end a bracketed paste early, and ^C, ^U,
 * ^W... which the line discipline and line editors act on), DEL and the C1 controls. out needs
 * room for 3 * len bytes; returns the bytes written.
 */
size_t term_paste_filter(const char *text, size_t len, enum term_paste_filter filter, char *out);

/*
 * The bytes a paste sends the program: the filtered text, between ESC [200~ and ESC [201~ when
 * the program asked for bracketed paste. malloc'd (the caller frees it), its length in *len_out;
 * NULL when out of memory.
 */
char *term_paste_encode(const struct term *t, const char *text, size_t len,
                        enum term_paste_filter filter, size_t *len_out);

/* Window focus changed; reported (ESC [I / ESC [O) when the program enabled it. */
void term_focus(struct term *t, bool focused);

#endif
