/*
 * FreeType faces and fontconfig fallback (font.h).
 *
 * The fonts directory is the first of: $BOUNDTERM_FONT_DIR; ../../fonts and
 * ../share/boundterm/fonts next to /proc/self/exe (a build tree, an install);
 * BT_FONT_DIR (the source tree's fonts/, from meson); BT_DATA_FONT_DIR (the
 * installed datadir). Without any of them fontconfig's "monospace" is used.
 *
 * Fallback faces are opened on demand for the first codepoint that needs them
 * and kept (at most MAX_FALLBACKS); codepoints no font has are remembered in a
 * small direct-mapped table so fontconfig is asked once, not every frame.
 */
#include "font.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#define MAX_FALLBACKS 16
#define MISS_SLOTS 256

static const char *const face_files[4] = {
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
    "DejaVuSansMono-BoldOblique.ttf",
};

struct fallback {
    char *path;
    FT_Face face;
    bool bitmap; /* fixed sizes only (colour emoji): scaled when drawn */
};

struct font {
    FT_Library ft;
    FT_Face face[4]; /* indexed by FONT_* style bits; missing styles use face[0] */
    struct fallback fb[MAX_FALLBACKS];
    int nfb;
    uint32_t miss[MISS_SLOTS]; /* codepoints no font has; 0 = empty slot */
    int px;
    struct font_metrics m;
    char dir[PATH_MAX];
    const char *first_dir; /* a fonts directory to try first (BOUNDTERM_FONT_DIR), or NULL */
    bool have_dir;
};

/* True when dir holds the regular face. */
static bool dir_has_font(const char *dir)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, face_files[0]);
    return access(path, R_OK) == 0;
}

/* Tries candidate directories in order; true with f->dir set when one has the fonts. */
static bool find_dir(struct font *f)
{
    char exe[PATH_MAX], cand[4][PATH_MAX];
    int n = 0;
    if (f->first_dir && *f->first_dir)
        snprintf(cand[n++], PATH_MAX, "%s", f->first_dir);
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        snprintf(cand[n++], PATH_MAX, "%.3000s/../../fonts", exe);
        snprintf(cand[n++], PATH_MAX, "%.3000s/../share/boundterm/fonts", exe);
    }
#ifdef BT_FONT_DIR
    snprintf(cand[n++], PATH_MAX, "%s", BT_FONT_DIR);
#endif
    const char *data = NULL;
#ifdef BT_DATA_FONT_DIR
    data = BT_DATA_FONT_DIR;
#endif
    for (int i = 0; i <= n; i++) {
        const char *d = i < n ? cand[i] : data;
        if (d && dir_has_font(d)) {
            snprintf(f->dir, sizeof f->dir, "%s", d);
            return true;
        }
    }
    return false;
}

/* The file fontconfig picks for a pattern string; a malloc'd path or NULL. */
static char *fc_match_file(const char *pattern, uint32_t codepoint)
{
    FcPattern *pat = FcNameParse((const FcChar8 *)pattern);
    FcCharSet *cs = NULL;
    char *path = NULL;
    if (!pat)
        return NULL;
    if (codepoint) {
        cs = FcCharSetCreate();
        FcCharSetAddChar(cs, codepoint);
        FcPatternAddCharSet(pat, FC_CHARSET, cs);
    }
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *match = FcFontMatch(NULL, pat, &res);
    FcChar8 *file = NULL;
    FcCharSet *have = NULL;
    if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch) {
        bool ok = !codepoint || (FcPatternGetCharSet(match, FC_CHARSET, 0, &have) ==
                                     FcResultMatch && FcCharSetHasChar(have, codepoint));
        if (ok)
            path = strdup((const char *)file);
    }
    if (match)
        FcPatternDestroy(match);
    if (cs)
        FcCharSetDestroy(cs);
    FcPatternDestroy(pat);
    return path;
}

/* Opens one face and sets its size; NULL on failure. */
static FT_Face open_face(struct font *f, const char *path, bool *bitmap)
{
    FT_Face face;
    if (FT_New_Face(f->ft, path, 0, &face) != 0)
        return NULL;
    *bitmap = !FT_IS_SCALABLE(face) && face->num_fixed_sizes > 0;
    if (*bitmap)
        FT_Select_Size(face, 0);
    else
        FT_Set_Pixel_Sizes(face, 0, (FT_UInt)f->px);
    return face;
}

