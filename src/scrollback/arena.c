/*
 * Arena: compressed pages in mmap'd chunks, given back with munmap as soon
 * as a chunk holds no live blob.
 *
 * Every mapping starts with a 48-byte struct map, and all of them are on
 * one list (so destroy can find them):
 *   chunk      [map | blob | blob | ... | unused]  mapped at a multiple of `align`
 *   dedicated  [map | one blob | page slack]       for a blob that fills no chunk
 * Blobs are bump-allocated at 16-byte alignment in the current chunk. When
 * one does not fit, the chunk is retired: the whole unused pages at its end
 * are unmapped. Freeing a chunk's lowest live blob (what FIFO use does)
 * unmaps the whole pages below the next one, the header's page aside. So a
 * chunk other than the current one wastes at most about three pages, and
 * FIFO use keeps mapped <= live + 1 chunk + 3 pages per chunk; it is all
 * unmapped when its last blob goes.
 *
 * Finding a blob's mapping on free is O(1) and costs no bytes per blob:
 * arena_free() gets the length back, which says whether the blob is
 * dedicated (its map sits right before it) or in a chunk (its map is the
 * blob's address rounded down to `align`, a power of two >= chunk_bytes).
 * A header per blob would be 16 bytes in 5-100 KiB blobs (0.02-0.3%, small
 * but never zero) and an address-sorted chunk table a second allocation
 * that grows; aligning chunks costs only unmapped virtual space.
 *
 * Under ASan, free space and freed blobs are poisoned, so a store bug that
 * reads a released page is reported rather than read as stale bytes.
 *
 * Not thread-safe: the store calls it under its lock.
 */
#include "arena.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels refuse it (EINVAL) */
#endif

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define BLOB_ALIGN 16

/* The start of every mapping. */
struct map {
    struct map *prev, *next;
    size_t len;   /* offset of the mapping's end, header included */
    size_t blobs; /* live blobs (1 for a dedicated mapping) */
    size_t lo;    /* no live blob starts below this offset */
    size_t gone;  /* bytes unmapped from the second page on: [page, page + gone) */
};

#define MAP_HDR ((sizeof(struct map) + BLOB_ALIGN - 1) & ~(size_t)(BLOB_ALIGN - 1))

struct arena {
    size_t chunk_bytes; /* mapped length of a fresh chunk: a page multiple */
    size_t align;       /* power of two >= chunk_bytes; chunks start at multiples of it */
    struct map *maps;   /* every mapping, chunks and dedicated */
    struct map *cur;    /* chunk being filled, or NULL */
    size_t bump;        /* offset of the next blob in cur */
    size_t mapped;
    size_t live;
    bool populate;      /* cur is made resident ahead of its blobs (arena_set_populate) */
    size_t ready;       /* cur is resident below this offset (populate), else 0 */
};

/* How far ahead of its blobs a populated chunk is made resident: 16 pages a syscall. */
#define POPULATE_STEP (64u << 10)

/* The system page size. */
static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* Rounds len up to the page size; 0 if that overflows. */
size_t mem_round(size_t len)
{
    size_t page = page_size();
    if (len > SIZE_MAX - (page - 1))
        return 0;
    return (len + page - 1) & ~(page - 1);
}

