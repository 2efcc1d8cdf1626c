/*
 * Links in the view without a display (src/ui/links.c): the hyperlink or the URL under a cell,
 * on the screen and scrolled back into history where wrapped rows are joined again; the cells
 * underlined for it; which URIs may be opened; and the launcher getting the URI as its one
 * argument, without a shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boundterm/scrollback.h"
#include "links.h"
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

static void feed(struct term *t, const char *s)
{
    term_feed(t, s, strlen(s));
}

/* The link at (row, col) of a fresh layout, as "uri" or "-" for none. */
static const char *at(struct view *v, int rows, int cols, int row, int col)
{
    static struct link_hit hit;
    if (!view_layout(v, rows, cols))
        return "(no layout)";
    return link_find(view_lines(v), rows, cols, row, col, &hit) ? hit.uri : "-";
}

/* The cells of row r underlined for the link at (row, col): "from-to/number". */
static const char *span(struct view *v, int rows, int cols, int row, int col, int r)
{
    static char buf[32];
    struct link_hit hit;
    int from, to;
    uint16_t num;
    view_layout(v, rows, cols);
    if (!link_find(view_lines(v), rows, cols, row, col, &hit))
        return "none";
    link_row_span(&hit, view_lines(v), r, &from, &to, &num);
    snprintf(buf, sizeof buf, "%d-%d/%u", from, to, num);
    return buf;
}

#define CHECK_AT(v, row, col, want)                                                        \
    do {                                                                                   \
        const char *got_ = at(v, 5, 30, row, col);                                         \
        CHECK(!strcmp(got_, want), "(%d,%d): %s, not %s", row, col, got_, want);           \
    } while (0)

/* URLs in the text: where they start and end, with the punctuation people write around them. */
static void test_text_urls(struct view *v, struct term *t)
{
    feed(t, "\x1b[H\x1b[2J");
    feed(t, "see (https://a.test/x_(y)).\r\n");
    feed(t, "xhttps://no.test mailto:me@x.y\r\n");
    feed(t, "ftp://f.test/a,b, file:///t/z\r\n");
    feed(t, "https://wrapped.test/abcdefghijklmnopqrst");
    CHECK_AT(v, 0, 3, "-");
    CHECK_AT(v, 0, 5, "https://a.test/x_(y)");
    CHECK_AT(v, 0, 24, "https://a.test/x_(y)");
    CHECK_AT(v, 0, 25, "-"); /* the ')' closing "(see", then '.' */
    CHECK_AT(v, 1, 3, "-");  /* a scheme inside a word */
    CHECK_AT(v, 1, 20, "mailto:me@x.y");
    CHECK_AT(v, 2, 3, "ftp://f.test/a,b");
    CHECK_AT(v, 2, 17, "-");
    CHECK_AT(v, 2, 22, "file:///t/z");
    /* a URL the screen wrapped: found from either row, underlined on both */
    CHECK_AT(v, 3, 2, "https://wrapped.test/abcdefghijklmnopqrst");
    CHECK_AT(v, 4, 5, "https://wrapped.test/abcdefghijklmnopqrst");
    CHECK(!strcmp(span(v, 5, 30, 4, 5, 3), "0-30/0"), "span row 3: %s", span(v, 5, 30, 4, 5, 3));
    CHECK(!strcmp(span(v, 5, 30, 4, 5, 4), "0-11/0"), "span row 4: %s", span(v, 5, 30, 4, 5, 4));
}

