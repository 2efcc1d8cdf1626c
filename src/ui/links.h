/*
 * Links in the view: the hyperlink (OSC 8) or the URL written in the text under the pointer,
 * which cells to underline for it, and opening it.
 *
 * A hyperlink is every cell shown with the same URI. A URL in the text is found in the
 * logical line under the pointer (its display rows joined): a scheme (http, https, ftp, file)
 * followed by "://", or mailto:, then the characters a URL is written with, less trailing
 * punctuation and closing brackets that do not close one opened inside it.
 *
 * Opening runs the configured launcher with the URI as its one argument, without a shell,
 * detached; a URI without a scheme, or a file:// URI naming another host, is never opened.
 */
#ifndef BT_UI_LINKS_H
#define BT_UI_LINKS_H

#include <stdbool.h>

#include "boundterm/scrollback.h"
#include "view.h"

struct link_hit {
    char uri[SB_MAX_LINK_BYTES + 1];
    bool explicit;            /* a hyperlink (OSC 8), else a URL found in the text */
    int first_row, first_col; /* a URL's cells, in reading order, inclusive */
    int last_row, last_col;
};

/* The link at cell (row, col) of the rows x cols view lines; false when there is none. */
bool link_find(const struct view_line *lines, int rows, int cols, int row, int col,
               struct link_hit *out);

/*
 * Which cells of display row r to underline for hit: cells [*from, *to) and every cell whose
 * link number is *number (0: none).
 */
void link_row_span(const struct link_hit *hit, const struct view_line *lines, int r, int *from,
                   int *to, uint16_t *number);

/* Whether uri may be opened: it has a scheme, and file:// URIs are on host (or local). */
bool link_openable(const char *uri, const char *host);

/* Starts launcher with uri as its one argument, detached; false when it could not start. */
bool link_open(const char *launcher, const char *uri);

#endif
