/*
 * OSC 133: a shell's prompt marks (FinalTerm's, as kitty, foot, WezTerm, VTE and iTerm2 read
 * them; fish and starship send them by default, docs/shell-integration.* for bash and zsh).
 *   OSC 133 ; A [; options] ST   a prompt starts
 *   OSC 133 ; B [; options] ST   the prompt ends, the command line starts
 *   OSC 133 ; C [; options] ST   the command runs: its output starts
 *   OSC 133 ; D [; status] ST    the command ended, with its exit status when given
 * Each marks the row the cursor is on (grid_mark); the front end is told through the mark
 * callback, which may add what it measured of the command (its time and memory) before the
 * row keeps it. Options (kitty's aid=, click_events=...) are read past; other letters and a
 * status that is not a decimal number in range are ignored (the mark stays, status unknown).
 */
#include "vt_internal.h"

#include <limits.h>
#include <string.h>

/* A decimal exit status from s[0..n) up to the next ';', or -1. */
static int32_t exit_status(const char *s, size_t n)
{
    long v = 0;
    size_t i = 0;
    for (; i < n && s[i] != ';'; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (INT32_MAX - 9) / 10)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return i > 0 ? (int32_t)v : -1;
}

void prompt_osc(struct term *t, const char *text, size_t len)
{
    static const char kinds[4] = "ABCD";
    static const uint32_t marks[4] = {SB_ROW_MARK_PROMPT, SB_ROW_MARK_INPUT, SB_ROW_MARK_OUTPUT,
                                      SB_ROW_MARK_END};
    const char *kind = len ? memchr(kinds, text[0], sizeof kinds) : NULL;
    if (!kind || (len > 1 && text[1] != ';'))
        return;
    uint32_t mark = marks[kind - kinds];
    struct sb_command cmd = {.exit_status = -1};
    if (mark == SB_ROW_MARK_END && len > 2)
        cmd.exit_status = exit_status(text + 2, len - 2);
    bool ran = t->cb.mark && t->cb.mark(t->user, mark, mark == SB_ROW_MARK_END ? &cmd : NULL);
    /* an end with no command (Enter on an empty line, a first prompt) is no failure either */
    if (mark == SB_ROW_MARK_END && cmd.exit_status > 0 && ran)
        mark |= SB_ROW_MARK_FAILED;
    grid_mark(t->grid, mark, (mark & SB_ROW_MARK_END) && ran ? &cmd : NULL);
}
