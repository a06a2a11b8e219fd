// gourd_blockcache.c: the serving threads' shared cache of decompressed squashfs blocks.
// See gourd_blockcache.h for the contract.
//
// Prefixes: gd_bcache_* / gd_bblock_* (the interface), bc_* (helpers).
//
// Why: each serving thread has its own libsquashfuse handle (0.1.105 is not thread-safe), and
// with per-handle caches a block wanted by two threads was decompressed twice. Small files
// are the common case: every read of one decompresses its whole fragment block (up to
// block_size, 128 KiB by default) unless that block is cached, and the kernel's readahead
// and concurrent readers spread the reads of one block over all threads. Here a block is
// decompressed once while it stays cached, whichever thread wants it.
//
// Design: shards chosen by a hash of the block's image offset, each with its own mutex, hash
// chains and LRU list, so threads wanting different blocks rarely meet on a lock. A block
// being loaded is in its shard's table in state LOADING: a second thread wanting it takes a
// reference and waits on the shard's condition variable instead of decompressing it again;
// the load itself runs with no lock held. A failed load (corrupt block) is taken out of the
// table and every waiter returns the loader's error: no thread waits on it afterwards.
// Memory: each shard keeps at most budget/shards bytes, counted as block_size per block (what
// the decoder allocates); only blocks nobody references are evicted, so a shard may exceed its
// share by the blocks readers hold at that moment (each reader holds at most one request's
// blocks).
#define _GNU_SOURCE
#include "gourd_blockcache.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { BC_LOADING, BC_READY, BC_FAILED };

struct gd_bblock {
    uint64_t pos;
    gd_bblock *hash_next;
    gd_bblock *lru_prev, *lru_next; // while ready and in the table: most recent at the head
    char *data;
    size_t size;
    unsigned refs;
    int state;
    int error;
    bool in_table;
};

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t loaded; // a block of this shard left state LOADING
    gd_bblock **buckets;
    size_t nbuckets; // a power of two
    gd_bblock *lru_head, *lru_tail;
    uint64_t bytes, budget;
    uint64_t hits, misses, waits, evictions, failures;
} bc_shard;

struct gd_bcache {
    bc_shard *shards;
    uint32_t nshards;
    uint32_t block_size;
    uint64_t budget;
    uint64_t bytes, peak_bytes; // all shards together: atomics (statistics, read without locks)
    void (*before_wait)(void);  // gd_bcache_before_wait
};

void gd_bcache_before_wait(gd_bcache *c, void (*hook)(void)) { c->before_wait = hook; }

static uint64_t bc_hash(uint64_t pos) {
    // Block offsets are multiples of nothing in particular; a multiplicative hash spreads them.
    uint64_t h = pos * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

static bc_shard *bc_shard_of(gd_bcache *c, uint64_t h) { return &c->shards[(h >> 40) % c->nshards]; }

gd_bcache *gd_bcache_new(uint64_t budget, uint32_t block_size) {
    if (block_size == 0) return NULL;
    gd_bcache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    uint64_t blocks = budget / block_size;
    if (blocks < 4) blocks = 4;
    // Enough shards that 2-64 threads rarely contend, each still holding several blocks.
    uint64_t n = blocks / 8;
    c->nshards = n < 1 ? 1 : n > 64 ? 64 : (uint32_t)n;
    c->block_size = block_size;
    c->budget = blocks * block_size;
    c->shards = calloc(c->nshards, sizeof *c->shards);
    if (!c->shards) {
        free(c);
        return NULL;
    }
    uint64_t per = blocks / c->nshards;
    size_t nb = 16;
    while (nb < per * 2) nb *= 2;
    for (uint32_t i = 0; i < c->nshards; i++) {
        bc_shard *s = &c->shards[i];
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->loaded, NULL);
        s->budget = (per ? per : 1) * block_size;
        s->nbuckets = nb;
        s->buckets = calloc(nb, sizeof *s->buckets);
        if (!s->buckets) {
            c->nshards = i + 1;
            gd_bcache_free(c);
            return NULL;
        }
    }
    return c;
}

static void bc_free_block(gd_bblock *b) {
    free(b->data);
    free(b);
}

void gd_bcache_free(gd_bcache *c) {
    if (!c) return;
    for (uint32_t i = 0; i < c->nshards; i++) {
        bc_shard *s = &c->shards[i];
        for (size_t k = 0; s->buckets && k < s->nbuckets; k++) {
            for (gd_bblock *b = s->buckets[k], *next; b; b = next) {
                next = b->hash_next;
                bc_free_block(b);
            }
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->loaded);
    }
    free(c->shards);
    free(c);
}

// ---- under the shard's lock ----

static gd_bblock **bc_slot(bc_shard *s, uint64_t h, uint64_t pos) {
    gd_bblock **p = &s->buckets[h & (s->nbuckets - 1)];
    while (*p && (*p)->pos != pos) p = &(*p)->hash_next;
    return p;
}

static void bc_lru_unlink(bc_shard *s, gd_bblock *b) {
    if (b->lru_prev)
        b->lru_prev->lru_next = b->lru_next;
    else if (s->lru_head == b)
        s->lru_head = b->lru_next;
    if (b->lru_next)
        b->lru_next->lru_prev = b->lru_prev;
    else if (s->lru_tail == b)
        s->lru_tail = b->lru_prev;
    b->lru_prev = b->lru_next = NULL;
}

