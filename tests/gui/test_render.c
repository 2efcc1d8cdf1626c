/*
 * Golden-image tests of the renderer: fixed byte streams fed to an engine,
 * laid out by the view, drawn by render.c with SDL's software renderer into a
 * surface (no display needed), and compared with tests/gui/golden/NAME.ppm.
 *
 *   test_render GOLDEN_DIR            compare every scene; a failing scene
 *                                     leaves NAME.actual.ppm in the cwd
 *   test_render --regen GOLDEN_DIR    rewrite the golden images
 *   test_render --scene NAME OUT.ppm  draw one scene
 *
 * Fonts come from the shipped fonts/ only (FONTCONFIG_FILE is pointed at
 * fonts.conf by meson), so codepoints DejaVu Sans Mono lacks draw as its
 * .notdef box on every machine. A pixel matches when every channel is within
 * TOLERANCE; a scene passes when at most MISMATCH_PERMILLE of its pixels do
 * not match (FreeType versions hint a little differently), or as many as
 * $BT_GOLDEN_PERMILLE says: SDL's own geometry path (BOUNDTERM_GEOMETRY=1)
 * blends glyph edges a little differently from render.c's rasteriser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "boundterm/scrollback.h"
#include "font.h"
#include "overlay.h"
#include "render.h"
#include "select.h"
#include "term.h"
#include "view.h"

static struct lines *space; /* the line space the view and the selection read */

#define TOLERANCE 40
#define MISMATCH_PERMILLE 5
#define FONT_PX 15

struct scene {
    const char *name;
    int cols, rows;
    const char *bytes;
    bool unfocused;
    bool overlay;
    int scroll;         /* rows to scroll the view back */
    int sel[4];         /* row0, col0, row1, col1 of a drag; all 0 = none */
    int view_cols;      /* a narrower width for the view (reflow); 0 = same */
    struct render_mark marks[4]; /* search matches to highlight, ordered by row */
    int nmarks;
};

