/*
 * The differential harness (see oracle.h): VTermScreen with recorded scrollback on one side,
 * boundterm's term with recorded scrollback on the other.
 *
 * Rows given back on resize come from each side's own record. Before handing a row back, both
 * sides drop a sixth codepoint from full cells (VTermScreen 0.1.4's vterm_screen_set_cell copies
 * codepoints until a 0 with no bound) and narrow a wide cell that would land in the last
 * column (set_cell would write past the row); the same rows then reach both screens.
 */
#include "oracle.h"
#include "marks.h"
#include "scan.h"
#include "stamps.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "term.h"

/* A row VTermScreen pushed: its cells as vterm_screen_get_cell gave them. */
struct orow {
    int cols;
    VTermScreenCell *cells;
};

struct pair {
    int rows, cols;

    VTerm *ovt;
    VTermScreen *oscr;
    VTermState *ostate;
    struct orow *opushed;
    size_t on, ocap;
    bool ovisible, oblink, oalt;
    int oshape;

    struct term *t;
    struct sb_row *pushed;
    size_t n, cap;
    size_t checked; /* scrollback rows already compared */
    unsigned clears;
    struct stamps stamps; /* term_row_stamp's promise, checked at every comparison */
    char held[64]; /* the end of the last chunk, for the front of the next (pair_feed) */
    struct scan scan; /* where the byte stream is: only text is held back */
    size_t nheld;
};

/* Aborts the test: the harness has no way to continue without memory. */
static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "oracle: out of memory\n");
        abort();
    }
    return p;
}

/* ---- Normalising VTermScreen's cells ----------------------------------- */

static sb_color color_of(const VTermColor *c, bool is_default)
{
    if (is_default)
        return SB_COLOR_DEFAULT;
    if (VTERM_COLOR_IS_INDEXED(c))
        return SB_COLOR_PALETTE(c->indexed.idx);
    return SB_COLOR_RGB(c->rgb.red, c->rgb.green, c->rgb.blue);
}

static uint16_t attrs_of(const VTermScreenCellAttrs *a)
{
    uint16_t x = 0;
    x |= a->bold ? SB_ATTR_BOLD : 0;
    x |= a->italic ? SB_ATTR_ITALIC : 0;
    x |= a->blink ? SB_ATTR_BLINK : 0;
    x |= a->reverse ? SB_ATTR_REVERSE : 0;
    x |= a->strike ? SB_ATTR_STRIKE : 0;
    x |= (uint16_t)(a->underline << SB_ATTR_UNDERLINE_SHIFT);
    x |= (uint16_t)(a->font << SB_ATTR_FONT_SHIFT);
    return x;
}

/* The oracle's row in canonical form (see oracle.h for the rules). */
static void normalize(const VTermScreenCell *v, int cols, struct sb_cell *out)
{
    bool wide = false;
    for (int col = 0; col < cols; col++) {
        struct sb_cell *o = &out[col];
        bool cont = v[col].chars[0] == (uint32_t)-1;
        if (cont && wide) {
            *o = out[col - 1];
            memset(o->chars, 0, sizeof o->chars);
            o->width = 0;
            wide = false;
            continue;
        }
        memset(o, 0, sizeof *o);
        for (int i = 0; !cont && i < SB_MAX_CHARS && v[col].chars[i]; i++)
            o->chars[i] = v[col].chars[i] > 0x10ffff ? 0xfffd : v[col].chars[i];
        o->width = cont ? 1 : (uint8_t)v[col].width;
        wide = o->width == 2;
        o->attrs = attrs_of(&v[col].attrs);
        o->fg = color_of(&v[col].fg, VTERM_COLOR_IS_DEFAULT_FG(&v[col].fg));
        o->bg = color_of(&v[col].bg, VTERM_COLOR_IS_DEFAULT_BG(&v[col].bg));
    }
}

/* ---- The oracle's callbacks -------------------------------------------- */

static int o_pushline(int cols, const VTermScreenCell *cells, void *user)
{
    struct pair *p = user;
    if (p->on == p->ocap) {
        p->ocap = p->ocap ? p->ocap * 2 : 64;
        p->opushed = xrealloc(p->opushed, p->ocap * sizeof *p->opushed);
    }
    struct orow *r = &p->opushed[p->on++];
    r->cols = cols;
    r->cells = xrealloc(NULL, (size_t)cols * sizeof *cells);
    memcpy(r->cells, cells, (size_t)cols * sizeof *cells);
    return 1;
}

