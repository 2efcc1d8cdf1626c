/*
 * The store's seams for tests and benchmarks, not part of its public header: fault injection
 * on the disk side, and running the idle-time work (summaries, cold recompression) on demand.
 */
#ifndef SB_SEAMS_H
#define SB_SEAMS_H

#include <sys/types.h>

#include "boundterm/scrollback.h"

/*
 * A seam for fault injection in tests: replaces the syscalls of the disk
 * side. Any member left NULL uses the real call. open_spill must return a
 * new unlinked, owner-only, read-write file in dir, or -1 with errno set.
 */
struct sb_io {
    int (*open_spill)(void *user, const char *dir);
    ssize_t (*pwrite)(void *user, int fd, const void *buf, size_t len, off_t off);
    ssize_t (*pread)(void *user, int fd, void *buf, size_t len, off_t off);
    void *user;
};

/* sb_store_create() with the disk side's syscalls replaced by io (NULL: the real ones). */
int sb_store_create_io(const struct sb_config *cfg, const struct sb_io *io,
                       struct sb_store **out, char *err, size_t errlen);

/*
 * Makes every summary still due now (store_summary.c: the worker makes them once pushes
 * pause), on the calling thread, as idle time would.
 */
void sb_store_summarize(struct sb_store *store);

/*
 * Recompresses every cold page with the cold codec now, on the calling thread, as idle time
 * would. Returns 0 or an error.
 */
int sb_store_compact(struct sb_store *store);

#endif