static const struct scene scenes[] = {
    {"colours", 32, 8,
     "\x1b[30m0\x1b[31m1\x1b[32m2\x1b[33m3\x1b[34m4\x1b[35m5\x1b[36m6\x1b[37m7"
     "\x1b[90m8\x1b[91m9\x1b[92mA\x1b[93mB\x1b[94mC\x1b[95mD\x1b[96mE\x1b[97mF\x1b[m\r\n"
     "\x1b[40m \x1b[41m \x1b[42m \x1b[43m \x1b[44m \x1b[45m \x1b[46m \x1b[47m "
     "\x1b[100m \x1b[101m \x1b[102m \x1b[103m \x1b[104m \x1b[105m \x1b[106m \x1b[107m \x1b[m\r\n"
     "\x1b[48;5;16m \x1b[48;5;52m \x1b[48;5;88m \x1b[48;5;124m \x1b[48;5;160m \x1b[48;5;196m "
     "\x1b[48;5;22m \x1b[48;5;28m \x1b[48;5;34m \x1b[48;5;40m \x1b[48;5;46m "
     "\x1b[48;5;232m \x1b[48;5;238m \x1b[48;5;244m \x1b[48;5;250m \x1b[48;5;255m \x1b[m\r\n"
     "\x1b[38;2;255;128;0mtruecolor \x1b[48;2;0;64;128m\x1b[38;2;200;255;200m on blue \x1b[m\r\n"
     "\x1b[7mreverse\x1b[m \x1b[1;31mbold red\x1b[m \x1b[38;5;208m208\x1b[m",
     false, false, 0, {0}, 0},
    {"attributes", 30, 7,
     "plain \x1b[1mbold\x1b[m \x1b[3mitalic\x1b[m \x1b[1;3mboth\x1b[m\r\n"
     "\x1b[4munder\x1b[m \x1b[21mdouble\x1b[m \x1b[4:3mcurly\x1b[m\r\n"
     "\x1b[9mstrike\x1b[m \x1b[5mblink\x1b[m \x1b[8mconceal\x1b[m!\r\n"
     "\x1b[1;4;9;38;5;45mall of them\x1b[m",
     false, false, 0, {0}, 0},
    /* dim (SGR 2) halfway to the background, on its own, bold, red, reversed and truecolour;
     * overline (SGR 53) alone, with an underline, and in a dim orange */
    {"dim_overline", 30, 4,
     "\x1b[2mdim\x1b[m plain \x1b[1;2mbold dim\x1b[m\r\n"
     "\x1b[2;31mdim red\x1b[m \x1b[31mred\x1b[m \x1b[2;7mdim rev\x1b[m\r\n"
     "\x1b[53moverline\x1b[m \x1b[4;53mover+under\x1b[m\r\n"
     "\x1b[2;53;38;2;255;128;0mdim over orange\x1b[m",
     false, false, 0, {0}, 0},
    /* colours the program set: background, foreground, palette entry 1, cursor (OSC 11, 10,
     * 4, 12), selection background and foreground (OSC 17, 19) */
    {"osc_colors", 24, 3,
     "\x1b]11;#f5f5dc\x07\x1b]10;rgb:20/20/20\x07\x1b]4;1;#0080ff\x1b\\\x1b]12;#ff0000\x07"
     "\x1b]17;#ffff00\x07\x1b]19;#000000\x07"
     "plain \x1b[31mpalette 1\x1b[m\r\nselected text\r\ncursor",
     false, false, 0, {1, 0, 1, 8}, 0},
    {"wide", 24, 4,
     "\xe6\x97\xa5\xe6\x9c\xac|ab\r\n"       /* two wide characters (tofu), then narrow */
     "e\xcc\x81 a\xcc\x88\xcc\x81 o\xcc\xa3\r\n" /* combining marks stacked */
     "x\xe2\x80\x8b|\xef\xbc\xa1\xef\xbc\xa2|",   /* fullwidth A B */
     false, false, 0, {0}, 0},
    {"cursor_block", 12, 2, "ab\x1b[2 q", false, false, 0, {0}, 0},
    {"cursor_underline", 12, 2, "ab\x1b[4 q", false, false, 0, {0}, 0},
    {"cursor_bar", 12, 2, "ab\x1b[6 q", false, false, 0, {0}, 0},
    {"cursor_hollow", 12, 2, "ab", true, false, 0, {0}, 0},
    {"selection", 24, 4,
     "first line of text\r\nsecond line here\r\nthird", false, false, 0, {0, 6, 1, 10}, 0},
    {"overlay", 60, 12, "$ top\r\n", false, true, 0, {0}, 0},
    {"scrolled", 20, 5,
     "1 one\r\n2 two\r\n3 a long line that wraps around twice\r\n4 four\r\n5 five\r\n"
     "6 six\r\n7 seven\r\n8 eight\r\n9 nine", false, false, 4, {0}, 12},
    /* search highlights: plain matches, the current one (on bold red text), one on a row of
     * wide characters, and a selection between two of them; the text under each stays readable */
    {"search_marks", 24, 4,
     "find the cat here\r\n\x1b[1;31mcat\x1b[m and \x1b[4mcat\x1b[m\r\n"
     "\xe6\x97\xa5\xe6\x9c\xac cat",
     false, false, 0, {1, 4, 1, 7}, 0,
     {{0, 9, 12, false}, {1, 0, 3, true}, {1, 8, 11, false}, {2, 5, 8, false}}, 4},
};

/* The engine side of a scene: rows leaving the screen go into the store. */
static void on_scrollout(void *user, const struct sb_row *row)
{
    sb_store_push(user, row);
}

static bool on_popline(void *user, struct sb_row *row)
{
    return sb_store_pop_row(user, row) == 0;
}

/* Fixed overlay figures, so the image does not depend on this process. */
static void fake_overlay(struct overlay *o)
{
    struct sb_stats st = {.ram_budget = 64u << 20, .ram_used = 20u << 20,
                          .disk_budget = 1u << 30, .disk_used = 300u << 20,
                          .rows_retained = 1234567, .rows_dropped = 89,
                          .raw_bytes_stored = 500u << 20, .compressed_bytes = 100u << 20};
    o->shown = true;
    for (int i = 0; i < OVERLAY_SAMPLES; i++)
        overlay_sample(o, (uint64_t)(30 + (i * 7) % 50) << 20, &st);
}

/* Applies the scene's selection drag to sel. */
static void scene_select(const struct scene *sc, struct view *v, struct select *sel)
{
    if (!sc->sel[0] && !sc->sel[1] && !sc->sel[2] && !sc->sel[3])
        return;
    const struct view_line *l = view_lines(v);
    select_start(sel, space, select_point_at(&l[sc->sel[0]], sc->sel[1]), SELECT_CHAR);
    select_extend(sel, space, select_point_at(&l[sc->sel[2]], sc->sel[3]));
}

