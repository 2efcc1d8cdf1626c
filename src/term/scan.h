/*
 * The byte scanner: the escape-sequence half of a VT500-style parser, with no libvterm in it.
 *
 * The engine (vt.c) feeds it every byte that is not plain text: from an ESC until the
 * sequence it starts is complete. The scanner collects the sequence and says what happened
 * to each byte (enum scan_step); the engine then acts on the whole sequence, and libvterm
 * only ever gets bytes the engine wrote for it. That is what lets the engine apply every
 * parameter of a mode switch, answer queries libvterm 0.1.4 lacks, and keep libvterm's own
 * parser away from what crashes it (more than 16 arguments, strings longer than its 64-byte
 * buffer).
 *
 * The grammar follows libvterm 0.1.4's parser where the two agree with xterm, so that the
 * differential tests against VTermScreen still hold:
 *   - ESC [ starts a CSI: at most one leader byte (< = > ?), parameters (digits, ';', ':' for
 *     sub-parameters), intermediates (0x20-0x2F), a final byte (0x40-0x7E). A parameter byte
 *     after an intermediate, a leader after a parameter, or a byte >= 0x80 ends it unfinished
 *     (libvterm drops it the same way).
 *   - ESC ] (OSC), ESC P (DCS), ESC X (SOS), ESC ^ (PM) and ESC _ (APC) start strings, ended
 *     by BEL or ST (ESC \); CAN or SUB cancels one, ESC and another byte cancels it and starts
 *     a new sequence. libvterm prints the text of SOS, PM and APC; xterm ignores them.
 *   - C0 controls inside ESC and CSI sequences are executed where they stand (SCAN_EXEC);
 *     inside strings they are ignored. NUL and DEL are ignored everywhere.
 * Limits: SCAN_MAX_PARAMS parameters (more set `overflow`), values saturate at
 * SCAN_PARAM_MAX, a string keeps at most its cap bytes (more set `overflow`).
 */
#ifndef BT_SCAN_H
#define BT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCAN_MAX_PARAMS 32
#define SCAN_PARAM_MAX 0x7fffffffL
#define SCAN_PARAM_MISSING (-1L)
#define SCAN_STR_CAP_DEFAULT 4096u

/* What one byte did. */
enum scan_step {
    SCAN_MORE,  /* consumed; the sequence goes on */
    SCAN_EXEC,  /* a C0 control inside a sequence: execute it now, the sequence goes on */
    SCAN_ABORT, /* the sequence ended unfinished: nothing to act on */
    SCAN_CSI,   /* a CSI is complete: see scan.csi */
    SCAN_ESC,   /* an escape sequence is complete: see scan.esc */
    SCAN_STR,   /* a string is complete: see scan.str */
};

/* A parameter: its value (SCAN_PARAM_MISSING when empty) and whether ':' followed it. */
struct scan_param {
    long value;
    bool more; /* a sub-parameter follows (':') */
};

struct scan_csi {
    char leader;   /* '<', '=', '>', '?' or 0 */
    char inter;    /* the intermediate byte, or 0 */
    char final;
    bool junk;     /* several leaders or intermediates: no known sequence */
    bool overflow; /* more than SCAN_MAX_PARAMS parameters: the rest are gone */
    int nparams;
    struct scan_param params[SCAN_MAX_PARAMS];
};

struct scan_esc {
    char inter;  /* the first intermediate byte, or 0 */
    bool junk;   /* more than one intermediate */
    char final;
};

/* The introducer of a string: ']' OSC, 'P' DCS, 'X' SOS, '^' PM, '_' APC. */
struct scan_str {
    char kind;
    char *data;    /* NUL-terminated; owned by the scanner, valid until the next byte */
    size_t len;
    size_t cap;    /* bytes data can hold now */
    bool overflow; /* the string was longer than its limit: data holds its start */
    bool bel;      /* ended by BEL rather than ST (replies end the same way) */
};

enum scan_state {
    SCAN_GROUND,  /* not in a sequence: text is the engine's */
    SCAN_ESCAPE,  /* after ESC */
    SCAN_ESC_INT, /* after ESC and an intermediate */
    SCAN_CSI_ARGS,
    SCAN_CSI_INT, /* after a CSI's intermediate: only a final byte may follow */
    SCAN_STRING,
    SCAN_STRING_ESC, /* ESC inside a string: ST, or a new sequence */
};

struct scan {
    enum scan_state state;
    struct scan_csi csi;
    struct scan_esc esc;
    struct scan_str str;
    size_t str_limit[2]; /* the most bytes an OSC ([0]) and any other string ([1]) keeps */
};

/* A scanner in the ground state; scan_fini() frees its string buffer. */
void scan_init(struct scan *s);
void scan_fini(struct scan *s);

/* The most bytes a string of this kind keeps (OSC 52 carries a clipboard: raise it). */
void scan_set_string_limit(struct scan *s, char kind, size_t limit);

/* Starts a sequence: call with the state in SCAN_GROUND and c == ESC. */
void scan_begin(struct scan *s);

/* Feeds one byte of a sequence (the state is not SCAN_GROUND). */
enum scan_step scan_byte(struct scan *s, unsigned char c);

/* Parameter i's value, dflt when absent or empty (the ECMA-48 default). */
long scan_param(const struct scan_csi *c, int i, long dflt);

/* Frees a big string buffer once its string is handled, so RES does not keep it. */
void scan_trim(struct scan *s);

#endif
