// gourd_serve.c: the FUSE server of an image. See gourd_image.h ("Serving") for the contract.
//
// Prefixes: gd_fuse_* (public), op_* (libfuse callbacks), srv_* (helpers); sqfs_* and fuse_*
// are squashfuse's and libfuse's.
//
// Why our own ops instead of squashfuse_ll's sqfs_ll_op_*: those find their sqfs through
// fuse_req_userdata (one per session) and libsquashfuse 0.1.105 keeps its block caches without
// locks, so they cannot run on several threads. Each serving thread here owns one sqfs handle
// (its own caches, decoders and scratch), all opened on the same image descriptor (pread only)
// and never shared; node ids are squashfs inode references, which every handle agrees on.
// Concurrency below the ops is then the kernel's: its page cache serialises readers of one
// page, so a data block is fetched once per mount while its pages stay cached (keep_cache).
//
// Kernel-side caching, negotiated at FUSE_INIT and in each reply (fuse(4), libfuse's
// fuse_common.h): entries, attributes and NEGATIVE lookups are cached for a day (the image
// never changes while mounted), file pages survive close/open (keep_cache), directory
// listings are cached (cache_readdir), symlink targets are cached (FUSE_CAP_CACHE_SYMLINKS),
// and open/opendir are not sent at all (no_open). readdirplus is implemented but off by
// default (srv_read_off says why).
#define _GNU_SOURCE
#define SQFS_CONFIG_H 1
#define FUSE_USE_VERSION 35
#define HAVE_LINUX_TYPES_LE16 1
#define HAVE_ASM_BYTEORDER_H 1
#define HAVE_ENDIAN_H 1
#define HAVE_DECL_FUSE_ADD_DIRENTRY 1

#include "gourd_blockcache.h"
#include "gourd_decode.h"
#include "gourd_image.h"
#include "gourd_image_private.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <fuse3/fuse_lowlevel.h>
#include <squashfuse/ll.h>
#include <squashfuse/cache.h>
#include <squashfuse/dir.h>
#include <squashfuse/file.h>
#include <squashfuse/fs.h>
#include <squashfuse/xattr.h>

// Exported by libsquashfuse_ll but declared only in its private fuseprivate.h.
sqfs_err sqfs_stat(sqfs *fs, sqfs_inode *inode, struct stat *st);
int sqfs_listxattr(sqfs *fs, sqfs_inode *inode, char *buf, size_t *size);

/// Seconds the kernel may trust an entry, a negative entry or attributes: the image is
/// read-only and cannot change under a mount.
static const double forever = 86400.0;

/// Per-thread request counters (GOURD_FUSE_STATS): requests and time spent answering them, by
/// FUSE opcode (linux/fuse.h numbers them below 64), and time spent waiting for a request.
typedef struct {
    uint64_t count[64];
    uint64_t ns[64];
    uint64_t idle_ns;
    uint64_t sleeps; // the thread's voluntary context switches (getrusage RUSAGE_THREAD), at its end
} srv_profile;

typedef struct {
    pthread_t thread;
    bool running;
    srv_profile profile;
    bool own_fs; // false for worker 0, which takes over the image's own handle
    sqfs fs;     // when own_fs
    sqfs *handle;
    struct gd_fuse *fuse;
} gd_worker;

struct gd_fuse {
    struct fuse_session *session;
    struct fuse_buf buf; // the caller's thread, before gd_fuse_start
    gd_image *img;
    unsigned threads;     // serving threads gd_fuse_start will run
    uint64_t cache_bytes; // the budget shared by their handles
    gd_worker *workers;
    unsigned nworkers;
    gd_fuse_stats stats;            // cache sizes chosen, for callers to report
    gd_bcache *blocks;              // data and fragment blocks, shared by every thread
    char *zeros;                    // block_size zero bytes: holes (sparse blocks) are answered from here
    srv_profile profile;            // the caller's thread, before gd_fuse_start
    int stats_fd;                   // srv_stats_fd, or -1
    uint64_t spin_ns;               // the longest watch window (gd_fuse_set_spin)
    atomic_uint_fast64_t window_ns; // the watch window now (srv_adapt_window)
    atomic_uint_fast64_t widened;   // times srv_adapt_window widened it (the counters)
    // Leader/followers (srv_take_lead): `led` while one serving thread owns /dev/fuse.
    pthread_mutex_t lead_lock;
    pthread_cond_t lead_free;
    bool led;
    // PLUS_ADAPTIVE's evidence (srv_plus_files): files listed without attributes, lookups
    // that found a file, listing chunks answered.
    atomic_uint_fast64_t bare_files, file_lookups, chunks;
    atomic_uint_fast64_t handoffs;               // times a leader handed /dev/fuse to a follower (the counters)
    unsigned max_readahead, max_read, max_write; // negotiated at FUSE_INIT (for the counters)
};

/// GOURD_FUSE_STATS=FILE, opened when the process starts: by the time a server stops, the
/// launcher has entered its namespaces and pivoted its root, where the path means nothing.
static int srv_stats_fd = -1;

