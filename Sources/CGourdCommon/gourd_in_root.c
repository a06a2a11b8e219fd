// gourd_in_root.c: gc_resolve_in_root, gourd's own openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS) for kernels without openat2 (Linux < 5.6) or sessions whose seccomp
// filter refuses it. See gourd_common.h and docs/PLATFORM-NOTES.md, "Kernels before 5.12".
//
// What it guarantees, as openat2(2) does for RESOLVE_IN_ROOT:
//   - every component is opened with O_PATH | O_NOFOLLOW relative to the descriptor of the
//     directory before it: the kernel never resolves more than one name, and never follows a
//     symlink on our behalf;
//   - a symlink's text is read from its own O_PATH descriptor (readlinkat(fd, "")) and put in
//     front of what is left of the path; an absolute one restarts at rootfd, not at "/";
//   - ".." goes back one step on the walk's own stack of directory descriptors and stays at
//     rootfd at the top. It never asks the kernel for "..": a directory that a host process
//     renames out of a bound tree while we hold it cannot lead above the root (openat2 answers
//     EAGAIN there; we keep the path we walked);
//   - at most 40 symlinks per resolution (the kernel's MAXSYMLINKS, path_resolution(7)): ELOOP;
//   - magic links (procfs's /proc/PID/{fd/N,exe,cwd,root,ns/*,map_files/*}, which jump to an
//     object instead of naming a path) fail with ELOOP: a symlink on procfs counts as one unless
//     it sits directly in procfs's root directory, where only plain links live (self,
//     thread-self, mounts, net...);
//   - mount points are crossed as the kernel crosses them (each openat lands on the top mount).
// The last component is then opened with the caller's flags and O_NOFOLLOW relative to the
// directory it was found in (a symlink swapped in meanwhile fails with ELOOP), or through "."
// of its own descriptor when it is a directory.
//
// Everything here is async-signal-safe: system calls and stack buffers only (a container's
// init resolves its mount destinations with it between clone and execve).
#define _GNU_SOURCE
#include "gourd_common.h"
#include "gourd_common_private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

enum {
    WALK_DEPTH = 256,     ///< directories held at once: deeper paths fail with ENAMETOOLONG
    WALK_MAXSYMLINKS = 40 ///< the kernel's MAXSYMLINKS (include/linux/namei.h)
};
#define WALK_PROC_SUPER_MAGIC 0x9fa0 ///< procfs's f_type (statfs(2))
#define WALK_PROC_ROOT_INO 1         ///< procfs's root directory inode (fs/proc/root.c)

/// The directories walked so far below the root, innermost last.
typedef struct {
    int root;
    int depth;
    int fds[WALK_DEPTH];
} walk;

static int walk_here(const walk *w) { return w->depth ? w->fds[w->depth - 1] : w->root; }
static void walk_up(walk *w) {
    if (w->depth) close(w->fds[--w->depth]);
}
static void walk_to_root(walk *w) {
    while (w->depth) walk_up(w);
}
static int walk_down(walk *w, int fd) {
    if (w->depth == WALK_DEPTH) {
        close(fd);
        errno = ENAMETOOLONG;
        return -1;
    }
    w->fds[w->depth++] = fd;
    return 0;
}

/// True when `link`, a symlink found in directory `dir`, is a procfs magic link (or cannot be
/// told apart from one).
static int is_magic_link(int dir, int link) {
    struct statfs fs;
    if (fstatfs(link, &fs) != 0) return 1;
    if (fs.f_type != WALK_PROC_SUPER_MAGIC) return 0;
    struct statfs dirfs;
    struct stat st;
    if (fstatfs(dir, &dirfs) != 0 || fstat(dir, &st) != 0) return 1;
    return !(dirfs.f_type == WALK_PROC_SUPER_MAGIC && st.st_ino == WALK_PROC_ROOT_INO);
}

/// Opens `name` in `dir` with O_PATH | O_NOFOLLOW. When a directory is expected, O_DIRECTORY
/// first, so that an automount point (autofs) is triggered as the kernel's own walk triggers
/// it; a symlink or file there then fails with ENOTDIR and is opened without it.
static int open_component(int dir, const char *name, int want_directory) {
    if (want_directory) {
        int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0 || errno != ENOTDIR) return fd;
    }
    return openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/// Puts the symlink text `target` (length `len`) in front of `rest` into `out` (PATH_MAX).