/* Hands back the newest recorded row in its normalised shape, fitted to cols. */
static int o_popline(int cols, VTermScreenCell *cells, void *user)
{
    struct pair *p = user;
    if (!p->on)
        return 0;
    struct orow *r = &p->opushed[--p->on];
    struct sb_cell *norm = xrealloc(NULL, (size_t)r->cols * sizeof *norm);
    normalize(r->cells, r->cols, norm);
    VTermScreenCell blank = {.width = 1};
    vterm_state_get_default_colors(p->ostate, &blank.fg, &blank.bg);
    for (int c = 0; c < cols; c++) {
        VTermScreenCell *v = &cells[c];
        *v = c < r->cols ? r->cells[c] : blank;
        if (c >= r->cols || norm[c].width == 0)
            continue; /* set_cell's loop steps over continuations */
        v->width = (char)norm[c].width;
        if (v->chars[0] == (uint32_t)-1)
            v->chars[0] = 0; /* a stray continuation reads back as empty */
        if (v->chars[0])
            v->chars[5] = 0;
        if (c == cols - 1 && v->width == 2)
            v->width = 1;
    }
    free(norm);
    free(r->cells);
    if (p->checked > p->on)
        p->checked = p->on;
    return 1;
}

static int o_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    struct pair *p = user;
    switch (prop) {
    case VTERM_PROP_CURSORVISIBLE:
        p->ovisible = val->boolean;
        break;
    case VTERM_PROP_CURSORBLINK:
        p->oblink = val->boolean;
        break;
    case VTERM_PROP_CURSORSHAPE:
        p->oshape = val->number;
        break;
    case VTERM_PROP_ALTSCREEN:
        p->oalt = val->boolean;
        break;
    default:
        break;
    }
    return 1;
}

static const VTermScreenCallbacks oracle_callbacks = {
    .settermprop = o_settermprop,
    .sb_pushline = o_pushline,
    .sb_popline = o_popline,
};

/* ---- Our side's callbacks ---------------------------------------------- */

static void t_scrollout(void *user, const struct sb_row *row)
{
    const struct sb_cell *cells = row->cells;
    uint32_t ncols = row->ncols, flags = row->flags;
    struct pair *p = user;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->pushed = xrealloc(p->pushed, p->cap * sizeof *p->pushed);
    }
    struct sb_row *r = &p->pushed[p->n++];
    sb_row_init(r);
    if (sb_row_reserve(r, ncols))
        abort();
    memcpy(r->cells, cells, ncols * sizeof *cells);
    r->ncols = ncols;
    r->flags = flags;
}

/* Gives back our newest recorded row, with the same fitting as o_popline. */
static bool t_popline(void *user, struct sb_row *row)
{
    struct pair *p = user;
    if (!p->n)
        return false;
    struct sb_row *r = &p->pushed[--p->n];
    if (sb_row_reserve(row, r->ncols))
        abort();
    memcpy(row->cells, r->cells, r->ncols * sizeof *r->cells);
    row->ncols = r->ncols;
    row->flags = r->flags;
    for (uint32_t c = 0; c < row->ncols; c++)
        if (row->cells[c].chars[0])
            row->cells[c].chars[5] = 0;
    sb_row_fini(r);
    if (p->checked > p->n)
        p->checked = p->n;
    return true;
}

static void t_clear(void *user)
{
    struct pair *p = user;
    p->clears++; /* the oracle cannot clear, so both records are kept */
}

/* ---- The pair ---------------------------------------------------------- */

struct pair *pair_create(int rows, int cols)
{
    struct pair *p = xrealloc(NULL, sizeof *p);
    memset(p, 0, sizeof *p);
    scan_init(&p->scan);
    p->rows = rows;
    p->cols = cols;
    p->ovt = vterm_new(rows, cols);
    vterm_set_utf8(p->ovt, 1);
    p->oscr = vterm_obtain_screen(p->ovt);
    p->ostate = vterm_obtain_state(p->ovt);
    vterm_screen_set_callbacks(p->oscr, &oracle_callbacks, p);
    vterm_screen_enable_altscreen(p->oscr, 1);
    vterm_screen_set_damage_merge(p->oscr, VTERM_DAMAGE_SCROLL);
    vterm_screen_reset(p->oscr, 1);
    struct term_callbacks cb = {
        .scrollout = t_scrollout,
        .popline = t_popline,
        .clear_scrollback = t_clear,
    };
    p->t = term_create(rows, cols, &cb, p);
    if (!p->t)
        abort();
    return p;
}

