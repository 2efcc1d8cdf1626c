/*
 * memstat.c: RES follows what we touch, and statm agrees with VmRSS.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "memstat.h"
#include "../unit/check.h"

#define MIB (1024ull * 1024)

/* 50 MiB mapped and touched raise RES by at least 45 MiB; unmapped, it falls back. */
static void test_growth(struct memstat *ms)
{
    uint64_t before = memstat_rss(ms);
    CHECK(before > 0);
    size_t len = 50 * MIB;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    for (size_t i = 0; i < len; i += 4096)
        p[i] = (char)i;
    uint64_t after = memstat_rss(ms), hwm = 0;
    CHECK(after >= before + 45 * MIB);
    CHECK(memstat_status(ms, NULL, &hwm));
    CHECK(hwm >= after - 2 * 4096);
    munmap(p, len);
    CHECK(memstat_rss(ms) < after - 45 * MIB);
}

/* The two sources count the same pages: within a couple of pages of each other. */
static void test_agree(struct memstat *ms)
{
    uint64_t vm_rss = 0, hwm = 0;
    uint64_t rss = memstat_rss(ms);
    CHECK(memstat_status(ms, &vm_rss, &hwm));
    uint64_t diff = rss > vm_rss ? rss - vm_rss : vm_rss - rss;
    CHECK(diff <= 2 * ms->page_bytes);
    CHECK(hwm >= vm_rss);
    CHECK(memstat_status(ms, NULL, NULL));
}

int main(void)
{
    struct memstat ms;
    REQUIRE(memstat_init(&ms));
    memstat_rss(&ms); /* the first calls fault in their own code and stack */
    memstat_status(&ms, NULL, NULL);
    test_agree(&ms);
    test_growth(&ms);
    test_agree(&ms);
    memstat_fini(&ms);
    memstat_fini(&ms); /* twice is harmless */
    CHECK_EQ(ms.statm_fd, -1);
    return check_done();
}
