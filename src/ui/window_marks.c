/*
 * A shell's prompt marks in the window (window_internal.h): jumps from prompt to prompt, a
 * command's output copied or selected, failed commands on the position indicator, and each
 * command's note (status, time, peak memory) at the right of the row where it ended.
 */
#include "window_internal.h"

#define FAILED_TICKS 64 /* the newest failed commands the indicator marks */

/* The logical line at the top of the view (the screen's top row while following). */
static uint64_t top_line(struct win *w)
{
    if (view_following(w->view) || !view_layout(w->view, w->rows, w->cols))
        return view_screen_abs(w->view);
    return view_lines(w->view)[0].line;
}

/* Ctrl+Shift+Z / X: the previous or next prompt to the top of the view. */
void prompt_jump(struct win *w, bool back)
{
    struct lines *l = session_lines(w->s);
    uint64_t at;
    if (!back && view_following(w->view))
        return; /* nothing is below the screen */
    if (!lines_find_mark(l, top_line(w), back, SB_ROW_MARK_PROMPT, &at)) {
        message(w, back ? "no earlier prompt (does the shell send OSC 133 marks? "
                          "see docs/shell-integration.bash)" : "no later prompt");
        if (!back)
            view_follow(w->view);
        return;
    }
    if (at >= view_screen_abs(w->view))
        view_follow(w->view);
    else
        view_set_pos(w->view, &(struct view_pos){false, lines_start(l, at), 0});
}

/* Selects the output of the command around row at, whole lines; false when it has none. */
static bool select_output(struct win *w, uint64_t at, struct select *s, uint64_t *rows)
{
    struct lines *l = session_lines(w->s);
    uint64_t first, end;
    if (!lines_command_output(l, at, &first, &end) || first >= end)
        return false;
    *s = (struct select){0};
    select_start(s, l, (struct select_point){first, 0}, SELECT_LINE);
    select_extend(s, l, (struct select_point){lines_start(l, end - 1), 0});
    s->exists = true;
    *rows = end - first;
    return true;
}

/*
 * Ctrl+Shift+G: the output of the last command (or, scrolled back, of the command at the top
 * of the view) to the clipboard.
 */
void copy_output(struct win *w)
{
    struct lines *l = session_lines(w->s);
    struct lines_span sp;
    lines_span(l, &sp);
    uint64_t at = top_line(w), rows;
    if (view_following(w->view) && !lines_find_mark(l, sp.end, true, SB_ROW_MARK_OUTPUT, &at))
        at = sp.end - 1;
    struct select s;
    if (!select_output(w, at, &s, &rows)) {
        message(w, "no command output here (the shell sends no OSC 133 marks? "
                   "see docs/shell-integration.bash)");
        return;
    }
    char *text = select_text(&s, l);
    char note[96];
    if (text && SDL_SetClipboardText(text) == 0) {
        snprintf(note, sizeof note, "copied %" PRIu64 " rows of output", rows);
        w->outputs_copied++;
    } else {
        snprintf(note, sizeof note, "the output could not be copied");
    }
    message(w, note);
    free(text);
}

/* Ctrl+right click: selects the output of the command under the pointer (and copies it to
 * the primary selection, as a selection does). */
void select_output_at(struct win *w, uint64_t line)
{
    uint64_t rows;
    struct select s;
    if (!select_output(w, line, &s, &rows))
        return;
    w->sel = s;
    char *text = select_text(&w->sel, session_lines(w->s));
    if (text && *text)
        SDL_SetPrimarySelectionText(text);
    free(text);
    w->dirty = true;
}

/*
 * The newest failed commands' rows as positions on the indicator (0..1 of history + screen),
 * looked for again only when the rows changed.
 */
int failed_ticks(struct win *w, const double **out)
{
    struct lines *l = session_lines(w->s);
    struct lines_span sp;
    lines_span(l, &sp);
    uint64_t key = sp.end * 2654435761u ^ sp.first;
    if (key != w->marks_span) { /* to the page: finer than a pixel, and nothing is read */
        uint64_t rows[FAILED_TICKS], all = sp.end - sp.first;
        size_t n = lines_mark_rows(l, SB_ROW_MARK_FAILED, rows, FAILED_TICKS);
        w->marks_span = key;
        w->nticks = 0;
        for (size_t i = 0; i < n && all; i++)
            w->ticks[w->nticks++] = (double)(rows[i] - sp.first) / (double)all;
    }
    *out = w->ticks;
    return w->nticks;
}

/* "exit 1 · 2.3 s · 213.1 MiB peak" for a command's note. */
static void note_text(const struct sb_command *c, char *buf, size_t cap)
{
    char peak[32];
    int n = 0;
    if (c->exit_status > 0)
        n = snprintf(buf, cap, "exit %d \u00b7 ", (int)c->exit_status);
    uint32_t ms = c->duration_ms;
    if (ms < 1000)
        n += snprintf(buf + n, cap - (size_t)n, ms ? "%u ms" : "<1 ms", ms);
    else if (ms < 60000)
        n += snprintf(buf + n, cap - (size_t)n, "%.1f s", ms / 1000.0);
    else
        n += snprintf(buf + n, cap - (size_t)n, "%um%02us", ms / 60000, ms / 1000 % 60);
    if (c->peak_rss)
        snprintf(buf + n, cap - (size_t)n, " \u00b7 %s peak", overlay_bytes(c->peak_rss, peak,
                                                                           sizeof peak));
}

/* Whether columns [from, cols) of row hold nothing to show. */
static bool blank_from(const struct sb_row *row, int from)
{
    for (uint32_t c = (uint32_t)(from > 0 ? from : 0); c < row->ncols; c++)
        if (row->cells[c].chars[0] && row->cells[c].chars[0] != ' ')
            return false;
    return true;
}

/* The note of each command that ended on a row in view, right-aligned where the row is blank. */
void draw_command_notes(struct win *w, const struct view_line *lines)
{
    if (!w->cfg->command_stats)
        return;
    const struct font_metrics *m = font_metrics(w->font);
    /* scrolled back, the position indicator's label has the top row's right end */
    for (int r = view_following(w->view) ? 0 : 1; r < w->rows; r++) {
        /* history rows are shown cut at the width: the stored row has the marks */
        const struct sb_row *row = lines[r].screen ? lines[r].row
                                 : lines[r].sub == 0 ? lines_row(session_lines(w->s), lines[r].line)
                                                     : NULL;
        if (!row || !(row->flags & SB_ROW_MARK_END) || !row->has_command)
            continue;
        char text[96];
        note_text(&row->command, text, sizeof text);
        int width = (int)utf8_count(text, strlen(text)) + 1;
        if (width >= w->cols || !blank_from(lines[r].row, w->cols - width))
            continue;
        bool failed = row->command.exit_status > 0;
        render_text(w->rd, (w->cols - width) * m->cell_w, r * m->cell_h, text,
                    failed ? 0xd75f5fu : 0x808080u);
    }
}