void pair_destroy(struct pair *p)
{
    if (!p)
        return;
    vterm_free(p->ovt);
    for (size_t i = 0; i < p->on; i++)
        free(p->opushed[i].cells);
    free(p->opushed);
    term_destroy(p->t);
    for (size_t i = 0; i < p->n; i++)
        sb_row_fini(&p->pushed[i]);
    free(p->pushed);
    stamps_fini(&p->stamps);
    scan_fini(&p->scan);
    free(p);
}

/* Bytes of an incomplete UTF-8 sequence at the end of b[0..n). */
static size_t partial_tail(const unsigned char *b, size_t n)
{
    size_t k = 0;
    while (k < n && k < 5 && (b[n - 1 - k] & 0xc0) == 0x80)
        k++;
    if (k == n || b[n - 1 - k] < 0xc0)
        return 0;
    unsigned char c = b[n - 1 - k];
    size_t need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : c < 0xfc ? 5 : 6;
    return need > k + 1 ? k + 1 : 0;
}

/* Bytes of the codepoint that ends at b[n) (its lead byte and continuations), at least 1. */
static size_t last_codepoint(const unsigned char *b, size_t n)
{
    size_t k = 1;
    while (k < n && k < 6 && (b[n - k] & 0xc0) == 0x80)
        k++;
    return b[n - k] >= 0xc0 ? k : 1;
}

/*
 * Bytes of the last character at the end of b[0..n), with its combining marks and an
 * incomplete UTF-8 tail after it: a chunk that ends in text keeps them for the next one.
 */
static size_t trailing_cluster(const unsigned char *b, size_t n)
{
    size_t hold = partial_tail(b, n);
    while (hold < n && hold < 48) {
        size_t k = last_codepoint(b, n - hold);
        uint32_t cp;
        utf8_decode((const char *)b + n - hold - k, k, &cp);
        if (cp < 0x20 || cp == 0x7f)
            return hold;
        hold += k;
        if (!marks_is_combining(cp))
            return hold;
    }
    return hold;
}

/*
 * Both sides get each chunk but the character it ends with (and that character's marks, and
 * an incomplete UTF-8 tail), which go in front of the next chunk. libvterm 0.1.4 garbles a
 * UTF-8 sequence split across writes after other text, and joins a mark from a later write to
 * a glyph in the last column onto the next row; term_feed works around both (test_term_unit,
 * test_split_marks), VTermScreen does not. So the oracle never sees those splits, and the two
 * sides see the same characters.
 */
void pair_feed(struct pair *p, const char *bytes, size_t len)
{
    size_t n = p->nheld + len, text = p->nheld; /* the held bytes are text */
    char *buf = xrealloc(NULL, n ? n : 1);
    memcpy(buf, p->held, p->nheld);
    memcpy(buf + p->nheld, bytes, len);
    /* how many bytes at the end are text, not the end of an escape sequence (scan.c says) */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (p->scan.state != SCAN_GROUND) {
            scan_byte(&p->scan, c);
            text = 0;
        } else if (c == 0x1b) {
            scan_begin(&p->scan);
            text = 0;
        } else {
            text = c < 0x20 || c == 0x7f ? 0 : text + 1;
        }
    }
    size_t hold = trailing_cluster((const unsigned char *)buf, n), more;
    hold = hold > text ? text : hold;
    while ((more = partial_tail((const unsigned char *)buf, n - hold)) > 0) /* cut before it */
        hold += more;
    hold = hold > sizeof p->held ? 0 : hold;
    vterm_input_write(p->ovt, buf, n - hold);
    vterm_screen_flush_damage(p->oscr);
    term_feed(p->t, buf, n - hold);
    memcpy(p->held, buf + n - hold, hold);
    p->nheld = hold;
    free(buf);
}

bool pair_resize(struct pair *p, int rows, int cols)
{
    /* VTermScreen cuts the primary screen under the alternate one (losing its bottom rows when
     * it shrinks); the engine reflows it (tests/term/scripts/reflow.test): not comparable */
    bool comparable = !term_altscreen(p->t) || (rows == p->rows && cols == p->cols);
    vterm_set_size(p->ovt, rows, cols);
    vterm_screen_flush_damage(p->oscr);
    term_resize(p->t, rows, cols);
    p->rows = rows;
    p->cols = cols;
    return comparable && pair_oracle_sane(p);
}

