/*
 * The scrollback view and the selection without a display: an engine feeding a
 * store, then the view scrolled back. Checks that the view stays on the same
 * rows while output continues, that wrapped rows are reflowed to the view's
 * width, that Shift+Home/End and the position indicator agree, and that a
 * selection across history and screen copies the right text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boundterm/scrollback.h"
#include "select.h"
#include "term.h"
#include "view.h"

static struct lines *space; /* the line space the view and the selection read */

static int failed;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                           \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
            failed++;                                                                      \
        }                                                                                  \
    } while (0)

static void on_scrollout(void *user, const struct sb_row *row)
{
    sb_store_push(user, row);
}

static bool on_popline(void *user, struct sb_row *row)
{
    return sb_store_pop_row(user, row) == 0;
}

/* Display row r of the last layout as ASCII text, trailing blanks left out. */
static const char *row_text(struct view *v, int r)
{
    static char buf[256];
    const struct sb_row *row = view_lines(v)[r].row;
    size_t n = 0;
    for (uint32_t c = 0; c < row->ncols && n < sizeof buf - 1; c++)
        if (row->cells[c].width)
            buf[n++] = row->cells[c].chars[0] ? (char)row->cells[c].chars[0] : ' ';
    while (n > 0 && buf[n - 1] == ' ')
        n--;
    buf[n] = '\0';
    return buf;
}

/* Feeds lines "L<from>" .. "L<to-1>", one per row. */
static void feed_lines(struct term *t, int from, int to)
{
    char line[32];
    for (int i = from; i < to; i++) {
        int n = snprintf(line, sizeof line, "\r\nL%d", i);
        term_feed(t, line, (size_t)n);
    }
}

/* Scrolled back, the view keeps its rows while output continues; End follows again. */
static void test_anchor(struct view *v, struct term *t)
{
    feed_lines(t, 0, 100);
    view_layout(v, 5, 20);
    CHECK(!strcmp(row_text(v, 4), "L99"), "following: bottom row '%s'", row_text(v, 4));
    view_scroll(v, 10);
    view_layout(v, 5, 20);
    char top[32];
    snprintf(top, sizeof top, "%s", row_text(v, 0));
    CHECK(!strcmp(top, "L85"), "10 rows back: top row '%s'", top);
    feed_lines(t, 100, 150);
    view_layout(v, 5, 20);
    CHECK(!strcmp(row_text(v, 0), top), "after more output: top '%s', was '%s'",
          row_text(v, 0), top);
    uint64_t above, total;
    view_position(v, &above, &total);
    /* history: an empty first row, L0..L144; L85 is row 86 */
    CHECK(total == 146 && above == 86, "position: %llu above of %llu",
          (unsigned long long)above, (unsigned long long)total);
    view_top(v);
    view_layout(v, 5, 20);
    view_position(v, &above, &total);
    CHECK(above == 0, "Shift+Home: %llu rows above", (unsigned long long)above);
    view_jump(v, 0.5); /* the position indicator clicked half way down */
    view_layout(v, 5, 20);
    CHECK(!strcmp(row_text(v, 0), "L72"), "jump to 0.5: top row '%s'", row_text(v, 0));
    view_jump(v, 1.0);
    CHECK(view_following(v), "jump to the end follows the screen again");
    view_follow(v);
    view_layout(v, 5, 20);
    CHECK(view_following(v) && !strcmp(row_text(v, 4), "L149"), "Shift+End: bottom '%s'",
          row_text(v, 4));
}

/* A row that wrapped at 20 columns is shown re-cut at 8. */
static void test_reflow(struct view *v, struct term *t)
{
    term_feed(t, "\r\nabcdefghijklmnopqrstuvwxyz0123", 32); /* wraps after 't' */
    feed_lines(t, 200, 210); /* push it into history */
    view_follow(v);
    view_layout(v, 5, 8);
    view_scroll(v, 9);
    view_layout(v, 5, 8);
    /* the screen shows L205..L209; above it L204..L200, then the wrapped line in 4 rows */
    const char *want[] = {"abcdefgh", "ijklmnop", "qrstuvwx", "yz0123", "L200"};
    for (int r = 0; r < 5; r++)
        CHECK(!strcmp(row_text(v, r), want[r]), "reflow row %d: '%s', want '%s'", r,
              row_text(v, r), want[r]);
    struct select sel;
    const struct view_line *l = view_lines(v);
    select_start(&sel, space, select_point_at(&l[1], 2), SELECT_CHAR);
    select_extend(&sel, space, select_point_at(&l[4], 1));
    char *text = select_text(&sel, space);
    CHECK(text && !strcmp(text, "klmnopqrstuvwxyz0123\nL2"), "selection '%s'",
          text ? text : "(null)");
    free(text);
    select_start(&sel, space, select_point_at(&l[2], 3), SELECT_LINE);
    text = select_text(&sel, space);
    CHECK(text && !strcmp(text, "abcdefghijklmnopqrstuvwxyz0123"), "line selection '%s'",
          text ? text : "(null)");
    free(text);
}