struct canvas {
    SDL_Surface *surf;
    SDL_Renderer *ren;
    struct font *font;
    struct render *rd;
};

static bool geometry(void)
{
    const char *env = getenv("BOUNDTERM_GEOMETRY");
    return env && *env == '1';
}

/*
 * A surface the size of cols x rows cells, drawn by render.c's own pixels copied onto it (as
 * the window's surface), or with BOUNDTERM_GEOMETRY=1 by SDL's software renderer on it.
 */
static bool canvas_open(struct canvas *c, int cols, int rows)
{
    c->font = font_create(NULL, getenv("BOUNDTERM_FONT_DIR"), FONT_PX);
    if (!c->font)
        return false;
    const struct font_metrics *m = font_metrics(c->font);
    c->surf = SDL_CreateRGBSurfaceWithFormat(0, cols * m->cell_w, rows * m->cell_h, 32,
                                             SDL_PIXELFORMAT_ARGB8888);
    if (c->surf && geometry())
        c->ren = SDL_CreateSoftwareRenderer(c->surf);
    c->rd = c->surf && (c->ren || !geometry()) ? render_create(c->ren, c->font) : NULL;
    if (!c->rd)
        fprintf(stderr, "test_render: %s\n", SDL_GetError());
    return c->rd != NULL;
}

static void canvas_close(struct canvas *c)
{
    render_destroy(c->rd);
    if (c->ren)
        SDL_DestroyRenderer(c->ren);
    if (c->surf)
        SDL_FreeSurface(c->surf);
    font_destroy(c->font);
}

/*
 * Draws the scene's frame onto the canvas: the whole frame (all), or only what render.c
 * says changed; sets *nrects to the rectangles it copied and *height to their rows.
 */
static bool draw_scene_part(const struct scene *sc, struct canvas *cv, struct term *t,
                            struct view *v, bool all, int *nrects, int *height)
{
    struct select sel = {0};
    struct overlay ov = {0};
    int cols = sc->view_cols ? sc->view_cols : sc->cols;
    view_follow(v); /* from the bottom each time: a frame drawn again is the same frame */
    if (!view_layout(v, sc->rows, cols))
        return false;
    view_scroll(v, sc->scroll);
    if (!view_layout(v, sc->rows, cols))
        return false;
    scene_select(sc, v, &sel);
    const struct view_line *l = view_lines(v);
    const struct sb_row *rows[64];
    int from[64], to[64];
    for (int r = 0; r < sc->rows; r++) {
        rows[r] = l[r].row;
        if (!select_span(&sel, &l[r], cols, &from[r], &to[r]))
            from[r] = to[r] = 0;
    }
    struct term_cursor tc;
    term_cursor(t, &tc);
    struct render_scene s = {.rows = sc->rows, .cols = cols, .lines = rows, .blink_on = true,
                             .cursor = {tc.row + (sc->scroll ? sc->scroll : 0), tc.col,
                                        tc.shape, tc.visible, sc->unfocused},
                             .indicator = !view_following(v)};
    if (sel.exists) {
        s.sel_from = from;
        s.sel_to = to;
    }
    s.marks = sc->marks;
    s.nmarks = sc->nmarks;
    view_position(v, &s.above, &s.total);
    if (sc->overlay)
        fake_overlay(&ov);
    render_set_colors(cv->rd, term_colors(t)); /* as the window: what the program set */
    render_begin(cv->rd, cv->surf->w, cv->surf->h);
    render_grid(cv->rd, &s);
    overlay_draw(&ov, cv->rd, font_metrics(cv->font), cv->surf->w, cv->surf->h);
    if (!render_end(cv->rd))
        return false;
    const SDL_Rect *rects;
    *nrects = render_copy_to(cv->rd, cv->surf, all, &rects);
    *height = 0;
    for (int i = 0; i < *nrects; i++)
        *height += rects[i].h;
    return true;
}

static bool draw_scene(const struct scene *sc, struct canvas *cv, struct term *t, struct view *v)
{
    int n, h;
    return draw_scene_part(sc, cv, t, v, true, &n, &h);
}

