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

#include "config.h"
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
    UI_SEARCH,      /* Ctrl+Shift+F: the search bar */
    UI_SAVE,        /* Ctrl+Shift+S: save the history to a file */
};

#define EVENTS_BINDINGS_MAX (BT_ACTION_COUNT + 2)

/* The window's shortcuts as keycodes: the configured ones plus Shift+Insert (paste). */
struct events_bindings {
    struct {
        SDL_Keycode sym;
        unsigned mods; /* BT_MOD_* */
        enum ui_action action;
    } b[EVENTS_BINDINGS_MAX];
    int n;
};

/*
 * Builds the bindings from the configuration's (keys: BT_ACTION_COUNT entries,
 * key names as SDL spells them). Names SDL does not know are left out, with a
 * log line each.
 */
void events_bind(struct events_bindings *eb, const struct bt_key *keys);

/* The window's shortcut for a key press, or UI_NONE to pass the key on. */
enum ui_action events_shortcut(const struct events_bindings *eb, const SDL_Keysym *key);

/* True for a key that is only a modifier (Shift, Ctrl, Alt, Super...). */
bool events_is_modifier(const SDL_Keysym *key);

/* TERM_MOD_* bits of SDL modifier state. */
unsigned events_mods(Uint16 kmod);

/* Sends a key press to the engine; false when it is left to SDL_TEXTINPUT. */
bool events_key(struct term *t, const SDL_Keysym *key);

/* Sends SDL_TEXTINPUT text, with ESC before it while Alt is held (kmod: SDL_GetModState()). */
void events_text(struct term *t, const char *utf8, Uint16 kmod);

#endif
