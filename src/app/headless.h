/*
 * Headless mode: a program on a pty, its output through the engine into the
 * scrollback store, with no window; figures as JSON lines (--stats) and the
 * whole history as text at the end (--dump-scrollback).
 */
#ifndef BT_HEADLESS_H
#define BT_HEADLESS_H

#include <stdint.h>

#include "config.h"

/*
 * Runs cfg->argv until it exits and its output is drained, then writes the
 * last stats line and the dump. Returns the exit status for main: the
 * program's own, 128+N when boundterm got signal N (SIGINT, SIGTERM, SIGHUP:
 * the program is hung up first), or 125 when the session could not start.
 * cell_w x cell_h is the configured font's cell in pixels (0 x 0 when there is no font), for
 * the program's size queries in pixels (XTWINOPS 14 and 16).
 */
int headless_run(const struct bt_config *cfg, int cell_w, int cell_h);

#endif