/* Loads the configured file, else the four styles from f->dir, else fontconfig's monospace. */
static bool load_faces(struct font *f, const char *file)
{
    char path[PATH_MAX + 64];
    bool bitmap;
    if (file && *file) {
        f->face[0] = open_face(f, file, &bitmap);
        if (f->face[0])
            return true; /* bold and italic draw with it too */
        fprintf(stderr, "boundterm: font: cannot load '%s'; using the shipped font\n", file);
    }
    f->have_dir = find_dir(f);
    for (int i = 0; i < 4 && f->have_dir; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, face_files[i]);
        f->face[i] = open_face(f, path, &bitmap);
    }
    if (!f->face[0]) {
        char *match = fc_match_file("monospace", 0);
        if (match)
            f->face[0] = open_face(f, match, &bitmap);
        free(match);
        f->have_dir = false;
    }
    return f->face[0] != NULL;
}

/* Cell size and line positions from the regular face at the current size. */
static void compute_metrics(struct font *f)
{
    FT_Face face = f->face[0];
    FT_Size_Metrics *sm = &face->size->metrics;
    int w = 0;
    FT_UInt idx = FT_Get_Char_Index(face, 'M');
    if (idx && FT_Load_Glyph(face, idx, FT_LOAD_DEFAULT) == 0)
        w = (int)((face->glyph->advance.x + 63) >> 6);
    f->m.cell_w = w > 0 ? w : (int)((sm->max_advance + 63) >> 6);
    f->m.ascent = (int)((sm->ascender + 63) >> 6);
    f->m.cell_h = f->m.ascent + (int)((-sm->descender + 63) >> 6);
    int thick = (int)((FT_MulFix(face->underline_thickness, sm->y_scale) + 32) >> 6);
    f->m.thickness = thick < 1 ? 1 : thick;
    int under = f->m.ascent - (int)(FT_MulFix(face->underline_position, sm->y_scale) >> 6);
    if (under + f->m.thickness > f->m.cell_h)
        under = f->m.cell_h - f->m.thickness;
    f->m.underline = under;
}

struct font *font_create(const char *file, const char *dir, int px_size)
{
    struct font *f = calloc(1, sizeof *f);
    if (!f)
        goto fail;
    f->px = px_size;
    f->first_dir = dir;
    if (FT_Init_FreeType(&f->ft) != 0 || !FcInit())
        goto fail;
    if (!load_faces(f, file))
        goto fail;
    compute_metrics(f);
    return f;
fail:
    fprintf(stderr, "boundterm: no usable font (looked for %s in fonts/ and through "
                    "fontconfig)\n", face_files[0]);
    font_destroy(f);
    return NULL;
}

bool font_cell_size(const char *file, const char *dir, int px_size, int *w, int *h)
{
    struct font *f = calloc(1, sizeof *f);
    bool ok = f && FT_Init_FreeType(&f->ft) == 0;
    if (ok) {
        f->px = px_size;
        f->first_dir = dir;
        ok = load_faces(f, file);
    }
    if (ok) {
        compute_metrics(f);
        *w = f->m.cell_w;
        *h = f->m.cell_h;
    }
    font_destroy(f);
    return ok;
}

void font_destroy(struct font *f)
{
    if (!f)
        return;
    for (int i = 0; i < 4; i++)
        if (f->face[i])
            FT_Done_Face(f->face[i]);
    for (int i = 0; i < f->nfb; i++) {
        FT_Done_Face(f->fb[i].face);
        free(f->fb[i].path);
    }
    if (f->ft)
        FT_Done_FreeType(f->ft);
    free(f);
}

bool font_set_size(struct font *f, int px_size)
{
    for (int i = 0; i < 4; i++)
        if (f->face[i] && FT_Set_Pixel_Sizes(f->face[i], 0, (FT_UInt)px_size) != 0) {
            fprintf(stderr, "boundterm: font: size %d refused\n", px_size);
            FT_Set_Pixel_Sizes(f->face[i], 0, (FT_UInt)f->px);
            return false;
        }
    for (int i = 0; i < f->nfb; i++)
        if (!f->fb[i].bitmap)
            FT_Set_Pixel_Sizes(f->fb[i].face, 0, (FT_UInt)px_size);
    f->px = px_size;
    compute_metrics(f);
    return true;
}

