// gourd_launch.c: the container's birth, from clone to execve. See gourd_launch.h.
//
// The order below follows docs/PLATFORM-NOTES.md, "Process structure that works": the launcher has
// already entered its user + mount namespace and mounted the image; here a child gets its own
// mount and PID namespaces, binds host paths under the image root, pivots into it and
// becomes PID 1 (a small init) of the container, which forks and execs the workload.
#define _GNU_SOURCE
#include "gourd_launch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// ---- helpers usable after clone (async-signal-safe: no malloc, no stdio, no locks) ----

/// Reports (step, errno, index) to the launcher and ends the child. Async-signal-safe.
static void fail(const gd_container_spec *spec, gd_step step, int err, int index, int code) {
    gd_failure f = {.step = step, .err = err, .index = index};
    ssize_t ignored = write(spec->report_write, &f, sizeof f);
    (void)ignored;
    _exit(code);
}

/// Translates MS_* flags into MOUNT_ATTR_* for mount_setattr(2).
static uint64_t mount_attrs(unsigned long flags) {
    uint64_t a = 0;
    if (flags & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV) a |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
    return a;
}

/// Adds `flags` to the mount now on top of `target` (and its submounts when recursive).
/// mount_setattr only adds restrictions, so flags the kernel locked on the source (a nosuid
/// host /tmp, say) are kept without having to read and repeat them as MS_REMOUNT would need.
static int restrict_mount(int rootfd, const char *target, unsigned long flags, int recursive) {
    return gc_restrict_mount(rootfd, target, mount_attrs(flags), recursive);
}

