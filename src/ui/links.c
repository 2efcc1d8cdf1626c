/* Links in the view: finding, underlining and opening them (links.h). */
#include "links.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Hyperlinks ------------------------------------------------------------ */

/* The URI of cell col of a display row, or NULL. */
static const char *cell_uri(const struct view_line *line, int col)
{
    const struct sb_row *row = line->row;
    if (col < 0 || (uint32_t)col >= row->ncols)
        return NULL;
    const struct sb_cell *c = &row->cells[col];
    if (c->width == 0 && col > 0)
        c--; /* a wide glyph's right half: its left half's */
    return c->link ? sb_row_link(row, c->link) : NULL;
}

/* ---- URLs in the text ------------------------------------------------------ */

/* The characters RFC 3986 writes a URL with (and '%' escapes). */
static bool url_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("-._~:/?#[]@!$&'()*+,;=%", c));
}

/* The length of a scheme prefix starting a URL at p, or 0. */
static size_t scheme_at(const char *p)
{
    static const char *const schemes[] = {"https://", "http://", "ftp://", "file://", "mailto:"};
    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++)
        if (!strncmp(p, schemes[i], strlen(schemes[i])))
            return strlen(schemes[i]);
    return 0;
}

/* Where the URL starting at text[start] ends (exclusive), trimmed as people write them:
 * without trailing punctuation, nor closing brackets it did not open ("(see https://x/y)."). */
static size_t url_end(const char *text, size_t start, size_t n)
{
    size_t end = start;
    int paren = 0, bracket = 0;
    for (; end < n && url_char(text[end]); end++) {
        paren += (text[end] == '(') - (text[end] == ')');
        bracket += (text[end] == '[') - (text[end] == ']');
    }
    while (end > start) {
        char c = text[end - 1];
        if (strchr(".,;:!?'\"", c))
            end--;
        else if (c == ')' && paren < 0)
            end--, paren++;
        else if (c == ']' && bracket < 0)
            end--, bracket++;
        else
            break;
    }
    return end;
}

/* The text of a logical line of display rows, one byte a cell, and where each byte is. */
struct line_text {
    char *text;
    int *row, *col;
    size_t n;
};

/* True when display row r continues on row r + 1 (one logical line). */
static bool continues(const struct view_line *lines, int rows, int r)
{
    if (r + 1 >= rows)
        return false;
    if (lines[r].screen)
        return lines[r + 1].screen && (lines[r].row->flags & SB_ROW_WRAPPED);
    return !lines[r + 1].screen && lines[r + 1].line == lines[r].line;
}

/* Joins the logical line holding display row r; false when out of memory. */
static bool line_text(const struct view_line *lines, int rows, int cols, int r,
                      struct line_text *t)
{
    int first = r, last = r;
    while (first > 0 && continues(lines, rows, first - 1))
        first--;
    while (continues(lines, rows, last))
        last++;
    size_t cap = (size_t)(last - first + 1) * (size_t)cols + 1;
    t->text = malloc(cap);
    t->row = malloc(cap * sizeof *t->row);
    t->col = malloc(cap * sizeof *t->col);
    t->n = 0;
    if (!t->text || !t->row || !t->col)
        return false;
    for (int k = first; k <= last; k++) {
        const struct sb_row *row = lines[k].row;
        for (int c = 0; c < cols && (uint32_t)c < row->ncols; c++) {
            uint32_t ch = row->cells[c].chars[0];
            if (row->cells[c].width == 0)
                continue;
            t->text[t->n] = ch > ' ' && ch < 0x7f ? (char)ch : ' ';
            t->row[t->n] = k;
            t->col[t->n++] = c;
        }
    }
    t->text[t->n] = 0;
    return true;
}

static void line_text_free(struct line_text *t)
{
    free(t->text);
    free(t->row);
    free(t->col);
}

/* The URL in t around byte at, into out; false when there is none. */
static bool url_around(const struct line_text *t, size_t at, struct link_hit *out)
{
    for (size_t i = 0; i <= at && i < t->n; i++) {
        size_t len = scheme_at(t->text + i);
        if (!len || (i > 0 && url_char(t->text[i - 1]) && t->text[i - 1] != '(' &&
                     t->text[i - 1] != '\'' && t->text[i - 1] != '['))
            continue;
        size_t end = url_end(t->text, i, t->n);
        if (end <= i + len) /* a scheme alone */
            continue;
        if (at >= end) {
            i = end - 1;
            continue;
        }
        if (end - i > SB_MAX_LINK_BYTES)
            return false;
        memcpy(out->uri, t->text + i, end - i);
        out->uri[end - i] = 0;
        out->explicit = false;
        out->first_row = t->row[i];
        out->first_col = t->col[i];
        out->last_row = t->row[end - 1];
        out->last_col = t->col[end - 1];
        return true;
    }
    return false;
}

