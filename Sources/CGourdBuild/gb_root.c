// gb_root.c: file operations inside the root being built. See gourd_build.h.
//
// Every path comes from untrusted data (an archive member, a base image, a recipe) and is
// resolved with openat2(RESOLVE_IN_ROOT) relative to the root's descriptor: the kernel then
// treats the root as "/" for symlinks and "..", so a member "a/b" where an earlier member
// made "a" a symlink to "/etc" lands in the root's own etc/, never the host's. The last
// component is always created or removed by name in its parent (O_EXCL, O_NOFOLLOW,
// AT_SYMLINK_NOFOLLOW): a symlink in that place is replaced, never written through.
#define _GNU_SOURCE
#include "gourd_build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/// openat2(rootfd, rel, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); "" means the root.
static int open_in_root(int rootfd, const char *rel, int flags) {
    int fd = gc_open_in_root(rootfd, rel, flags);
    return fd < 0 ? -errno : fd;
}

int gb_dir_open(int rootfd, const char *rel, int create) {
    int fd = open_in_root(rootfd, rel, O_PATH | O_DIRECTORY);
    if (fd != -ENOENT || !create) return fd;
    // Walk from the root, creating what is missing. Each step resolves its prefix inside
    // the root again, so a component that is a symlink is followed inside the root too.
    char path[PATH_MAX];
    size_t len = strlen(rel);
    if (len >= sizeof path) return -ENAMETOOLONG;
    memcpy(path, rel, len + 1);
    int parent = open_in_root(rootfd, "", O_PATH | O_DIRECTORY);
    if (parent < 0) return parent;
    char *start = path;
    while (*start == '/') start++;
    while (*start) {
        char *end = strchr(start, '/');
        if (end) *end = 0;
        if (mkdirat(parent, start, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            close(parent);
            return -e;
        }
        close(parent);
        parent = open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
        if (parent < 0) return parent;
        if (!end) break;
        *end = '/';
        start = end + 1;
        while (*start == '/') start++;
    }
    return parent;
}

int gb_dir_open_read(int rootfd, const char *rel) { return open_in_root(rootfd, rel, O_RDONLY | O_DIRECTORY); }

int gb_open_read(int rootfd, const char *rel) { return open_in_root(rootfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK); }

int gb_lstat(int rootfd, const char *rel, struct stat *st) {
    int fd = open_in_root(rootfd, rel, O_PATH | O_NOFOLLOW);
    if (fd < 0) return fd;
    int rc = fstat(fd, st) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int gb_stat(int rootfd, const char *rel, struct stat *st) {
    int fd = open_in_root(rootfd, rel, O_PATH);
    if (fd < 0) return fd;
    int rc = fstat(fd, st) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

/// Removes the contents of directory `fd` (owned by the caller), depth first. Trees deeper
/// than 512 levels are refused (ELOOP): no image needs them, and each level holds a descriptor.
static int remove_contents(int fd, int depth) {
    if (depth > 512) return -ELOOP;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        int e = errno;
        close(fd);
        return -e;
    }
    // Deleting while reading is allowed, but whether readdir then returns every remaining
    // entry is unspecified: read again until a pass finds nothing to remove.
    int rc = 0;
    for (int removed = 1; rc == 0 && removed;) {
        removed = 0;
        rewinddir(dir);
        struct dirent *entry;
        while (rc == 0 && (errno = 0, entry = readdir(dir)) != NULL) {
            const char *name = entry->d_name;
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
            struct stat st;
            if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno != ENOENT) rc = -errno;
                continue;
            }
            if (S_ISDIR(st.st_mode)) {
                int child = openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0) {
                    rc = -errno;
                    break;
                }
                rc = remove_contents(child, depth + 1);
                if (rc == 0 && unlinkat(dirfd(dir), name, AT_REMOVEDIR) != 0) rc = -errno;
            } else if (unlinkat(dirfd(dir), name, 0) != 0 && errno != ENOENT) {
                rc = -errno;
            }
            removed++;
        }
        if (rc == 0 && errno != 0) rc = -errno;
    }
    closedir(dir);
    return rc;
}

int gb_remove(int dirfd, const char *name) {
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
    if (!S_ISDIR(st.st_mode)) return unlinkat(dirfd, name, 0) == 0 ? 0 : -errno;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = remove_contents(fd, 0);
    if (rc != 0) return rc;
    return unlinkat(dirfd, name, AT_REMOVEDIR) == 0 ? 0 : -errno;
}

int gb_prepare(int dirfd, const char *name, int want_dir) {
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : -errno;
    if (want_dir && S_ISDIR(st.st_mode)) return 1;
    int rc = gb_remove(dirfd, name);
    return rc == -ENOENT ? 0 : rc;
}

int gb_mkdir(int dirfd, const char *name, mode_t mode) { return mkdirat(dirfd, name, mode) == 0 ? 0 : -errno; }

int gb_create(int dirfd, const char *name, mode_t mode) {
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    return fd >= 0 ? fd : -errno;
}

int gb_symlink(int dirfd, const char *name, const char *target) {
    return symlinkat(target, dirfd, name) == 0 ? 0 : -errno;
}

int gb_mkfifo(int dirfd, const char *name, mode_t mode) { return mkfifoat(dirfd, name, mode) == 0 ? 0 : -errno; }

int gb_hardlink(int rootfd, const char *existing, int dirfd, const char *name) {
    int fd = open_in_root(rootfd, existing, O_PATH | O_NOFOLLOW);
    if (fd < 0) return fd;
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return -EISDIR;
    }
    // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH in the initial namespace on
    // older kernels; the /proc magic link gives the same inode without it.
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rc = linkat(AT_FDCWD, path, dirfd, name, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int gb_chmod(int dirfd, const char *name, mode_t mode) {
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
    if (S_ISLNK(st.st_mode)) return 0;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return -errno;
    int rc = fchmod(fd, mode) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int gb_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
