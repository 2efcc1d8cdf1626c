/*
 * RES and friends of this process, from /proc/self. The files are opened once
 * and re-read with pread(), so a reading costs one or two syscalls and can be
 * taken every frame or every stats line.
 */
#ifndef BT_MEMSTAT_H
#define BT_MEMSTAT_H

#include <stdbool.h>
#include <stdint.h>

struct memstat {
    int statm_fd;  /* /proc/self/statm: sizes in pages */
    int status_fd; /* /proc/self/status: VmRSS, VmHWM in kB */
    uint64_t page_bytes;
};

/* Opens /proc/self/statm and /proc/self/status; false (one log line) when /proc is missing. */
bool memstat_init(struct memstat *ms);

/* Closes the files; safe after a failed memstat_init() and when called twice. */
void memstat_fini(struct memstat *ms);

/* Resident bytes (resident pages x page size, from statm), or 0 when unreadable. */
uint64_t memstat_rss(const struct memstat *ms);

/*
 * VmRSS and VmHWM (the peak) in bytes from /proc/self/status; either pointer
 * may be NULL. false when the file cannot be read or parsed.
 */
bool memstat_status(const struct memstat *ms, uint64_t *vm_rss, uint64_t *vm_hwm);

#endif