int font_size(const struct font *f)
{
    return f->px;
}

const struct font_metrics *font_metrics(const struct font *f)
{
    return &f->m;
}

/* A fallback face that has c, opening one through fontconfig if needed; NULL when none. */
static struct fallback *fallback_for(struct font *f, uint32_t c)
{
    for (int i = 0; i < f->nfb; i++)
        if (FT_Get_Char_Index(f->fb[i].face, c))
            return &f->fb[i];
    uint32_t *miss = &f->miss[c % MISS_SLOTS];
    if (*miss == c || f->nfb == MAX_FALLBACKS)
        return NULL;
    char *path = fc_match_file("monospace", c);
    struct fallback *fb = &f->fb[f->nfb];
    if (path) {
        fb->face = open_face(f, path, &fb->bitmap);
        if (fb->face && FT_Get_Char_Index(fb->face, c)) {
            fb->path = path;
            f->nfb++;
            return fb;
        }
        if (fb->face)
            FT_Done_Face(fb->face);
        fb->face = NULL;
    }
    free(path);
    *miss = c;
    return NULL;
}

/* The face and glyph index for c in style: the style's face, the regular one, a fallback. */
static FT_Face face_for(struct font *f, uint32_t c, unsigned style, FT_UInt *idx, bool *bitmap)
{
    FT_Face face = f->face[style & 3] ? f->face[style & 3] : f->face[0];
    *bitmap = false;
    if ((*idx = FT_Get_Char_Index(face, c)) != 0)
        return face;
    if ((*idx = FT_Get_Char_Index(f->face[0], c)) != 0)
        return f->face[0];
    struct fallback *fb = fallback_for(f, c);
    if (fb) {
        *bitmap = fb->bitmap;
        *idx = FT_Get_Char_Index(fb->face, c);
        return fb->face;
    }
    *idx = 0; /* the regular face's .notdef box */
    return f->face[0];
}

/* Where a glyph goes on the canvas, in pixels. */
struct canvas {
    uint32_t *px;
    int w, h, pitch;
};

/* Max-combines an 8-bit coverage bitmap at (x, y) as white with alpha. */
static void blit_gray(struct canvas *cv, const FT_Bitmap *bm, int x, int y)
{
    for (int r = 0; r < (int)bm->rows; r++) {
        int cy = y + r;
        if (cy < 0 || cy >= cv->h)
            continue;
        const unsigned char *src = bm->buffer + r * bm->pitch;
        for (int c = 0; c < (int)bm->width; c++) {
            int cx = x + c;
            if (cx < 0 || cx >= cv->w)
                continue;
            uint32_t a = src[c], *d = &cv->px[cy * cv->pitch + cx];
            if (a > (*d >> 24))
                *d = a << 24 | 0xffffffu;
        }
    }
}

/* Copies a 1-bit bitmap (FT_PIXEL_MODE_MONO) as opaque white. */
static void blit_mono(struct canvas *cv, const FT_Bitmap *bm, int x, int y)
{
    for (int r = 0; r < (int)bm->rows; r++)
        for (int c = 0; c < (int)bm->width; c++) {
            int cx = x + c, cy = y + r;
            if (cx >= 0 && cx < cv->w && cy >= 0 && cy < cv->h &&
                (bm->buffer[r * bm->pitch + c / 8] & (0x80 >> (c % 8))))
                cv->px[cy * cv->pitch + cx] = 0xffffffffu;
        }
}

/* The average of a premultiplied BGRA bitmap over source box [x0, x1) x [y0, y1). */
static uint32_t box_average(const FT_Bitmap *bm, int x0, int y0, int x1, int y1)
{
    uint32_t sum[4] = {0}, n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++, n++)
            for (int k = 0; k < 4; k++)
                sum[k] += bm->buffer[y * bm->pitch + x * 4 + k];
    if (!n || !(sum[3] / n))
        return 0;
    uint32_t a = sum[3] / n; /* un-premultiply: SDL blends straight alpha */
    uint32_t r = sum[2] / n * 255 / a, g = sum[1] / n * 255 / a, b = sum[0] / n * 255 / a;
    r = r > 255 ? 255 : r;
    g = g > 255 ? 255 : g;
    b = b > 255 ? 255 : b;
    return a << 24 | r << 16 | g << 8 | b;
}

