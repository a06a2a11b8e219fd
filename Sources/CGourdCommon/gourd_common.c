// gourd_common.c: the helpers of gourd_common.h (see there for each one's contract).
#define _GNU_SOURCE
#include "gourd_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

void gc_fd_path(char buf[32], int fd) {
    static const char prefix[] = "/proc/self/fd/";
    memcpy(buf, prefix, sizeof prefix - 1);
    char digits[12];
    int n = 0;
    unsigned v = (unsigned)fd;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < 11);
    char *p = buf + sizeof prefix - 1;
    while (n) *p++ = digits[--n];
    *p = 0;
}

int gc_open_in_root(int rootfd, const char *path, int flags) {
    while (*path == '/') path++;
    if (*path == 0) path = ".";
    if (gc_missing_syscalls() & GC_SYSCALL_OPENAT2) return gc_resolve_in_root(rootfd, path, flags);
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd;
    do fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    while (fd < 0 && (errno == EAGAIN || errno == EINTR));
    return fd;
}

int gc_restrict_mount(int rootfd, const char *path, uint64_t attrs, int recursive) {
    if (!attrs) return 0;
    int fd = gc_open_in_root(rootfd, path, O_PATH); // re-resolved: now the new mount's root
    if (fd < 0) return -1;
    int rc = gc_restrict_mount_fd(fd, attrs, recursive);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int gc_restrict_mount_fd(int fd, uint64_t attrs, int recursive) {
    if (!attrs) return 0;
    if (gc_missing_syscalls() & GC_SYSCALL_MOUNT_SETATTR) return gc_remount_restrict(fd, attrs, recursive);
    struct mount_attr attr = {.attr_set = attrs};
    return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr);
}

pid_t gc_raw_clone(unsigned long flags) { return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL); }

int gc_thread_count(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -errno;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

int gc_write_proc_self(const char *name, const char *text) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/%s", name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t len = strlen(text);
    ssize_t n;
    do n = write(fd, text, len);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0) return -e;
    return (size_t)n == len ? 0 : -EIO;
}

int gc_install_seccomp(const struct sock_filter *filter, unsigned short len) {
    struct sock_fprog prog = {.len = len, .filter = (struct sock_filter *)filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) return -errno;
    return 0;
}
