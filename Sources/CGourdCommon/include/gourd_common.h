// gourd_common.h: what CGourdLaunch and CGourdBuild both need after clone(2) and around
// their namespaces, written once. Prefix: gc_ (ours); GOURD_EXIT_* are the exit statuses the
// README documents, shared with Swift's GourdExit (a test checks they agree).
//
// Each function's comment says whether it is async-signal-safe (no malloc, no stdio, no
// locks), i.e. whether it may run in a cloned child before execve.
#ifndef GOURD_COMMON_H
#define GOURD_COMMON_H

#include <stdint.h>
#include <sys/types.h>

/// gourd (launch or build) failed before the workload or script started.
#define GOURD_EXIT_LAUNCH_FAILED 125
/// The command exists but cannot be executed (execve(2) EACCES, ENOEXEC...).
#define GOURD_EXIT_CANNOT_EXECUTE 126
/// The command was not found in the image's PATH.
#define GOURD_EXIT_NOT_FOUND 127

/// "/proc/self/fd/N" into buf (32 bytes: 14 + at most 10 digits + NUL). Async-signal-safe.
void gc_fd_path(char buf[32], int fd);

/// Opens `path` relative to rootfd with every symlink and ".." resolved as if rootfd were "/"
/// (openat2(2) RESOLVE_IN_ROOT, Linux 5.6; magic links refused): a symlink in an image or in
/// a bound host directory cannot lead outside the root. O_CLOEXEC is always added; EAGAIN
/// (a concurrent rename, openat2(2)) and EINTR are retried. Returns the fd, or -1 with errno.
/// Async-signal-safe.
int gc_open_in_root(int rootfd, const char *path, int flags);

/// Adds the MOUNT_ATTR_* `attrs` to the mount now on top of `path` inside the root (and its
/// submounts when `recursive`), through mount_setattr(2) (Linux 5.12). It only adds
/// restrictions, so flags the kernel locked on the source (a nosuid host /tmp, say) are kept
/// without reading and repeating them as MS_REMOUNT would need. 0, or -1 with errno.
/// Async-signal-safe.
int gc_restrict_mount(int rootfd, const char *path, uint64_t attrs, int recursive);

/// fork(2) without glibc's atfork handlers: callers are single-threaded, so no lock can be
/// held, and a raw clone runs no registered handler. Async-signal-safe.
pid_t gc_raw_clone(unsigned long flags);

struct sock_filter;

/// Sets no-new-privs (an unprivileged process may install a seccomp filter only under it,
/// seccomp(2)) and installs the classic-BPF program `filter` of `len` instructions on the
/// calling thread (inherited by children). 0 or -errno. Async-signal-safe.
int gc_install_seccomp(const struct sock_filter *filter, unsigned short len);

/// Sets no-new-privs and installs the seccomp filter every workload process and every build script
/// runs under (inherited by their children): ioctl(2) with TIOCSTI or TIOCLINUX in the low 32 bits of the
/// request fails with EPERM, so a workload cannot push input into the caller's terminal. Applies
/// to the calling thread. 0 or -errno. Async-signal-safe (stack only, prctl).
int gc_install_tty_filter(void);

/// The number of threads of this process (entries of /proc/self/task), or -errno.
/// unshare(CLONE_NEWUSER) fails with EINVAL once there is more than one (unshare(2)).
/// Not async-signal-safe (opendir allocates).
int gc_thread_count(void);

/// Writes `text` whole to /proc/self/NAME (uid_map, gid_map, setgroups): 0 or -errno (-EIO
/// for a short write). Not async-signal-safe (snprintf).
int gc_write_proc_self(const char *name, const char *text);

#endif
