/*
 * The store the search, search-runner, export and search-bar tests run against: 4 KiB pages so
 * a few thousand rows make many pages, no cold tier and inline compression so every run is
 * deterministic, spill files in the test's own directory. Include after check.h.
 */
#ifndef BT_STORE_FIXTURE_H
#define BT_STORE_FIXTURE_H

#include "boundterm/scrollback.h"

/* The fixture's configuration; ram 0 = the smallest budget the store accepts. */
static inline struct sb_config fixture_config(const char *spill_dir, uint64_t ram, uint64_t disk)
{
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    cfg.page_bytes = 4096;
    cfg.cold_codec = SB_CODEC_NONE;
    cfg.background = false;
    cfg.spill_dir = spill_dir;
    cfg.disk_budget = disk;
    cfg.ram_budget = ram ? ram : sb_config_min_ram(&cfg);
    return cfg;
}

/* A store of fixture_config(); the test stops when it cannot be made. */
static inline struct sb_store *fixture_store(const char *spill_dir, uint64_t ram, uint64_t disk)
{
    struct sb_config cfg = fixture_config(spill_dir, ram, disk);
    struct sb_store *st = NULL;
    char err[256];
    int rc = sb_store_create(&cfg, &st, err, sizeof err);
    if (rc)
        fprintf(stderr, "create: %s\n", err);
    REQUIRE(rc == 0);
    return st;
}

/* The number of the oldest row st retains. */
static inline uint64_t fixture_first(struct sb_store *st)
{
    struct sb_span span;
    sb_store_span(st, &span);
    return span.first;
}

/* One past the number of the newest row st retains: the screen's top in the line space. */
static inline uint64_t fixture_end(struct sb_store *st)
{
    struct sb_span span;
    sb_store_span(st, &span);
    return span.end;
}

#endif