/* Scales a premultiplied BGRA bitmap (colour emoji) into the canvas box, averaging boxes. */
static void blit_bgra(struct canvas *cv, const FT_Bitmap *bm)
{
    int bw = (int)bm->width, bh = (int)bm->rows;
    if (bw <= 0 || bh <= 0)
        return;
    double s = (double)cv->h / bh < (double)cv->w / bw ? (double)cv->h / bh : (double)cv->w / bw;
    int ow = (int)(bw * s), oh = (int)(bh * s), ox = (cv->w - ow) / 2, oy = (cv->h - oh) / 2;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            int x0 = (int)(x / s), y0 = (int)(y / s);
            int x1 = (int)((x + 1) / s), y1 = (int)((y + 1) / s);
            x1 = x1 > x0 ? (x1 < bw ? x1 : bw) : x0 + 1;
            y1 = y1 > y0 ? (y1 < bh ? y1 : bh) : y0 + 1;
            uint32_t px = box_average(bm, x0, y0, x1, y1);
            if (px)
                cv->px[(oy + y) * cv->pitch + ox + x] = px;
        }
}

/* Renders one codepoint at pen x; marks whose ink lies left of the pen overlay the base. */
static bool draw_one(struct font *f, struct canvas *cv, uint32_t c, unsigned style, bool mark,
                     bool *colour)
{
    FT_UInt idx;
    bool bitmap;
    FT_Face face = face_for(f, c, style, &idx, &bitmap);
    if (mark && idx == 0)
        return false; /* a missing mark (or a zero-width space): no box over the base */
    FT_Int32 flags = FT_LOAD_RENDER | FT_LOAD_TARGET_LIGHT | (FT_HAS_COLOR(face) ? FT_LOAD_COLOR
                                                                                 : 0);
    if (FT_Load_Glyph(face, idx, flags) != 0)
        return false;
    FT_GlyphSlot g = face->glyph;
    if (g->bitmap.pixel_mode == FT_PIXEL_MODE_BGRA) {
        blit_bgra(cv, &g->bitmap);
        *colour = true;
        return true;
    }
    int x = g->bitmap_left, adv = (int)(g->advance.x >> 6);
    if (mark && x < 0 && adv > 0)
        x += f->m.cell_w; /* a spacing mark drawn back over the previous advance */
    else if (!mark && adv > 0 && adv <= cv->w / 2 && cv->w > f->m.cell_w)
        x += (cv->w - adv) / 2; /* a narrow glyph centred in a wide cell */
    int y = f->m.ascent - g->bitmap_top;
    if (g->bitmap.pixel_mode == FT_PIXEL_MODE_MONO)
        blit_mono(cv, &g->bitmap, x, y);
    else if (g->bitmap.pixel_mode == FT_PIXEL_MODE_GRAY)
        blit_gray(cv, &g->bitmap, x, y);
    (void)bitmap;
    return true;
}

bool font_draw(struct font *f, const uint32_t *chars, int n, unsigned style, int cells,
               uint32_t *out, int pitch, bool *colour)
{
    struct canvas cv = {.px = out, .w = cells * f->m.cell_w, .h = f->m.cell_h, .pitch = pitch};
    bool any = false;
    *colour = false;
    for (int i = 0; i < n && chars[i]; i++)
        any |= draw_one(f, &cv, chars[i], style, i > 0, colour);
    return any;
}

const char *font_freetype_version(void)
{
    static char buf[32];
    FT_Library ft;
    FT_Int major, minor, patch;
    if (FT_Init_FreeType(&ft) != 0)
        return "?";
    FT_Library_Version(ft, &major, &minor, &patch);
    FT_Done_FreeType(ft);
    snprintf(buf, sizeof buf, "%d.%d.%d", major, minor, patch);
    return buf;
}
