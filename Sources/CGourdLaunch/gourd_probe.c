// gourd_probe.c: `gourd check` tries each kernel feature a launch needs, in a throwaway child.
#define _GNU_SOURCE
#include "gourd_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    int32_t step, err;
} probe_result;

static void report(int fd, int step, int err) {
    probe_result r = {step, err};
    ssize_t ignored = write(fd, &r, sizeof r);
    (void)ignored;
    _exit(0);
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

int gd_missing_syscalls(void) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return gc_probe_syscalls(0);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return gc_probe_syscalls(0);
    }
    if (pid == 0) {
        close(fds[0]);
        int in_namespace = unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0;
        int32_t bits = gc_probe_syscalls(in_namespace);
        ssize_t ignored = write(fds[1], &bits, sizeof bits);
        (void)ignored;
        _exit(0);
    }
    close(fds[1]);
    int32_t bits = 0;
    ssize_t n;
    do n = read(fds[0], &bits, sizeof bits);
    while (n < 0 && errno == EINTR);
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return n == (ssize_t)sizeof bits ? bits : gc_probe_syscalls(0);
}

static void probe_child(int fd) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) report(fd, GD_PROBE_USERNS, errno);
    char map[64];
    if (write_file("/proc/self/setgroups", "deny") != 0) report(fd, GD_PROBE_ID_MAPS, errno);
    snprintf(map, sizeof map, "%u %u 1\n", uid, uid);
    if (write_file("/proc/self/uid_map", map) != 0) report(fd, GD_PROBE_ID_MAPS, errno);
    snprintf(map, sizeof map, "%u %u 1\n", gid, gid);
    if (write_file("/proc/self/gid_map", map) != 0) report(fd, GD_PROBE_ID_MAPS, errno);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) report(fd, GD_PROBE_PRIVATE, errno);
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0) report(fd, GD_PROBE_PRIVATE, errno);
    int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fuse < 0) report(fd, GD_PROBE_FUSE_OPEN, errno);
    char opts[128];
    snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=%u,group_id=%u", fuse, uid, gid);
    if (mkdir("/tmp/f", 0700) != 0 ||
        mount("gourd-check", "/tmp/f", "fuse", MS_NOSUID | MS_NODEV | MS_RDONLY, opts) != 0)
        report(fd, GD_PROBE_FUSE_MOUNT, errno);
    umount2("/tmp/f", MNT_DETACH);
    close(fuse);
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0) report(fd, GD_PROBE_PIDNS, errno);
    if (pid == 0) {
        if (mkdir("/tmp/p", 0700) != 0 || mount("proc", "/tmp/p", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
            _exit(errno ? errno : 1);
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) report(fd, GD_PROBE_PIDNS, errno);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        report(fd, GD_PROBE_PIDNS, WIFEXITED(status) ? WEXITSTATUS(status) : EINTR);
    report(fd, GD_PROBE_OK, 0);
}

int gd_probe(int *err) {
    int fds[2];
    *err = 0;
    if (pipe2(fds, O_CLOEXEC) != 0) {
        *err = errno;
        return GD_PROBE_USERNS;
    }
    pid_t pid = fork();
    if (pid < 0) {
        *err = errno;
        close(fds[0]);
        close(fds[1]);
        return GD_PROBE_USERNS;
    }
    if (pid == 0) {
        close(fds[0]);
        probe_child(fds[1]);
    }
    close(fds[1]);
    probe_result r = {GD_PROBE_USERNS, EIO};
    ssize_t n = read(fds[0], &r, sizeof r);
    close(fds[0]);
    waitpid(pid, NULL, 0);
    if (n != (ssize_t)sizeof r) {
        *err = EIO;
        return GD_PROBE_USERNS;
    }
    *err = r.err;
    return r.step;
}
