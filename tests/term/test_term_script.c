/*
 * Table tests of the engine (term.h), from scripts: bytes in, then what the screen, the
 * cursor, the replies and the modes must be. Each PUSH is fed three ways (whole, a byte at a
 * time, and split at random points) to three engines, which must end up alike.
 *
 *   # a comment
 *   RESET 5 20            a fresh engine of 5 rows x 20 columns (also the start of a file)
 *   PUSH "\e[?1000h"      bytes in (\e \a \n \r \t \\ \" \xNN)
 *   ROW 0 "ab.c"          row 0's cells: '.' empty, '~' the right half of a wide glyph,
 *                         anything else as UTF-8 (a base with its marks); trailing empty
 *                         cells are left out
 *   WRAPPED 0 1           whether row 0 is soft-wrapped (0 or 1)
 *   CURSOR 2 5            the cursor's row and column
 *   REPLY "\e[?1;2c"      what went to the program since the previous REPLY or RESET
 *   TITLE "t"             the last title set
 *   MOUSE 2               term_mouse_mode()
 *   PASTE 1               term_bracketed_paste()
 *   ATTR 0 3 bold         cell (0,3)'s attributes: none or a list of bold italic blink
 *                         reverse strike conceal underline dim overline (comma-separated)
 *   SCROLLBACK 3          rows scrolled into the history so far (kept, minus those taken back)
 *   HISTROW 0 "ab" wrapped  history row 0 (the oldest) as ROW writes it, and its soft wrap
 *   RESIZE 10 40          the screen to 10 rows x 40 columns
 *   KEY Enter Shift       a key with modifiers (term_key), "release" or "repeat" after them
 *   TEXTKEY 0x61 "A" Shift  a text key: the key's character, what it typed, the modifiers
 *   CLIPBOARD "c:text"    OSC 52 copies since the last CLIPBOARD or RESET, each as the
 *                         selections (c, p, cp) ':' the text, separated by '|'
 *   ASKED "c"             the selections OSC 52 asked for since the last ASKED or RESET
 *   ANSWER c "text"       answers the last question (term_clipboard_answer)
 *   CLIPLIMIT 16          the largest copy (term_set_clipboard_limit)
 *   NAME "xterm-direct"   the $TERM XTGETTCAP reports (term_set_name)
 *   LINK 0 3 "uri"        the hyperlink of cell (0,3), "" for none
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "term.h"
#include "utf8.h"

#define ENGINES 3
#define HIST_MAX 4096

struct rec {
    char out[8192];
    size_t outlen;
    char title[1024];
    char clip[4096]; /* the CLIPBOARD notation of the copies so far */
    char asked[64];
    struct sb_row hist[HIST_MAX]; /* rows scrolled out, for popline */
    size_t nhist, pushed;
};

static void r_scrollout(void *user, const struct sb_row *in)
{
    struct rec *r = user;
    r->pushed++;
    if (r->nhist == HIST_MAX)
        return;
    struct sb_row *row = &r->hist[r->nhist++];
    sb_row_init(row);
    REQUIRE(sb_row_copy(row, in) == 0);
}

static bool r_popline(void *user, struct sb_row *out)
{
    struct rec *r = user;
    if (!r->nhist)
        return false;
    struct sb_row *row = &r->hist[--r->nhist];
    REQUIRE(sb_row_copy(out, row) == 0);
    sb_row_fini(row);
    r->pushed--;
    return true;
}

static void r_output(void *user, const char *bytes, size_t len)
{
    struct rec *r = user;
    if (r->outlen + len < sizeof r->out) {
        memcpy(r->out + r->outlen, bytes, len);
        r->outlen += len;
    }
}

static void r_title(void *user, const char *utf8)
{
    struct rec *r = user;
    snprintf(r->title, sizeof r->title, "%s", utf8);
}

