// gourd_image: a squashfs image opened through libsquashfuse, read by inode, served over FUSE.
//
// Prefixes: gd_image_* and gd_fuse_* are ours; sqfs_* and fuse_* are squashfuse's and libfuse's.
// Every function returns 0 or a negative errno, or a GD_IMAGE_E* code where noted; none exits
// or prints. The gd_image_* calls are not thread-safe (squashfuse 0.1.10x keeps its caches
// without locks); the FUSE server (gd_fuse_*, gourd_serve.c) gives each serving thread a handle
// of its own.
#ifndef GOURD_IMAGE_H
#define GOURD_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct gd_image gd_image;
typedef struct gd_fuse gd_fuse;

/// Failures of gd_image_open beyond errno values (returned negated, like errnos).
enum {
    GD_IMAGE_EFORMAT = 10001,  ///< not a squashfs filesystem (bad magic or superblock)
    GD_IMAGE_EVERSION = 10002, ///< squashfs version other than 4.0
    GD_IMAGE_ECOMP = 10003,    ///< compression this libsquashfuse was built without
    GD_IMAGE_ETRUNC = 10004,   ///< file shorter than the superblock's bytes_used
    GD_IMAGE_EUNSUP = 10005,   ///< unsupported feature
    GD_IMAGE_ECORRUPT = 10006, ///< tables unreadable: corrupt image
};

typedef struct {
    uint32_t mode; ///< st_mode bits, S_IF* type included
    uint64_t size;
    uint32_t uid, gid;
    int64_t mtime;
} gd_image_attr;

typedef struct {
    uint32_t compression; ///< SQUASHFS_*_COMPRESSION (1 gzip, 2 lzma, 3 lzo, 4 xz, 5 lz4, 6 zstd)
    uint16_t major, minor;
    uint64_t bytes_used;
    uint32_t inodes;
    uint32_t block_size;
} gd_image_info;

/// Opens the squashfs filesystem at byte `offset` of `path` (O_RDONLY|O_CLOEXEC) and checks its
/// superblock and tables. On failure *out is NULL and the result is -errno or -GD_IMAGE_E*.
int gd_image_open(const char *path, uint64_t offset, gd_image **out);
void gd_image_close(gd_image *img);
/// The image file's descriptor (owned by the image).
int gd_image_fd(const gd_image *img);
void gd_image_get_info(const gd_image *img, gd_image_info *info);

/// Inode handles are squashfs inode references: stable for the life of the image.
uint64_t gd_image_root(const gd_image *img);
/// Looks `name` up in directory `dir`: -ENOENT when absent, -ENOTDIR when dir is not one.
int gd_image_lookup(gd_image *img, uint64_t dir, const char *name, uint64_t *child);
int gd_image_getattr(gd_image *img, uint64_t node, gd_image_attr *st);
/// Copies the symlink target (not NUL-terminated) into buf; *len in: capacity, out: length.
int gd_image_readlink(gd_image *img, uint64_t node, char *buf, size_t *len);
/// Reads up to *len bytes at off; *len out: bytes read (0 at end of file).
int gd_image_read(gd_image *img, uint64_t node, uint64_t off, void *buf, size_t *len);
/// Calls visit(context, name, mode) for each entry of directory `dir` except . and ..;
/// stops early when visit returns non-zero.
int gd_image_list(gd_image *img, uint64_t dir, int (*visit)(void *context, const char *name, uint32_t mode),
                  void *context);

/// Creates a libfuse low-level session serving `img` and mounts it read-only, nosuid, nodev
/// at `mountpoint` with mount(2) (no fusermount3: call with PR_SET_NO_NEW_PRIVS set).
/// `errbuf` receives libfuse's own message on failure. The image must outlive the session.
int gd_fuse_mount(gd_image *img, const char *mountpoint, const char *fsname, gd_fuse **out, char *errbuf,
                  size_t errlen);
/// Serving: GD_FUSE_DEFAULT_CACHE_BYTES is the decompressed-block budget of the whole server
/// (the kernel's page cache holds what the workload has read on top of that). A quarter goes
/// to the serving threads' own metadata caches (an equal share each, 8 to 256 blocks of 8 KiB);
/// the rest to one cache of data and fragment blocks that every thread shares (a block is
/// decompressed once however many threads want it), at least 4 blocks.
#define GD_FUSE_DEFAULT_CACHE_BYTES (64ull << 20)
#define GD_FUSE_MAX_THREADS 64u

