/*
 * Budgets shared by several stores (scrollback.h, sb_pool): the terminals of one process under
 * one RAM budget and one disk budget.
 *
 * Each store publishes what it holds (RAM with its reserves, spill bytes) and the age of its
 * oldest page in RAM and on disk, in atomics the pool reads without the store's lock. A store
 * that grew calls store_pool_enforce() after letting go of its own lock: under the pool's lock
 * it picks, while the stores hold more than the budget, the store whose oldest page is the
 * oldest of all among those over their fair share, takes that store's lock and moves the page
 * out (to disk, or dropped past the disk budget). Locks are only ever taken pool first, then
 * one store, so no two threads wait on each other; a store leaving the pool does so under the
 * pool's lock, so it is never picked once it is going.
 */
#include "store_internal.h"

#include <assert.h>

struct sb_pool {
    pthread_mutex_t lock;
    uint64_t ram_budget, disk_budget;
    unsigned expected;       /* stores the parts are scaled for */
    unsigned stores;
    struct sb_store *first;  /* the stores, linked through pool_next */
    uint64_t pages_moved;
};

/* True when a RAM budget shared by n stores leaves each the least a store can run in. */
static bool shares_hold(uint64_t ram_budget, unsigned n)
{
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    return ram_budget / n >= sb_config_floor_ram(&cfg);
}

int sb_pool_create(uint64_t ram_budget, uint64_t disk_budget, unsigned stores,
                   struct sb_pool **out)
{
    *out = NULL;
    if (stores == 0 || !shares_hold(ram_budget, stores))
        return SB_ERR_INVAL;
    struct sb_pool *p = calloc(1, sizeof *p);
    if (!p)
        return SB_ERR_NOMEM;
    pthread_mutex_init(&p->lock, NULL);
    p->ram_budget = ram_budget;
    p->disk_budget = disk_budget;
    p->expected = stores;
    *out = p;
    return 0;
}

void sb_pool_destroy(struct sb_pool *p)
{
    if (!p)
        return;
    assert(p->first == NULL); /* its stores go first */
    pthread_mutex_destroy(&p->lock);
    free(p);
}

int sb_store_create_in(struct sb_pool *p, const struct sb_config *cfg, struct sb_store **out,
                       char *err, size_t errlen)
{
    /* The parts (cache, cold tier, page size) fit a fair share; the budgets are the pool's. */
    struct sb_config share = *cfg;
    pthread_mutex_lock(&p->lock);
    unsigned n = p->stores + 1 > p->expected ? p->stores + 1 : p->expected;
    pthread_mutex_unlock(&p->lock);
    share.ram_budget = p->ram_budget / n;
    share.disk_budget = p->disk_budget;
    sb_config_fit(&share);
    share.ram_budget = p->ram_budget;
    int rc = store_create(&share, NULL, p, out, err, errlen);
    if (rc < 0)
        return rc;
    struct sb_store *s = *out;
    pthread_mutex_lock(&s->lock);
    store_publish(s);
    pthread_mutex_unlock(&s->lock);
    pthread_mutex_lock(&p->lock);
    s->pool_next = p->first;
    p->first = s;
    p->stores++;
    pthread_mutex_unlock(&p->lock);
    store_pool_enforce(p); /* its fixed parts may push the others out */
    return 0;
}

void store_pool_leave(struct sb_store *s)
{
    struct sb_pool *p = s->pool;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    for (struct sb_store **at = &p->first; *at; at = &(*at)->pool_next)
        if (*at == s) {
            *at = s->pool_next;
            p->stores--;
            break;
        }
    pthread_mutex_unlock(&p->lock);
    s->pool = NULL;
}

void store_publish(struct sb_store *s)
{
    if (!s->pool)
        return;
    size_t i = store_oldest_ram(s);
    const struct entry *front = s->pages.len ? store_at(&s->pages, 0) : NULL;
    bool disk_front = front && (front->state == ENTRY_DISK || front->state == ENTRY_LOST);
    atomic_store(&s->pub_ram, store_ram_with_reserve(s));
    atomic_store(&s->pub_pages, store_pages_bytes(s));
    atomic_store(&s->pub_disk, s->spill ? spill_disk_bytes(s->spill) : 0);
    atomic_store(&s->pub_ram_born, i == SIZE_MAX ? UINT64_MAX : store_at(&s->pages, i)->born_ns);
    atomic_store(&s->pub_disk_born, disk_front ? front->born_ns : UINT64_MAX);
}