static int splice_link(char *out, const char *target, size_t len, const char *rest) {
    size_t rest_len = strlen(rest);
    if (len + rest_len >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(out, target, len);
    memcpy(out + len, rest, rest_len + 1);
    return 0;
}

/// The walk itself. `allow_links` 0: any symlink fails with ELOOP (RESOLVE_NO_SYMLINKS).
static int resolve(walk *w, const char *path, int flags, int allow_links) {
    char bufs[2][PATH_MAX];
    int which = 0;
    if (splice_link(bufs[0], path, strlen(path), "") != 0) return -1;
    const char *rest = bufs[0];
    int links = 0;
    for (;;) {
        while (*rest == '/') rest++;
        if (*rest == 0) return openat(walk_here(w), ".", flags | O_CLOEXEC); // ended on a directory
        const char *end = rest;
        while (*end && *end != '/') end++;
        size_t len = (size_t)(end - rest);
        if (len > NAME_MAX) {
            errno = ENAMETOOLONG;
            return -1;
        }
        char name[NAME_MAX + 1];
        memcpy(name, rest, len);
        name[len] = 0;
        rest = end;
        const char *after = end;
        while (*after == '/') after++;
        int last = *after == 0;
        int slash = *end == '/'; // "name/": it must be a directory (symlinks followed)
        if (strcmp(name, ".") == 0) continue;
        if (strcmp(name, "..") == 0) {
            walk_up(w);
            continue;
        }
        int dir = walk_here(w);
        int fd = open_component(dir, name, !last || slash || (flags & O_DIRECTORY));
        if (fd < 0) {
            // O_CREAT: the last component is created in the directory reached, never through
            // a symlink (O_NOFOLLOW).
            if (errno == ENOENT && last && !slash && (flags & O_CREAT))
                return openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC, 0);
            return -1;
        }
        struct stat st;
        if (fstat(fd, &st) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (S_ISLNK(st.st_mode)) {
            int keep_link = last && !slash && (flags & O_NOFOLLOW);
            int exclusive = last && !slash && (flags & O_CREAT) && (flags & O_EXCL);
            if (keep_link && (flags & O_PATH)) return fd; // O_PATH | O_NOFOLLOW: the link itself
            // open(2): O_CREAT | O_EXCL fails on any symlink with EEXIST, wherever it points.
            int err = exclusive                                                                           ? EEXIST
                      : keep_link || !allow_links || is_magic_link(dir, fd) || ++links > WALK_MAXSYMLINKS ? ELOOP
                                                                                                          : 0;
            char target[PATH_MAX];
            ssize_t n = err ? -1 : readlinkat(fd, "", target, sizeof target);
            if (!err && n < 0) err = errno;
            close(fd);
            if (!err && n == (ssize_t)sizeof target) err = ENAMETOOLONG;
            if (!err && n == 0) err = ENOENT;
            if (err) {
                errno = err;
                return -1;
            }
            if (splice_link(bufs[1 - which], target, (size_t)n, rest) != 0) return -1;
            which = 1 - which;
            rest = bufs[which];
            if (target[0] == '/') walk_to_root(w);
            continue;
        }
        if (!last || ((slash || (flags & O_DIRECTORY)) && !S_ISDIR(st.st_mode))) {
            if (S_ISDIR(st.st_mode)) {
                if (walk_down(w, fd) != 0) return -1;
                continue;
            }
            close(fd);
            errno = ENOTDIR;
            return -1;
        }
        if (flags & O_PATH) return fd; // what O_PATH opens: the same object, nothing to reopen
        if (S_ISDIR(st.st_mode)) {
            int result = openat(fd, ".", flags | O_CLOEXEC);
            int e = errno;
            close(fd);
            errno = e;
            return result;
        }
        close(fd);
        return openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC, 0);
    }
}

int gc_resolve_in_root(int rootfd, const char *path, int flags) {
    walk w = {.root = rootfd, .depth = 0};
    int fd = resolve(&w, path, flags, 1);
    int e = errno;
    walk_to_root(&w);
    errno = e;
    return fd;
}

/// For gourd_remount.c: the same walk from `rootfd` refusing every symlink. Async-signal-safe.
int gc_resolve_beneath_no_symlinks(int rootfd, const char *path, int flags) {
    walk w = {.root = rootfd, .depth = 0};
    int fd = resolve(&w, path, flags, 0);
    int e = errno;
    walk_to_root(&w);
    errno = e;
    return fd;
}