/// What a session chose: threads, each handle's metadata cache, the shared block cache.
typedef struct {
    uint32_t threads;
    uint32_t block_size;
    uint64_t md_blocks;    ///< per handle
    uint64_t data_blocks;  ///< the shared cache of data and fragment blocks, in blocks
    uint64_t frag_blocks;  ///< 0: fragment blocks share data_blocks
    uint64_t handle_bytes; ///< the most one handle's metadata cache holds
} gd_fuse_stats;

/// gd_fuse_mount with `threads` serving threads once gd_fuse_start runs (0: the CPUs this
/// process may use, see gd_fuse_default_threads) and a cache budget of
/// `cache_bytes` (0: GD_FUSE_DEFAULT_CACHE_BYTES). Until gd_fuse_start, the caller serves with
/// gd_fuse_process_one on its own thread, single-threaded as the namespace set-up needs.
int gd_fuse_mount_with(gd_image *img, const char *mountpoint, const char *fsname, unsigned threads,
                       uint64_t cache_bytes, gd_fuse **out, char *errbuf, size_t errlen);
/// How long (microseconds, at most 1000; 0: never) a serving thread that has just answered
/// watches for the next request before it sleeps. Default 50. Call before gd_fuse_start.
void gd_fuse_set_spin(gd_fuse *fuse, unsigned microseconds);
/// The CPUs this process may run on (sched_getaffinity), at least 2, at most GD_FUSE_MAX_THREADS.
unsigned gd_fuse_default_threads(void);
void gd_fuse_get_stats(const gd_fuse *fuse, gd_fuse_stats *stats);
/// Starts the serving threads (all signals blocked in them). Call only once the process may
/// have threads (after the container is spawned: unshare(2) needs a single thread). Returns the
/// number started (> 0): from then on they answer every request and the caller must no longer
/// call gd_fuse_process_one. 0 or -errno: none started; the caller keeps serving.
int gd_fuse_start(gd_fuse *fuse);
/// The descriptor GOURD_FUSE_STATS opened at process start, or -1: a detached server that
/// closes what it inherited keeps it. Async-signal-safe.
int gd_fuse_stats_descriptor(void);
/// Makes the FUSE server show `path` (absolute, inside the image) as an empty directory
/// (is_dir) or an empty file, with any missing parents as empty directories: a mount point the
/// read-only image lacks. An existing path is left as it is. -ENOTDIR when a parent is a file
/// in the image (symlinks are not followed: callers pass resolved paths). Call before serving.
int gd_image_add_path(gd_image *img, const char *path, int is_dir);
/// The /dev/fuse descriptor (close-on-exec) to poll for requests.
int gd_fuse_fd(const gd_fuse *fuse);
/// Receives and answers one request. Returns 0, -EAGAIN/-EINTR when nothing was read,
/// or another -errno (e.g. -ENODEV once the filesystem is unmounted).
int gd_fuse_process_one(gd_fuse *fuse);
/// Stops the serving threads (cancelled while they wait for a request, joined), then destroys
/// the session without unmounting: the mount belongs to a private mount namespace
/// that the kernel tears down with its last process.
void gd_fuse_destroy(gd_fuse *fuse);

/// Turns a crash of this process while it reads `path` (SIGSEGV, SIGBUS, SIGFPE, SIGABRT)
/// into one line on stderr naming the image, then _exit(125). Why: libsquashfuse 0.1.105
/// trusts some fields of the image (directory entry name sizes, id and fragment indexes,
/// block sizes; Fuzz/regressions/known-crashes lists what fuzzing found), so a corrupt or
/// hostile image can crash the reader inside gourd; this says so instead of dying of a raw
/// signal, and the container ends with gourd (PR_SET_PDEATHSIG). It is a diagnosis, not a
/// defence: the memory was already corrupted. The handler runs on its own stack and only
/// calls write(2) and _exit(2). Not async-signal-safe itself (sigaction, sigaltstack).
void gd_image_report_crashes(const char *path);

#endif