__attribute__((constructor)) static void srv_open_stats(void) {
    const char *path = getenv("GOURD_FUSE_STATS");
    if (path && *path) srv_stats_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

int gd_fuse_stats_descriptor(void) { return srv_stats_fd; }

/// Levers that GOURD_FUSE_OFF (a comma-separated list, for Benchmarks/fs only) turns off, to
/// measure what each is worth: negative, no_open, keep_cache, symlinks, shared_cache, decoder,
/// spin, lead (every serving thread reads /dev/fuse, as libfuse's loop does), readdirplus. One
/// server per process, set before the session exists, read-only afterwards.
static struct { bool negative, keep_cache, symlinks, no_open, shared_cache, decoder, spin, lead; } srv_off;

/// What a readdirplus reply carries (srv_plus_files says why the default adapts):
/// PLUS_OFF: no readdirplus at all (GOURD_FUSE_OFF=readdirplus); PLUS_DIRS: attributes of
/// subdirectories only (GOURD_FUSE_ON=plus_dirs); PLUS_FULL: of every entry
/// (GOURD_FUSE_ON=readdirplus); PLUS_ADAPTIVE (default): subdirectories always, files when the
/// workload looks up the files it lists. GOURD_FUSE_ON=plus_always also asks the kernel for
/// readdirplus on every chunk of a listing, not only the first (FUSE_CAP_READDIRPLUS_AUTO off).
static enum { PLUS_ADAPTIVE, PLUS_OFF, PLUS_DIRS, PLUS_FULL } srv_plus;
static bool srv_plus_always;
/// Set at FUSE_INIT when the kernel can do without open/opendir requests.
static atomic_bool srv_no_open, srv_no_opendir;

static void srv_read_off(void) {
    const char *on = getenv("GOURD_FUSE_ON");
    const char *off = getenv("GOURD_FUSE_OFF");
    srv_plus = PLUS_ADAPTIVE;
    if (on && strstr(on, "readdirplus")) srv_plus = PLUS_FULL;
    if (on && strstr(on, "plus_dirs")) srv_plus = PLUS_DIRS;
    if (off && strstr(off, "readdirplus")) srv_plus = PLUS_OFF;
    srv_plus_always = on && strstr(on, "plus_always");
    if (!off) return;
    srv_off.negative = strstr(off, "negative") != NULL;
    srv_off.keep_cache = strstr(off, "keep_cache") != NULL;
    srv_off.symlinks = strstr(off, "symlinks") != NULL;
    srv_off.no_open = strstr(off, "no_open") != NULL;
    srv_off.shared_cache = strstr(off, "shared_cache") != NULL;
    srv_off.decoder = strstr(off, "decoder") != NULL;
    srv_off.spin = strstr(off, "spin") != NULL;
    srv_off.lead = strstr(off, "lead") != NULL;
}

/// The handle of the calling thread: a worker's own, else (the caller's thread, before the
/// workers start) the image's.
static __thread sqfs *tls_fs;
/// The server the calling thread answers for (set by srv_worker and gd_fuse_process_one).
static __thread gd_fuse *tls_fuse;
/// Hands /dev/fuse to another serving thread before slow work (defined with the serving loop).
static void srv_before_slow_work(void);

static gd_image *image_of(fuse_req_t req) { return (gd_image *)fuse_req_userdata(req); }
static sqfs *fs_of(fuse_req_t req) { return tls_fs ? tls_fs : &image_of(req)->ll.fs; }

// ---- cache budget ----

/// Replaces one of a handle's block caches (libsquashfuse makes them SQUASHFS_CACHED_BLKS = 8
/// entries) with one of `count` entries. The cache is a linear scan, so counts stay modest.
static int srv_resize_cache(sqfs_cache *cache, size_t count) {
    sqfs_cache_destroy(cache);
    return sqfs_block_cache_init(cache, count) == SQFS_OK ? 0 : -ENOMEM;
}

static size_t clamp_count(uint64_t bytes, uint64_t unit, size_t lo, size_t hi) {
    uint64_t n = bytes / unit;
    return n < lo ? lo : n > hi ? hi : (size_t)n;
}

/// Each handle's metadata cache (8 KiB blocks of the inode and directory tables: walks and
/// lookups) gets its share of a quarter of the budget, at least libsquashfuse's own 8 and at
/// most 256 blocks: libsquashfuse searches it linearly on every metadata read, so a longer one
/// costs more than its extra hits win. Its data and fragment caches keep their 8 entries but
/// stay empty: the server reads blocks through the shared cache (srv_reply_range), which gets
/// the rest of the budget.
static size_t srv_md_blocks(const gd_fuse *f) {
    uint64_t share = f->cache_bytes / 4 / (f->threads ? f->threads : 1);
    return clamp_count(share, SQUASHFS_METADATA_SIZE, 8, 256);
}

static int srv_size_caches(gd_fuse *f, sqfs *fs) {
    // gourd_decode.c says why; the planning handle (gd_image_open) already has it, so the
    // benchmark's "decoder off" lever puts libsquashfuse's own back.
    if (srv_off.decoder)
        fs->decompressor = sqfs_decompressor_get(fs->sb.compression);
    else
        gd_decode_install(fs);
    size_t md = srv_md_blocks(f);
    if (srv_resize_cache(&fs->md_cache, md) != 0) return -ENOMEM;
    f->stats.md_blocks = md;
    f->stats.handle_bytes = md * SQUASHFS_METADATA_SIZE;
    return 0;
}

/// The shared block cache: the budget less every handle's metadata cache, at least 4 blocks.
static int srv_make_block_cache(gd_fuse *f, sqfs *fs) {
    uint64_t block = fs->sb.block_size ? fs->sb.block_size : 131072;
    uint64_t md = (uint64_t)srv_md_blocks(f) * SQUASHFS_METADATA_SIZE * f->threads;
    uint64_t shared = f->cache_bytes > md ? f->cache_bytes - md : 0;
    f->blocks = gd_bcache_new(shared, (uint32_t)block);
    if (f->blocks) gd_bcache_before_wait(f->blocks, srv_before_slow_work);
    f->zeros = calloc(1, block);
    if (!f->blocks || !f->zeros) return -ENOMEM;
    gd_bcache_stats st;
    gd_bcache_get_stats(f->blocks, &st);
    f->stats.block_size = (uint32_t)block;
    f->stats.data_blocks = st.budget / block; // shared by every thread
    f->stats.frag_blocks = 0;                 // in data_blocks
    return 0;
}

// ---- the operations ----

static int srv_inode(sqfs *fs, const gd_image *img, fuse_ino_t ino, sqfs_inode *inode) {
    return sqfs_inode_get(fs, inode, gd_ino_sqfs(img, ino)) == SQFS_OK ? 0 : EIO;
}

/// Fills an entry for the inode `id`: attributes from the image, st_ino the squashfs inode
/// number (as the kernel's squashfs shows it; hard links share it).
static int srv_entry(sqfs *fs, const gd_image *img, uint64_t id, struct fuse_entry_param *e) {
    memset(e, 0, sizeof *e);
    sqfs_inode inode;
    if (sqfs_inode_get(fs, &inode, id) != SQFS_OK) return EIO;
    if (sqfs_stat(fs, &inode, &e->attr) != SQFS_OK) return EIO;
    e->attr.st_ino = inode.base.inode_number;
    e->ino = gd_ino_fuse(img, id);
    e->attr_timeout = e->entry_timeout = forever;
    return 0;
}

static void op_init(void *userdata, struct fuse_conn_info *conn) {
    (void)userdata;
    // Several reads in flight per file (readahead overlaps the workload's own reads).
    if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
    // A symlink's target is cached in the page cache: ld.so and Python resolve many.
    if ((conn->capable & FUSE_CAP_CACHE_SYMLINKS) && !srv_off.symlinks) conn->want |= FUSE_CAP_CACHE_SYMLINKS;
    // No open/opendir requests at all: the kernel then treats every file as keep_cache and
    // every directory as cache_readdir (fs/fuse/file.c, fuse_file_open: "Default for
    // no-open"), and a Python import or ld.so saves a round trip per file it opens.
    // Enabled by answering the first open/opendir with ENOSYS (libfuse's fuse_common.h).
    bool no_open = !srv_off.no_open && !srv_off.keep_cache;
    atomic_store(&srv_no_open, no_open && (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT));
    atomic_store(&srv_no_opendir, no_open && (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT));
    // readdirplus: a listing carries its entries' attributes, so the kernel needs no lookup
    // for them (srv_readdir). With READDIRPLUS_AUTO the kernel asks for it on a listing's
    // first chunk and after lookups in the directory (fs/fuse/readdir.c,
    // fuse_use_readdirplus).
    if (srv_plus == PLUS_OFF) conn->want &= ~(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
    if (srv_plus_always) conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;

    // Lookups in one directory need not wait for each other (the ops are stateless).
    if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
    // The data never changes: no invalidation on an mtime the kernel sees change.
    conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
    // More background requests (readahead, async reads) in flight than libfuse's 12, so that
    // every serving thread has work when several readers stream at once.
    conn->max_background = 64;
    conn->congestion_threshold = 48;
    if (tls_fuse) {
        tls_fuse->max_readahead = conn->max_readahead;
        tls_fuse->max_read = conn->max_read;
        tls_fuse->max_write = conn->max_write;
    }
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
    gd_image *img = image_of(req);
    struct fuse_entry_param e;
    fuse_ino_t added = gd_find_added(img, parent, name);
    if (added) {
        memset(&e, 0, sizeof e);
        e.ino = added;
        e.attr_timeout = e.entry_timeout = forever;
        gd_added_attr(gd_added_node(img, added), added, &e.attr);
        fuse_reply_entry(req, &e);
        return;
    }
    if (gd_is_added(parent)) goto negative;
    sqfs *fs = fs_of(req);
    sqfs_inode dir;
    if (srv_inode(fs, img, parent, &dir) != 0) {
        fuse_reply_err(req, EIO);
        return;
    }
    if (!S_ISDIR(dir.base.mode)) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    size_t len = strlen(name);
    if (len > SQUASHFS_NAME_LEN) {
        fuse_reply_err(req, ENAMETOOLONG);
        return;
    }
    sqfs_name namebuf;
    sqfs_dir_entry entry;
    sqfs_dentry_init(&entry, namebuf);
    bool found = false;
    if (sqfs_dir_lookup(fs, &dir, name, len, &entry, &found) != SQFS_OK) {
        fuse_reply_err(req, EIO);
        return;
    }
    if (!found) goto negative;
    if (!S_ISDIR(sqfs_dentry_mode(&entry)) && tls_fuse)
        atomic_fetch_add_explicit(&tls_fuse->file_lookups, 1, memory_order_relaxed); // srv_plus_files
    int rc = srv_entry(fs, img, sqfs_dentry_inode(&entry), &e);
    if (rc != 0) {
        fuse_reply_err(req, rc);
        return;
    }
    fuse_reply_entry(req, &e);
    return;
negative:
    if (srv_off.negative) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    // A negative entry: node id 0 with a timeout makes the kernel remember that the name does
    // not exist (fuse_lowlevel.h, fuse_reply_entry), so the next probe of it (Python's
    // import path, ld.so's search path, a shell's PATH) never reaches us.
    memset(&e, 0, sizeof e);
    e.entry_timeout = forever;
    fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    (void)fi;
    gd_image *img = image_of(req);
    struct stat st;
    if (gd_is_added(ino)) {
        const gd_added *a = gd_added_node(img, ino);
        if (!a) {
            fuse_reply_err(req, ENOENT);
            return;
        }
        gd_added_attr(a, ino, &st);
        fuse_reply_attr(req, &st, forever);
        return;
    }
    sqfs *fs = fs_of(req);
    sqfs_inode inode;
    if (srv_inode(fs, img, ino, &inode) != 0 || sqfs_stat(fs, &inode, &st) != SQFS_OK) {
        fuse_reply_err(req, EIO);
        return;
    }
    st.st_ino = inode.base.inode_number;
    fuse_reply_attr(req, &st, forever);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    if (atomic_load(&srv_no_opendir)) {
        fuse_reply_err(req, ENOSYS);
        return;
    } // see op_init
    if (!gd_is_added(ino)) {
        sqfs_inode inode;
        if (srv_inode(fs_of(req), image_of(req), ino, &inode) != 0) {
            fuse_reply_err(req, EIO);
            return;
        }
        if (!S_ISDIR(inode.base.mode)) {
            fuse_reply_err(req, ENOTDIR);
            return;
        }
    }
    fi->fh = 0;
    fi->keep_cache = !srv_off.keep_cache;    // listings stay valid across opens...
    fi->cache_readdir = !srv_off.keep_cache; // ...and are kept in the page cache at all
    fuse_reply_open(req, fi);
}

/// Whether this readdirplus chunk carries the attributes of files too (subdirectories always
/// get theirs). Measured with Benchmarks/fs (CPU medians of 5 runs, loaded 2-core machine):
/// without readdirplus a `find` walk took 106 ms and a `tar` of the tree 2,704 ms; with
/// attributes for every entry, find 228 ms (the kernel builds an inode for every entry, though
/// find needs only the subdirectories') and tar 2,352 ms (no lookup per file); subdirectories
/// only, find 96 ms and tar 2,774 ms. So PLUS_ADAPTIVE (tar: 1,993 ms) watches the workload:
/// while it looks up at least half of the files it was listed without attributes (tar, ls -l,
/// du, rsync), files get them; while it does not (find, Python's directory scans), they do not.
/// One chunk in 16 stays bare, so the evidence keeps coming, and it is halved as it grows, so
/// it follows the workload's latest habits.
static bool srv_plus_files(gd_fuse *f) {
    switch (srv_plus) {
    case PLUS_FULL:
        return true;
    case PLUS_OFF:
    case PLUS_DIRS:
        return false;
    case PLUS_ADAPTIVE:
        break;
    }
    if (!f) return false;
    uint64_t chunk = atomic_fetch_add_explicit(&f->chunks, 1, memory_order_relaxed);
    uint64_t bare = atomic_load_explicit(&f->bare_files, memory_order_relaxed);
    uint64_t found = atomic_load_explicit(&f->file_lookups, memory_order_relaxed);
    if (bare > 4096) { // racy halving: a heuristic's counters, not an account
        atomic_store_explicit(&f->bare_files, bare / 2, memory_order_relaxed);
        atomic_store_explicit(&f->file_lookups, found / 2, memory_order_relaxed);
    }
    return chunk % 16 != 0 && bare >= 16 && found * 2 >= bare;
}

/// readdir and readdirplus: entries from `off` (squashfuse's directory offsets) into at most
/// `size` bytes. readdirplus adds entries' attributes, which the kernel caches like a
/// lookup's (one request per directory chunk instead of one lookup per name).
static void srv_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus) {
    if (gd_is_added(ino)) {
        fuse_reply_buf(req, NULL, 0);
        return;
    } // an added node only carries a mount
    gd_image *img = image_of(req);
    sqfs *fs = fs_of(req);
    sqfs_inode inode;
    if (srv_inode(fs, img, ino, &inode) != 0) {
        fuse_reply_err(req, EIO);
        return;
    }
    if (!S_ISDIR(inode.base.mode)) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    sqfs_dir dir;
    if (sqfs_dir_open(fs, &inode, &dir, off) != SQFS_OK) {
        fuse_reply_err(req, EIO);
        return;
    }
    char *buf = malloc(size);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    sqfs_name namebuf;
    sqfs_dir_entry entry;
    sqfs_dentry_init(&entry, namebuf);
    sqfs_err err = SQFS_OK;
    size_t used = 0;
    int failure = 0;
    bool files_too = plus && srv_plus_files(tls_fuse);
    uint64_t bare = 0;
    while (sqfs_dir_next(fs, &dir, &entry, &err)) {
        size_t need;
        off_t next = (off_t)sqfs_dentry_next_offset(&entry);
        if (plus && !files_too && !S_ISDIR(sqfs_dentry_mode(&entry))) {
            // Node id 0: the name and type only, no attributes; the kernel links nothing for
            // it (fs/fuse/readdir.c, fuse_direntplus_link) and looks it up when asked.
            struct fuse_entry_param e = {0};
            e.attr.st_ino = sqfs_dentry_inode_num(&entry);
            e.attr.st_mode = sqfs_dentry_mode(&entry);
            need = fuse_add_direntry_plus(req, buf + used, size - used, sqfs_dentry_name(&entry), &e, next);
            bare += need <= size - used;
        } else if (plus) {
            struct fuse_entry_param e;
            failure = srv_entry(fs, img, sqfs_dentry_inode(&entry), &e);
            if (failure) break;
            need = fuse_add_direntry_plus(req, buf + used, size - used, sqfs_dentry_name(&entry), &e, next);
        } else {
            struct stat st = {0};
            st.st_ino = sqfs_dentry_inode_num(&entry);
            st.st_mode = sqfs_dentry_mode(&entry);
            need = fuse_add_direntry(req, buf + used, size - used, sqfs_dentry_name(&entry), &st, next);
        }
        if (need > size - used) break; // full: the kernel asks again from this entry's offset
        used += need;
    }
    if (bare && tls_fuse) atomic_fetch_add_explicit(&tls_fuse->bare_files, bare, memory_order_relaxed);
    if (err != SQFS_OK) failure = EIO;
    if (failure && used == 0)
        fuse_reply_err(req, failure);
    else
        fuse_reply_buf(req, buf, used);
    free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)fi;
    srv_readdir(req, ino, size, off, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)fi;
    srv_readdir(req, ino, size, off, true);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    (void)ino;
    (void)fi;
    fuse_reply_err(req, 0);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    if ((fi->flags & O_ACCMODE) != O_RDONLY) {
        fuse_reply_err(req, EROFS);
        return;
    }
    if (atomic_load(&srv_no_open)) {
        fuse_reply_err(req, ENOSYS);
        return;
    } // see op_init
    if (gd_is_added(ino)) {
        const gd_added *a = gd_added_node(image_of(req), ino);
        if (!a || a->is_dir) {
            fuse_reply_err(req, a ? EISDIR : ENOENT);
            return;
        }
    } else {
        sqfs_inode inode;
        if (srv_inode(fs_of(req), image_of(req), ino, &inode) != 0) {
            fuse_reply_err(req, EIO);
            return;
        }
        if (S_ISDIR(inode.base.mode)) {
            fuse_reply_err(req, EISDIR);
            return;
        }
    }
    fi->fh = 0;
    fi->keep_cache = !srv_off.keep_cache; // the file cannot change: keep its pages across opens
    fuse_reply_open(req, fi);
}