bool pair_oracle_sane(const struct pair *p)
{
    VTermPos pos;
    vterm_state_get_cursorpos(p->ostate, &pos);
    return pos.row >= 0 && pos.row < p->rows && pos.col >= 0 && pos.col < p->cols;
}

size_t pair_scrollback_rows(const struct pair *p)
{
    return p->n;
}

unsigned pair_clears(const struct pair *p)
{
    return p->clears;
}

/* Describes a cell for a failure message. */
static void cell_str(const struct sb_cell *c, char *buf, size_t len)
{
    snprintf(buf, len, "U+%04X%s%s w%u a%03x fg%08x bg%08x", (unsigned)c->chars[0],
             c->chars[1] ? "+" : "", c->chars[2] ? "+" : "", c->width, c->attrs, c->fg, c->bg);
}

/* Compares two canonical rows; writes the first difference into why. */
static bool rows_equal(const struct sb_cell *want, const struct sb_cell *got, int cols,
                       const char *what, int row, char *why, size_t whylen)
{
    for (int c = 0; c < cols; c++) {
        const struct sb_cell *a = &want[c], *b = &got[c];
        /* VTermScreen 0.1.4 has no dim, conceal or overline; the engine tracks them itself. */
        uint16_t mask = (uint16_t) ~(SB_ATTR_DIM | SB_ATTR_CONCEAL | SB_ATTR_OVERLINE);
        if (!memcmp(a->chars, b->chars, sizeof a->chars) && a->width == b->width &&
            (a->attrs & mask) == (b->attrs & mask) && a->fg == b->fg && a->bg == b->bg)
            continue;
        char sa[96], sb[96];
        cell_str(a, sa, sizeof sa);
        cell_str(b, sb, sizeof sb);
        if (why)
            snprintf(why, whylen, "%s row %d col %d: oracle %s, ours %s", what, row, c, sa, sb);
        return false;
    }
    return true;
}

/* Compares sizes, cursors and screen-wide properties. */
static bool compare_state(struct pair *p, char *why, size_t whylen)
{
    int r1, c1, r2, c2;
    term_size(p->t, &r1, &c1);
    vterm_get_size(p->ovt, &r2, &c2);
    struct term_cursor cur;
    term_cursor(p->t, &cur);
    VTermPos opos;
    vterm_state_get_cursorpos(p->ostate, &opos);
    const char *bad = NULL;
    if (r1 != r2 || c1 != c2)
        bad = "size";
    else if (cur.row < 0 || cur.row >= r1 || cur.col < 0 || cur.col >= c1)
        bad = "our cursor off the screen";
    else if (cur.row != opos.row || cur.col != opos.col)
        bad = "cursor position";
    else if (cur.visible != p->ovisible || cur.blink != p->oblink || cur.shape != p->oshape)
        bad = "cursor properties";
    else if (term_altscreen(p->t) != p->oalt)
        bad = "alternate screen";
    if (bad && why)
        snprintf(why, whylen, "%s: oracle %dx%d at %d,%d v%d b%d s%d alt%d; ours %dx%d at %d,%d "
                 "v%d b%d s%d alt%d", bad, r2, c2, opos.row, opos.col, p->ovisible, p->oblink,
                 p->oshape, p->oalt, r1, c1, cur.row, cur.col, cur.visible, cur.blink, cur.shape,
                 term_altscreen(p->t));
    return !bad;
}

/* Compares the visible screens cell by cell. */
static bool compare_screen(struct pair *p, char *why, size_t whylen)
{
    int rows = p->rows, cols = p->cols;
    VTermScreenCell *v = xrealloc(NULL, (size_t)cols * sizeof *v);
    struct sb_cell *want = xrealloc(NULL, (size_t)cols * sizeof *want);
    struct sb_row got;
    sb_row_init(&got);
    bool ok = true;
    for (int r = 0; ok && r < rows; r++) {
        for (int c = 0; c < cols; c++)
            vterm_screen_get_cell(p->oscr, (VTermPos){r, c}, &v[c]);
        normalize(v, cols, want);
        ok = term_read_row(p->t, r, &got) == 0 && got.ncols == (uint32_t)cols &&
             rows_equal(want, got.cells, cols, "screen", r, why, whylen);
        const char *broken = ok ? stamps_check(&p->stamps, p->t, r, &got) : NULL;
        if (broken && why)
            snprintf(why, whylen, "%s", broken);
        ok = ok && !broken;
    }
    sb_row_fini(&got);
    free(want);
    free(v);
    return ok;
}