/* The number of pixels that differ between two surfaces of the same size. */
static long pixels_differ(SDL_Surface *a, SDL_Surface *b)
{
    long bad = 0;
    for (int y = 0; y < a->h; y++)
        bad += memcmp((Uint8 *)a->pixels + y * a->pitch, (Uint8 *)b->pixels + y * b->pitch,
                      (size_t)a->w * 4) != 0;
    return bad;
}

/*
 * Partial frames (render.c's own pixels): the scene drawn again unchanged copies nothing;
 * after a character typed at the top left it copies at most the two rows that changed (the
 * new character's and the cursor's old one), and what the canvas then shows is exactly what
 * a whole frame of the new state draws on a fresh canvas.
 */
static bool check_damage(const struct scene *sc, struct canvas *cv, struct term *t,
                         struct view *v)
{
    int n, h;
    if (!draw_scene_part(sc, cv, t, v, false, &n, &h))
        return false;
    bool ok = true;
    if (n != 0) {
        fprintf(stderr, "%s: the same frame again copied %d rectangles\n", sc->name, n);
        ok = false;
    }
    term_feed(t, "\x1b[1;1HZ", 7);
    if (!draw_scene_part(sc, cv, t, v, false, &n, &h))
        return false;
    int cell_h = font_metrics(cv->font)->cell_h;
    if (!sc->scroll && (n == 0 || h > 2 * cell_h)) {
        fprintf(stderr, "%s: a typed character copied %d rows of pixels\n", sc->name, h);
        ok = false;
    }
    struct canvas fresh = {0};
    if (!canvas_open(&fresh, cv->surf->w / font_metrics(cv->font)->cell_w, sc->rows) ||
        !draw_scene(sc, &fresh, t, v)) {
        canvas_close(&fresh);
        return false;
    }
    long bad = pixels_differ(cv->surf, fresh.surf);
    if (bad) {
        fprintf(stderr, "%s: %ld rows differ from a whole frame\n", sc->name, bad);
        ok = false;
    }
    canvas_close(&fresh);
    printf("%s %s: partial frames (%d pixel rows copied)\n", ok ? "ok" : "FAIL", sc->name, h);
    return ok;
}

/* Writes the canvas as a binary PPM. */
static bool write_ppm(const char *path, SDL_Surface *s)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    fprintf(f, "P6\n%d %d\n255\n", s->w, s->h);
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            Uint32 p = ((Uint32 *)((Uint8 *)s->pixels + y * s->pitch))[x];
            unsigned char rgb[3] = {(unsigned char)(p >> 16), (unsigned char)(p >> 8),
                                    (unsigned char)p};
            fwrite(rgb, 1, 3, f);
        }
    return fclose(f) == 0;
}

/* Reads a binary PPM written by write_ppm; a malloc'd RGB buffer or NULL. */
static unsigned char *read_ppm(const char *path, int *w, int *h)
{
    FILE *f = fopen(path, "rb");
    unsigned char *px = NULL;
    if (f && fscanf(f, "P6 %d %d 255", w, h) == 2 && fgetc(f) != EOF && *w > 0 && *h > 0) {
        px = malloc((size_t)*w * (size_t)*h * 3);
        if (px && fread(px, 3, (size_t)*w * (size_t)*h, f) != (size_t)*w * (size_t)*h) {
            free(px);
            px = NULL;
        }
    }
    if (f)
        fclose(f);
    return px;
}

/* Compares the canvas with a golden PPM; true when within tolerance. */
static bool compare(const char *golden, SDL_Surface *s, const char *name)
{
    int w, h;
    unsigned char *g = read_ppm(golden, &w, &h);
    if (!g || w != s->w || h != s->h) {
        fprintf(stderr, "%s: golden %s missing or of another size (%dx%d)\n", name, golden,
                s->w, s->h);
        free(g);
        return false;
    }
    long bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            Uint32 p = ((Uint32 *)((Uint8 *)s->pixels + y * s->pitch))[x];
            const unsigned char *q = g + ((size_t)y * w + x) * 3;
            if (abs((int)(p >> 16 & 0xff) - q[0]) > TOLERANCE ||
                abs((int)(p >> 8 & 0xff) - q[1]) > TOLERANCE ||
                abs((int)(p & 0xff) - q[2]) > TOLERANCE)
                bad++;
        }
    free(g);
    const char *env = getenv("BT_GOLDEN_PERMILLE");
    long permille = env && *env ? atol(env) : MISMATCH_PERMILLE;
    bool ok = bad * 1000 <= (long)w * h * permille;
    printf("%s %s: %ld of %d pixels differ\n", ok ? "ok" : "FAIL", name, bad, w * h);
    return ok;
}