/* "c", "p" or "cp" for TERM_CLIP_* bits. */
static const char *clip_letters(unsigned which)
{
    return which == (TERM_CLIP_CLIPBOARD | TERM_CLIP_PRIMARY) ? "cp"
           : which == TERM_CLIP_PRIMARY                     ? "p" : "c";
}

static void r_clipboard_set(void *user, unsigned which, const char *utf8, size_t len)
{
    struct rec *r = user;
    size_t n = strlen(r->clip);
    REQUIRE(strlen(utf8) == len); /* no NUL inside */
    snprintf(r->clip + n, sizeof r->clip - n, "%s%s:%s", n ? "|" : "", clip_letters(which), utf8);
}

static void r_clipboard_get(void *user, unsigned which)
{
    struct rec *r = user;
    size_t n = strlen(r->asked);
    snprintf(r->asked + n, sizeof r->asked - n, "%s", clip_letters(which));
}

static const struct term_callbacks callbacks = {
    .scrollout = r_scrollout,
    .popline = r_popline,
    .output = r_output,
    .title = r_title,
    .clipboard_set = r_clipboard_set,
    .clipboard_get = r_clipboard_get,
};

struct engines {
    struct term *t[ENGINES];
    struct rec r[ENGINES];
    uint64_t seed;
    const char *where;
};

static void engines_free(struct engines *e)
{
    for (int i = 0; i < ENGINES; i++) {
        term_destroy(e->t[i]);
        e->t[i] = NULL;
        for (size_t k = 0; k < e->r[i].nhist; k++)
            sb_row_fini(&e->r[i].hist[k]);
        e->r[i].nhist = 0;
    }
}

static void engines_reset(struct engines *e, int rows, int cols)
{
    engines_free(e);
    for (int i = 0; i < ENGINES; i++) {
        memset(&e->r[i], 0, sizeof e->r[i]);
        e->t[i] = term_create(rows, cols, &callbacks, &e->r[i]);
        REQUIRE(e->t[i]);
    }
}

static uint32_t next_rand(struct engines *e)
{
    e->seed = e->seed * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(e->seed >> 33);
}

static void push(struct engines *e, const char *b, size_t n)
{
    term_feed(e->t[0], b, n);
    for (size_t i = 0; i < n; i++)
        term_feed(e->t[1], b + i, 1);
    for (size_t i = 0; i < n;) {
        size_t k = 1 + next_rand(e) % 7;
        k = k > n - i ? n - i : k;
        term_feed(e->t[2], b + i, k);
        i += k;
    }
}

/* ---- Reading the engine --------------------------------------------------- */

/* Row `row` of engine t in the script's notation. */
static void row_text(struct term *t, int row, char *out, size_t cap)
{
    struct sb_row r;
    sb_row_init(&r);
    size_t n = 0, keep = 0;
    if (term_read_row(t, row, &r) == 0) {
        for (uint32_t c = 0; c < r.ncols && n + 32 < cap; c++) {
            const struct sb_cell *cell = &r.cells[c];
            if (cell->width == 0) {
                out[n++] = '~';
            } else if (!cell->chars[0]) {
                out[n++] = '.';
                continue;
            } else {
                for (int k = 0; k < SB_MAX_CHARS && cell->chars[k]; k++)
                    n += utf8_encode(cell->chars[k], out + n);
            }
            keep = n;
        }
    }
    out[keep] = 0;
    sb_row_fini(&r);
}

