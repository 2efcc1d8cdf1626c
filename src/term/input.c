/*
 * Input towards the program: keys, typed characters, mouse, bracketed paste and
 * focus, following the modes the program set (application cursor keys, mouse
 * protocol, paste brackets), which seq.c keeps. The bytes leave through the
 * engine's output callback, like answers to queries.
 */
#include <stdio.h>
#include <stdlib.h>

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

void term_paste_start(struct term *t)
{
    vterm_keyboard_start_paste(term_vterm(t));
}

void term_paste_end(struct term *t)
{
    vterm_keyboard_end_paste(term_vterm(t));
}

void term_focus(struct term *t, bool focused)
{
    VTermState *st = vterm_obtain_state(term_vterm(t));
    if (focused)
        vterm_state_focus_in(st);
    else
        vterm_state_focus_out(st);
}