/* A screen of rows x cols cells over a store, and the line space and view that read it. */
struct screen {
    struct sb_store *store;
    struct term *t;
    struct view *v;
};

/* False when any part could not be made (what was is freed by screen_close). */
static bool screen_open(struct screen *sc, int rows, int cols)
{
    *sc = (struct screen){0};
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    cfg.background = false;
    if (sb_store_create(&cfg, &sc->store, NULL, 0) != 0)
        return false;
    struct term_callbacks cb = {.scrollout = on_scrollout, .popline = on_popline};
    sc->t = term_create(rows, cols, &cb, sc->store);
    space = sc->t ? lines_create(sc->store, sc->t) : NULL;
    sc->v = space ? view_create(space) : NULL;
    return sc->v != NULL;
}

static void screen_close(struct screen *sc)
{
    view_destroy(sc->v);
    lines_destroy(space);
    space = NULL;
    term_destroy(sc->t);
    sb_store_destroy(sc->store);
}

/* Runs one scene: builds engine and store, draws, writes or compares. */
static bool run_scene(const struct scene *sc, const char *out, const char *golden)
{
    struct screen scr;
    struct canvas cv = {0};
    bool ok = false;
    if (!screen_open(&scr, sc->rows, sc->cols) ||
        !canvas_open(&cv, sc->view_cols ? sc->view_cols : sc->cols, sc->rows))
        goto done;
    struct term *t = scr.t;
    struct view *v = scr.v;
    term_feed(t, sc->bytes, strlen(sc->bytes));
    if (!draw_scene(sc, &cv, t, v))
        goto done;
    if (out)
        ok = write_ppm(out, cv.surf);
    else {
        ok = compare(golden, cv.surf, sc->name);
        char actual[256];
        snprintf(actual, sizeof actual, "%s.actual.ppm", sc->name);
        if (!ok)
            write_ppm(actual, cv.surf);
        if (!geometry())
            ok &= check_damage(sc, &cv, t, v);
    }
done:
    if (!ok && out)
        fprintf(stderr, "%s: could not draw or write %s\n", sc->name, out);
    canvas_close(&cv);
    screen_close(&scr);
    return ok;
}

/* ---- Rows kept from the last frame (render_scene.stamps) ------------------ */

static uint64_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    return *x >> 33;
}

/* One random change to the screen: text with attributes, erases, scrolls, modes, colours. */
static void random_op(struct term *t, uint64_t *x, int rows, int cols)
{
    static const char *const sgr[] = {"0", "1", "7", "5", "4", "31", "42", "38;5;200", "4:3",
                                      "48;2;10;20;30", "9", "2", "53"};
    static const char *const text[] = {"abc", "Hello", "\xe4\xb8\x80x", "e\xcc\x81", "|||",
                                       "0123456789"};
    char buf[128];
    int n = 0;
    switch (lcg(x) % 10) {
    case 0: case 1: case 2: case 3: /* text somewhere */
        n = snprintf(buf, sizeof buf, "\x1b[%d;%dH\x1b[%sm%s\x1b[m", (int)(lcg(x) % rows) + 1,
                     (int)(lcg(x) % cols) + 1, sgr[lcg(x) % 13], text[lcg(x) % 6]);
        break;
    case 4:
        n = snprintf(buf, sizeof buf, "\x1b[%d;%dH\x1b[%dK", (int)(lcg(x) % rows) + 1,
                     (int)(lcg(x) % cols) + 1, (int)(lcg(x) % 3));
        break;
    case 5:
        n = snprintf(buf, sizeof buf, "\x1b[%d;1H\n", rows); /* a scroll */
        break;
    case 6:
        n = snprintf(buf, sizeof buf, "\x1b[?5%c", lcg(x) % 4 ? 'l' : 'h');
        break;
    case 7:
        n = snprintf(buf, sizeof buf, "\x1b]4;%d;#%06x\x07", (int)(lcg(x) % 8),
                     (unsigned)(lcg(x) & 0xffffff));
        break;
    case 8:
        n = snprintf(buf, sizeof buf, "\x1b[?25%c\x1b[%d q\x1b[%d;%dH", lcg(x) % 3 ? 'h' : 'l',
                     (int)(lcg(x) % 6) + 1, (int)(lcg(x) % rows) + 1, (int)(lcg(x) % cols) + 1);
        break;
    default: /* nothing: the frame is drawn again as it was, but for what lies over it */
        break;
    }
    term_feed(t, buf, (size_t)n);
}

