/*
 * RES from /proc/self. statm's second field is the resident set in pages (the
 * same counters as VmRSS: anonymous + file + shared memory); status gives VmRSS
 * and the high-water mark VmHWM in kB. Both files are small, so one pread()
 * into a stack buffer reads each whole.
 */
#include "memstat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool memstat_init(struct memstat *ms)
{
    long page = sysconf(_SC_PAGESIZE);
    ms->page_bytes = page > 0 ? (uint64_t)page : 4096;
    ms->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    ms->status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (ms->statm_fd < 0 || ms->status_fd < 0) {
        fprintf(stderr, "boundterm: memstat: cannot open /proc/self: %s\n", strerror(errno));
        memstat_fini(ms);
        return false;
    }
    return true;
}

void memstat_fini(struct memstat *ms)
{
    if (ms->statm_fd >= 0)
        close(ms->statm_fd);
    if (ms->status_fd >= 0)
        close(ms->status_fd);
    ms->statm_fd = ms->status_fd = -1;
}

/* Reads a whole /proc file into buf as a C string; its length, or 0 on failure. */
static size_t read_proc(int fd, char *buf, size_t cap)
{
    if (fd < 0)
        return 0;
    ssize_t n = pread(fd, buf, cap - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return (size_t)n;
}

uint64_t memstat_rss(const struct memstat *ms)
{
    char buf[256];
    unsigned long long size, resident;
    if (!read_proc(ms->statm_fd, buf, sizeof(buf)) ||
        sscanf(buf, "%llu %llu", &size, &resident) != 2)
        return 0;
    return (uint64_t)resident * ms->page_bytes;
}

/* The value in bytes of the "Key:   N kB" line of status text, or false when absent. */
static bool status_field(const char *text, const char *key, uint64_t *out)
{
    const char *at = strstr(text, key);
    if (!at)
        return false;
    char *end;
    unsigned long long kb = strtoull(at + strlen(key), &end, 10);
    if (end == at + strlen(key))
        return false;
    *out = (uint64_t)kb * 1024;
    return true;
}

bool memstat_status(const struct memstat *ms, uint64_t *vm_rss, uint64_t *vm_hwm)
{
    char buf[4096];
    uint64_t rss, hwm;
    if (!read_proc(ms->status_fd, buf, sizeof(buf)) || !status_field(buf, "\nVmRSS:", &rss) ||
        !status_field(buf, "\nVmHWM:", &hwm))
        return false;
    if (vm_rss)
        *vm_rss = rss;
    if (vm_hwm)
        *vm_hwm = hwm;
    return true;
}