/// The shared cache's loader: one data or fragment block through the calling thread's handle.
static int srv_load_block(void *context, uint64_t pos, uint32_t hdr, void **data, size_t *size) {
    sqfs *fs = context;
    srv_before_slow_work();
    bool compressed;
    uint32_t stored;
    sqfs_data_header(hdr, &compressed, &stored);
    // A sound image never stores a block larger than block_size (mksquashfs keeps a block
    // uncompressed only when compression does not shrink it); a corrupt size could ask for
    // 16 MiB.
    if (stored > fs->sb.block_size) return EIO;
    sqfs_block *block;
    if (sqfs_data_block_read(fs, (sqfs_off_t)pos, hdr, &block) != SQFS_OK) return EIO;
    *data = block->data;
    *size = block->size;
    free(block);
    return 0;
}

/// Answers a read of [off, off + size) (within the file) with the bytes straight from the
/// shared cache's blocks: one iovec per block, no copy here (the kernel copies them into its
/// page cache). The blocks stay referenced until the reply is written. Sizes a corrupt image
/// gets wrong (a fragment or block shorter than the file says) give EIO, never a short read:
/// the kernel would take that for the end of the file.
static void srv_reply_range(fuse_req_t req, gd_fuse *f, sqfs *fs, sqfs_inode *inode, uint64_t off, size_t size) {
    const uint64_t block_size = fs->sb.block_size, file_size = inode->xtra.reg.file_size;
    size_t max = size / block_size + 2, n = 0;
    struct iovec iov_small[16];
    gd_bblock *held_small[16] = {0};
    struct iovec *iov = max <= 16 ? iov_small : malloc(max * sizeof *iov);
    gd_bblock **held = max <= 16 ? held_small : calloc(max, sizeof *held);
    int error = 0;
    if (!iov || !held) {
        error = ENOMEM;
        goto done;
    }
    sqfs_blocklist bl;
    if (sqfs_blockidx_blocklist(fs, inode, &bl, (sqfs_off_t)off) != SQFS_OK) {
        error = EIO;
        goto done;
    }
    size_t left = size, read_off = off % block_size;
    while (left > 0 && n < max) {
        const char *data;
        size_t data_size;
        gd_bblock *block = NULL;
        bool fragment = bl.remain == 0;
        if (fragment) {
            struct squashfs_fragment_entry frag;
            if (inode->xtra.reg.frag_idx == SQUASHFS_INVALID_FRAG ||
                sqfs_frag_entry(fs, &frag, inode->xtra.reg.frag_idx) != SQFS_OK) {
                error = EIO;
                break;
            }
            error = gd_bcache_get(f->blocks, frag.start_block, frag.size, srv_load_block, fs, &block);
            if (error) break;
            data_size = file_size % block_size;
            if (inode->xtra.reg.frag_off + data_size > gd_bblock_size(block)) error = EIO;
            data = gd_bblock_data(block) + inode->xtra.reg.frag_off;
        } else {
            if (sqfs_blocklist_next(&bl) != SQFS_OK) {
                error = EIO;
                break;
            }
            if (bl.pos + block_size <= off) continue;
            if (bl.input_size == 0) { // a hole: zeros
                data = f->zeros;
                data_size = file_size - bl.pos < block_size ? file_size - bl.pos : block_size;
            } else {
                error = gd_bcache_get(f->blocks, bl.block, bl.header, srv_load_block, fs, &block);
                if (error) break;
                data = gd_bblock_data(block);
                data_size = gd_bblock_size(block);
            }
        }
        if (block) held[n] = block;
        if (!error && read_off >= data_size) error = EIO;
        if (error) break;
        size_t take = data_size - read_off < left ? data_size - read_off : left;
        iov[n].iov_base = (void *)(data + read_off);
        iov[n].iov_len = take;
        n++;
        left -= take;
        read_off = 0;
        if (fragment) break;
    }
    if (!error && left > 0) error = EIO;
done:
    // Not spliced: FUSE_CAP_SPLICE_WRITE|MOVE with fuse_reply_data (vmsplice into a pipe,
    // then splice) answered 1,058 reads of 64 MB files in the same time as writev here
    // (GOURD_FUSE_STATS, 4 runs each: 238-334 ms against 292-344 ms).
    if (error)
        fuse_reply_err(req, error);
    else
        fuse_reply_iov(req, iov, (int)n);
    if (held) {
        for (size_t i = 0; i < max; i++) gd_bcache_put(f->blocks, held[i]);
    }
    if (iov != iov_small) free(iov);
    if (held != held_small) free(held);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)fi;
    if (gd_is_added(ino)) {
        fuse_reply_buf(req, NULL, 0);
        return;
    } // an empty file
    sqfs *fs = fs_of(req);
    sqfs_inode inode;
    if (srv_inode(fs, image_of(req), ino, &inode) != 0) {
        fuse_reply_err(req, EIO);
        return;
    }
    if (!S_ISREG(inode.base.mode)) {
        fuse_reply_err(req, EISDIR);
        return;
    }
    if (off < 0 || (uint64_t)off >= inode.xtra.reg.file_size) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    if (size > inode.xtra.reg.file_size - (uint64_t)off) size = (size_t)(inode.xtra.reg.file_size - (uint64_t)off);
    if (tls_fuse && !srv_off.shared_cache) {
        srv_reply_range(req, tls_fuse, fs, &inode, (uint64_t)off, size);
        return;
    }
    // GOURD_FUSE_OFF=shared_cache (to measure the cache): libsquashfuse's own read path.
    char *buf = malloc(size);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    sqfs_off_t len = (sqfs_off_t)size;
    if (sqfs_read_range(fs, &inode, (sqfs_off_t)off, &len, buf) != SQFS_OK)
        fuse_reply_err(req, EIO);
    else
        fuse_reply_buf(req, buf, (size_t)len);
    free(buf);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino) {
    if (gd_is_added(ino)) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    sqfs *fs = fs_of(req);
    sqfs_inode inode;
    if (srv_inode(fs, image_of(req), ino, &inode) != 0) {
        fuse_reply_err(req, EIO);
        return;
    }
    if (!S_ISLNK(inode.base.mode)) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    size_t size = 0;
    if (sqfs_readlink(fs, &inode, NULL, &size) != SQFS_OK) {
        fuse_reply_err(req, EIO);
        return;
    }
    char *target = malloc(size + 1);
    if (!target) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    size++;
    if (sqfs_readlink(fs, &inode, target, &size) != SQFS_OK)
        fuse_reply_err(req, EIO);
    else
        fuse_reply_readlink(req, target);
    free(target);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
    if (gd_is_added(ino)) {
        if (size == 0)
            fuse_reply_xattr(req, 0);
        else
            fuse_reply_buf(req, NULL, 0);
        return;
    }
    sqfs *fs = fs_of(req);
    sqfs_inode inode;
    if (srv_inode(fs, image_of(req), ino, &inode) != 0) {
        fuse_reply_err(req, EIO);
        return;
    }
    char *buf = size ? malloc(size) : NULL;
    if (size && !buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    size_t len = size;
    int rc = sqfs_listxattr(fs, &inode, buf, &len); // an errno value (ERANGE when too small)
    if (rc != 0)
        fuse_reply_err(req, rc);
    else if (buf)
        fuse_reply_buf(req, buf, len);
    else
        fuse_reply_xattr(req, len);
    free(buf);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size) {
    if (gd_is_added(ino)) {
        fuse_reply_err(req, ENODATA);
        return;
    }
    sqfs *fs = fs_of(req);
    sqfs_inode inode;
    if (srv_inode(fs, image_of(req), ino, &inode) != 0) {
        fuse_reply_err(req, EIO);
        return;
    }
    char *buf = size ? malloc(size) : NULL;
    if (size && !buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    size_t real = size;
    // sqfs_xattr_lookup leaves buf alone when it is too small and reports the real size.
    if (sqfs_xattr_lookup(fs, &inode, name, buf, &real) != SQFS_OK)
        fuse_reply_err(req, EIO);
    else if (real == 0)
        fuse_reply_err(req, ENODATA);
    else if (size == 0)
        fuse_reply_xattr(req, real);
    else if (size < real)
        fuse_reply_err(req, ERANGE);
    else
        fuse_reply_buf(req, buf, real);
    free(buf);
}

// Node ids are stateless (gd_ino_sqfs): nothing to forget.
static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    (void)ino;
    (void)nlookup;
    fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets) {
    (void)count;
    (void)forgets;
    fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops serve_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .readlink = op_readlink,
    .open = op_open,
    .read = op_read,
    .release = op_release,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .readdirplus = op_readdirplus,
    .releasedir = op_release,
    .statfs = stfs_ll_op_statfs, // reads only the superblock of the userdata's (image's) sqfs
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
};

// ---- the session ----

int gd_fuse_mount(gd_image *img, const char *mountpoint, const char *fsname, gd_fuse **out, char *errbuf,
                  size_t errlen) {
    return gd_fuse_mount_with(img, mountpoint, fsname, 0, 0, out, errbuf, errlen);
}

unsigned gd_fuse_default_threads(void) {
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 2) n = 2; // one thread decodes while another waits on a page fault of the image
    if (n > GD_FUSE_MAX_THREADS) n = GD_FUSE_MAX_THREADS;
    return (unsigned)n;
}