static const struct {
    const char *name;
    uint32_t bits, mask;
} attr_names[] = {
    {"bold", SB_ATTR_BOLD, SB_ATTR_BOLD},
    {"italic", SB_ATTR_ITALIC, SB_ATTR_ITALIC},
    {"blink", SB_ATTR_BLINK, SB_ATTR_BLINK},
    {"reverse", SB_ATTR_REVERSE, SB_ATTR_REVERSE},
    {"strike", SB_ATTR_STRIKE, SB_ATTR_STRIKE},
    {"conceal", SB_ATTR_CONCEAL, SB_ATTR_CONCEAL},
    {"underline", SB_UNDERLINE_SINGLE << SB_ATTR_UNDERLINE_SHIFT, SB_ATTR_UNDERLINE_MASK},
    {"double", SB_UNDERLINE_DOUBLE << SB_ATTR_UNDERLINE_SHIFT, SB_ATTR_UNDERLINE_MASK},
    {"curly", SB_UNDERLINE_CURLY << SB_ATTR_UNDERLINE_SHIFT, SB_ATTR_UNDERLINE_MASK},
    {"dim", SB_ATTR_DIM, SB_ATTR_DIM},
    {"overline", SB_ATTR_OVERLINE, SB_ATTR_OVERLINE},
};

/* Row `i` of engine k's history (0 = oldest) in the script's notation; "" when there is none. */
static void hist_text(const struct rec *r, long i, char *out, size_t cap)
{
    size_t n = 0, keep = 0;
    if (i >= 0 && (size_t)i < r->nhist) {
        const struct sb_row *row = &r->hist[i];
        for (uint32_t c = 0; c < row->ncols && n + 32 < cap; c++) {
            const struct sb_cell *cell = &row->cells[c];
            if (cell->width == 0) {
                out[n++] = '~';
            } else if (!cell->chars[0]) {
                out[n++] = '.';
                continue;
            } else {
                for (int k = 0; k < SB_MAX_CHARS && cell->chars[k]; k++)
                    n += utf8_encode(cell->chars[k], out + n);
            }
            keep = n;
        }
        if (row->flags & SB_ROW_WRAPPED)
            keep += (size_t)snprintf(out + keep, cap - keep, " (wrapped)");
    }
    out[keep] = 0;
}

/* A cell's attributes as the script names them. */
static void attr_text(struct term *t, int row, int col, char *out, size_t cap)
{
    struct sb_row r;
    sb_row_init(&r);
    out[0] = 0;
    if (term_read_row(t, row, &r) != 0 || (uint32_t)col >= r.ncols) {
        snprintf(out, cap, "(no cell)");
        sb_row_fini(&r);
        return;
    }
    uint32_t a = r.cells[col].attrs;
    size_t n = 0;
    for (size_t i = 0; i < sizeof attr_names / sizeof *attr_names; i++)
        if ((a & attr_names[i].mask) == attr_names[i].bits)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "", attr_names[i].name);
    if (!n)
        snprintf(out, cap, "none");
    sb_row_fini(&r);
}

/* ---- Script lines ----------------------------------------------------------- */

static size_t unquote(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    p += strspn(p, " ");
    if (*p++ != '"')
        return 0;
    while (*p && *p != '"' && n < cap) {
        if (*p != '\\') {
            out[n++] = *p++;
            continue;
        }
        p++;
        switch (*p) {
        case 'e': out[n++] = 0x1b; p++; break;
        case 'a': out[n++] = 0x07; p++; break;
        case 'n': out[n++] = '\n'; p++; break;
        case 'r': out[n++] = '\r'; p++; break;
        case 't': out[n++] = '\t'; p++; break;
        case 'x': {
            char h[3] = {p[1], p[2], 0};
            out[n++] = (char)strtol(h, NULL, 16);
            p += 3;
            break;
        }
        default: out[n++] = *p++; break;
        }
    }
    return n;
}

/* Escapes bytes for a failure message. */
static const char *shown(const char *b, size_t n)
{
    static char buf[4][2048];
    static int k;
    char *o = buf[k++ % 4];
    size_t m = 0;
    for (size_t i = 0; i < n && m + 5 < sizeof buf[0]; i++) {
        unsigned char c = (unsigned char)b[i];
        m += (size_t)snprintf(o + m, 6, c == 0x1b ? "\\e" : c < 0x20 || c == 0x7f ? "\\x%02x"
                                                                               : "%c", c);
    }
    o[m] = 0;
    return o;
}