/// Creates the entries of a fresh tmpfs (mount points for later binds, symlinks). The tmpfs
/// is new and ours, so the names are plain relative paths under its root. Async-signal-safe.
static void populate_tmpfs(const gd_container_spec *spec, int rootfd, int i) {
    const gd_mount *m = &spec->mounts[i];
    int dfd = gc_open_in_root(rootfd, m->target, O_PATH);
    if (dfd < 0) fail(spec, GD_STEP_MKDIR, errno, i, GOURD_EXIT_LAUNCH_FAILED);
    for (size_t k = 0; k < m->nentries; k++) {
        const gd_tmpfs_entry *e = &m->entries[k];
        int rc = 0;
        switch (e->kind) {
        case GD_ENTRY_DIRECTORY:
            rc = mkdirat(dfd, e->path, 0755);
            break;
        case GD_ENTRY_FILE: {
            int fd = openat(dfd, e->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
            rc = fd < 0 ? -1 : close(fd);
            break;
        }
        case GD_ENTRY_SYMLINK:
            rc = symlinkat(e->target, dfd, e->path);
            break;
        default:
            errno = EINVAL;
            rc = -1;
        }
        if (rc != 0 && errno != EEXIST) fail(spec, GD_STEP_MKDIR, errno, i, GOURD_EXIT_LAUNCH_FAILED);
    }
    close(dfd);
}

static void apply_mount(const gd_container_spec *spec, int rootfd, int i) {
    const gd_mount *m = &spec->mounts[i];
    int tfd = gc_open_in_root(rootfd, m->target, O_PATH);
    if (tfd < 0) {
        if (errno == ENOENT && (m->options & GD_MOUNT_OPTIONAL)) return;
        fail(spec, GD_STEP_MOUNT_TARGET, errno, i, GOURD_EXIT_LAUNCH_FAILED);
    }
    char target[64];
    gc_fd_path(target, tfd);
    int recursive = (m->options & GD_MOUNT_RECURSIVE) != 0;
    int rc;
    switch (m->kind) {
    case GD_MOUNT_BIND:
        if (m->source_fd >= 0) {
            // source_fd is a detached copy of the host tree (open_tree OPEN_TREE_CLONE, made in
            // the launcher's namespace): attach it here. A plain bind from an fd of another
            // mount namespace fails with EINVAL.
            rc = (int)syscall(SYS_move_mount, m->source_fd, "", tfd, "",
                              MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
        } else if (m->source_path) {
            // Without move_mount: the launcher bound the source at source_path in its staging
            // tmpfs (gd_bind_fd), which our mount namespace copied; bind that copy here.
            rc = mount(m->source_path, target, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL);
        } else if (m->options & GD_MOUNT_OPTIONAL) {
            close(tfd); // an optional source that was missing on the host
            return;
        } else {
            errno = EBADF;
            rc = -1;
        }
        break;
    case GD_MOUNT_PROC:
        // We are PID 1 of the new PID namespace, so this procfs shows the container's processes.
        rc = mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        break;
    case GD_MOUNT_TMPFS:
        // A read-only tmpfs only holds mount points. A writable one (--contain's /tmp, home,
        // --scratch) is the workload's space: sticky and world-writable like /tmp, with the
        // kernel's default size (half of RAM, charged to the caller's memory cgroup).
        rc = mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
                   (m->flags & MS_RDONLY) ? "mode=0755,size=64k" : "mode=1777");
        break;
    default:
        errno = EINVAL;
        rc = -1;
    }
    if (rc != 0) fail(spec, GD_STEP_MOUNT, errno, i, GOURD_EXIT_LAUNCH_FAILED);
    close(tfd);
    if (m->kind == GD_MOUNT_TMPFS && m->nentries) populate_tmpfs(spec, rootfd, i);
    if (m->kind != GD_MOUNT_PROC && restrict_mount(rootfd, m->target, m->flags, recursive) != 0)
        fail(spec, GD_STEP_REMOUNT, errno, i, GOURD_EXIT_LAUNCH_FAILED);
}

/// Makes the staged image root this process's "/" and detaches the host's tree.
/// pivot_root(".", ".") stacks the old root on top of the new one; umount2 then removes it
/// (pivot_root(2), NOTES). The old root is still reachable only through our own fds.
static void enter_root(const gd_container_spec *spec, int rootfd) {
    if (fchdir(rootfd) != 0) fail(spec, GD_STEP_PIVOT, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    if (syscall(SYS_pivot_root, ".", ".") != 0) fail(spec, GD_STEP_PIVOT, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    if (umount2(".", MNT_DETACH) != 0) fail(spec, GD_STEP_PIVOT, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    if (chdir("/") != 0) fail(spec, GD_STEP_PIVOT, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
}

/// Runs a file that the kernel could not exec (ENOEXEC: no #! line) with /bin/sh, as
/// execvp(3) does. Async-signal-safe.
static void exec_with_sh(const char *file, char *const argv[], char *const envp[]) {
    size_t argc = 0;
    while (argv[argc]) argc++;
    char *shargv[argc + 2];
    shargv[0] = "/bin/sh";
    shargv[1] = (char *)file;
    for (size_t i = 1; i <= argc; i++) shargv[i + 1] = argv[i];
    execve("/bin/sh", shargv, envp);
    errno = ENOEXEC;
}

/// execvpe(3) with an explicit search path: glibc's execvpe searches the *caller's* PATH,
/// which is the host's, not the container's. Returns only on failure, with errno set to
/// ENOENT when nothing was found and EACCES when something was found but not executable.
/// Async-signal-safe.
static void exec_search(const char *file, char *const argv[], char *const envp[], const char *path) {
    if (strchr(file, '/')) {
        execve(file, argv, envp);
        if (errno == ENOEXEC) exec_with_sh(file, argv, envp);
        return;
    }
    int saw_eacces = 0;
    size_t flen = strlen(file);
    const char *p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
    for (;;) {
        const char *colon = strchr(p, ':');
        size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
        char buf[PATH_MAX];
        if (dlen + flen + 2 <= sizeof buf) {
            size_t n = 0;
            if (dlen == 0) buf[n++] = '.'; // an empty entry means the current directory
            memcpy(buf + n, p, dlen);
            n += dlen;
            buf[n++] = '/';
            memcpy(buf + n, file, flen + 1);
            execve(buf, argv, envp);
            switch (errno) {
            case EACCES:
                saw_eacces = 1;
                break;
            case ENOENT:
            case ENOTDIR:
            case ESTALE:
            case ELOOP:
            case ENAMETOOLONG:
                break;
            case ENOEXEC:
                exec_with_sh(buf, argv, envp);
                return;
            default:
                return;
            }
        }
        if (!colon) break;
        p = colon + 1;
    }
    errno = saw_eacces ? EACCES : ENOENT;
}

/// Leaves the calling process no capability, now or at a later exec, even when the caller is
/// root (uid 0 in a user namespace keeps its capabilities across execve, capabilities(7)):
/// clears the ambient and inheritable sets, empties the bounding set, then the permitted and
/// effective sets. Capabilities already out of the bounding set are skipped, so a process
/// whose parent dropped everything (the workload of a container init) calls it again without
/// CAP_SETPCAP. Async-signal-safe.
static int drop_capabilities(void) {
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return -1;
    // Dropping a capability the set lacks succeeds, so one call per capability does; only
    // without CAP_SETPCAP (EPERM, checked before the capability number) is each looked up, to
    // skip those already gone. EINVAL: past the last capability this kernel has.
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
        if (errno == EINVAL) break;
        if (errno != EPERM) return -1;
        int held = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (held < 0 && errno == EINVAL) break;
        if (held != 0) {
            if (held > 0) errno = EPERM;
            return -1;
        }
    }
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &header, data);
}

/// Whether the calling process holds no capability: permitted, effective and inheritable sets
/// empty (capget(2)). One system call, for processes whose parent ran drop_capabilities.
/// Async-signal-safe.
static bool holds_no_capability(void) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return false;
    for (int i = 0; i < 2; i++)
        if (data[i].permitted || data[i].effective || data[i].inheritable) return false;
    return true;
}

/// The workload process (PID 2): working directory, signal mask, exec. Both callers (the
/// container's init and a rank's joiner) ran drop_capabilities just before forking it, and
/// nothing in between can regain one (no setns, no exec): it only checks that, rather than
/// walking the bounding set again (~45 prctl calls per launch).
static void run_workload(const gd_container_spec *spec) {
    if (chdir(spec->workdir) != 0) fail(spec, GD_STEP_CHDIR, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    if (!holds_no_capability() && drop_capabilities() != 0)
        fail(spec, GD_STEP_CAPABILITIES, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    sigprocmask(SIG_SETMASK, &spec->workload_mask, NULL);
    exec_search(spec->argv[0], spec->argv, spec->envp, spec->search_path);
    int e = errno;
    fail(spec, GD_STEP_EXEC, e, -1, e == ENOENT ? GOURD_EXIT_NOT_FOUND : GOURD_EXIT_CANNOT_EXECUTE);
}

/// Closes every descriptor of the container's init. Async-signal-safe.
static void close_all(void) { gc_close_range(0, ~0U); }

/// Milliseconds on CLOCK_MONOTONIC. Async-signal-safe.
static int64_t monotonic_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/// Reaps every exited child. True when no process is left in the container (ECHILD: every
/// process of the PID namespace descends from its init). Async-signal-safe.
static int reap_all(void) {
    pid_t r;
    while ((r = waitpid(-1, NULL, WNOHANG)) > 0) {}
    return r < 0 && errno == ECHILD;
}

/// The workload has exited with `code`; what it left running (helpers, background jobs) gets
/// what `docker stop` and systemd give: SIGTERM, plus SIGCONT so that a stopped process sees
/// it, then up to spec->stop_timeout_ms to exit, reaped as they go. Signals gourd forwards
/// meanwhile go to all of them. Then the init exits with `code`: the kernel SIGKILLs whatever
/// remains and waits for it before our parent sees us exit (pid_namespaces(7)), so the image
/// stays served until the last process is gone. Async-signal-safe.
static void stop_the_rest(const gd_container_spec *spec, int sfd, int code) {
    if (reap_all() || spec->stop_timeout_ms <= 0) _exit(code);
    kill(-1, SIGTERM); // from PID 1: every other process of this PID namespace
    kill(-1, SIGCONT);
    int64_t deadline = monotonic_ms() + spec->stop_timeout_ms;
    for (;;) {
        if (reap_all()) _exit(code);
        int64_t left = deadline - monotonic_ms();
        if (left <= 0) _exit(code);
        struct pollfd p = {.fd = sfd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0) continue;
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si) continue;
        if (si.ssi_signo != SIGCHLD && si.ssi_code != SI_KERNEL) kill(-1, (int)si.ssi_signo);
    }
}

/// PID 1 of the container after the workload started: passes signals on, reaps orphans and,
/// once the workload has exited, stops what it left (stop_the_rest) and leaves with its status.
static void supervise(const gd_container_spec *spec, pid_t workload) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (size_t i = 0; i < spec->nforward; i++) sigaddset(&set, spec->forward_signals[i]);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0) {
        kill(workload, SIGKILL);
        _exit(GOURD_EXIT_LAUNCH_FAILED);
    }
    for (;;) {
        struct signalfd_siginfo si;
        ssize_t n = read(sfd, &si, sizeof si);
        if (n != (ssize_t)sizeof si) {
            if (n < 0 && errno == EINTR) continue;
            kill(workload, SIGKILL);
            _exit(GOURD_EXIT_LAUNCH_FAILED);
        }
        if (si.ssi_signo == SIGCHLD) {
            int status;
            pid_t r;
            while ((r = waitpid(-1, &status, WNOHANG)) > 0) {
                if (r != workload) continue;
                stop_the_rest(spec, sfd, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            }
            continue;
        }
        // A terminal's signals already reached the workload through the process group.
        if (si.ssi_code == SI_KERNEL) continue;
        kill(workload, (int)si.ssi_signo);
    }
}

/// PID 1 of a shared container: ready once the root is set up (closing the report pipe says
/// so), then only reaps the orphans that ranks' workloads leave. Every catchable signal stays
/// blocked: a scheduler's SIGTERM to the whole step must reach the workloads, not end the
/// namespace under them. It ends with its server (PR_SET_PDEATHSIG), and the kernel then ends
/// every process left in the namespace. Async-signal-safe.
static void hold(const gd_container_spec *spec) {
    // Every descriptor goes, the report pipe included (which says
    // "ready"): the server's listening socket, the image and the bind sources stay with the
    // server only.
    close_all();
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC);
    if (sfd < 0) _exit(GOURD_EXIT_LAUNCH_FAILED);
    for (;;) {
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) < 0 && errno != EINTR) _exit(GOURD_EXIT_LAUNCH_FAILED);
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
    }
}