int gd_fuse_mount_with(gd_image *img, const char *mountpoint, const char *fsname, unsigned threads,
                       uint64_t cache_bytes, gd_fuse **out, char *errbuf, size_t errlen) {
    *out = NULL;
    if (errlen) errbuf[0] = 0;
    // default_permissions: the kernel checks mode bits (squashfuse does not check access).
    // ro,nosuid,nodev: the image is read-only and must not grant setuid or device access.
    char fsname_opt[4200];
    snprintf(fsname_opt, sizeof fsname_opt, "fsname=%s", fsname);
    char *argv[] = {
        "gourd", "-o", "ro,nosuid,nodev,default_permissions,subtype=gourd", "-o", fsname_opt, NULL,
    };
    struct fuse_args args = FUSE_ARGS_INIT(5, argv);
    gd_fuse *f = calloc(1, sizeof *f);
    if (!f) return -ENOMEM;
    f->img = img;
    f->threads = threads ? (threads > GD_FUSE_MAX_THREADS ? GD_FUSE_MAX_THREADS : threads) : gd_fuse_default_threads();
    f->cache_bytes = cache_bytes ? cache_bytes : GD_FUSE_DEFAULT_CACHE_BYTES;
    f->stats.threads = f->threads;
    srv_read_off();
    f->stats_fd = srv_stats_fd;
    gd_fuse_set_spin(f, 50);
    pthread_mutex_init(&f->lead_lock, NULL);
    pthread_cond_init(&f->lead_free, NULL);
    int rc = srv_size_caches(f, &img->ll.fs);
    if (rc == 0) rc = srv_make_block_cache(f, &img->ll.fs);
    if (rc != 0) {
        snprintf(errbuf, errlen, "cache of %llu bytes", (unsigned long long)f->cache_bytes);
        gd_bcache_free(f->blocks);
        free(f->zeros);
        free(f);
        return rc;
    }
    f->session = fuse_session_new(&args, &serve_ops, sizeof serve_ops, img);
    if (!f->session) {
        snprintf(errbuf, errlen, "fuse_session_new failed");
        gd_bcache_free(f->blocks);
        free(f->zeros);
        free(f);
        return -EINVAL;
    }
    errno = 0;
    if (fuse_session_mount(f->session, mountpoint) != 0) {
        int e = errno ? errno : EPERM;
        snprintf(errbuf, errlen, "fuse_session_mount %s: %s", mountpoint, strerror(e));
        fuse_session_destroy(f->session);
        gd_bcache_free(f->blocks);
        free(f->zeros);
        free(f);
        return -e;
    }
    int fd = fuse_session_fd(f->session);
    fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
    *out = f;
    return 0;
}