/* Checks one value across the engines: each must equal want. */
static void expect_str(struct engines *e, const char *what, const char *got[ENGINES],
                       const char *want)
{
    for (int i = 0; i < ENGINES; i++) {
        if (strcmp(got[i], want) == 0) {
            check_passed_++;
            continue;
        }
        check_failed_++;
        static const char *how[ENGINES] = {"whole", "bytewise", "split"};
        fprintf(stderr, "%s: %s (%s): expected \"%s\", got \"%s\"\n", e->where, what, how[i],
                want, got[i]);
    }
}

static void expect_int(struct engines *e, const char *what, const long got[ENGINES], long want)
{
    char w[32], g[ENGINES][32];
    const char *gp[ENGINES];
    snprintf(w, sizeof w, "%ld", want);
    for (int i = 0; i < ENGINES; i++) {
        snprintf(g[i], sizeof g[i], "%ld", got[i]);
        gp[i] = g[i];
    }
    expect_str(e, what, gp, w);
}

static unsigned parse_mods(const char *p)
{
    unsigned m = 0;
    m |= strstr(p, "Shift") ? TERM_MOD_SHIFT : 0;
    m |= strstr(p, "Alt") ? TERM_MOD_ALT : 0;
    m |= strstr(p, "Ctrl") ? TERM_MOD_CTRL : 0;
    m |= strstr(p, "Super") ? TERM_MOD_SUPER : 0;
    return m;
}

static enum term_key_event parse_event(const char *p)
{
    return strstr(p, "release") ? TERM_KEY_RELEASE : strstr(p, "repeat") ? TERM_KEY_REPEAT
                                                                         : TERM_KEY_PRESS;
}

static const struct {
    const char *name;
    enum term_key key;
} key_names[] = {
    {"Enter", TERM_KEY_ENTER}, {"Tab", TERM_KEY_TAB}, {"Backspace", TERM_KEY_BACKSPACE},
    {"Escape", TERM_KEY_ESCAPE}, {"Up", TERM_KEY_UP}, {"Down", TERM_KEY_DOWN},
    {"Left", TERM_KEY_LEFT}, {"Right", TERM_KEY_RIGHT}, {"Insert", TERM_KEY_INS},
    {"Delete", TERM_KEY_DEL}, {"Home", TERM_KEY_HOME}, {"End", TERM_KEY_END},
    {"PageUp", TERM_KEY_PAGEUP}, {"PageDown", TERM_KEY_PAGEDOWN},
    {"F1", TERM_KEY_FUNCTION_0 + 1}, {"F5", TERM_KEY_FUNCTION_0 + 5},
    {"F12", TERM_KEY_FUNCTION_0 + 12}, {"F13", TERM_KEY_FUNCTION_0 + 13},
    {"KP5", TERM_KEY_KP_0 + 5}, {"KPPlus", TERM_KEY_KP_0 + 11}, {"KPEnter", TERM_KEY_KP_ENTER},
    {"LeftShift", TERM_KEY_LEFT_SHIFT}, {"LeftSuper", TERM_KEY_LEFT_SUPER},
    {"RightCtrl", TERM_KEY_RIGHT_CTRL},
};

static void do_key(struct engines *e, const char *p)
{
    char name[32] = "";
    sscanf(p, "%31s", name);
    for (size_t i = 0; i < sizeof key_names / sizeof *key_names; i++)
        if (!strcmp(name, key_names[i].name)) {
            for (int k = 0; k < ENGINES; k++)
                term_key(e->t[k], key_names[i].key, parse_mods(p + strlen(name)),
                         parse_event(p + strlen(name)));
            return;
        }
    fprintf(stderr, "%s: no key named %s\n", e->where, name);
    check_failed_++;
}

