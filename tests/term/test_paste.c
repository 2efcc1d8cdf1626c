/*
 * The paste filter (term_paste_filter, term_paste_encode): a table of pasted text and the
 * bytes the program receives, in both filters and both paste modes. The first row is the
 * attack of issue 12: a clipboard that ends the bracket itself and runs a second command.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "term.h"

struct pcase {
    const char *in;
    size_t len; /* 0: strlen(in) */
    enum term_paste_filter filter;
    const char *out;
};

static const struct pcase cases[] = {
    /* the bracket cannot be ended from inside: ESC is dropped, LF becomes CR */
    {"echo SAFE\x1b[201~echo PWNED > /tmp/marker\n", 0, TERM_PASTE_SAFE,
     "echo SAFE[201~echo PWNED > /tmp/marker\r"},
    {"a\x1b[200~b", 0, TERM_PASTE_SAFE, "a[200~b"},
    /* line ends: LF, CR and CR LF are each one CR (Enter) */
    {"l1\nl2\r\nl3\rl4", 0, TERM_PASTE_SAFE, "l1\rl2\rl3\rl4"},
    {"\r\n\r\n", 0, TERM_PASTE_SAFE, "\r\r"},
    {"\n\r", 0, TERM_PASTE_SAFE, "\r\r"},
    /* TAB stays; the line discipline's and line editors' controls go */
    {"a\tb", 0, TERM_PASTE_SAFE, "a\tb"},
    {"x\x03y\x04z\x15w\x17v\x1a", 0, TERM_PASTE_SAFE, "xyzwv"},     /* ^C ^D ^U ^W ^Z */
    {"\x01\x02\x05\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x16\x18\x1c\x1d\x1e\x1f"
     "ok\x7f", 0, TERM_PASTE_SAFE, "ok"},
    {"nul\0byte", 8, TERM_PASTE_SAFE, "nulbyte"},
    /* C1 controls in UTF-8 form (CSI is U+009B) and raw 8-bit bytes */
    {"a\xc2\x9b" "31mb\xc2\x85" "c", 0, TERM_PASTE_SAFE, "a31mbc"},
    {"a\x9b" "31m", 0, TERM_PASTE_SAFE, "a\xef\xbf\xbd" "31m"},
    /* text is kept: UTF-8, wide characters, combining marks; bad UTF-8 is U+FFFD */
    {"caf\xc3\xa9 \xe4\xb8\x80 e\xcc\x81", 0, TERM_PASTE_SAFE, "caf\xc3\xa9 \xe4\xb8\x80 e\xcc\x81"},
    {"\xff\xe2\x82", 0, TERM_PASTE_SAFE, "\xef\xbf\xbd\xef\xbf\xbd"},
    {"\xc2\xa0nbsp", 0, TERM_PASTE_SAFE, "\xc2\xa0nbsp"},
    /* raw: every byte as it came, line ends still CR */
    {"echo SAFE\x1b[201~x\n", 0, TERM_PASTE_RAW, "echo SAFE\x1b[201~x\r"},
    {"a\x03\x9b\r\nb", 0, TERM_PASTE_RAW, "a\x03\x9b\rb"},
    {"", 0, TERM_PASTE_SAFE, ""},
};

static void on_output(void *user, const char *b, size_t n)
{
}

int main(void)
{
    char out[1024];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct pcase *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->in);
        size_t n = term_paste_filter(c->in, len, c->filter, out);
        out[n] = 0;
        if (n != strlen(c->out) || memcmp(out, c->out, n) != 0)
            fprintf(stderr, "case %zu: got \"%s\"\n", i, out);
        CHECK(n == strlen(c->out) && memcmp(out, c->out, n) == 0);
        CHECK(n <= 3 * len);
    }

    /* bracketed when the program asks, plain when it does not */
    struct term_callbacks cb = {.output = on_output};
    struct term *t = term_create(5, 20, &cb, NULL);
    REQUIRE(t);
    size_t n;
    char *b = term_paste_encode(t, "ls\n", 3, TERM_PASTE_SAFE, &n);
    CHECK(b && n == 3 && memcmp(b, "ls\r", 3) == 0);
    free(b);
    term_feed(t, "\x1b[?2004h", 8);
    b = term_paste_encode(t, "x\x1b[201~y\n", 9, TERM_PASTE_SAFE, &n);
    const char *want = "\x1b[200~x[201~y\r\x1b[201~";
    CHECK(b && n == strlen(want) && memcmp(b, want, n) == 0);
    free(b);
    /* a big paste: the output is bounded by 3 bytes per byte in, plus the brackets */
    size_t big = 1u << 20;
    char *in = malloc(big);
    REQUIRE(in);
    memset(in, '\xff', big);
    b = term_paste_encode(t, in, big, TERM_PASTE_SAFE, &n);
    CHECK(b && n == 3 * big + 12);
    free(b);
    free(in);
    term_destroy(t);
    return check_done();
}