void gd_fuse_get_stats(const gd_fuse *fuse, gd_fuse_stats *stats) { *stats = fuse->stats; }

int gd_fuse_fd(const gd_fuse *fuse) { return fuse_session_fd(fuse->session); }

static uint64_t srv_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/// Answers one received request, counting it when GOURD_FUSE_STATS asks for counters.
static void srv_process(gd_fuse *f, struct fuse_buf *buf, srv_profile *profile) {
    if (f->stats_fd < 0) {
        fuse_session_process_buf(f->session, buf);
        return;
    }
    // struct fuse_in_header (linux/fuse.h): len, then opcode.
    uint32_t opcode = buf->mem && buf->size >= 8 ? ((const uint32_t *)buf->mem)[1] : 0;
    uint64_t t0 = srv_now_ns();
    fuse_session_process_buf(f->session, buf);
    profile->count[opcode & 63]++;
    profile->ns[opcode & 63] += srv_now_ns() - t0;
}

int gd_fuse_process_one(gd_fuse *fuse) {
    int n = fuse_session_receive_buf(fuse->session, &fuse->buf);
    if (n == -EINTR || n == -EAGAIN) return n;
    if (n < 0) return n;
    if (n == 0) return -ENODEV; // session exited (filesystem unmounted)
    tls_fuse = fuse;
    srv_process(fuse, &fuse->buf, &fuse->profile);
    return 0;
}

