// gourd_remount.c: gc_remount_restrict, mount_setattr(2)'s fallback for kernels before 5.12
// (or sessions whose seccomp filter refuses it). See gourd_common.h and docs/PLATFORM-NOTES.md,
// "Kernels before 5.12".
//
// mount(2) with MS_REMOUNT | MS_BIND changes only the flags of one mount (not of its
// filesystem), and sets them all at once: a flag left out is cleared. In a user namespace the
// kernel refuses (EPERM) to clear a flag it locked on a mount that came from a more privileged
// mount namespace - ro, nosuid, nodev, noexec and the atime flags of a host mount
// (mount_namespaces(7); fs/namespace.c, can_change_locked_flags). So each remount repeats the
// flags the mount has now (fstatfs(2) f_flags) and adds ours; atime flags are not passed, and a
// remount without any keeps the mount's atime setting (mount(2), "MS_REMOUNT"). MS_REC does
// not apply to remounts: with `recursive`, the mounts below are found in /proc/self/mountinfo
// (their parent ids lead back to this one), each reached from this mount's root by a walk that
// refuses symlinks, checked to be that very mount (its mnt_id in /proc/self/fdinfo, Linux
// 3.15), and remounted the same way.
//
// Everything here is async-signal-safe: system calls and stack buffers only.
#define _GNU_SOURCE
#include "gourd_common.h"
#include "gourd_common_private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

enum { TREE_MAX = 4096 }; ///< mounts below one restricted mount (more: E2BIG)

/// MOUNT_ATTR_* (mount_setattr's) as MS_* (mount's): the four gourd uses.
static int ms_flags(uint64_t attrs, unsigned long *out) {
    const uint64_t known = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    if (attrs & ~known) {
        errno = EINVAL;
        return -1;
    }
    *out = ((attrs & MOUNT_ATTR_RDONLY) ? MS_RDONLY : 0) | ((attrs & MOUNT_ATTR_NOSUID) ? MS_NOSUID : 0) |
           ((attrs & MOUNT_ATTR_NODEV) ? MS_NODEV : 0) | ((attrs & MOUNT_ATTR_NOEXEC) ? MS_NOEXEC : 0);
    return 0;
}

/// Remounts the mount whose root `fd` is (O_PATH) with the flags it has plus `add`.
static int remount_one(int fd, unsigned long add) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return -1;
    unsigned long keep = ((fs.f_flags & ST_RDONLY) ? MS_RDONLY : 0) | ((fs.f_flags & ST_NOSUID) ? MS_NOSUID : 0) |
                         ((fs.f_flags & ST_NODEV) ? MS_NODEV : 0) | ((fs.f_flags & ST_NOEXEC) ? MS_NOEXEC : 0);
    char path[32];
    gc_fd_path(path, fd);
    return mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | keep | add, NULL);
}

/// The mount id of the mount `fd` lies on ("mnt_id:" in /proc/self/fdinfo/N), or -1.
static int mount_id(int fd) {
    char path[40] = "/proc/self/fdinfo/";
    char digits[12];
    int n = 0;
    unsigned v = (unsigned)fd;
    do digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < 11);
    char *p = path + strlen(path);
    while (n) *p++ = digits[--n];
    *p = 0;
    int info = open(path, O_RDONLY | O_CLOEXEC);
    if (info < 0) return -1;
    char buf[512];
    ssize_t len = read(info, buf, sizeof buf - 1);
    close(info);
    if (len <= 0) return -1;
    buf[len] = 0;
    const char *at = strstr(buf, "mnt_id:");
    if (!at) return -1;
    at += 7;
    while (*at == ' ' || *at == '\t') at++;
    int id = 0;
    if (*at < '0' || *at > '9') return -1;
    while (*at >= '0' && *at <= '9') id = id * 10 + (*at++ - '0');
    return id;
}

/// One line of /proc/self/mountinfo: mount id, parent id, mount point (octal escapes decoded;
/// NULL when longer than PATH_MAX). Returns 0 to go on, -1 (errno set) to stop.
typedef int (*mount_visitor)(void *context, int id, int parent, const char *point);

