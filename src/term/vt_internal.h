/*
 * Inside the engine: struct term and what its files share. vt.c feeds bytes (text to libvterm,
 * with the plain-text fast path; sequences to the scanner), seq.c acts on each complete
 * sequence (what libvterm gets, what the engine answers or does itself), input.c encodes keys,
 * mouse, paste and focus for the program. Nothing outside src/term includes this.
 */
#ifndef BT_VT_INTERNAL_H
#define BT_VT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vterm.h>

#include "grid.h"
#include "scan.h"
#include "term.h"

/* The modes programs set that the engine itself acts on (seq.c keeps them, input.c reads). */
struct term_modes {
    bool cursor_keys;     /* DECCKM (?1): arrows send SS3 */
    bool keypad;          /* DECKPAM (ESC =) or DECNKM (?66): the keypad sends SS3 */
    bool origin;          /* DECOM (?6) */
    bool autowrap;        /* DECAWM (?7) */
    bool lr_margins;      /* DECLRMM (?69): CSI s sets margins instead of saving the cursor */
    bool focus;           /* ?1004: report focus in and out */
    bool bracketed_paste; /* ?2004 */
    bool insert;          /* IRM (4) */
    bool newline;         /* LNM (20): Enter sends CR LF */
    int mouse;            /* 0 or the tracking mode: 9, 1000, 1002, 1003 */
    int mouse_enc;        /* 0 (X10 bytes) or the encoding: 1005, 1006, 1015 */
};

/* Character sets as VTermState holds them: ASCII maps to itself only when gl is 0, G0 is
 * ASCII (or libvterm's default UTF-8) and no single shift is pending (the fast path's test). */
struct term_charsets {
    uint8_t gl;        /* 0..3: SI, SO, ESC n, ESC o */
    bool g0_other;     /* ESC ( F with F not 'B' */
    bool single_shift; /* ESC N or ESC O, until the next text */
};

struct term {
    VTerm *vt;
    VTermState *state;
    struct grid *grid;
    struct term_callbacks cb;
    void *user;
    struct scan scan;
    struct term_modes modes;
    struct term_charsets cs;
    bool esc_pending; /* libvterm got a sequence's ESC and waits for the rest (vt_write) */
    int region_top; /* top of the DECSTBM scroll region as VTermState holds it, 0-based */
    unsigned char held[8]; /* an incomplete UTF-8 sequence that ended the last feed */
    size_t nheld;
    int cell_w, cell_h;
};

/* Writes bytes to libvterm's parser (its state machine and the grid act on them). */
void vt_write(struct term *t, const char *bytes, size_t len);

/* Writes a reply to the program through the output callback (printf-style, bounded). */
void vt_reply(struct term *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The program set a mode: seq.c's modes back to their power-on values. */
void modes_reset(struct term_modes *m);

/* Acts on the sequence the scanner just completed (step: SCAN_CSI, SCAN_ESC, SCAN_STR). */
void seq_dispatch(struct term *t, enum scan_step step);

/* A C0 control inside a sequence, or in text: SO and SI change the character set. */
void seq_track_c0(struct term *t, unsigned char c);

/*
 * libvterm 0.1.4 restores a saved cursor without fitting it to a screen that shrank since;
 * relative moves bring it back (see seq.c).
 */
void seq_fix_cursor(struct term *t);

#endif