/// A serving thread's last step (a cancellation cleanup): how often it slept.
static void srv_count_sleeps(void *profile) {
    struct rusage usage;
    if (getrusage(RUSAGE_THREAD, &usage) == 0) ((srv_profile *)profile)->sleeps = (uint64_t)usage.ru_nvcsw;
}

static void srv_free_buf(void *buf) {
    free(((struct fuse_buf *)buf)->mem);
    gd_decode_thread_exit();
}

/// How long the leading serving thread watches for the next request before it sleeps. A
/// reader that goes through the image file by file (tar, a walk, imports) sends its next
/// request a few microseconds after our reply; a sleeping thread is woken by an interrupt to an
/// idle CPU, which in a virtual machine (a VM exit each way) costs more than answering: with
/// the CPUs kept out of idle, `tar` of the image ran 25% faster here.
/// The window adapts, as the kernel's guest halt-polling does (cpuidle-haltpoll): it starts at
/// 50 us, doubles (up to the plan's longest: [serving] spin_us, GOURD_FUSE_SPIN_US) when the
/// next request came while the thread slept but within that longest window, and halves when
/// the thread slept longer (only when the longest is above the start: the default is a fixed
/// 50 us). Python's imports ask every 0.1-0.5 ms (an isatty() ioctl per file): a 1 ms window
/// made ten of them ~10% faster here; a walk asks within microseconds and never widens it.
static const uint64_t srv_window_start_ns = 50 * 1000;

/// Where the window starts, and returns to: 50 us, or the longest when that is shorter.
static uint64_t srv_window_start(const gd_fuse *f) {
    return f->spin_ns < srv_window_start_ns ? f->spin_ns : srv_window_start_ns;
}