struct extras {
    int sel_row, overlay_row; /* -1: none */
    bool blink_on, unfocused;
};

/* Draws the screen on cv, keeping rows (keep) or not; copies what changed onto the surface. */
static bool draw_kept(struct canvas *cv, struct term *t, struct view *v, int rows, int cols,
                      bool keep, const struct extras *x, int *redone)
{
    view_follow(v);
    if (!view_layout(v, rows, cols))
        return false;
    const struct view_line *l = view_lines(v);
    const struct sb_row *lines[64];
    uint64_t stamps[64];
    int from[64] = {0}, to[64] = {0};
    for (int r = 0; r < rows; r++) {
        lines[r] = l[r].row;
        stamps[r] = l[r].stamp;
    }
    if (x->sel_row >= 0) {
        from[x->sel_row] = 2;
        to[x->sel_row] = cols / 2;
    }
    struct term_cursor tc;
    term_cursor(t, &tc);
    for (int pass = 0; pass < 2; pass++) {
        struct render_scene s = {.rows = rows, .cols = cols, .lines = lines,
                                 .stamps = keep && !pass ? stamps : NULL, .blink_on = x->blink_on,
                                 .cursor = {tc.row, tc.col, tc.shape, tc.visible, x->unfocused}};
        if (x->sel_row >= 0) {
            s.sel_from = from;
            s.sel_to = to;
        }
        render_set_colors(cv->rd, term_colors(t));
        render_begin(cv->rd, cv->surf->w, cv->surf->h);
        render_grid(cv->rd, &s);
        int ch = font_metrics(cv->font)->cell_h;
        if (x->overlay_row >= 0) /* drawn over the grid, as the message line or the overlay */
            render_rect(cv->rd, 3, x->overlay_row * ch + 2, 40, ch - 4, 0xc0ff8000u);
        if (!render_end(cv->rd))
            return false;
        if (!render_redo(cv->rd))
            break;
        (*redone)++;
    }
    const SDL_Rect *rects;
    render_copy_to(cv->rd, cv->surf, false, &rects);
    return true;
}

/*
 * A random walk of 300 frames (from seed): each drawn keeping the rows whose stamp, selection,
 * cursor and blink are what they were, and of a row that changed the tiles away from its
 * cells that did, onto a canvas that only gets what changed, must show exactly what a whole
 * frame of the same state shows on a fresh canvas. Rows must have been kept, some in part,
 * and frames redrawn when something over a kept row changed.
 */
static bool check_kept_rows(uint64_t seed)
{
    const uint64_t first_seed = seed;
    const int rows = 10, cols = 30, frames = 300;
    struct screen sc;
    struct canvas cv = {0};
    bool ok = screen_open(&sc, rows, cols) && canvas_open(&cv, cols, rows);
    struct term *t = sc.t;
    struct view *v = sc.v;
    int redone = 0, bad_frames = 0;
    struct extras x = {-1, -1, true, false};
    for (int f = 0; ok && f < frames; f++) {
        random_op(t, &seed, rows, cols);
        if (lcg(&seed) % 5 == 0)
            x.sel_row = lcg(&seed) % 3 ? -1 : (int)(lcg(&seed) % rows);
        if (lcg(&seed) % 4 == 0)
            x.overlay_row = lcg(&seed) % 2 ? -1 : (int)(lcg(&seed) % rows);
        x.blink_on = lcg(&seed) % 4 ? x.blink_on : !x.blink_on;
        x.unfocused = lcg(&seed) % 10 ? x.unfocused : !x.unfocused;
        struct canvas fresh = {0};
        int unused = 0;
        ok = draw_kept(&cv, t, v, rows, cols, true, &x, &redone) && canvas_open(&fresh, cols, rows) &&
             draw_kept(&fresh, t, v, rows, cols, false, &x, &unused);
        long bad = ok ? pixels_differ(cv.surf, fresh.surf) : 0;
        if (bad && bad_frames++ < 3)
            fprintf(stderr, "kept rows: frame %d: %ld pixel rows differ from a whole frame\n", f,
                    bad);
        canvas_close(&fresh);
    }
    uint64_t drawn = ok ? render_rows_drawn(cv.rd) : 0;
    uint64_t part = ok ? render_rows_partial(cv.rd) : 0;
    bool kept = drawn < (uint64_t)frames * rows * 3 / 4; /* a third of the changes touch all */
    printf("%s kept rows (seed %llu): %d frames, %llu of %d rows drawn (%llu in part), %d frames "
           "drawn again, %d wrong\n", ok && !bad_frames && kept && part && redone ? "ok" : "FAIL",
           (unsigned long long)first_seed, frames, (unsigned long long)drawn, frames * rows,
           (unsigned long long)part, redone, bad_frames);
    ok = ok && !bad_frames && kept && part > 0 && redone > 0;
    canvas_close(&cv);
    screen_close(&sc);
    return ok;
}

