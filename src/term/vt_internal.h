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

#define KITTY_STACK 16 /* entries of a kitty keyboard flags stack (the oldest go first) */

/* The kitty keyboard protocol's flags: a stack per screen, the current flags on top. */
struct kitty_keys {
    uint8_t flags[KITTY_STACK]; /* flags[top] is in effect; flags[0] the base entry */
    int top;
};

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
    bool backarrow_bs;    /* DECBKM (?67): Backspace sends BS instead of DEL */
    bool synchronized;    /* ?2026: the program is updating the screen; do not draw yet */
    int mouse;            /* 0 or the tracking mode: 9, 1000, 1002, 1003 */
    int mouse_enc;        /* 0 (X10 bytes) or the encoding: 1005, 1006, 1015 */
    int modify_other_keys; /* xterm's modifyOtherKeys: 0, 1 or 2 (CSI > 4 ; Pv m) */
    bool rect_extent;     /* DECSACE 2: DECCARA and DECRARA take a rectangle, not a stream */
    struct kitty_keys kitty[2]; /* the primary screen's and the alternate screen's */
};

/* A DEC private mode XTSAVE saved, for XTRESTORE. */
struct saved_mode {
    long mode;
    bool on;
};
#define TERM_SAVED_MODES 64

#define TERM_TITLE_MAX 1024 /* bytes of a title, with its NUL */
#define TERM_TITLES 10      /* titles XTWINOPS 22 keeps, as xterm */

/*
 * The scroll region and the left and right margins as VTermState 0.1.4 holds them: 0-based
 * top and left; bottom and right one past the last row or column, -1 for the screen's edge.
 */
struct term_margins {
    int top, bottom;
    int left, right;
};

/* Where the pointer was last reported and which buttons are down, for motion reports. */
struct term_mouse {
    int row, col;     /* -1 before any report */
    unsigned buttons; /* bit b-1 for button b (1-3) held */
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
    struct term_mouse mouse;
    struct term_charsets cs;
    bool esc_pending; /* libvterm got a sequence's ESC and waits for the rest (vt_write) */
    bool narrow;      /* a one-column screen (see vt.c's write_narrow) */
    struct term_margins margins; /* as VTermState holds them (DECSTBM, DECSLRM) */
    bool protect;     /* DECSCA: the glyphs written next are protected from selective erase */
    bool rep_ok;      /* text came last: REP repeats its last glyph (false after anything else) */
    bool margin_wrap; /* a glyph filled the right margin's column: the next one wraps first */
    char mpart[4];    /* margins.c: a character the last write cut, held until it is whole */
    size_t nmpart;
    unsigned char held[8]; /* an incomplete UTF-8 sequence that ended the last feed */
    size_t nheld;
    int cell_w, cell_h;
    char title[TERM_TITLE_MAX];        /* the window title, as last set (OSC 0/2) */
    char title_stack[TERM_TITLES][TERM_TITLE_MAX]; /* XTWINOPS 22 pushes, 23 pops */
    int ntitles;
    size_t clip_max;                   /* the largest OSC 52 copy (term_set_clipboard_limit) */
    bool clip_bel;                     /* the last OSC 52 question ended with BEL */
    struct term_colors colors;         /* in effect: OSC 4, 10-19 change them */
    struct term_colors default_colors; /* the configuration's: OSC 104-119 go back to them */
    struct saved_mode saved_modes[TERM_SAVED_MODES]; /* XTSAVE (CSI ? Pm s) */
    int nsaved_modes;
    char term_name[64];                /* TERM, as XTGETTCAP's TN answers it */
    struct term_capture *capture;      /* input.c: keys encoded into a buffer, not sent */
};

/* Writes bytes to libvterm's parser (its state machine and the grid act on them). */
void vt_write(struct term *t, const char *bytes, size_t len);

/* Writes text to libvterm as text from the pty goes (a one-column screen needs help). */
void vt_text(struct term *t, const char *bytes, size_t n);