void gd_fuse_set_spin(gd_fuse *fuse, unsigned microseconds) {
    fuse->spin_ns = (uint64_t)(microseconds > 1000 ? 1000 : microseconds) * 1000;
    atomic_store(&fuse->window_ns, srv_window_start(fuse));
}

/// How a watch ended.
typedef enum { WATCH_CAME, WATCH_EXPIRED, WATCH_YIELDED, WATCH_OFF } srv_watch_end;

/// A sched_yield() that took this long ran another task: the CPU is wanted (more runnable tasks
/// than CPUs, e.g. 32 ranks on 2), and watching would only take time from the workload.
static const uint64_t srv_yield_ran_another_ns = 20 * 1000;

/// Watches `fd` until a request is waiting (WATCH_CAME) or the window has passed
/// (WATCH_EXPIRED). It yields the CPU on every turn, so a runnable workload is never kept
/// waiting by it, and stops at once (WATCH_YIELDED, the window back to its start) when a
/// yield ran another task: it only keeps an otherwise idle CPU awake.
static srv_watch_end srv_watch_for_request(gd_fuse *f, int fd) {
    uint64_t window = atomic_load_explicit(&f->window_ns, memory_order_relaxed);
    if (srv_off.spin || window == 0) return WATCH_OFF;
    // Without a leader (GOURD_FUSE_OFF=lead), one thread watches at a time.
    static atomic_bool watching;
    bool expected = false;
    if (srv_off.lead && !atomic_compare_exchange_strong(&watching, &expected, true)) return WATCH_OFF;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    uint64_t now = srv_now_ns(), end = now + window;
    srv_watch_end result = WATCH_EXPIRED;
    while (now < end) {
        if (poll(&p, 1, 0) > 0) {
            result = WATCH_CAME;
            break;
        }
        sched_yield();
        uint64_t then = now;
        now = srv_now_ns();
        if (now - then > srv_yield_ran_another_ns) {
            result = WATCH_YIELDED;
            atomic_store_explicit(&f->window_ns, srv_window_start(f), memory_order_relaxed);
            break;
        }
    }
    if (srv_off.lead) atomic_store(&watching, false);
    return result;
}

/// After a watch whose window passed: the thread then slept `slept_ns` until a request came.
static void srv_adapt_window(gd_fuse *f, uint64_t slept_ns) {
    uint64_t window = atomic_load_explicit(&f->window_ns, memory_order_relaxed);
    uint64_t start = srv_window_start(f);
    if (slept_ns <= f->spin_ns) {
        if (window < f->spin_ns) atomic_fetch_add_explicit(&f->widened, 1, memory_order_relaxed);
        window = window * 2 < f->spin_ns ? window * 2 : f->spin_ns;
    } else {
        window = window / 2 > start ? window / 2 : start;
    }
    atomic_store_explicit(&f->window_ns, window, memory_order_relaxed);
}

/// Whether another request is already queued on `fd`.
static bool srv_request_waiting(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/// Leader/followers (D. Schmidt's pattern): one serving thread at a time, the leader, watches
/// and reads /dev/fuse; the others wait here, on a condition only the leader signals. Were
/// they all asleep in read(2), as in libfuse's fuse_loop_mt, the kernel would wake one of them
/// for every request (fs/fuse/dev.c wakes a reader per queued request), racing the watching
/// thread and costing an interrupt to an idle CPU each time: a FUSE round trip took 25-31 us
/// with two threads against 16 us with one, both watching. Cancellation is enabled while
/// waiting (pthread_cond_wait is a cancellation point; the handler releases the lock that
/// cancellation re-acquires).
static void srv_unlock(void *lock) { pthread_mutex_unlock(lock); }

static void srv_take_lead(gd_fuse *f) {
    pthread_mutex_lock(&f->lead_lock);
    pthread_cleanup_push(srv_unlock, &f->lead_lock);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    while (f->led) pthread_cond_wait(&f->lead_free, &f->lead_lock);
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    f->led = true;
    pthread_cleanup_pop(1);
}

/// Hands /dev/fuse to a follower: before answering a request that may take long, or when
/// more requests are queued, so that they are read while this thread works.
static void srv_resign(gd_fuse *f) {
    atomic_fetch_add_explicit(&f->handoffs, 1, memory_order_relaxed);
    pthread_mutex_lock(&f->lead_lock);
    f->led = false;
    pthread_cond_signal(&f->lead_free);
    pthread_mutex_unlock(&f->lead_lock);
}

/// Whether this serving thread holds the lead (srv_take_lead).
static __thread bool tls_leading;

/// Called before work that may take long (decompressing a block, or reading it from a disk):
/// a leader hands /dev/fuse to a follower first, so that other requests are read meanwhile.
/// Requests answered from the caches take microseconds: for those the leader keeps reading,
/// and no follower is woken.
static void srv_before_slow_work(void) {
    if (!tls_leading) return;
    tls_leading = false;
    srv_resign(tls_fuse);
}

/// A serving thread: lead or wait its turn, receive, answer, until the filesystem is gone or
/// gd_fuse_destroy cancels it. Cancellation is enabled only while waiting for a request or
/// for the lead (as in libfuse's own fuse_loop_mt.c), so a thread is never stopped halfway
/// through its handle's caches.
static void *srv_worker(void *arg) {
    gd_worker *w = arg;
    gd_fuse *f = w->fuse;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    // Workers start with every signal blocked (the launcher reads its signals from a
    // signalfd), but a fault they raise must reach gd_image_report_crashes' handler: a blocked
    // synchronous SIGSEGV kills the process without a word (signal(7)).
    sigset_t faults;
    sigemptyset(&faults);
    int fault_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++) sigaddset(&faults, fault_signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &faults, NULL);
    tls_fs = w->handle;
    tls_fuse = f;
    struct fuse_session *se = f->session;
    int fd = fuse_session_fd(se);
    struct fuse_buf buf = {0};
    pthread_cleanup_push(srv_count_sleeps, &w->profile);
    pthread_cleanup_push(srv_free_buf, &buf);
    while (!fuse_session_exited(se)) {
        uint64_t t0 = f->stats_fd >= 0 ? srv_now_ns() : 0;
        // A follower that finds requests queued reads them at once (several readers at
        // work); one that finds none waits for the lead (a reader working alone).
        if (!tls_leading && !srv_off.lead && !srv_request_waiting(fd)) {
            srv_take_lead(f);
            tls_leading = true;
        }
        srv_watch_end watch = tls_leading || srv_off.lead ? srv_watch_for_request(f, fd) : WATCH_OFF;
        uint64_t asleep = watch == WATCH_EXPIRED ? srv_now_ns() : 0;
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        int n = fuse_session_receive_buf(se, &buf);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        if (asleep && n > 0) srv_adapt_window(f, srv_now_ns() - asleep);
        if (t0) w->profile.idle_ns += srv_now_ns() - t0;
        if (n == -EINTR || n == -EAGAIN) continue;
        if (n <= 0) { // unmounted (ENODEV) or the connection failed: the next leader sees it too
            srv_before_slow_work();
            break;
        }
        if (srv_request_waiting(fd)) srv_before_slow_work(); // more queued: a follower reads them
        srv_process(f, &buf, &w->profile);
    }
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(1);
    return NULL;
}