/*
 * The warmed atlas: render_warm() makes the printable ASCII glyphs, regular and bold, once;
 * a screen of them then rasterises nothing more and shows exactly what an atlas that made
 * them while drawing shows.
 */
static bool check_warm(void)
{
    const int rows = 4, cols = 100;
    struct screen sc;
    struct canvas warm = {0}, cold = {0};
    bool ok = screen_open(&sc, rows, cols) && canvas_open(&warm, cols, rows) &&
              canvas_open(&cold, cols, rows);
    struct term *t = sc.t;
    struct view *v = sc.v;
    char text[256];
    int n = 0;
    for (int bold = 0; bold < 2; bold++) {
        n += snprintf(text + n, sizeof text - (size_t)n, "\x1b[%dm", bold);
        for (char ch = '!'; ch <= '~'; ch++)
            text[n++] = ch;
        n += snprintf(text + n, sizeof text - (size_t)n, "\r\n");
    }
    if (t)
        term_feed(t, text, (size_t)n);
    uint64_t made = 0, made_again = 0, made_drawing = 0;
    struct extras x = {-1, -1, true, false};
    int redone = 0;
    if (ok) {
        render_warm(warm.rd);
        made = render_glyphs_made(warm.rd);
        render_warm(warm.rd); /* once only */
        made_again = render_glyphs_made(warm.rd);
        ok = draw_kept(&warm, t, v, rows, cols, false, &x, &redone) &&
             draw_kept(&cold, t, v, rows, cols, false, &x, &redone);
        made_drawing = render_glyphs_made(warm.rd) - made_again;
    }
    long bad = ok ? pixels_differ(warm.surf, cold.surf) : -1;
    bool good = ok && made == 2 * 94 && made_again == made && made_drawing == 0 && bad == 0 &&
                render_glyphs_made(cold.rd) == 2 * 94;
    printf("%s warm atlas: %llu glyphs made, %llu more drawing them, %ld pixel rows differ\n",
           good ? "ok" : "FAIL", (unsigned long long)made, (unsigned long long)made_drawing,
           bad);
    canvas_close(&warm);
    canvas_close(&cold);
    screen_close(&sc);
    return good;
}

int main(int argc, char **argv)
{
    bool regen = argc == 3 && !strcmp(argv[1], "--regen");
    bool one = argc == 4 && !strcmp(argv[1], "--scene");
    if (argc != 2 && !regen && !one) {
        fprintf(stderr, "usage: test_render [--regen] GOLDEN_DIR | --scene NAME OUT.ppm\n");
        return 2;
    }
    int failed = 0, ran = 0;
    for (size_t i = 0; i < sizeof scenes / sizeof *scenes; i++) {
        const struct scene *sc = &scenes[i];
        char path[1024];
        if (one && strcmp(argv[2], sc->name))
            continue;
        snprintf(path, sizeof path, "%s/%s.ppm", argv[argc - 1], sc->name);
        bool ok = one ? run_scene(sc, argv[3], NULL)
                      : run_scene(sc, regen ? path : NULL, regen ? NULL : path);
        failed += !ok;
        ran++;
    }
    if (ran == 0)
        fprintf(stderr, "test_render: no scene named %s\n", one ? argv[2] : "?");
    if (!regen && !one && !geometry())
        failed += !check_kept_rows(12345) + !check_kept_rows(777) + !check_kept_rows(31337) +
                  !check_warm();
    return failed || ran == 0 ? 1 : 0;
}
