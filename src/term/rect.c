/*
 * The VT420's rectangle operations, which libvterm 0.1.4 does not parse, as xterm 379 does
 * them (checked with DECRQCRA on the same bytes):
 *   DECCRA   CSI Pts;Pls;Pbs;Prs;Pps;Ptd;Pld;Ppd $ v   copy (pages ignored: there is one)
 *   DECERA   CSI Pt;Pl;Pb;Pr $ z                      erase
 *   DECSERA  CSI Pt;Pl;Pb;Pr $ {                      erase what DECSCA does not protect
 *   DECFRA   CSI Pc;Pt;Pl;Pb;Pr $ x                   fill with Pc (32-126, 160-255)
 *   DECCARA  CSI Pt;Pl;Pb;Pr;Ps... $ r                set or clear attributes
 *   DECRARA  CSI Pt;Pl;Pb;Pr;Ps... $ t                reverse attributes
 *   DECSACE  CSI Ps * x                               DECCARA/DECRARA: 2 a rectangle,
 *                                                      else (the default) a stream of text
 * Coordinates count from 1; 0 or absent is the default (the first or the last row or column);
 * in origin mode they count from the margins' corner and stay inside them. A rectangle whose
 * top is below its bottom, or left right of its right, changes nothing.
 */
#include "vt_internal.h"

/* The area coordinates address: the screen, or the margins in origin mode (half-open). */
struct area {
    int top, left, bottom, right;
};

static struct area area_of(const struct term *t)
{
    int rows, cols;
    grid_size(t->grid, &rows, &cols);
    struct area a = {0, 0, rows, cols};
    if (t->modes.origin) {
        a.top = t->margins.top;
        a.bottom = t->margins.bottom < 0 ? rows : t->margins.bottom;
        if (t->modes.lr_margins) {
            a.left = t->margins.left;
            a.right = t->margins.right < 0 ? cols : t->margins.right;
        }
    }
    return a;
}

/* Parameter i as a 1-based coordinate: 0 or absent is dflt. */
static long coord(const struct scan_csi *c, int i, long dflt)
{
    long v = i < c->nparams ? c->params[i].value : SCAN_PARAM_MISSING;
    return v <= 0 ? dflt : v;
}

/* The rectangle parameters first..first+3 give, in screen cells; false when it is empty. */
static bool parse_rect(const struct term *t, const struct scan_csi *c, int first,
                       struct grid_rect *r)
{
    struct area a = area_of(t);
    long top = a.top + coord(c, first, 1) - 1, left = a.left + coord(c, first + 1, 1) - 1;
    long bottom = a.top + coord(c, first + 2, a.bottom - a.top) - 1;
    long right = a.left + coord(c, first + 3, a.right - a.left) - 1;
    bottom = bottom >= a.bottom ? a.bottom - 1 : bottom;
    right = right >= a.right ? a.right - 1 : right;
    if (top > bottom || left > right)
        return false;
    *r = (struct grid_rect){(int)top, (int)left, (int)bottom, (int)right};
    return true;
}

static void copy_rect(struct term *t, const struct scan_csi *c)
{
    struct grid_rect src;
    struct area a = area_of(t);
    long top = a.top + coord(c, 5, 1) - 1, left = a.left + coord(c, 6, 1) - 1;
    if (!parse_rect(t, c, 0, &src) || top >= a.bottom || left >= a.right)
        return;
    /* what would land past the area is not copied */
    if (src.bottom - src.top >= a.bottom - top)
        src.bottom = src.top + (a.bottom - (int)top) - 1;
    if (src.right - src.left >= a.right - left)
        src.right = src.left + (a.right - (int)left) - 1;
    grid_rect_copy(t->grid, src, (int)top, (int)left);
}

static void fill_rect(struct term *t, const struct scan_csi *c)
{
    struct grid_rect r;
    long ch = scan_param(c, 0, 0);
    if (!((ch >= 32 && ch <= 126) || (ch >= 160 && ch <= 255)) || !parse_rect(t, c, 1, &r))
        return;
    grid_rect_fill(t->grid, r, (uint32_t)ch, t->protect);
}

/* DECCARA and DECRARA: the attribute parameters after the rectangle's four. */
static void attrs_rect(struct term *t, const struct scan_csi *c, bool toggle)
{
    struct grid_rect r;
    if (!parse_rect(t, c, 0, &r))
        return;
    long params[SCAN_MAX_PARAMS];
    int n = 0;
    for (int i = 4; i < c->nparams; i++)
        params[n++] = c->params[i].value < 0 ? 0 : c->params[i].value;
    if (n == 0)
        params[n++] = 0; /* no attribute given is 0: all of them */
    grid_rect_attrs(t->grid, r, !t->modes.rect_extent, params, n, toggle);
}

bool rect_csi(struct term *t, const struct scan_csi *c)
{
    struct grid_rect r;
    if (c->leader || (c->inter != '$' && c->inter != '*'))
        return false;
    switch (c->inter == '*' ? c->final | 0x100 : c->final) {
    case 'v': copy_rect(t, c); break;
    case 'z':
        if (parse_rect(t, c, 0, &r))
            grid_rect_erase(t->grid, r, false);
        break;
    case '{':
        if (parse_rect(t, c, 0, &r))
            grid_rect_erase(t->grid, r, true);
        break;
    case 'x': fill_rect(t, c); break;
    case 'r': attrs_rect(t, c, false); break;
    case 't': attrs_rect(t, c, true); break;
    case 'x' | 0x100: t->modes.rect_extent = scan_param(c, 0, 0) == 2; break;
    default: return false;
    }
    return true;
}