/* A wide character never splits across display rows: at 7 columns a row holds 3 of them. */
static void test_wide_reflow(struct view *v, struct term *t)
{
    static const char twelve[] = "\r\n\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
                                 "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
                                 "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5";
    term_feed(t, twelve, sizeof twelve - 1); /* 24 columns: wraps at 20 */
    feed_lines(t, 300, 305);
    view_follow(v);
    view_layout(v, 5, 7);
    view_scroll(v, 4);
    view_layout(v, 5, 7);
    for (int r = 0; r < 4; r++) {
        const struct sb_row *row = view_lines(v)[r].row;
        int wide = 0;
        for (uint32_t c = 0; c < row->ncols; c++)
            wide += row->cells[c].width == 2 && row->cells[c].chars[0] == 0x65e5;
        CHECK(wide == 3 && row->ncols == 6, "wide reflow row %d: %d wide in %u cells", r, wide,
              row->ncols);
    }
}

/* Double click takes a word of path characters. */
static void test_word(struct view *v, struct term *t)
{
    term_feed(t, "\r\nsee /tmp/a-b.txt now", 23);
    view_follow(v);
    view_layout(v, 5, 30);
    struct select sel;
    select_start(&sel, space, select_point_at(&view_lines(v)[4], 8), SELECT_WORD);
    char *text = select_text(&sel, space);
    CHECK(text && !strcmp(text, "/tmp/a-b.txt"), "word '%s'", text ? text : "(null)");
    free(text);
}

/* True when the view's rows read as the screen's rows do now (following, 5 rows). */
static bool shows_screen(struct view *v, struct term *t)
{
    struct sb_row row;
    sb_row_init(&row);
    bool same = true;
    for (int r = 0; same && r < 5; r++)
        same = term_read_row(t, r, &row) == 0 && sb_row_equal(&row, view_lines(v)[r].row);
    sb_row_fini(&row);
    return same;
}

/*
 * Following the screen, a layout copies only the screen rows whose stamp changed: a key
 * echoed on one row copies that row; a scroll, every row; and what is copied is right.
 */
static void test_copied(struct view *v, struct term *t)
{
    view_follow(v);
    term_feed(t, "\x1b[2J\x1b[Habc", 10);
    view_layout(v, 5, 30);
    uint64_t before = view_rows_copied(v);
    view_layout(v, 5, 30);
    CHECK(view_rows_copied(v) == before, "nothing changed: %llu rows copied",
          (unsigned long long)(view_rows_copied(v) - before));
    term_feed(t, "d", 1);
    view_layout(v, 5, 30);
    CHECK(view_rows_copied(v) == before + 1, "one row changed: %llu rows copied",
          (unsigned long long)(view_rows_copied(v) - before));
    CHECK(!strcmp(row_text(v, 0), "abcd") && shows_screen(v, t), "row 0 '%s'", row_text(v, 0));
    CHECK(view_lines(v)[0].stamp != 0, "a screen row has a stamp");
    term_feed(t, "\x1b[5;1Hx\n", 8); /* the screen scrolls: every position shows another row */
    before = view_rows_copied(v);
    view_layout(v, 5, 30);
    CHECK(view_rows_copied(v) == before + 5, "a scroll: %llu rows copied",
          (unsigned long long)(view_rows_copied(v) - before));
    CHECK(!strcmp(row_text(v, 3), "x") && !strcmp(row_text(v, 4), ""), "rows '%s' '%s'",
          row_text(v, 3), row_text(v, 4));
    view_scroll(v, 2); /* history rows have no stamp and are cut anew */
    view_layout(v, 5, 30);
    CHECK(view_lines(v)[0].stamp == 0 && !view_lines(v)[0].screen, "a history row's stamp");
    view_follow(v);
    before = view_rows_copied(v);
    view_layout(v, 5, 30); /* the rows the history used are copied again */
    CHECK(view_rows_copied(v) - before >= 2, "back to the screen: %llu rows copied",
          (unsigned long long)(view_rows_copied(v) - before));
    CHECK(shows_screen(v, t), "the rows the view kept are the screen's");
    term_feed(t, "\x1b[1;1H\x1b[2K\x1b[3;2H\x1b[@q", 17); /* an erase, an insert */
    view_layout(v, 5, 30);
    CHECK(shows_screen(v, t), "after an erase and an insert");
}

int main(void)
{
    struct sb_config cfg;
    struct sb_store *store = NULL;
    sb_config_defaults(&cfg);
    cfg.background = false;
    if (sb_store_create(&cfg, &store, NULL, 0) != 0)
        return 1;
    struct term_callbacks cb = {.scrollout = on_scrollout, .popline = on_popline};
    struct term *t = term_create(5, 20, &cb, store);
    space = t ? lines_create(store, t) : NULL;
    struct view *v = space ? view_create(space) : NULL;
    if (!v)
        return 1;
    test_anchor(v, t);
    test_reflow(v, t);
    test_wide_reflow(v, t);
    term_resize(t, 5, 30);
    test_word(v, t);
    test_copied(v, t);
    view_destroy(v);
    lines_destroy(space);
    term_destroy(t);
    sb_store_destroy(store);
    printf("%s: %d failed\n", failed ? "FAIL" : "ok", failed);
    return failed ? 1 : 0;
}