static void bc_lru_push(bc_shard *s, gd_bblock *b) {
    b->lru_prev = NULL;
    b->lru_next = s->lru_head;
    if (s->lru_head) s->lru_head->lru_prev = b;
    s->lru_head = b;
    if (!s->lru_tail) s->lru_tail = b;
}

static void bc_unlink(gd_bcache *c, bc_shard *s, gd_bblock *b) {
    gd_bblock **p = bc_slot(s, bc_hash(b->pos), b->pos);
    if (*p == b) *p = b->hash_next;
    b->hash_next = NULL;
    if (b->state == BC_READY) {
        bc_lru_unlink(s, b);
        s->bytes -= c->block_size;
        __atomic_sub_fetch(&c->bytes, c->block_size, __ATOMIC_RELAXED);
    }
    b->in_table = false;
}

/// Evicts the least recently used unreferenced blocks until the shard fits its budget.
static void bc_evict(gd_bcache *c, bc_shard *s) {
    gd_bblock *b = s->lru_tail;
    while (s->bytes > s->budget && b) {
        gd_bblock *prev = b->lru_prev;
        if (b->refs == 0) {
            bc_unlink(c, s, b);
            bc_free_block(b);
            s->evictions++;
        }
        b = prev;
    }
}

static void bc_release(gd_bcache *c, bc_shard *s, gd_bblock *b) {
    if (--b->refs > 0) return;
    if (!b->in_table)
        bc_free_block(b);
    else if (s->bytes > s->budget)
        bc_evict(c, s);
}

// ---- the interface ----

int gd_bcache_get(gd_bcache *c, uint64_t pos, uint32_t hdr, gd_bcache_loader load, void *context, gd_bblock **out) {
    *out = NULL;
    uint64_t h = bc_hash(pos);
    bc_shard *s = bc_shard_of(c, h);
    pthread_mutex_lock(&s->lock);
    gd_bblock **slot = bc_slot(s, h, pos);
    gd_bblock *b = *slot;
    if (b) {
        b->refs++;
        if (b->state == BC_LOADING) {
            s->waits++;
            if (c->before_wait) c->before_wait();
            while (b->state == BC_LOADING) pthread_cond_wait(&s->loaded, &s->lock);
        } else {
            s->hits++;
        }
        if (b->state == BC_FAILED) {
            int error = b->error;
            bc_release(c, s, b);
            pthread_mutex_unlock(&s->lock);
            return error;
        }
        if (b->in_table) { // most recently used
            bc_lru_unlink(s, b);
            bc_lru_push(s, b);
        }
        pthread_mutex_unlock(&s->lock);
        *out = b;
        return 0;
    }
    b = calloc(1, sizeof *b);
    if (!b) {
        pthread_mutex_unlock(&s->lock);
        return ENOMEM;
    }
    b->pos = pos;
    b->refs = 1;
    b->state = BC_LOADING;
    b->in_table = true;
    *slot = b;
    s->misses++;
    pthread_mutex_unlock(&s->lock);

    void *data = NULL;
    size_t size = 0;
    int rc = load(context, pos, hdr, &data, &size);
    if (rc == 0 && size > c->block_size) { // never from a sound image; keeps the budget honest
        free(data);
        rc = EIO;
    }

    pthread_mutex_lock(&s->lock);
    if (rc != 0) {
        bc_unlink(c, s, b); // not READY: only the hash chain
        b->state = BC_FAILED;
        b->error = rc;
        s->failures++;
        pthread_cond_broadcast(&s->loaded);
        bc_release(c, s, b);
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    b->data = data;
    b->size = size;
    b->state = BC_READY;
    s->bytes += c->block_size;
    bc_lru_push(s, b);
    uint64_t total = __atomic_add_fetch(&c->bytes, c->block_size, __ATOMIC_RELAXED);
    uint64_t peak = __atomic_load_n(&c->peak_bytes, __ATOMIC_RELAXED);
    while (total > peak &&
           !__atomic_compare_exchange_n(&c->peak_bytes, &peak, total, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
    bc_evict(c, s);
    pthread_cond_broadcast(&s->loaded);
    pthread_mutex_unlock(&s->lock);
    *out = b;
    return 0;
}

void gd_bcache_put(gd_bcache *c, gd_bblock *b) {
    if (!b) return;
    bc_shard *s = bc_shard_of(c, bc_hash(b->pos));
    pthread_mutex_lock(&s->lock);
    bc_release(c, s, b);
    pthread_mutex_unlock(&s->lock);
}

const char *gd_bblock_data(const gd_bblock *b) { return b->data; }

size_t gd_bblock_size(const gd_bblock *b) { return b->size; }

void gd_bcache_get_stats(gd_bcache *c, gd_bcache_stats *st) {
    memset(st, 0, sizeof *st);
    if (!c) return;
    for (uint32_t i = 0; i < c->nshards; i++) {
        bc_shard *s = &c->shards[i];
        pthread_mutex_lock(&s->lock);
        st->hits += s->hits;
        st->misses += s->misses;
        st->waits += s->waits;
        st->evictions += s->evictions;
        st->failures += s->failures;
        pthread_mutex_unlock(&s->lock);
    }
    st->bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
    st->peak_bytes = __atomic_load_n(&c->peak_bytes, __ATOMIC_RELAXED);
    st->budget = c->budget;
    st->shards = c->nshards;
}
