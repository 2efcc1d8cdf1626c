/*
 * Blob arena: RAM for compressed pages, taken from the OS in mmap'd chunks
 * and given back with munmap as soon as a chunk holds no live blob, so that
 * RES really falls when pages leave RAM (glibc's heap would strand them).
 *
 * Blobs are bump-allocated in the current chunk; pages mostly leave in the
 * order they came (oldest first), so chunks empty out whole. A blob larger
 * than a chunk gets a mapping of its own. All mapped bytes are reported by
 * arena_mapped_bytes() and counted against the RAM budget. Layout and the
 * fragmentation bound are described at the top of arena.c.
 *
 * Not thread-safe: the store calls it under its lock.
 */
#ifndef SB_ARENA_H
#define SB_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/* chunk_bytes is rounded up to the system page size. NULL when out of memory. */
struct arena *arena_create(size_t chunk_bytes);
/* Unmaps everything. NULL is a no-op. */
void arena_destroy(struct arena *a);
/*
 * Whether the chunk being filled is made resident a little ahead of its blobs
 * (MADV_POPULATE_WRITE, 64 KiB a call) rather than by one fault per page as
 * blobs reach them: on a VM a fault costs about twice what populating a page
 * does. What is populated counts in arena_mapped_bytes. Off unless asked (the
 * store asks from a 4 MiB budget up); a kernel without it (before 5.14) faults
 * as before.
 */
void arena_set_populate(struct arena *a, bool on);

/*
 * Gives back what a populated chunk made resident past its last blob (an idle store holds
 * only its blobs); populating resumes with the next blob. A no-op when nothing is ahead.
 */
void arena_rest(struct arena *a);

/* A 16-byte aligned blob of len bytes, or NULL when mmap fails. The arena owns it. */
void *arena_alloc(struct arena *a, size_t len);
/*
 * Releases a blob returned by arena_alloc; len must be the length it was
 * allocated with (it says where the blob lives). NULL is a no-op.
 */
void arena_free(struct arena *a, void *blob, size_t len);

/*
 * Bytes that can be resident: the mappings less the untouched tail of the
 * chunk being filled (what the store counts against its budget).
 */
size_t arena_mapped_bytes(const struct arena *a);
/* Bytes in live blobs. */
size_t arena_live_bytes(const struct arena *a);
/* chunk_bytes after rounding. A blob that does not fit in a chunk beside its 48-byte
 * header gets a mapping of its own. */
size_t arena_chunk_bytes(const struct arena *a);

/*
 * Whole-page mmap helpers for other large buffers (hot pages, cache):
 * mem_map returns zeroed memory, or NULL on failure or for len 0; give the
 * same len back to mem_unmap, for which NULL is a no-op.
 */
void *mem_map(size_t len);
void mem_unmap(void *p, size_t len);
/* Rounds len up to the system page size. */
size_t mem_round(size_t len);

#endif
