// gourd_blockcache.h: the serving threads' shared cache of decompressed squashfs blocks.
// Private to CGourdImage (gourd_serve.c uses it). Prefix gd_bcache_ / gd_bblock_.
#ifndef GOURD_BLOCKCACHE_H
#define GOURD_BLOCKCACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct gd_bcache gd_bcache;
/// One decompressed block, held by a reference from gd_bcache_get to gd_bcache_put. Never
/// changed or freed while referenced.
typedef struct gd_bblock gd_bblock;

/// Reads and decompresses the block at image offset `pos` (header `hdr`) into a malloc'd
/// buffer: *data and *size (the decompressed size). Returns 0 or an errno value. Runs without
/// any cache lock held, on the calling thread (its own squashfs handle and decompressor).
typedef int (*gd_bcache_loader)(void *context, uint64_t pos, uint32_t hdr, void **data, size_t *size);

typedef struct {
    uint64_t hits;      ///< found decompressed
    uint64_t misses;    ///< decompressed here (once per block while it stays cached)
    uint64_t waits;     ///< found being decompressed by another thread, and waited for it
    uint64_t evictions; ///< dropped to stay within the budget
    uint64_t failures;  ///< loads that failed (corrupt block, I/O error)
    uint64_t bytes;     ///< held now
    uint64_t peak_bytes;
    uint64_t budget;
    uint32_t shards;
} gd_bcache_stats;

/// A cache holding at most about `budget` bytes of blocks of at most `block_size` bytes
/// (more only while every block of a shard is referenced: at most one block per reader).
/// NULL when out of memory.
gd_bcache *gd_bcache_new(uint64_t budget, uint32_t block_size);
/// Sets a function that gd_bcache_get calls (with a shard's lock held: it must not use the
/// cache) before it waits for another thread's load of a block.
void gd_bcache_before_wait(gd_bcache *cache, void (*hook)(void));
/// Frees the cache and every block. No reference may be outstanding.
void gd_bcache_free(gd_bcache *cache);
/// The block at `pos`, referenced: from the cache, or loaded with `load` once while other
/// threads wanting the same block wait for that load instead of repeating it. Returns 0, or
/// the loader's errno value (every waiter of a failed load gets it too; nothing is cached).
int gd_bcache_get(gd_bcache *cache, uint64_t pos, uint32_t hdr, gd_bcache_loader load, void *context, gd_bblock **out);
/// Drops a reference taken by gd_bcache_get.
void gd_bcache_put(gd_bcache *cache, gd_bblock *block);
const char *gd_bblock_data(const gd_bblock *block);
size_t gd_bblock_size(const gd_bblock *block);
void gd_bcache_get_stats(gd_bcache *cache, gd_bcache_stats *stats);

#endif
