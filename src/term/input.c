/*
 * Input towards the program: keys, typed characters, mouse, bracketed paste and
 * focus, following the modes the program set (application cursor keys, mouse
 * protocol, paste brackets), which seq.c keeps. The bytes leave through the
 * engine's output callback, like answers to queries.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "vt_internal.h"

_Static_assert(TERM_KEY_PAGEDOWN == (int)VTERM_KEY_PAGEDOWN, "term_key mirrors VTermKey");
_Static_assert(TERM_KEY_FUNCTION_0 == (int)VTERM_KEY_FUNCTION_0, "term_key mirrors VTermKey");
_Static_assert(TERM_KEY_KP_0 == (int)VTERM_KEY_KP_0, "term_key mirrors VTermKey");
_Static_assert(TERM_MOD_CTRL == (int)VTERM_MOD_CTRL, "term mods mirror VTermModifier");

void term_keyboard_key(struct term *t, enum term_key key, unsigned mods)
{
    vterm_keyboard_key(term_vterm(t), (VTermKey)key, (VTermModifier)mods);
}

void term_keyboard_unichar(struct term *t, uint32_t c, unsigned mods)
{
    vterm_keyboard_unichar(term_vterm(t), c, (VTermModifier)mods);
}

int term_mouse_mode(const struct term *t)
{
    switch (t->modes.mouse) {
    case 9:
    case 1000: return TERM_MOUSE_CLICK;
    case 1002: return TERM_MOUSE_DRAG;
    case 1003: return TERM_MOUSE_MOVE;
    default: return TERM_MOUSE_NONE;
    }
}

void term_mouse_move(struct term *t, int row, int col, unsigned mods)
{
    vterm_mouse_move(term_vterm(t), row, col, (VTermModifier)mods);
}

void term_mouse_button(struct term *t, int button, bool pressed, unsigned mods)
{
    vterm_mouse_button(term_vterm(t), button, pressed, (VTermModifier)mods);
}

bool term_bracketed_paste(const struct term *t)
{
    return t->modes.bracketed_paste;
}

/* ---- Paste -------------------------------------------------------------- */

/* Writes a line end (CR) unless the last thing written was the CR of a CR LF pair. */
static size_t line_end(const char *text, size_t at, char *out)
{
    if (text[at] == '\n' && at > 0 && text[at - 1] == '\r')
        return 0;
    out[0] = '\r';
    return 1;
}

size_t term_paste_filter(const char *text, size_t len, enum term_paste_filter filter, char *out)
{
    size_t n = 0;
    for (size_t at = 0; at < len;) {
        if (text[at] == '\n' || text[at] == '\r') {
            n += line_end(text, at, out + n);
            at++;
            continue;
        }
        if (filter == TERM_PASTE_RAW) {
            out[n++] = text[at++];
            continue;
        }
        uint32_t cp;
        at += utf8_decode(text + at, len - at, &cp);
        if (cp == '\t' || !utf8_is_control(cp))
            n += utf8_encode(cp, out + n);
    }
    return n;
}

char *term_paste_encode(const struct term *t, const char *text, size_t len,
                        enum term_paste_filter filter, size_t *len_out)
{
    static const char start[] = "\x1b[200~", end[] = "\x1b[201~";
    bool bracket = t->modes.bracketed_paste;
    if (len > (SIZE_MAX - 16) / 3)
        return NULL;
    char *out = malloc(len * 3 + 16);
    if (!out)
        return NULL;
    size_t n = 0;
    if (bracket) {
        memcpy(out, start, sizeof start - 1);
        n = sizeof start - 1;
    }
    n += term_paste_filter(text, len, filter, out + n);
    if (bracket) {
        memcpy(out + n, end, sizeof end - 1);
        n += sizeof end - 1;
    }
    *len_out = n;
    return out;
}

void term_focus(struct term *t, bool focused)
{
    VTermState *st = vterm_obtain_state(term_vterm(t));
    if (focused)
        vterm_state_focus_in(st);
    else
        vterm_state_focus_out(st);
}