/* The totals of what the stores published: RAM, or disk. */
static uint64_t total(const struct sb_pool *p, bool disk)
{
    uint64_t sum = 0;
    for (const struct sb_store *s = p->first; s; s = s->pool_next)
        sum += atomic_load(disk ? &s->pub_disk : &s->pub_ram);
    return sum;
}

/*
 * A store's fair share of pages: what the budget leaves after every store's fixed parts (index,
 * codecs, reserves), divided by the number of stores.
 */
static uint64_t fair_share(const struct sb_pool *p, bool disk)
{
    unsigned n = p->stores ? p->stores : 1;
    if (disk)
        return p->disk_budget / n;
    uint64_t fixed = 0;
    for (const struct sb_store *s = p->first; s; s = s->pool_next)
        fixed += atomic_load(&s->pub_ram) - atomic_load(&s->pub_pages);
    return fixed < p->ram_budget ? (p->ram_budget - fixed) / n : 0;
}

/*
 * The store to lose a page: of those holding more pages than their fair share, the one whose
 * oldest page (in RAM, or on disk) is the oldest; NULL when none has one.
 */
static struct sb_store *victim(const struct sb_pool *p, bool disk)
{
    uint64_t fair = fair_share(p, disk);
    struct sb_store *best = NULL;
    uint64_t best_born = UINT64_MAX;
    for (struct sb_store *s = p->first; s; s = s->pool_next) {
        uint64_t held = atomic_load(disk ? &s->pub_disk : &s->pub_pages);
        uint64_t born = atomic_load(disk ? &s->pub_disk_born : &s->pub_ram_born);
        if (held > fair && born < best_born) {
            best = s;
            best_born = born;
        }
    }
    return best;
}

/* Moves one page out of the store that should lose one; false when none can. */
static bool move_one(struct sb_pool *p, bool disk)
{
    struct sb_store *s = victim(p, disk);
    if (!s)
        return false;
    pthread_mutex_lock(&s->lock);
    bool moved = disk ? store_drop_disk_front(s) : store_evict_one(s, false);
    store_publish(s);
    pthread_mutex_unlock(&s->lock);
    p->pages_moved += moved;
    return moved;
}

void store_pool_enforce(struct sb_pool *p)
{
    pthread_mutex_lock(&p->lock);
    while (total(p, false) > p->ram_budget && move_one(p, false))
        ;
    while (total(p, true) > p->disk_budget && move_one(p, true))
        ;
    pthread_mutex_unlock(&p->lock);
}

int sb_pool_set_budgets(struct sb_pool *p, uint64_t ram_budget, uint64_t disk_budget)
{
    pthread_mutex_lock(&p->lock);
    int rc = p->stores && !shares_hold(ram_budget, p->stores) ? SB_ERR_BUDGET : 0;
    for (struct sb_store *s = p->first; rc == 0 && s; s = s->pool_next)
        if (ram_budget < sb_config_min_ram(&s->cfg)) /* its parts as they are (no lock needed:
                                                        the parts do not change) */
            rc = SB_ERR_BUDGET;
    for (struct sb_store *s = p->first; rc == 0 && s; s = s->pool_next)
        sb_store_set_budgets(s, ram_budget, disk_budget);
    if (rc == 0) {
        p->ram_budget = ram_budget;
        p->disk_budget = disk_budget;
    }
    pthread_mutex_unlock(&p->lock);
    if (rc == 0)
        store_pool_enforce(p);
    return rc;
}

void sb_pool_stats(struct sb_pool *p, struct sb_pool_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = (struct sb_pool_stats){.ram_budget = p->ram_budget, .disk_budget = p->disk_budget,
                                  .stores = p->stores, .pages_moved = p->pages_moved};
    for (struct sb_store *s = p->first; s; s = s->pool_next) {
        struct sb_stats st;
        sb_store_stats(s, &st); /* takes the store's lock: pool first, as everywhere */
        out->ram_used += st.ram_used;
        out->disk_used += st.disk_used;
    }
    pthread_mutex_unlock(&p->lock);
}
