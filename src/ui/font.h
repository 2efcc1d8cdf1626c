/*
 * Fonts: the shipped monospace faces (regular, bold, italic, bold italic) through
 * FreeType, with fontconfig finding a face for codepoints they lack. A cell's
 * characters (a base and its combining marks) are rasterised into a white
 * ARGB8888 bitmap whose alpha is the coverage; colour glyphs (emoji) keep their
 * colours. The cell size comes from the regular face at the current pixel size.
 */
#ifndef BT_UI_FONT_H
#define BT_UI_FONT_H

#include <stdbool.h>
#include <stdint.h>

enum { FONT_BOLD = 1, FONT_ITALIC = 2 };

struct font_metrics {
    int cell_w, cell_h; /* pixels */
    int ascent;         /* baseline, pixels below the top of the cell */
    int underline;      /* top of the underline, pixels below the top of the cell */
    int thickness;      /* of underline and strike lines */
};

struct font;

/*
 * Loads file (when not NULL or empty: one face for every style), else the four
 * faces from the fonts directory (dir when it has them, else see font.c for where it is
 * looked for), at px_size pixels. NULL (one log line) when no face loads.
 */
struct font *font_create(const char *file, const char *dir, int px_size);
/* Frees the faces and fallbacks; NULL is a no-op. */
void font_destroy(struct font *f);

/*
 * The cell size font_create(file, dir, px_size) would give, without keeping the font
 * (headless mode answers size queries in pixels with it). false when no font loads.
 */
bool font_cell_size(const char *file, const char *dir, int px_size, int *w, int *h);

/* Changes the pixel size (zoom); false (logged) when FreeType refuses it. */
bool font_set_size(struct font *f, int px_size);
int font_size(const struct font *f);
const struct font_metrics *font_metrics(const struct font *f);

/*
 * Draws chars[0..n) (base then combining marks) in style FONT_* over `cells`
 * cells into out, ARGB8888 pixels of cells*cell_w x cell_h with `pitch` pixels
 * per line, which the caller has zeroed. Sets *colour when the glyph carries
 * its own colours (draw it unmodulated). false when nothing could be drawn.
 */
bool font_draw(struct font *f, const uint32_t *chars, int n, unsigned style, int cells,
               uint32_t *out, int pitch, bool *colour);

/* FreeType's version as the process runs it, "2.12.1"; "?" when it cannot start. */
const char *font_freetype_version(void);

#endif