/* Maps len bytes (rounded up to pages) of zeroed private memory; NULL on failure or len 0. */
void *mem_map(size_t len)
{
    size_t n = mem_round(len);
    if (n == 0)
        return NULL;
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Unmaps what mem_map(len) returned; NULL is a no-op. */
void mem_unmap(void *p, size_t len)
{
    if (!p)
        return;
    UNPOISON(p, mem_round(len)); /* the next mapping here may belong to someone else */
    munmap(p, mem_round(len));
}

/* Rounds a blob length up to its footprint in a chunk (a zero-length blob still takes room). */
static size_t blob_room(size_t len)
{
    if (len == 0)
        len = 1;
    return (len + BLOB_ALIGN - 1) & ~(size_t)(BLOB_ALIGN - 1);
}

/* Whether a blob of len bytes gets a mapping of its own. */
static bool is_dedicated(const struct arena *a, size_t len)
{
    return len > a->chunk_bytes || blob_room(len) > a->chunk_bytes - MAP_HDR;
}

/* The smallest power of two >= n. */
static size_t pow2_ceil(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* Creates an empty arena (nothing mapped yet); NULL when out of memory. */
struct arena *arena_create(size_t chunk_bytes)
{
    size_t page = page_size();
    if (chunk_bytes > SIZE_MAX / 4)
        return NULL;
    struct arena *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->chunk_bytes = chunk_bytes < page ? page : mem_round(chunk_bytes);
    a->align = pow2_ceil(a->chunk_bytes);
    return a;
}

/* Puts a new mapping on the arena's list and counts it. */
static struct map *map_link(struct arena *a, void *base, size_t len, size_t blobs)
{
    struct map *m = base;
    *m = (struct map){ .next = a->maps, .len = len, .blobs = blobs, .lo = MAP_HDR };
    if (a->maps)
        a->maps->prev = m;
    a->maps = m;
    a->mapped += len;
    return m;
}

/* Unmaps whole pages (poisoned or not: the next mapping here may be someone else's). */
static void unmap_pages(void *p, size_t len)
{
    UNPOISON(p, len);
    munmap(p, len);
}

/* Takes a mapping off the list and gives it back to the OS. */
static void map_release(struct arena *a, struct map *m)
{
    if (m->prev)
        m->prev->next = m->next;
    else
        a->maps = m->next;
    if (m->next)
        m->next->prev = m->prev;
    a->mapped -= m->len - m->gone;
    size_t page = page_size(), rest = page + m->gone;
    if (m->gone && rest < m->len)
        unmap_pages((uint8_t *)m + rest, m->len - rest);
    unmap_pages(m, m->gone ? page : m->len);
}

void arena_set_populate(struct arena *a, bool on)
{
    a->populate = on;
}

/* Unmaps everything; NULL is a no-op. */
void arena_destroy(struct arena *a)
{
    if (!a)
        return;
    while (a->maps)
        map_release(a, a->maps);
    free(a);
}

/* Maps len bytes starting at a multiple of align (both page multiples); NULL on failure. */
static void *map_aligned(size_t len, size_t align)
{
    size_t span = len + align - page_size();
    uint8_t *p = mem_map(span);
    if (!p)
        return NULL;
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)p;
    size_t tail = span - head - len;
    if (head)
        munmap(p, head);
    if (tail)
        munmap((uint8_t *)start + len, tail);
    return (void *)start;
}

/* Unmaps the whole pages past the current chunk's last blob and stops filling it. */
static void chunk_retire(struct arena *a)
{
    struct map *m = a->cur;
    size_t used = mem_round(a->bump);
    if (used < m->len) {
        unmap_pages((uint8_t *)m + used, m->len - used);
        a->mapped -= m->len - used;
        m->len = used;
    }
    a->cur = NULL;
}

/* Maps a fresh chunk and makes it current; false when mmap fails. */
static bool chunk_new(struct arena *a)
{
    void *base = map_aligned(a->chunk_bytes, a->align);
    if (!base)
        return false;
    a->cur = map_link(a, base, a->chunk_bytes, 0);
    a->bump = MAP_HDR;
    a->ready = 0;
    POISON((uint8_t *)base + MAP_HDR, a->chunk_bytes - MAP_HDR);
    return true;
}

/*
 * Notes that the blob at off (room bytes) is gone; if it was the lowest
 * live one, unmaps the whole pages below the next, keeping the header's.
 * Blobs freed out of order leave lo behind, which only costs the saving.
 */
static void chunk_trim_head(struct arena *a, struct map *m, size_t off, size_t room)
{
    if (off != m->lo)
        return;
    m->lo = off + room;
    size_t page = page_size();
    size_t end = m->lo & ~(page - 1);
    if (end <= page + m->gone)
        return;
    unmap_pages((uint8_t *)m + page + m->gone, end - page - m->gone);
    a->mapped -= end - page - m->gone;
    m->gone = end - page;
}

/* A blob in a mapping of its own, right after the map header. */
static void *alloc_dedicated(struct arena *a, size_t len)
{
    if (len > SIZE_MAX / 2)
        return NULL;
    size_t total = mem_round(MAP_HDR + len);
    void *base = mem_map(total);
    if (!base)
        return NULL;
    map_link(a, base, total, 1);
    POISON((uint8_t *)base + MAP_HDR + len, total - MAP_HDR - len);
    return (uint8_t *)base + MAP_HDR;
}

/*
 * Makes cur resident up to POPULATE_STEP past its last blob, in one syscall rather than a
 * fault per page as the blobs are written; a kernel that cannot (before 5.14) is asked no more.
 */
static void populate_ahead(struct arena *a)
{
    size_t end = mem_round(a->bump) + POPULATE_STEP;
    if (end > a->chunk_bytes)
        end = a->chunk_bytes;
    if (madvise((uint8_t *)a->cur + a->ready, end - a->ready, MADV_POPULATE_WRITE) == 0)
        a->ready = end;
    else
        a->populate = false;
}

void arena_rest(struct arena *a)
{
    if (!a || !a->cur)
        return;
    size_t used = mem_round(a->bump);
    if (a->ready <= used)
        return;
    /* The pages stay mapped (the chunk is still being filled); DONTNEED makes them zero-fill
     * on demand again, holding no RAM. */
    madvise((uint8_t *)a->cur + used, a->ready - used, MADV_DONTNEED);
    a->ready = used;
}

/* A 16-byte aligned blob of len bytes, or NULL when mmap fails. */
void *arena_alloc(struct arena *a, size_t len)
{
    void *blob;
    if (is_dedicated(a, len)) {
        blob = alloc_dedicated(a, len);
    } else {
        size_t room = blob_room(len);
        if (a->cur && a->bump + room > a->chunk_bytes)
            chunk_retire(a);
        if (!a->cur && !chunk_new(a))
            return NULL;
        blob = (uint8_t *)a->cur + a->bump;
        a->bump += room;
        if (a->populate && a->bump > a->ready)
            populate_ahead(a);
        a->cur->blobs++;
        UNPOISON(blob, len);
    }
    if (blob)
        a->live += len;
    return blob;
}

/* Releases a blob; its chunk is unmapped once it holds no live blob. */
void arena_free(struct arena *a, void *blob, size_t len)
{
    if (!blob)
        return;
    a->live -= len;
    if (is_dedicated(a, len)) {
        map_release(a, (struct map *)((uint8_t *)blob - MAP_HDR));
        return;
    }
    struct map *m = (struct map *)((uintptr_t)blob & ~(uintptr_t)(a->align - 1));
    size_t off = (size_t)((uint8_t *)blob - (uint8_t *)m);
    assert(off >= m->lo && off + len <= m->len && m->blobs > 0);
    POISON(blob, blob_room(len));
    if (--m->blobs > 0) {
        chunk_trim_head(a, m, off, blob_room(len));
        return;
    }
    if (m == a->cur)
        a->cur = NULL;
    map_release(a, m);
}

/*
 * Bytes the arena can hold resident: everything mapped, less the tail of the
 * chunk being filled that no blob (nor populate_ahead) has reached yet.
 * Anonymous pages cost no RAM until touched, and counting a fresh chunk whole
 * would make one new blob look like a whole chunk's worth of memory to the
 * store's budget.
 */
size_t arena_mapped_bytes(const struct arena *a)
{
    if (!a->cur)
        return a->mapped;
    size_t touched = mem_round(a->bump);
    if (touched < a->ready)
        touched = a->ready;
    return a->mapped - (a->chunk_bytes > touched ? a->chunk_bytes - touched : 0);
}

/* Bytes in live blobs, as asked for. */
size_t arena_live_bytes(const struct arena *a)
{
    return a->live;
}

/* The chunk length after rounding, for callers that size things by it. */
size_t arena_chunk_bytes(const struct arena *a)
{
    return a->chunk_bytes;
}