/// Calls `visit` for each line of /proc/self/mountinfo (proc(5): "36 35 98:0 /mnt1 /mnt/point
/// rw,... - ext3 ..."; the mount point is the fifth field, relative to our root). 0 or -1.
static int each_mount(mount_visitor visit, void *context) {
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[4096];
    char point[PATH_MAX];
    size_t length = 0;
    int field = 0, id = 0, parent = 0, escape = 0, code = 0, overflow = 0, rc = 0;
    ssize_t n;
    while (rc == 0 && (n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n && rc == 0; i++) {
            char c = buf[i];
            if (c == '\n') {
                point[length] = 0;
                if (field >= 4) rc = visit(context, id, parent, overflow ? NULL : point);
                field = id = parent = escape = overflow = 0;
                length = 0;
                continue;
            }
            if (c == ' ') {
                field++;
                continue;
            }
            if (field == 0) id = id * 10 + (c - '0');
            if (field == 1) parent = parent * 10 + (c - '0');
            if (field != 4) continue;
            if (escape) { // "\040": space, tab, newline and backslash, in three octal digits
                code = code * 8 + (c - '0');
                if (++escape < 4) continue;
                c = (char)code;
                escape = 0;
            } else if (c == '\\') {
                escape = 1;
                code = 0;
                continue;
            }
            if (length + 1 < sizeof point)
                point[length++] = c;
            else
                overflow = 1;
        }
    }
    int e = errno;
    if (n < 0) rc = -1;
    close(fd);
    errno = e;
    return rc;
}

/// The mounts below one mount: ids[0] is its own.
typedef struct {
    int count;
    int ids[TREE_MAX];
} tree;

static int tree_has(const tree *t, int id) {
    for (int i = 0; i < t->count; i++)
        if (t->ids[i] == id) return 1;
    return 0;
}

static int collect(void *context, int id, int parent, const char *point) {
    (void)point;
    tree *t = context;
    if (!tree_has(t, parent) || tree_has(t, id)) return 0;
    if (t->count == TREE_MAX) {
        errno = E2BIG;
        return -1;
    }
    t->ids[t->count++] = id;
    return 0;
}

typedef struct {
    const tree *below;
    int root;           ///< O_PATH descriptor of the restricted mount's root
    const char *prefix; ///< its mount point, as mountinfo shows it ("" for "/")
    size_t prefix_len;
    unsigned long add;
} remount_job;

static int remount_below_one(void *context, int id, int parent, const char *point) {
    (void)parent;
    const remount_job *job = context;
    if (id == job->below->ids[0] || !tree_has(job->below, id)) return 0;
    if (!point) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (strncmp(point, job->prefix, job->prefix_len) != 0 || point[job->prefix_len] != '/') {
        errno = EXDEV; // a mount of the tree outside its root's path: not what we mounted
        return -1;
    }
    int fd = gc_resolve_beneath_no_symlinks(job->root, point + job->prefix_len, O_PATH);
    if (fd < 0) return -1;
    int found = mount_id(fd);
    int rc = 0;
    if (found == id) {
        rc = remount_one(fd, job->add);
    } else if (found < 0 || found == job->below->ids[0] || !tree_has(job->below, found)) {
        // The path no longer leads to that mount (a directory above it renamed meanwhile):
        // fail rather than leave a reachable mount without the flags.
        errno = EAGAIN;
        rc = -1;
    } // else another mount of the tree covers it there: unreachable, and remounted on its own line
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/// Remounts every mount below the one whose root `fd` is.
static int remount_below(int fd, unsigned long add) {
    tree below = {.count = 1};
    below.ids[0] = mount_id(fd);
    if (below.ids[0] < 0) return -1;
    // A child's line normally follows its parent's; reading again until nothing is added
    // also covers any other order.
    for (int before = 0; before != below.count;) {
        before = below.count;
        if (each_mount(collect, &below) != 0) return -1;
    }
    if (below.count == 1) return 0;
    char self[32];
    gc_fd_path(self, fd);
    char prefix[PATH_MAX];
    ssize_t n = readlink(self, prefix, sizeof prefix);
    if (n < 0) return -1;
    if (n == (ssize_t)sizeof prefix || prefix[0] != '/') { // "(unreachable)", or too long
        errno = ENAMETOOLONG;
        return -1;
    }
    if (n == 1) n = 0; // "/": every mount point starts with the "/" that follows
    prefix[n] = 0;
    remount_job job = {.below = &below, .root = fd, .prefix = prefix, .prefix_len = (size_t)n, .add = add};
    return each_mount(remount_below_one, &job);
}

int gc_remount_restrict(int fd, uint64_t attrs, int recursive) {
    unsigned long add;
    if (ms_flags(attrs, &add) != 0) return -1;
    if (remount_one(fd, add) != 0) return -1;
    return recursive ? remount_below(fd, add) : 0;
}