/* Hyperlinks: every cell with the URI, on the screen and scrolled back into the store. */
static void test_hyperlinks(struct view *v, struct term *t)
{
    feed(t, "\x1b[H\x1b[2J");
    feed(t, "\x1b]8;;https://h.test/1\x1b\\one\x1b]8;;\x1b\\ two "
            "\x1b]8;;https://h.test/1\x1b\\again\x1b]8;;\x1b\\\r\n");
    feed(t, "\x1b]8;;http://long.test/\x1b\\" "0123456789012345678901234567890123\x1b]8;;\x1b\\");
    CHECK_AT(v, 0, 1, "https://h.test/1");
    CHECK_AT(v, 0, 4, "-");
    CHECK_AT(v, 0, 9, "https://h.test/1");
    CHECK(!strcmp(span(v, 5, 30, 0, 1, 0), "0-0/1"), "span: %s", span(v, 5, 30, 0, 1, 0));
    CHECK_AT(v, 1, 29, "http://long.test/");
    CHECK_AT(v, 2, 3, "http://long.test/");
    CHECK_AT(v, 2, 4, "-");
    /* into the store and back into view, scrolled: the wrapped link's rows joined again */
    for (int i = 0; i < 40; i++)
        feed(t, "\r\nfiller");
    view_top(v);
    CHECK_AT(v, 0, 1, "https://h.test/1");
    CHECK_AT(v, 0, 9, "https://h.test/1");
    CHECK_AT(v, 1, 0, "http://long.test/");
    CHECK_AT(v, 2, 3, "http://long.test/");
    /* narrower: the history line is cut again, the link still on every piece */
    CHECK(!strcmp(at(v, 5, 20, 2, 5), "http://long.test/"), "narrow: %s", at(v, 5, 20, 2, 5));
    view_follow(v);
}

static void test_openable(void)
{
    static const struct {
        const char *uri;
        bool ok;
    } cases[] = {
        {"https://x.test/", true},    {"mailto:a@b", true},        {"file:///etc/hosts", true},
        {"file://localhost/tmp", true}, {"file://myhost/tmp", true}, {"FILE://MyHost/tmp", true},
        {"file://other/etc/passwd", false}, {"file://myhostx/a", false}, {"/etc/passwd", false},
        {"-e", false},                {"1http://x", false},        {":x", false},
        {"x-y+z.w:ok", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK(link_openable(cases[i].uri, "myhost") == cases[i].ok, "openable(%s)",
              cases[i].uri);
}

/* The launcher gets the URI as one argument, never through a shell. */
static void test_open(void)
{
    char dir[] = "/tmp/bt-test-links-XXXXXX", script[64], out[64], got[256] = "";
    if (!mkdtemp(dir))
        return;
    snprintf(script, sizeof script, "%s/launch", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    FILE *f = fopen(script, "w");
    if (!f)
        return;
    fprintf(f, "#!/bin/sh\nprintf '%%s|' \"$#\" \"$@\" > %s.tmp && mv %s.tmp %s\n", out, out,
            out);
    fclose(f);
    chmod(script, 0700);
    const char *uri = "https://x.test/$(touch%20pwned);a'b";
    CHECK(link_open(script, uri), "the launcher did not start");
    for (int i = 0; i < 100 && access(out, F_OK) != 0; i++)
        usleep(20000);
    f = fopen(out, "r");
    if (f) {
        if (!fgets(got, sizeof got, f))
            got[0] = 0;
        fclose(f);
    }
    CHECK(!strcmp(got, "1|https://x.test/$(touch%20pwned);a'b|"), "the launcher got %s", got);
    CHECK(access("pwned", F_OK) != 0, "a shell ran the URI");
    CHECK(!link_open("/nonexistent/launcher", uri), "a missing launcher started");
    CHECK(!link_open("", uri), "an empty launcher started");
    unlink(out);
    unlink(script);
    rmdir(dir);
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
    struct term *t = term_create(5, 30, &cb, store);
    space = t ? lines_create(store, t) : NULL;
    struct view *v = space ? view_create(space) : NULL;
    if (!v)
        return 1;
    test_text_urls(v, t);
    test_hyperlinks(v, t);
    test_openable();
    test_open();
    view_destroy(v);
    lines_destroy(space);
    term_destroy(t);
    sb_store_destroy(store);
    printf("%s: %d failed\n", failed ? "FAIL" : "ok", failed);
    return failed ? 1 : 0;
}
