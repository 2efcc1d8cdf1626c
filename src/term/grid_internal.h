/*
 * Inside the grid: its cells, rows and screens, for grid.c (what VTermState draws) and
 * resize.c (resizing, with the reflow of the primary screen). Nothing else includes this.
 *
 * A cell (struct gcell) is:
 *   ch  the codepoint; or CH_CONT for the right half of a wide glyph (VTermScreen's
 *       (uint32_t)-1); or CH_COMB | i for a glyph with combining marks, i indexing the
 *       screen's side table of SB_MAX_CHARS-codepoint sequences; CH_PROT on top (DECSCA).
 *   fg, bg  sb_colors;
 *   attrs   SB_ATTR_* bits (libvterm's pen, and what seq.c tracks that libvterm does not).
 */
#ifndef BT_GRID_INTERNAL_H
#define BT_GRID_INTERNAL_H

#include "grid.h"

struct gcell {
    uint32_t ch;
    sb_color fg;
    sb_color bg;
    uint32_t attrs;
};

#define GCELL_LINK_SHIFT 16 /* attrs: SB_ATTR_* below, the hyperlink's number above */
#define GCELL_ATTR_MASK 0xffffu

/* The URIs cells name by number (grid_links.c); uri[0] is unused: 0 is no link. */
struct grid_links {
    char **uri;
    uint32_t n, cap;
    size_t bytes;
};

#define CH_PROT (1u << 31)  /* DECSCA-protected: selective erase keeps it */
#define CH_COMB (1u << 30)  /* the low 30 bits index the combining side table */
#define CH_CONT 0x3fffffffu /* right half of a wide glyph */
#define CH_VALUE (~CH_PROT)

/* A row: flags that travel with it through scrolls, then its cells. */
struct grow {
    uint32_t flags; /* SB_ROW_WRAPPED, the prompt marks (SB_ROW_MARK_*) */
    uint32_t note;  /* with SB_ROW_MARK_END: the grid's note of the command (0: none) */
    uint64_t stamp; /* grid_row_stamp: new whenever what read_row gives of it changes */
    struct gcell cells[];
};

/* One screen: primary or alternate. */
struct gbuf {
    struct grow **row;              /* by screen row */
    unsigned char *slab;            /* every row, stride bytes apart */
    uint32_t (*comb)[SB_MAX_CHARS]; /* sequences referenced by CH_COMB cells */
    uint32_t ncomb, capcomb;
};

#define GRID_NOTES 128 /* command notes the screen's rows can name at once */

struct grid {
    VTermState *state;
    struct term_callbacks cb; /* the engine's: the grid calls scrollout, popline and bell */
    void *user;
    int rows, cols;
    size_t stride;
    struct gbuf buf[2];
    int cur;           /* index of the screen shown: 0 primary, 1 alternate */
    struct grow **rowp; /* buf[cur].row, for the hot path */

    sb_color pen_fg, pen_bg;
    uint32_t pen_attrs;
    uint32_t saved_extra;
    struct grid_links links; /* the pen attributes libvterm does not save (grid_save_pen_extra) */

    bool reverse, cursor_visible, cursor_blink;
    int cursor_shape;

    int wrap_row, wrap_col; /* the last glyph placed; wrap_row -1 when the cursor moved since */
    int last_width;         /* of the last glyph placed (also for REP) */
    VTermPos bias;                    /* cursor adjustment owed to the next resize */
    VTermPos pcur;          /* the primary screen's cursor while the alternate one is shown */
    bool pcur_moved;        /* a resize reflowed the primary screen under the alternate */
    bool autowrap;          /* DECAWM, as seq.c tells it (for the cursor waiting at the edge) */
    bool keep_alternate;    /* the next switch to the alternate screen keeps its text */
    bool skip_erase;        /* ... so the erase VTermState sends with it is not done */
    bool reflowing;         /* resize.c holds cells elsewhere: the side table must not shrink */

    uint64_t gen;
    struct sb_cell *sbuf;   /* one row, for scrollout */
    struct sb_row srow;     /* what scrollout gets: sbuf's cells, its own links */
    struct gcell *tmpl;     /* one blank row for the pen tmpl[0] holds (tmpl_ok), to copy */
    bool tmpl_ok;
    struct sb_row pop;      /* one row, for popline */
    /* What is known of commands that ended on screen rows, by note number (grid_note_add). */
    struct grid_note {
        uint32_t number;
        struct sb_command cmd;
    } notes[GRID_NOTES];
    uint32_t last_note;
};


/* ---- Hyperlinks (grid_links.c) -------------------------------------------- */

void grid_links_free(struct grid_links *l);
size_t grid_links_sizeof(const struct grid_links *l);

/* ---- Shared helpers (grid.c) ---------------------------------------------- */

/* Row `row` of the screen shown. */
static inline struct grow *row_at(const struct grid *g, int row)
{
    return g->rowp[row];
}

/*
 * Row gr changed: its stamp takes a value no row has had (the generation, bumped, so a
 * caller need not grid_touch too), and a reader that kept a copy of a row with the same stamp
 * has it as it is. Every write to a row's cells, flags or note calls this.
 */
static inline void row_touch(struct grid *g, struct grow *gr)
{
    gr->stamp = ++g->gen;
}

/* Codepoints the store refuses (libvterm decodes 5- and 6-byte UTF-8 past U+10FFFF). */
static inline uint32_t sanitize(uint32_t cp)
{
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0xfffd;
    return cp;
}

/* Sets n cells to the erased state VTermScreen gives them: no glyph, the whole pen. */
void grid_blank_cells(const struct grid *g, struct gcell *c, int n);

/* The ch value (without CH_PROT) for a glyph's codepoints, kept in screen b's side table. */
uint32_t grid_glyph_ch(struct grid *g, struct gbuf *b, const uint32_t *chars);

/* Bytes per row for cols columns, rounded to 8 so row headers stay aligned. */
size_t grid_row_stride(int cols);

/* Keeps cmd for a row to name: its note number (never 0). */
uint32_t grid_note_add(struct grid *g, const struct sb_command *cmd);
/* The command note number names, or NULL when it is gone (GRID_NOTES newer ones came since). */
const struct sb_command *grid_note(const struct grid *g, uint32_t number);

/* Allocates rows x cols blank cells (with the current pen) in b; false when out of memory. */
bool grid_buf_alloc(const struct grid *g, struct gbuf *b, int rows, int cols, size_t stride);
void grid_buf_free(struct gbuf *b);

/* Hands row gr (g->cols cells of the primary screen) to the scrollout callbacks. */
void grid_push_row(struct grid *g, const struct grow *gr);

/* The VTermState resize callback (resize.c). */
int grid_cb_resize(int rows, int cols, VTermPos *delta, void *user);

#endif
