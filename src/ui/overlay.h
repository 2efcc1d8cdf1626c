/*
 * The memory overlay (Ctrl+Shift+M): RES of this process, the scrollback's RAM
 * against its budget, compression ratio, disk used, rows retained and dropped,
 * the store's last error, and a sparkline of RES over the last minute with the
 * RAM budget drawn as a line. Figures are sampled once a second by the caller.
 */
#ifndef BT_UI_OVERLAY_H
#define BT_UI_OVERLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "boundterm/scrollback.h"
#include "render.h"

#define OVERLAY_SAMPLES 60

struct overlay {
    bool shown;
    uint64_t res[OVERLAY_SAMPLES]; /* a ring, oldest first from head */
    int nres, head;
    uint64_t res_now;
    struct sb_stats stats;
    char command[96]; /* the running (or last) command's memory, "" for none */
    char pool[96];    /* the budgets all windows share, "" with one window */
};

/* Records one second's figures. */
void overlay_sample(struct overlay *o, uint64_t res, const struct sb_stats *stats);

/* Queues the overlay in the top right of a win_w x win_h window (when shown). */
void overlay_draw(const struct overlay *o, struct render *rd, const struct font_metrics *m,
                  int win_w, int win_h);

/* Formats bytes as "12.3 MiB" into buf. */
const char *overlay_bytes(uint64_t bytes, char *buf, size_t cap);

#endif