/* One line of a script. */
static void run_line(struct engines *e, const char *p)
{
    static char buf[1 << 16];
    char text[ENGINES][4096];
    const char *got[ENGINES];
    long num[ENGINES];
    int a = 0, b = 0;
    for (int i = 0; i < ENGINES; i++)
        got[i] = text[i];
    if (!strncmp(p, "RESET", 5)) {
        sscanf(p + 5, "%d %d", &a, &b);
        engines_reset(e, a, b);
    } else if (!strncmp(p, "PUSH", 4)) {
        push(e, buf, unquote(p + 4, buf, sizeof buf));
    } else if (!strncmp(p, "RESIZE", 6)) {
        sscanf(p + 6, "%d %d", &a, &b);
        for (int i = 0; i < ENGINES; i++)
            term_resize(e->t[i], a, b);
    } else if (!strncmp(p, "ROW", 3)) {
        a = (int)strtol(p + 3, (char **)&p, 10);
        size_t n = unquote(p, buf, sizeof buf);
        buf[n] = 0;
        for (int i = 0; i < ENGINES; i++)
            row_text(e->t[i], a, text[i], sizeof text[i]);
        expect_str(e, "row", got, buf);
    } else if (!strncmp(p, "WRAPPED", 7)) {
        sscanf(p + 7, "%d %d", &a, &b);
        for (int i = 0; i < ENGINES; i++) {
            struct sb_row r;
            sb_row_init(&r);
            num[i] = term_read_row(e->t[i], a, &r) == 0 && (r.flags & SB_ROW_WRAPPED);
            sb_row_fini(&r);
        }
        expect_int(e, "wrapped", num, b);
    } else if (!strncmp(p, "CURSOR", 6)) {
        sscanf(p + 6, "%d %d", &a, &b);
        for (int i = 0; i < ENGINES; i++) {
            struct term_cursor c;
            term_cursor(e->t[i], &c);
            snprintf(text[i], sizeof text[i], "%d %d", c.row, c.col);
        }
        char want[32];
        snprintf(want, sizeof want, "%d %d", a, b);
        expect_str(e, "cursor", got, want);
    } else if (!strncmp(p, "REPLY", 5)) {
        size_t n = unquote(p + 5, buf, sizeof buf);
        for (int i = 0; i < ENGINES; i++) {
            snprintf(text[i], sizeof text[i], "%s", shown(e->r[i].out, e->r[i].outlen));
            e->r[i].outlen = 0;
        }
        expect_str(e, "reply", got, shown(buf, n));
    } else if (!strncmp(p, "TITLE", 5)) {
        size_t n = unquote(p + 5, buf, sizeof buf);
        buf[n] = 0;
        for (int i = 0; i < ENGINES; i++)
            got[i] = e->r[i].title;
        expect_str(e, "title", got, buf);
    } else if (!strncmp(p, "CLIPBOARD", 9)) {
        size_t n = unquote(p + 9, buf, sizeof buf);
        buf[n] = 0;
        for (int i = 0; i < ENGINES; i++) {
            snprintf(text[i], sizeof text[i], "%s", e->r[i].clip);
            e->r[i].clip[0] = 0;
        }
        expect_str(e, "clipboard", got, buf);
    } else if (!strncmp(p, "ASKED", 5)) {
        size_t n = unquote(p + 5, buf, sizeof buf);
        buf[n] = 0;
        for (int i = 0; i < ENGINES; i++) {
            snprintf(text[i], sizeof text[i], "%s", e->r[i].asked);
            e->r[i].asked[0] = 0;
        }
        expect_str(e, "asked", got, buf);
    } else if (!strncmp(p, "ANSWER", 6)) {
        p += 6 + strspn(p + 6, " ");
        unsigned which = *p == 'p' ? TERM_CLIP_PRIMARY : TERM_CLIP_CLIPBOARD;
        size_t n = unquote(p + 1, buf, sizeof buf);
        for (int i = 0; i < ENGINES; i++)
            term_clipboard_answer(e->t[i], which, buf, n);
    } else if (!strncmp(p, "LINK", 4)) {
        char *end;
        int row = (int)strtol(p + 4, &end, 10), col = (int)strtol(end, &end, 10);
        size_t n = unquote(end, buf, sizeof buf);
        buf[n] = 0;
        for (int i = 0; i < ENGINES; i++) {
            struct sb_row r;
            sb_row_init(&r);
            const char *uri = NULL;
            if (term_read_row(e->t[i], row, &r) == 0 && col >= 0 && (uint32_t)col < r.ncols)
                uri = sb_row_link(&r, r.cells[col].link);
            snprintf(text[i], sizeof text[i], "%s", uri ? uri : "");
            sb_row_fini(&r);
        }
        expect_str(e, "link", got, buf);
    } else if (!strncmp(p, "NAME", 4)) {
        size_t n = unquote(p + 4, buf, sizeof buf);
        buf[n] = 0;
        for (int i = 0; i < ENGINES; i++)
            term_set_name(e->t[i], buf);
    } else if (!strncmp(p, "CLIPLIMIT", 9)) {
        for (int i = 0; i < ENGINES; i++)
            term_set_clipboard_limit(e->t[i], strtoul(p + 9, NULL, 10));
    } else if (!strncmp(p, "MOUSE", 5)) {
        for (int i = 0; i < ENGINES; i++)
            num[i] = term_mouse_mode(e->t[i]);
        expect_int(e, "mouse mode", num, strtol(p + 5, NULL, 10));
    } else if (!strncmp(p, "PASTE", 5)) {
        for (int i = 0; i < ENGINES; i++)
            num[i] = term_bracketed_paste(e->t[i]);
        expect_int(e, "bracketed paste", num, strtol(p + 5, NULL, 10));
    } else if (!strncmp(p, "ATTR", 4)) {
        char want[256] = "";
        sscanf(p + 4, "%d %d %255s", &a, &b, want);
        for (int i = 0; i < ENGINES; i++)
            attr_text(e->t[i], a, b, text[i], sizeof text[i]);
        expect_str(e, "attributes", got, want);
    } else if (!strncmp(p, "HISTROW", 7)) {
        a = (int)strtol(p + 7, (char **)&p, 10);
        size_t n = unquote(p, buf, sizeof buf);
        buf[n] = 0;
        const char *close = strrchr(p, '"');
        if (close && strstr(close, "wrapped"))
            strcat(buf, " (wrapped)");
        for (int i = 0; i < ENGINES; i++)
            hist_text(&e->r[i], a, text[i], sizeof text[i]);
        expect_str(e, "history row", got, buf);
    } else if (!strncmp(p, "SCROLLBACK", 10)) {
        for (int i = 0; i < ENGINES; i++)
            num[i] = (long)e->r[i].pushed;
        expect_int(e, "rows scrolled out", num, strtol(p + 10, NULL, 10));
    } else if (!strncmp(p, "KEY", 3)) {
        do_key(e, p + 4);
    } else if (!strncmp(p, "TEXTKEY", 7)) {
        unsigned long c = strtoul(p + 7, (char **)&p, 0);
        size_t n = unquote(p, buf, sizeof buf - 1);
        buf[n] = 0;
        const char *rest = strchr(p + strspn(p, " ") + 1, '"');
        rest = rest ? rest + 1 : p;
        for (int i = 0; i < ENGINES; i++)
            term_key_text(e->t[i], (uint32_t)c, buf, parse_mods(rest), parse_event(rest));
    } else {
        fprintf(stderr, "%s: unknown line\n", e->where);
        check_failed_++;
    }
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    struct engines *e = calloc(1, sizeof *e);
    e->seed = 1;
    engines_reset(e, 25, 80);
    char line[1 << 16], where[1024];
    for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
        line[strcspn(line, "\n")] = 0;
        const char *p = line + strspn(line, " ");
        if (!*p || *p == '#')
            continue;
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        e->where = where;
        run_line(e, p);
    }
    fclose(f);
    engines_free(e);
    free(e);
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (run_file(argv[i]))
            return 1;
    return check_done();
}