/// Opens a serving handle on the image's descriptor, with caches sized for its share.
static int srv_open_handle(gd_fuse *f, gd_worker *w) {
    sqfs *main = &f->img->ll.fs;
    // sqfs_init cleans up after itself when it fails: never sqfs_destroy after a failure.
    if (sqfs_init(&w->fs, main->fd, main->offset) != SQFS_OK) return -EIO;
    if (srv_size_caches(f, &w->fs) != 0) {
        sqfs_destroy(&w->fs);
        return -ENOMEM;
    }
    w->own_fs = true;
    w->handle = &w->fs;
    return 0;
}

int gd_fuse_start(gd_fuse *f) {
    if (f->workers || f->threads < 1) return 0;
    f->workers = calloc(f->threads, sizeof *f->workers);
    if (!f->workers) return -ENOMEM;
    // Workers take no signals: the caller's thread reads them from its signalfd.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1024 * 1024); // virtual; decoders use the heap
    int rc = 0;
    for (unsigned i = 0; i < f->threads; i++) {
        gd_worker *w = &f->workers[i];
        w->fuse = f;
        if (i == 0)
            w->handle = &f->img->ll.fs; // the caller's thread stops serving now
        else if ((rc = srv_open_handle(f, w)) != 0)
            break;
        rc = -pthread_create(&w->thread, &attr, srv_worker, w);
        if (rc != 0) {
            if (w->own_fs) sqfs_destroy(&w->fs);
            w->own_fs = false;
            break;
        }
        w->running = true;
        f->nworkers++;
    }
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    // Fewer threads than asked still serve; none means the caller keeps serving.
    return f->nworkers > 0 ? (int)f->nworkers : rc;
}

/// GOURD_FUSE_STATS=FILE (for Benchmarks/fs and the tests, not for users): appends one line
/// of counters when the server stops: the shared cache's hits, misses (decompressions), waits,
/// evictions and peak bytes; the requests the serving threads answered, how many of them the
/// busiest thread answered, how many threads answered any and how often the lead was handed
/// over (srv_take_lead), how often the serving threads slept (voluntary context switches), the
/// watch window at the end and how often it was widened (srv_adapt_window);
/// and per FUSE opcode the requests answered and the milliseconds
/// spent answering them. A diagnostic, written only when asked, after the workload has ended.
static void srv_write_stats(gd_fuse *f) {
    int fd = f->stats_fd;
    srv_profile sum = f->profile;
    uint64_t requests = 0, busiest = 0; // answered by the serving threads, and by the busiest one
    unsigned answering = 0;             // serving threads that answered any
    for (unsigned i = 0; i < f->nworkers; i++) {
        uint64_t answered = 0;
        for (int op = 0; op < 64; op++) {
            sum.count[op] += f->workers[i].profile.count[op];
            sum.ns[op] += f->workers[i].profile.ns[op];
            answered += f->workers[i].profile.count[op];
        }
        sum.idle_ns += f->workers[i].profile.idle_ns;
        sum.sleeps += f->workers[i].profile.sleeps;
        requests += answered;
        if (answered > busiest) busiest = answered;
        if (answered > 0) answering++;
    }
    gd_bcache_stats st;
    gd_bcache_get_stats(f->blocks, &st);
    char line[4096];
    int len = snprintf(
        line, sizeof line,
        "threads=%u hits=%llu misses=%llu waits=%llu evictions=%llu failures=%llu peak_bytes=%llu "
        "budget=%llu shards=%u idle_ms=%.1f max_readahead=%u max_read=%u max_write=%u spin_us=%llu "
        "requests=%llu busiest=%llu answering=%u handoffs=%llu sleeps=%llu window_us=%llu widened=%llu",
        f->nworkers, (unsigned long long)st.hits, (unsigned long long)st.misses, (unsigned long long)st.waits,
        (unsigned long long)st.evictions, (unsigned long long)st.failures, (unsigned long long)st.peak_bytes,
        (unsigned long long)st.budget, st.shards, sum.idle_ns / 1e6, f->max_readahead, f->max_read, f->max_write,
        (unsigned long long)(f->spin_ns / 1000), (unsigned long long)requests, (unsigned long long)busiest, answering,
        (unsigned long long)atomic_load(&f->handoffs), (unsigned long long)sum.sleeps,
        (unsigned long long)(atomic_load(&f->window_ns) / 1000), (unsigned long long)atomic_load(&f->widened));
    for (int op = 0; op < 64 && len < (int)sizeof line - 64; op++) {
        if (sum.count[op])
            len += snprintf(line + len, sizeof line - len, " op%d=%llu/%.1fms", op, (unsigned long long)sum.count[op],
                            sum.ns[op] / 1e6);
    }
    if (len < (int)sizeof line - 1) line[len++] = '\n';
    ssize_t ignored = write(fd, line, (size_t)len);
    (void)ignored;
}

void gd_fuse_destroy(gd_fuse *fuse) {
    if (!fuse) return;
    for (unsigned i = 0; i < fuse->nworkers; i++) {
        gd_worker *w = &fuse->workers[i];
        if (!w->running) continue;
        pthread_cancel(w->thread);
        pthread_join(w->thread, NULL);
    }
    if (fuse->stats_fd >= 0) srv_write_stats(fuse);
    for (unsigned i = 0; i < fuse->nworkers; i++) {
        if (fuse->workers[i].own_fs) sqfs_destroy(&fuse->workers[i].fs);
    }
    free(fuse->workers);
    gd_bcache_free(fuse->blocks);
    free(fuse->zeros);
    fuse_session_destroy(fuse->session);
    free(fuse->buf.mem);
    pthread_cond_destroy(&fuse->lead_free);
    pthread_mutex_destroy(&fuse->lead_lock);
    free(fuse);
}
