/*
 * Memory figures for tests that check RES: anonymous resident bytes (RssAnon
 * from /proc/self/status, what a RAM budget is about; library text faulted in
 * lazily would blur statm's figure), and whether a tool that keeps memory of
 * its own (valgrind, ASan's quarantine and shadow) runs us, in which case RES
 * checks say nothing and are skipped.
 */
#ifndef BT_MEMCHECK_H
#define BT_MEMCHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Anonymous resident bytes of this process, or 0 if /proc cannot tell. */
static inline size_t anon_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "RssAnon: %zu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib * 1024;
}

/* True under valgrind or a sanitizer that keeps freed memory, where RES checks are moot. */
static inline bool res_is_blurred(void)
{
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload"))
        return true;
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#endif
#endif
    return false;
}

#endif
