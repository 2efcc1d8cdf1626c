/*
 * Hyperlinks (OSC 8) on the screen: a cell names its link by a number in the high 16 bits of
 * its attrs (GCELL_LINK_SHIFT), numbering URIs kept here. The pen carries the link being
 * written, so glyphs get it and erased cells do not. Rows leave for the store with their
 * URIs (sb_row links, numbered per row) and come back the same way, so the store, not this
 * table, keeps links that scrolled off; this table holds what the screens may show.
 *
 * It is bounded (GRID_LINK_BYTES of URIs): past that, URIs no cell and not the pen uses are
 * freed, and when every one is in use a new link is refused (its text is written without it).
 */
#include <stdlib.h>
#include <string.h>

#include "grid_internal.h"

#define GRID_LINK_BYTES (256u << 10)
#define GRID_LINK_MAX 0xffffu /* numbers fit the 16 bits of attrs */

static uint32_t cell_link(const struct gcell *c)
{
    return c->attrs >> GCELL_LINK_SHIFT;
}

/* Frees the URIs no cell of either screen and not the pen uses. */
static void collect(struct grid *g)
{
    struct grid_links *l = &g->links;
    uint8_t *used = calloc(l->n, 1);
    if (!used)
        return;
    for (int s = 0; s < 2; s++) {
        if (!g->buf[s].row)
            continue;
        for (int r = 0; r < g->rows; r++)
            for (int c = 0; c < g->cols; c++) {
                uint32_t k = cell_link(&g->buf[s].row[r]->cells[c]);
                if (k && k < l->n)
                    used[k] = 1;
            }
    }
    uint32_t pen = g->pen_attrs >> GCELL_LINK_SHIFT;
    for (uint32_t k = 1; k < l->n; k++) {
        if (used[k] || k == pen || !l->uri[k])
            continue;
        l->bytes -= strlen(l->uri[k]) + 1;
        free(l->uri[k]);
        l->uri[k] = NULL;
    }
    free(used);
}

/* A free number: a slot a freed URI left, or a new one; 0 when there is none. */
static uint32_t free_slot(struct grid_links *l)
{
    for (uint32_t k = 1; k < l->n; k++)
        if (!l->uri[k])
            return k;
    if (l->n >= GRID_LINK_MAX)
        return 0;
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 64;
        char **p = realloc(l->uri, cap * sizeof *p);
        if (!p)
            return 0;
        l->uri = p;
        l->cap = cap;
    }
    if (l->n == 0)
        l->uri[l->n++] = NULL; /* 0 is "no link" */
    l->uri[l->n] = NULL;
    return l->n++;
}

uint32_t grid_link_intern(struct grid *g, const char *uri, size_t len)
{
    struct grid_links *l = &g->links;
    for (uint32_t k = 1; k < l->n; k++)
        if (l->uri[k] && strlen(l->uri[k]) == len && !memcmp(l->uri[k], uri, len))
            return k;
    if (l->bytes + len + 1 > GRID_LINK_BYTES)
        collect(g);
    if (l->bytes + len + 1 > GRID_LINK_BYTES)
        return 0;
    uint32_t k = free_slot(l);
    char *copy = k ? malloc(len + 1) : NULL;
    if (!copy)
        return 0;
    memcpy(copy, uri, len);
    copy[len] = 0;
    l->uri[k] = copy;
    l->bytes += len + 1;
    return k;
}

const char *grid_link_uri(const struct grid *g, uint32_t k)
{
    return k && k < g->links.n ? g->links.uri[k] : NULL;
}

void grid_set_link(struct grid *g, uint32_t k)
{
    g->pen_attrs = (g->pen_attrs & GCELL_ATTR_MASK) | k << GCELL_LINK_SHIFT;
}

void grid_links_free(struct grid_links *l)
{
    for (uint32_t k = 1; k < l->n; k++)
        free(l->uri[k]);
    free(l->uri);
    *l = (struct grid_links){0};
}

size_t grid_links_sizeof(const struct grid_links *l)
{
    return l->bytes + (size_t)l->cap * sizeof *l->uri;
}
