// gourd_warm: entering a warm image server's namespaces (see include/gourd_warm.h).
// Prefixes: gd_warm_ ours; setns, unshare, open from libc.
#define _GNU_SOURCE
#include "gourd_warm.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>

int gd_warm_join_user(int fd) { return setns(fd, CLONE_NEWUSER) == 0 ? 0 : -errno; }

int gd_warm_join_mount(int fd) { return setns(fd, CLONE_NEWNS) == 0 ? 0 : -errno; }

int gd_warm_private_mounts(void) { return unshare(CLONE_NEWNS) == 0 ? 0 : -errno; }

int gd_warm_open_directory(const char *path) {
    int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}
