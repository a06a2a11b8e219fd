// gourd_kernel.c: which of the system calls gourd prefers this kernel lacks (probed once per
// process, cached), and close_range(2) with its fallback. See gourd_common.h.
//
// Linux 4.18 (RHEL 8) has user namespaces and FUSE in them, but none of openat2 (5.6),
// open_tree/move_mount (5.2), close_range (5.9) or mount_setattr (5.12). Each call site asks
// gc_missing_syscalls() and takes the fast path or its fallback; the answer is a static
// variable, so a cloned child inherits it and the fast path costs one load and a branch.
#define _GNU_SOURCE
#include "gourd_common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/// -1: not probed yet; else the gc_syscall_bit set.
static int missing_cache = -1;

/// True when a probe's answer says the call is not there: ENOSYS, or EPERM from a filter.
static int refused(long rc, int eperm_means_filter) {
    return rc < 0 && (errno == ENOSYS || (eperm_means_filter && errno == EPERM));
}

int gc_probe_syscalls(int may_mount) {
    int saved = errno;
    int missing = 0;
    // Arguments each call rejects before it does anything: a size of 0 (openat2: EINVAL;
    // mount_setattr: EINVAL, checked before its CAP_SYS_ADMIN test), a NULL path (open_tree
    // without OPEN_TREE_CLONE: EFAULT, no capability test), first > last (close_range: EINVAL).
    // move_mount tests CAP_SYS_ADMIN over the mount namespace before anything else.
    if (refused(syscall(SYS_openat2, -1, NULL, NULL, 0), 1)) missing |= GC_SYSCALL_OPENAT2;
    if (refused(syscall(SYS_open_tree, -1, NULL, 0), 1)) missing |= GC_SYSCALL_OPEN_TREE;
    if (refused(syscall(SYS_move_mount, -1, NULL, -1, NULL, 0), may_mount)) missing |= GC_SYSCALL_MOVE_MOUNT;
    if (refused(syscall(SYS_mount_setattr, -1, NULL, 0, NULL, 0), 1)) missing |= GC_SYSCALL_MOUNT_SETATTR;
    if (refused(syscall(SYS_close_range, 1U, 0U, 0U), 1)) missing |= GC_SYSCALL_CLOSE_RANGE;
    errno = saved;
    missing_cache = missing;
    return missing;
}

int gc_missing_syscalls(void) { return missing_cache >= 0 ? missing_cache : gc_probe_syscalls(0); }

/// struct linux_dirent64 (getdents64(2)); glibc declares no type for the raw call.
struct gc_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/// Closes the open descriptors in [lo, hi] that /proc/self/fd lists. -1 when it cannot be
/// read (no procfs mounted). Async-signal-safe: getdents64 into a stack buffer.
static int close_listed(unsigned lo, unsigned hi) {
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return -1;
    char buf[2048];
    long n;
    // /proc/self/fd's position is the descriptor number (fs/proc/fd.c), so closing entries
    // while reading skips none.
    while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            struct gc_dirent64 *d = (struct gc_dirent64 *)(buf + off);
            off += d->d_reclen;
            unsigned fd = 0;
            const char *p = d->d_name;
            if (*p < '0' || *p > '9') continue; // "." and ".."
            while (*p >= '0' && *p <= '9') fd = fd * 10 + (unsigned)(*p++ - '0');
            if (fd >= lo && fd <= hi && (int)fd != dir) close((int)fd);
        }
    }
    close(dir); // the listing's own descriptor, opened close-on-exec after the range was asked for
    return 0;
}

void gc_close_range(unsigned lo, unsigned hi) {
    if (lo > hi) return;
    if (!(gc_missing_syscalls() & GC_SYSCALL_CLOSE_RANGE) && syscall(SYS_close_range, lo, hi, 0U) == 0) return;
    if (close_listed(lo, hi) == 0) return;
    struct rlimit limit;
    unsigned end = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < end) end = (unsigned)limit.rlim_cur;
    for (unsigned fd = lo; fd <= hi && fd < end; fd++) close((int)fd);
}
