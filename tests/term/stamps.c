/* term_row_stamp's promise (stamps.h). */
#include "stamps.h"

#include <stdio.h>
#include <stdlib.h>

void stamps_fini(struct stamps *s)
{
    for (int i = 0; i < s->rows; i++)
        sb_row_fini(&s->snap[i]);
    free(s->snap);
    free(s->stamp);
    *s = (struct stamps){0};
}

/* Starts over for a screen of rows x cols. */
static void resize(struct stamps *s, int rows, int cols)
{
    stamps_fini(s);
    s->snap = calloc((size_t)rows, sizeof *s->snap);
    s->stamp = calloc((size_t)rows, sizeof *s->stamp);
    if (!s->snap || !s->stamp)
        abort();
    for (int i = 0; i < rows; i++)
        sb_row_init(&s->snap[i]);
    s->rows = rows;
    s->cols = cols;
}

const char *stamps_check(struct stamps *s, const struct term *t, int r, const struct sb_row *row)
{
    static char why[96];
    int rows, cols;
    term_size(t, &rows, &cols);
    if (s->rows != rows || s->cols != cols)
        resize(s, rows, cols);
    uint64_t st = term_row_stamp(t, r);
    for (int i = 0; st && i < r; i++)
        if (term_row_stamp(t, i) == st) {
            snprintf(why, sizeof why, "rows %d and %d share the stamp %llu", i, r,
                     (unsigned long long)st);
            return why;
        }
    if (st && st == s->stamp[r] && !sb_row_equal(&s->snap[r], row)) {
        snprintf(why, sizeof why, "row %d changed under the same stamp %llu", r,
                 (unsigned long long)st);
        return why;
    }
    if (sb_row_copy(&s->snap[r], row) != 0)
        abort();
    s->stamp[r] = st;
    return NULL;
}
