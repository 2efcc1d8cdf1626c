/*
 * The history as a text file, in slices: --dump-scrollback at exit, and the
 * window's Ctrl+Shift+S while the terminal runs on.
 *
 * What is written: every scrollback row retained when the export began,
 * oldest first, one row per line with trailing blanks trimmed (a row the
 * store could not read back is an empty line, counted as lost), then the
 * screen as it was when the export began, without its trailing empty rows.
 * Empty cells are spaces; a wide character is written once. In ANSI form a
 * line also carries its colours and attributes as SGR sequences: a change of
 * style writes the new style in full (after a reset when the old one was not
 * the default), and a line never ends styled.
 *
 * Rows the store drops while an export runs are skipped (counted): it goes on
 * from the oldest row still retained and never writes a row twice or out of
 * place. A clear of the store drops every row, so it ends the scrollback part.
 */
#ifndef BT_EXPORT_H
#define BT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "boundterm/scrollback.h"
#include "term.h"

enum export_state {
    EXPORT_RUNNING = 0,
    EXPORT_DONE,
    EXPORT_FAILED, /* a write or read error, or no memory; see export_error() */
};

struct export_progress {
    enum export_state state;
    uint64_t rows_total;   /* scrollback rows retained when the export began */
    uint64_t rows_written; /* scrollback rows written so far (lost ones included) */
    uint64_t rows_lost;    /* written as empty lines: the store could not read them back */
    uint64_t rows_skipped; /* dropped (or cleared) before they could be written */
    uint64_t screen_rows;  /* screen rows written (at the end) */
};

struct export;

/*
 * Starts an export of store's rows and t's screen (copied now) to f. store,
 * t and f are borrowed (the caller closes f after the export is destroyed);
 * t is not read again. NULL with a reason in err when out of memory or the
 * screen cannot be read.
 */
struct export *export_create(struct sb_store *store, struct term *t, FILE *f, bool ansi,
                             char *err, size_t errlen);

/* Frees the export (not its file); NULL is a no-op. */
void export_destroy(struct export *e);

/*
 * Writes until about max_rows rows or max_ns nanoseconds have gone (0 = no
 * limit on that one), then returns the state; the file is flushed when it is
 * EXPORT_DONE. Safe to call again after the end.
 */
enum export_state export_step(struct export *e, uint64_t max_rows, uint64_t max_ns);

void export_progress(const struct export *e, struct export_progress *out);

/* Why the export failed ("" otherwise). */
const char *export_error(const struct export *e);

#endif
