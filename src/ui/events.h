/*
 * SDL keyboard events -> the engine's input (term_keyboard_*), and the
 * window's own shortcuts. Text keys are left to SDL_TEXTINPUT (composed text,
 * IME, keyboard layouts); key presses that are not text (Enter, arrows, F-keys)
 * and Ctrl combinations are sent from SDL_KEYDOWN. Alt prefixes ESC.
 * (src/term/input.c is the engine side; this file is named apart from it.)
 */
#ifndef BT_UI_EVENTS_H
#define BT_UI_EVENTS_H

#include <stdbool.h>

#include <SDL.h>

#include "term.h"

enum ui_action {
    UI_NONE,
    UI_COPY,        /* Ctrl+Shift+C */
    UI_PASTE,       /* Ctrl+Shift+V, Shift+Insert */
    UI_OVERLAY,     /* Ctrl+Shift+M */
    UI_CLEAR,       /* Ctrl+Shift+K: clear the scrollback */
    UI_ZOOM_IN,     /* Ctrl+= (Ctrl++) */
    UI_ZOOM_OUT,    /* Ctrl+- */
    UI_ZOOM_RESET,  /* Ctrl+0 */
    UI_PAGE_UP,     /* Shift+PageUp */
    UI_PAGE_DOWN,   /* Shift+PageDown */
    UI_TOP,         /* Shift+Home */
    UI_BOTTOM,      /* Shift+End */
};

/* The window's shortcut for a key press, or UI_NONE to pass the key on. */
enum ui_action events_shortcut(const SDL_Keysym *key);

/* TERM_MOD_* bits of SDL modifier state. */
unsigned events_mods(Uint16 kmod);

/* Sends a key press to the engine; false when it is left to SDL_TEXTINPUT. */
bool events_key(struct term *t, const SDL_Keysym *key);

/* Sends SDL_TEXTINPUT text, with ESC before it while Alt is held (kmod: SDL_GetModState()). */
void events_text(struct term *t, const char *utf8, Uint16 kmod);

#endif