/* Compares the scrollback rows pushed since the last comparison. */
static bool compare_scrollback(struct pair *p, char *why, size_t whylen)
{
    if (p->n != p->on) {
        if (why)
            snprintf(why, whylen, "scrollback: oracle %zu rows, ours %zu", p->on, p->n);
        return false;
    }
    for (; p->checked < p->n; p->checked++) {
        const struct orow *o = &p->opushed[p->checked];
        const struct sb_row *r = &p->pushed[p->checked];
        if ((uint32_t)o->cols != r->ncols) {
            if (why)
                snprintf(why, whylen, "scrollback row %zu: oracle %d cols, ours %u", p->checked,
                         o->cols, r->ncols);
            return false;
        }
        struct sb_cell *want = xrealloc(NULL, (size_t)o->cols * sizeof *want);
        normalize(o->cells, o->cols, want);
        bool ok = rows_equal(want, r->cells, o->cols, "scrollback", (int)p->checked, why, whylen);
        free(want);
        if (!ok)
            return false;
    }
    return true;
}

bool pair_compare(struct pair *p, char *why, size_t whylen)
{
    return compare_state(p, why, whylen) && compare_screen(p, why, whylen) &&
           compare_scrollback(p, why, whylen);
}

/* Prints one side's row as text, '.' for empty cells and '~' for continuations. */
static void dump_text(const struct sb_cell *c, int cols)
{
    for (int i = 0; i < cols; i++) {
        uint32_t ch = c[i].chars[0];
        if (c[i].width == 0)
            fputc('~', stderr);
        else if (ch == 0)
            fputc('.', stderr);
        else if (ch < 0x7f && ch >= 0x20)
            fputc((int)ch, stderr);
        else
            fputc('?', stderr);
    }
}

void pair_dump(const struct pair *p)
{
    VTermScreenCell *v = xrealloc(NULL, (size_t)p->cols * sizeof *v);
    struct sb_cell *want = xrealloc(NULL, (size_t)p->cols * sizeof *want);
    struct sb_row got;
    sb_row_init(&got);
    for (int r = 0; r < p->rows; r++) {
        for (int c = 0; c < p->cols; c++)
            vterm_screen_get_cell(p->oscr, (VTermPos){r, c}, &v[c]);
        normalize(v, p->cols, want);
        fprintf(stderr, "%2d oracle |", r);
        dump_text(want, p->cols);
        fprintf(stderr, "|\n   ours   |");
        if (term_read_row(p->t, r, &got) == 0)
            dump_text(got.cells, p->cols);
        fprintf(stderr, "|%s\n", got.flags & SB_ROW_WRAPPED ? " wrapped" : "");
    }
    VTermPos o;
    vterm_state_get_cursorpos(p->ostate, &o);
    struct term_cursor c;
    term_cursor(p->t, &c);
    fprintf(stderr, "cursor: oracle %d,%d; ours %d,%d; scrollback rows %zu\n", o.row, o.col,
            c.row, c.col, p->n);
    sb_row_fini(&got);
    free(want);
    free(v);
}

/* Prints every cell of row r on both sides (debugging). */
void pair_dump_row(struct pair *p, int r);
void pair_dump_row(struct pair *p, int r)
{
    VTermScreenCell *v = xrealloc(NULL, (size_t)p->cols * sizeof *v);
    struct sb_cell *want = xrealloc(NULL, (size_t)p->cols * sizeof *want);
    struct sb_row got;
    sb_row_init(&got);
    for (int c = 0; c < p->cols; c++)
        vterm_screen_get_cell(p->oscr, (VTermPos){r, c}, &v[c]);
    normalize(v, p->cols, want);
    term_read_row(p->t, r, &got);
    for (int c = 0; c < p->cols; c++) {
        char a[96], b[96];
        cell_str(&want[c], a, sizeof a);
        cell_str(&got.cells[c], b, sizeof b);
        fprintf(stderr, "  row %d col %d: oracle %s | ours %s\n", r, c, a, b);
    }
    sb_row_fini(&got);
    free(want);
    free(v);
}
