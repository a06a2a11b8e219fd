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

/// The system calls gourd prefers that Linux 4.18 (RHEL 8) lacks, as bits of
/// gc_missing_syscalls(). Each has a fallback with the same guarantees (docs/PLATFORM-NOTES.md,
/// "Kernels before 5.12").
typedef enum {
    GC_SYSCALL_OPENAT2 = 1 << 0,       ///< openat2(2), 5.6; else gc_resolve_in_root
    GC_SYSCALL_OPEN_TREE = 1 << 1,     ///< open_tree(2), 5.2; else mount(2) MS_BIND
    GC_SYSCALL_MOVE_MOUNT = 1 << 2,    ///< move_mount(2), 5.2; else mount(2) MS_BIND
    GC_SYSCALL_MOUNT_SETATTR = 1 << 3, ///< mount_setattr(2), 5.12; else gc_remount_restrict
    GC_SYSCALL_CLOSE_RANGE = 1 << 4,   ///< close_range(2), 5.9; else close(2) per /proc/self/fd entry
} gc_syscall_bit;

/// Tries each of those calls with arguments it rejects before doing anything, and caches the
/// answer for gc_missing_syscalls. Missing: ENOSYS (an older kernel, or a seccomp filter that
/// says so), or EPERM, which no kernel returns for these arguments, only a seccomp filter
/// (Docker's default profile) - except move_mount(2), which checks CAP_SYS_ADMIN over the mount
/// namespace first: its EPERM counts only when `may_mount` (the caller has unshared its own
/// user and mount namespaces). Returns the gc_syscall_bit set. Async-signal-safe.
int gc_probe_syscalls(int may_mount);

/// The answer of the last gc_probe_syscalls in this process (or its parent before clone),
/// probing with may_mount 0 on first use. Async-signal-safe.
int gc_missing_syscalls(void);

/// Opens `path` relative to rootfd with every symlink and ".." resolved as if rootfd were "/"
/// (openat2(2) RESOLVE_IN_ROOT, Linux 5.6; magic links refused): a symlink in an image or in
/// a bound host directory cannot lead outside the root. O_CLOEXEC is always added; EAGAIN
/// (a concurrent rename, openat2(2)) and EINTR are retried. Without openat2
/// (gc_missing_syscalls), gc_resolve_in_root does the same in userspace. Returns the fd, or -1
/// with errno. Async-signal-safe.
int gc_open_in_root(int rootfd, const char *path, int flags);

/// gourd's own RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (gourd_in_root.c): `path` walked one
/// component at a time with O_PATH | O_NOFOLLOW from rootfd, symlinks read and resolved inside
/// the root (absolute ones from rootfd), at most 40 of them (ELOOP, as the kernel), ".." never
/// above rootfd, procfs magic links refused (ELOOP), the result reopened with `flags` without
/// following anything again. O_CLOEXEC is always added. fd, or -1 with errno. Async-signal-safe.
int gc_resolve_in_root(int rootfd, const char *path, int flags);

/// Adds the MOUNT_ATTR_* `attrs` to the mount now on top of `path` inside the root (and its
/// submounts when `recursive`), through mount_setattr(2) (Linux 5.12). It only adds
/// restrictions, so flags the kernel locked on the source (a nosuid host /tmp, say) are kept
/// without reading and repeating them as MS_REMOUNT would need. Without mount_setattr
/// (gc_missing_syscalls), gc_remount_restrict. 0, or -1 with errno. Async-signal-safe.
int gc_restrict_mount(int rootfd, const char *path, uint64_t attrs, int recursive);

/// gc_restrict_mount for `fd`, an O_PATH descriptor of a mount's root. Async-signal-safe.
int gc_restrict_mount_fd(int fd, uint64_t attrs, int recursive);

/// The remount fallback of gc_restrict_mount_fd (gourd_remount.c): mount(2) MS_REMOUNT |
/// MS_BIND with `attrs` (RDONLY, NOSUID, NODEV, NOEXEC only: EINVAL for others) plus the flags
/// the mount already has (fstatfs(2) f_flags), because in a user namespace the kernel refuses
/// (EPERM) a remount that would clear a flag it locked on a mount from a more privileged
/// namespace (mount_namespaces(7), "restrictions on mount namespaces"); atime flags are left
/// out, so the kernel keeps them. With `recursive`, every mount below it too, found in
/// /proc/self/mountinfo by parent mount id. 0, or -1 with errno. Async-signal-safe.
int gc_remount_restrict(int fd, uint64_t attrs, int recursive);

/// Closes every descriptor from `lo` to `hi`: close_range(2) (Linux 5.9), else each open one
/// listed in /proc/self/fd (getdents64), else each number below RLIMIT_NOFILE (at most 65536).
/// Async-signal-safe.
void gc_close_range(unsigned lo, unsigned hi);

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