bool link_find(const struct view_line *lines, int rows, int cols, int row, int col,
               struct link_hit *out)
{
    if (row < 0 || row >= rows || col < 0 || col >= cols)
        return false;
    const char *uri = cell_uri(&lines[row], col);
    if (uri) {
        snprintf(out->uri, sizeof out->uri, "%s", uri);
        out->explicit = true;
        out->first_row = out->last_row = -1;
        return true;
    }
    struct line_text t;
    bool found = false;
    if (line_text(lines, rows, cols, row, &t)) {
        size_t at = 0;
        while (at < t.n && (t.row[at] < row || (t.row[at] == row && t.col[at] < col)))
            at++;
        found = at < t.n && t.row[at] == row && t.col[at] == col && url_around(&t, at, out);
    }
    line_text_free(&t);
    return found;
}

void link_row_span(const struct link_hit *hit, const struct view_line *lines, int r, int *from,
                   int *to, uint16_t *number)
{
    *from = *to = 0;
    *number = 0;
    if (hit->explicit) {
        const struct sb_row *row = lines[r].row;
        for (uint32_t k = 1; k <= row->nlinks; k++)
            if (!strcmp(sb_row_link(row, k), hit->uri))
                *number = (uint16_t)k;
        return;
    }
    if (r < hit->first_row || r > hit->last_row)
        return;
    *from = r == hit->first_row ? hit->first_col : 0;
    *to = r == hit->last_row ? hit->last_col + 1 : (int)lines[r].row->ncols;
}

/* ---- Opening ----------------------------------------------------------------- */

bool link_openable(const char *uri, const char *host)
{
    size_t n = 0; /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    while ((uri[n] >= 'a' && uri[n] <= 'z') || (uri[n] >= 'A' && uri[n] <= 'Z') ||
           (n > 0 && ((uri[n] >= '0' && uri[n] <= '9') || strchr("+-.", uri[n]))))
        n++;
    if (n == 0 || uri[n] != ':')
        return false;
    if (n != 4 || strncasecmp(uri, "file", 4) || strncmp(uri + 4, "://", 3))
        return true;
    const char *h = uri + 7, *slash = strchr(h, '/');
    size_t len = slash ? (size_t)(slash - h) : strlen(h);
    return len == 0 || (len == 9 && !strncasecmp(h, "localhost", 9)) ||
           (host && strlen(host) == len && !strncasecmp(h, host, len));
}

/* In the launcher's process: its own session, no signal blocked, no fd of the terminal's. */
static void launch(const char *launcher, const char *uri, int report)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0 && dup2(null, 0) >= 0 && dup2(null, 1) >= 0 && dup2(null, 2) >= 0) {
        /* not the pty, the spill files or the X socket: only report, as fd 3, close-on-exec */
        if (report != 3 && dup2(report, 3) < 0)
            _exit(127);
        fcntl(3, F_SETFD, FD_CLOEXEC);
        report = 3;
        closefrom(4);
        char *const argv[] = {(char *)launcher, (char *)uri, NULL};
        execvp(launcher, argv);
    }
    char fail = 1;
    (void)!write(report, &fail, 1);
    _exit(127);
}

bool link_open(const char *launcher, const char *uri)
{
    int report[2]; /* the launcher's exec closes it; a byte on it says the exec failed */
    if (!launcher || !launcher[0] || pipe2(report, O_CLOEXEC) < 0)
        return false;
    pid_t pid = fork();
    if (pid == 0) { /* a grandchild runs it, so nothing waits for it and no zombie stays */
        close(report[0]);
        setsid();
        pid_t g = fork();
        if (g == 0)
            launch(launcher, uri, report[1]);
        _exit(g < 0 ? 127 : 0);
    }
    close(report[1]);
    int status = 0;
    pid_t r = pid;
    while (pid > 0 && (r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    char fail = 0;
    ssize_t n;
    while ((n = read(report[0], &fail, 1)) < 0 && errno == EINTR)
        ;
    close(report[0]);
    return pid > 0 && r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == 0;
}