/* Writes a reply to the program through the output callback (printf-style, bounded). */
void vt_reply(struct term *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The program set a mode: seq.c's modes back to their power-on values. */
void modes_reset(struct term_modes *m);

/* The kitty keyboard flags in effect on the screen shown. */
uint8_t input_kitty_flags(const struct term *t);

/* CSI ? u, CSI > flags u, CSI < n u, CSI = flags ; mode u: the kitty keyboard stack (input.c). */
void input_kitty_csi(struct term *t, const struct scan_csi *c);
/* The bytes a key with TERM_MOD_* bits would send now, into out (NUL-terminated); 0 if none. */
size_t input_key_bytes(struct term *t, enum term_key key, unsigned mods, char *out, size_t cap);

/* CSI > Pp ; Pv m and CSI ? Pp m: xterm's key modifier options (modifyOtherKeys). */
void input_modkeys_csi(struct term *t, const struct scan_csi *c);

/* A colour spec (rgb:R/G/B or #RGB...) as 0xRRGGBB; false when it is none (colors.c). */
bool colors_parse(const char *spec, size_t len, uint32_t *rgb);

/*
 * OSC ps ; text (has_args: there was a ';') when ps is a colour command: 4, 10-19, 104,
 * 110-119. Replies end with BEL when bel, else ST. False when ps is no colour command.
 */
bool colors_osc(struct term *t, long ps, const char *text, size_t len, bool has_args, bool bel);

/* OSC 133 ; text: a shell's prompt mark (prompts.c). */
void prompt_osc(struct term *t, const char *text, size_t len);

/* OSC 52 ; text (clipboard.c); bel: it ended with BEL. */
void clip_osc(struct term *t, const char *text, size_t len, bool bel);

/* ---- Answers to queries (reply.c) ---- */

/* DECRQM: CSI ? Ps $ p or CSI Ps $ p. */
void reply_decrqm(struct term *t, const struct scan_csi *c);
/* DECRPM values: the mode is set, reset, always set or never set, or not known (0). */
enum { MODE_UNKNOWN = 0, MODE_SET = 1, MODE_RESET = 2, MODE_ALWAYS = 3, MODE_NEVER = 4 };
/* A DEC private mode's state (MODE_*), as DECRQM reports it and XTSAVE saves it. */
int dec_mode_state(struct term *t, long mode);
/* DECRQSS: req is Pt of DCS $ q Pt ST. */
void reply_decrqss(struct term *t, const char *req, size_t n);
/* XTWINOPS reports (CSI op t). */
void reply_winops(struct term *t, long op);
/* XTGETTCAP (DCS + q Pt ST): req is Pt, the hex names (tcap.c). */
void reply_tcap(struct term *t, const char *req, size_t n);
/* CPR (CSI 6 n) and DECXCPR (CSI ? 6 n), relative to the margins in origin mode. */
void reply_cursor(struct term *t, bool dec);
/* DECRQCRA (CSI Pid ; Pp ; top ; left ; bottom ; right * y). */
void reply_checksum(struct term *t, const struct scan_csi *c);

/* A DEC private mode (DECSET/DECRST) or an ANSI mode (SM/RM), applied alone (seq.c). */
void seq_dec_mode(struct term *t, long mode, bool on);
void seq_ansi_mode(struct term *t, long mode, bool on);

/* ---- Left and right margins (margins.c) ---- */

/* True while DECLRMM is on and the margins are inside the screen's edges. */
bool margins_active(const struct term *t);
/* Text (glyphs and C0 controls) written with the margins honoured. */
void margins_text(struct term *t, const char *bytes, size_t n);
/* A CSI libvterm gets wrong with margins (CUF, CUB, CHT, CHA, HPA); false for the others. */
bool margins_csi(struct term *t, const struct scan_csi *c);
/* NEL (ESC E): a line down, to the left margin. */
void margins_nel(struct term *t);
/* DECBI (ESC 6) and DECFI (ESC 9, forward): a column left or right, scrolling at a margin. */
void margins_index_column(struct term *t, bool forward);

/* ---- Rectangle operations (rect.c) ---- */

/* DECCRA, DECERA, DECSERA, DECFRA, DECCARA, DECRARA, DECSACE; false for other sequences. */
bool rect_csi(struct term *t, const struct scan_csi *c);

/* ---- Resets (reset.c) ---- */

/* RIS went to libvterm: the engine's own state follows it. */
void reset_tracked(struct term *t);
/* DECSTR (CSI ! p), xterm's soft reset. */
void soft_reset(struct term *t);
/* DECALN (ESC # 8). */
void screen_alignment(struct term *t);

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