/// The container's own UTS and network namespaces, when asked for: its host name, and the
/// loopback interface up (a new network namespace has only `lo`, down; see
/// network_namespaces(7)). Async-signal-safe: plain system calls.
static void setup_namespaces(const gd_container_spec *spec) {
    if ((spec->namespaces & CLONE_NEWUTS) && spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) != 0)
        fail(spec, GD_STEP_HOSTNAME, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    if (spec->namespaces & CLONE_NEWNET) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        memcpy(ifr.ifr_name, "lo", 3);
        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
            fail(spec, GD_STEP_LOOPBACK, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) fail(spec, GD_STEP_LOOPBACK, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
        close(fd);
    }
}

/// --overlay / --writable-tmpfs: overlayfs over the image root. Its layers are already
/// mounted in the staging tree (host directories attached, squashfs layers served by gourd),
/// so spec->overlay_data names only staging paths. With --writable-tmpfs the upper layer is
/// first made here, on a tmpfs of 64 MiB (Apptainer's default "sessiondir max size"), so the
/// workload may write anywhere while nothing reaches the image or the host. Unprivileged
/// overlayfs needs Linux 5.11 and `userxattr` (overlayfs(5)). Async-signal-safe: plain
/// system calls on prepared strings.
static void setup_overlay(const gd_container_spec *spec) {
    if (spec->overlay_dir) {
        if (mount("tmpfs", spec->overlay_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64m") != 0)
            fail(spec, GD_STEP_OVERLAY, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
        int dfd = open(spec->overlay_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || mkdirat(dfd, "upper", 0755) != 0 || mkdirat(dfd, "work", 0755) != 0)
            fail(spec, GD_STEP_OVERLAY, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
        close(dfd);
    }
    if (mount("overlay", spec->root, "overlay", MS_NOSUID | MS_NODEV, spec->overlay_data) != 0)
        fail(spec, GD_STEP_OVERLAY, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
}

static void container_init(const gd_container_spec *spec) {
    // Only the server may hold the image's FUSE connection (inherited at clone): a process
    // that holds it and waits on a FUSE request of that connection when the server dies keeps
    // the connection alive, and waits forever, in D state, SIGKILL or not (the kernel aborts a
    // connection only when its last descriptor closes). Workloads faulting on the image after
    // a SIGKILLed server get ENOTCONN or SIGBUS, then the kernel's SIGKILL; never a hang.
    if (spec->fuse_fd >= 0) close(spec->fuse_fd);
    for (size_t i = 0; i < spec->nlayer_fds; i++) close(spec->layer_fds[i]);
    close(spec->lifeline_write);
    close(spec->report_read);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(spec, GD_STEP_PDEATHSIG, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    // The launcher may have died before PDEATHSIG was armed: then the lifeline has no writer
    // and polls as hung up. (getppid() is 0 in a new PID namespace, so it cannot tell.)
    struct pollfd p = {.fd = spec->lifeline_read, .events = POLLIN};
    if (poll(&p, 1, 0) != 0) fail(spec, GD_STEP_PARENT_GONE, ESRCH, -1, GOURD_EXIT_LAUNCH_FAILED);
    setup_namespaces(spec);
    if (spec->overlay_data) setup_overlay(spec);

    int rootfd = open(spec->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) fail(spec, GD_STEP_OPEN_ROOT, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    for (size_t i = 0; i < spec->nmounts; i++) apply_mount(spec, rootfd, (int)i);
    enter_root(spec, rootfd);
    close(rootfd);
    // Mounting is done: the init keeps no capability (it only forwards signals to and reaps
    // processes of its own uid), so a workload that reaches it (ptrace, same uid) gains none.
    if (drop_capabilities() != 0) fail(spec, GD_STEP_CAPABILITIES, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    // The filter goes on the init itself (nothing it does needs those ioctls), so that every
    // process of the container inherits it, and a workload that ptraces its init (same uid)
    // finds no unfiltered process to borrow.
    if (gc_install_tty_filter() != 0) fail(spec, GD_STEP_SECCOMP, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    if (spec->hold) hold(spec);

    // vfork: the workload borrows our memory until it execs (or _exits), so no page tables are
    // copied; run_workload only touches its own stack and task-local state (cwd, creds, mask).
    pid_t workload = vfork();
    if (workload < 0) fail(spec, GD_STEP_FORK_WORKLOAD, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
    if (workload == 0) run_workload(spec);
    // vfork returned: the workload has exec'd (or failed and reported). The init now closes
    // every descriptor it holds: the report pipe (only the workload
    // kept it; its exec closed it, which tells the launcher that the workload started), the
    // caller's descriptors that the workload inherited (0, 1, 2 and any passed on), and
    // gourd's own close-on-exec ones inherited at clone (the bind sources' mount trees, the
    // image file, gourd's signalfd).
    close_all();
    supervise(spec, workload);
}

pid_t gd_spawn_container(const gd_container_spec *spec) {
    pid_t pid =
        gc_raw_clone(CLONE_NEWNS | CLONE_NEWPID | (spec->namespaces & (CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET)));
    if (pid < 0) return -errno;
    if (pid == 0) container_init(spec); // never returns
    return pid;
}

// ---- launcher-side wrappers (called from Swift before any fork) ----

int gd_permitted_capabilities(uint64_t *caps) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &header, data) != 0) return -errno;
    *caps = (uint64_t)data[1].permitted << 32 | data[0].permitted;
    return 0;
}

int gd_unshare(int flags) { return unshare(flags) == 0 ? 0 : -errno; }
int gd_clone_newuser_newns(void) { return CLONE_NEWUSER | CLONE_NEWNS; }
int gd_clone_extra_flags(int uts, int ipc, int net) {
    return (uts ? CLONE_NEWUTS : 0) | (ipc ? CLONE_NEWIPC : 0) | (net ? CLONE_NEWNET : 0);
}
int gd_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : -errno; }

int gd_make_rprivate(void) {
    // Nothing we mount may propagate back to the host (mount_namespaces(7)).
    return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 ? 0 : -errno;
}

int gd_mount_tmpfs(const char *target, const char *options) {
    return mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options) == 0 ? 0 : -errno;
}

int gd_block_and_signalfd(const int *signals, size_t n, sigset_t *old) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (size_t i = 0; i < n; i++) sigaddset(&set, signals[i]);
    if (sigprocmask(SIG_BLOCK, &set, old) != 0) return -errno;
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return fd >= 0 ? fd : -errno;
}

int gd_read_signal(int sfd, int *signo, int32_t *pid, int32_t *code) {
    struct signalfd_siginfo si;
    ssize_t n = read(sfd, &si, sizeof si);
    if (n < 0) return -errno;
    if (n != (ssize_t)sizeof si) return -EIO;
    *signo = (int)si.ssi_signo;
    *pid = (int32_t)si.ssi_pid;
    *code = si.ssi_code;
    return 0;
}

int gd_signal_from_kernel(int32_t code) { return code == SI_KERNEL; }
int gd_kill(pid_t pid, int signo) { return kill(pid, signo) == 0 ? 0 : -errno; }

int gd_reap(pid_t pid, int *code) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r < 0) return -errno;
    if (r == 0) return 0;
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

int gd_clone_tree(const char *path, int recursive) {
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
    return fd >= 0 ? fd : -errno;
}

int gd_bind_fd(int fd, const char *target, int recursive) {
    char source[32];
    gc_fd_path(source, fd);
    return mount(source, target, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) == 0 ? 0 : -errno;
}

int gd_set_unbindable(const char *path, int unbindable) {
    return mount(NULL, path, NULL, unbindable ? MS_UNBINDABLE : MS_PRIVATE, NULL) == 0 ? 0 : -errno;
}

int gd_open_path(const char *path) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

int gd_enter_staging(const char *staging, int proc_tree, const char **step) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/proc", staging);
    if (proc_tree >= 0) {
        *step = "move_mount /proc";
        if (syscall(SYS_move_mount, proc_tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) != 0) return -errno;
    } else {
        *step = "mount --rbind /proc";
        if (mount("/proc", path, NULL, MS_BIND | MS_REC, NULL) != 0) return -errno;
    }
    snprintf(path, sizeof path, "%s/.old-root", staging);
    *step = "mkdir";
    if (mkdir(path, 0700) != 0) return -errno;
    *step = "chdir";
    if (chdir(staging) != 0) return -errno;
    *step = "pivot_root";
    if (syscall(SYS_pivot_root, ".", ".old-root") != 0) return -errno;
    *step = "umount2 old root";
    if (umount2("/.old-root", MNT_DETACH) != 0) return -errno;
    rmdir("/.old-root");
    *step = "chdir";
    if (chdir("/") != 0) return -errno;
    return 0;
}

int gd_fs_type(const char *path, uint64_t *type) {
    struct statfs st;
    if (statfs(path, &st) != 0) return -errno;
    *type = (uint64_t)st.f_type;
    return 0;
}

int gd_attach_tree(int tree, const char *path) {
    return syscall(SYS_move_mount, tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) == 0 ? 0 : -errno;
}

int gd_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno; }

unsigned long gd_mount_flags(int read_only, int nosuid, int nodev, int noexec) {
    return (read_only ? MS_RDONLY : 0) | (nosuid ? MS_NOSUID : 0) | (nodev ? MS_NODEV : 0) | (noexec ? MS_NOEXEC : 0);
}

const char *gd_step_name(int32_t step) {
    switch (step) {
    case GD_STEP_PDEATHSIG:
        return "prctl(PR_SET_PDEATHSIG)";
    case GD_STEP_PARENT_GONE:
        return "launcher gone";
    case GD_STEP_OPEN_ROOT:
        return "open image root";
    case GD_STEP_MOUNT_TARGET:
        return "resolve mount destination";
    case GD_STEP_MOUNT:
        return "mount";
    case GD_STEP_REMOUNT:
        return "set mount flags";
    case GD_STEP_MKDIR:
        return "create mount point";
    case GD_STEP_PIVOT:
        return "pivot_root";
    case GD_STEP_CHDIR:
        return "chdir";
    case GD_STEP_CAPABILITIES:
        return "drop capabilities";
    case GD_STEP_FORK_WORKLOAD:
        return "fork workload";
    case GD_STEP_EXEC:
        return "exec";
    case GD_STEP_SETNS:
        return "join the shared container (setns)";
    case GD_STEP_SECCOMP:
        return "install the seccomp filter";
    case GD_STEP_HOSTNAME:
        return "sethostname (--hostname)";
    case GD_STEP_LOOPBACK:
        return "bring up the loopback interface (--network none)";
    case GD_STEP_OVERLAY:
        return "mount overlayfs (--overlay, --writable-tmpfs)";
    default:
        return "launch";
    }
}

// ---- shared containers: joining, and the rendezvous socket ----

pid_t gd_join_and_spawn(const gd_container_spec *spec, const int ns_fds[3], int32_t *step, int32_t *index) {
    static const int types[3] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID};
    for (int i = 0; i < 3; i++) {
        if (setns(ns_fds[i], types[i]) != 0) {
            *step = GD_STEP_SETNS;
            *index = i;
            return -errno;
        }
    }
    // vfork: no copy of the launcher's page tables (a large binary: dup_mmap showed in
    // profiles); the child touches only its own stack and task state until it execs.
    pid_t pid = vfork();
    if (pid < 0) {
        *step = GD_STEP_FORK_WORKLOAD;
        *index = -1;
        return -errno;
    }
    if (pid == 0) {
        close(spec->lifeline_write);
        close(spec->report_read);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(spec, GD_STEP_PDEATHSIG, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
        struct pollfd p = {.fd = spec->lifeline_read, .events = POLLIN};
        if (poll(&p, 1, 0) != 0) fail(spec, GD_STEP_PARENT_GONE, ESRCH, -1, GOURD_EXIT_LAUNCH_FAILED);
        // setns gave this process every capability in the container's user namespace, and it
        // descends from the rank's launcher, not from the container's init: it gets the same
        // empty capability sets, no-new-privs and seccomp filter as a single launch here.
        if (drop_capabilities() != 0) fail(spec, GD_STEP_CAPABILITIES, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
        if (gc_install_tty_filter() != 0) fail(spec, GD_STEP_SECCOMP, errno, -1, GOURD_EXIT_LAUNCH_FAILED);
        run_workload(spec); // never returns
    }
    return pid;
}

static socklen_t abstract_address(struct sockaddr_un *addr, const char *name) {
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    size_t len = strlen(name);
    if (len > sizeof addr->sun_path - 1) len = sizeof addr->sun_path - 1;
    memcpy(addr->sun_path + 1, name, len); // sun_path[0] == 0: abstract (unix(7))
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

int gd_share_listen(const char *name) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -errno;
    struct sockaddr_un addr;
    socklen_t len = abstract_address(&addr, name);
    if (bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 1024) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int gd_share_connect(const char *name) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_un addr;
    socklen_t len = abstract_address(&addr, name);
    int rc;
    do rc = connect(fd, (struct sockaddr *)&addr, len);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int gd_share_accept(int listen_fd) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    return fd >= 0 ? fd : -errno;
}

int gd_share_peer_uid(int fd, uint32_t *uid) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -errno;
    *uid = cred.uid;
    return 0;
}

int gd_share_send(int fd, const gd_share_reply *reply, const int *fds, int nfds) {
    struct iovec iov = {.iov_base = (void *)reply, .iov_len = sizeof *reply};
    union {
        char buf[CMSG_SPACE(3 * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds > 0) {
        if (nfds > 3) return -EINVAL;
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    ssize_t n;
    do n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    return n == (ssize_t)sizeof *reply ? 0 : -EIO;
}

int gd_share_recv(int fd, gd_share_reply *reply, int fds[3], int *nfds, int timeout_ms) {
    *nfds = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int rc;
    do rc = poll(&p, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) return -errno;
    if (rc == 0) return -ETIMEDOUT;
    struct iovec iov = {.iov_base = reply, .iov_len = sizeof *reply};
    union {
        char buf[CMSG_SPACE(3 * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    ssize_t n;
    do n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int got[16];
        if (count > 16) count = 16;
        memcpy(got, CMSG_DATA(c), (size_t)count * sizeof(int));
        for (int i = 0; i < count; i++) {
            if (*nfds < 3)
                fds[(*nfds)++] = got[i];
            else
                close(got[i]);
        }
    }
    if (n == 0) return -ECONNRESET;
    if (n != (ssize_t)sizeof *reply) {
        for (int i = 0; i < *nfds; i++) close(fds[i]);
        *nfds = 0;
        return -EIO;
    }
    return 0;
}

void gd_close_all_except(const int *keep, size_t n) {
    // close_range(2) (Linux 5.9; gc_close_range falls back) over the gaps between the kept
    // descriptors, in order.
    int sorted[16];
    size_t m = 0;
    for (size_t i = 0; i < n && m < 16; i++) {
        if (keep[i] < 3) continue;
        size_t j = m++;
        while (j > 0 && sorted[j - 1] > keep[i]) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = keep[i];
    }
    unsigned lo = 3;
    for (size_t i = 0; i < m; i++) {
        unsigned k = (unsigned)sorted[i];
        if (k > lo) gc_close_range(lo, k - 1);
        if (k >= lo) lo = k + 1;
    }
    gc_close_range(lo, ~0U);
}

pid_t gd_fork(void) {
    pid_t pid = gc_raw_clone(0);
    return pid >= 0 ? pid : -errno;
}

int gd_detach(void) {
    if (setsid() < 0) return -errno;
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return -errno;
    for (int fd = 0; fd < 3; fd++)
        if (dup2(null, fd) < 0) {
            int e = errno;
            close(null);
            return -e;
        }
    close(null);
    return 0;
}

int gd_block_all_signalfd(sigset_t *old) {
    sigset_t all;
    sigfillset(&all);
    // Faults stay deliverable: blocked, a synchronous SIGSEGV kills without a word (signal(7)),
    // and a corrupt image's crash in libsquashfuse must reach gd_image_report_crashes.
    const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof faults / sizeof *faults; i++) sigdelset(&all, faults[i]);
    if (sigprocmask(SIG_BLOCK, &all, old) != 0) return -errno;
    int fd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
    return fd >= 0 ? fd : -errno;
}
