/*
 * The window: an SDL2 window running a session (the program on a pty, the
 * engine, the scrollback store), drawing it and sending it the user's input.
 */
#ifndef BT_UI_WINDOW_H
#define BT_UI_WINDOW_H

#include "config.h"

/*
 * Opens the window, runs cfg->argv (or $SHELL) until it exits or the window
 * is closed (the program is then hung up), then writes the last stats line and
 * the dump like headless mode. Returns the exit status for main: the program's,
 * 128+N for signal N, or 125 when the window or session could not start.
 */
int window_run(const struct bt_config *cfg);

/* The cell size in pixels a window would have (the configured font and size); false without
 * a usable font. */
bool window_cell_pixels(const struct bt_config *cfg, int *width, int *height);

/* "SDL2 2.26.5, FreeType 2.12.1": the window's libraries as the process runs them. */
const char *window_library_versions(void);

#endif
