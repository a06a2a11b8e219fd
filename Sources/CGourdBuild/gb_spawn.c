// gb_spawn.c: the build's user namespace and the processes it starts. See gourd_build.h.
//
// gourd build enters ONE user namespace at its start, mapping root onto the building user:
// from then on every file it writes is the user's on the host and "root" in the namespace,
// with the namespace's capabilities over exactly those files (so a base image's 0555
// directories or 0000 files never stop the build, mksquashfs or the clean-up).
// %post and %test run in a child with its own mount and PID namespaces: the root bound onto
// itself and pivoted into, /proc, a minimal /dev, the host's network (namespace shared) and
// resolv.conf. Everything after clone is async-signal-safe C; failures are reported as
// (step, errno) over a close-on-exec pipe, as in CGourdLaunch.
#define _GNU_SOURCE
#include "gourd_build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int gb_install_fake_root_filter(void); // gb_seccomp.c

// ---- the user namespace ----

int gb_enter_user_namespace(uid_t uid, gid_t gid, const char **step) {
    char map[64];
    *step = "unshare(CLONE_NEWUSER)";
    if (unshare(CLONE_NEWUSER) != 0) return -errno;
    // An unprivileged process may write gid_map only after denying setgroups (user_namespaces(7)).
    *step = "write /proc/self/setgroups";
    int rc = gc_write_proc_self("setgroups", "deny");
    if (rc != 0) return rc;
    *step = "write /proc/self/uid_map";
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
    if ((rc = gc_write_proc_self("uid_map", map)) != 0) return rc;
    *step = "write /proc/self/gid_map";
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
    return gc_write_proc_self("gid_map", map);
}

// ---- signals and waiting ----

static void termination_set(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGQUIT);
    sigaddset(set, SIGCHLD);
}

int gb_signals_block(sigset_t *old) {
    sigset_t set;
    termination_set(&set);
    // SIGPIPE is blocked too (not reported): a build whose log reader went away (`| head`)
    // must still clean up; its writes then fail with EPIPE instead. Children get the
    // original mask back, and a fork child starts with no pending signal.
    sigset_t blocked = set;
    sigaddset(&blocked, SIGPIPE);
    if (sigprocmask(SIG_BLOCK, &blocked, old) != 0) return -errno;
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return fd >= 0 ? fd : -errno;
}

int gb_signal_pending(int sigfd) {
    struct signalfd_siginfo si;
    for (;;) {
        ssize_t n = read(sigfd, &si, sizeof si);
        if (n != (ssize_t)sizeof si) return 0;
        if (si.ssi_signo != SIGCHLD) return (int)si.ssi_signo;
    }
}

int gb_wait(pid_t pid, int sigfd, int *code) {
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return 0;
        }
        if (r < 0 && errno != EINTR) return -errno;
        int signo = gb_signal_pending(sigfd);
        if (signo) return signo;
        struct pollfd p = {.fd = sigfd, .events = POLLIN};
        poll(&p, 1, 1000); // SIGCHLD or a termination signal wakes us; the timeout is a backstop
    }
}

void gb_kill_and_reap(pid_t pid) {
    kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
}

int gb_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno; }

const char *gb_step_name(int32_t step) {
    switch (step) {
    case GB_STEP_PDEATHSIG:
        return "prctl(PR_SET_PDEATHSIG)";
    case GB_STEP_PARENT_GONE:
        return "gourd ended before the child started";
    case GB_STEP_PRIVATE:
        return "make / private";
    case GB_STEP_BIND_ROOT:
        return "bind the build root";
    case GB_STEP_PROC:
        return "mount /proc";
    case GB_STEP_DEV:
        return "set up /dev";
    case GB_STEP_TMP:
        return "bind /tmp";
    case GB_STEP_HOST_FILES:
        return "bind /etc/resolv.conf and /etc/hosts";
    case GB_STEP_READONLY:
        return "make the root read-only";
    case GB_STEP_PIVOT:
        return "pivot_root into the build root";
    case GB_STEP_FORK:
        return "fork";
    case GB_STEP_SECCOMP:
        return "install the seccomp filter";
    case GB_STEP_CHDIR:
        return "chdir";
    case GB_STEP_STDIO:
        return "set up stdin";
    case GB_STEP_EXEC:
        return "exec";
    default:
        return "build step";
    }
}

// ---- helpers usable after clone (async-signal-safe: no malloc, no stdio, no locks) ----

/// Writes one failure record and ends the child. Async-signal-safe.
__attribute__((noreturn)) static void fail(int report, gb_step step, int err) {
    gb_failure f = {.step = step, .err = err};
    ssize_t ignored = write(report, &f, sizeof f);
    (void)ignored;
    _exit(GOURD_EXIT_LAUNCH_FAILED);
}

/// mount(2) onto the entry `rel` inside the root, through its descriptor. Async-signal-safe.
static int mount_on(int rootfd, const char *rel, const char *source, const char *type, unsigned long flags,
                    const char *data) {
    int fd = gc_open_in_root(rootfd, rel, O_PATH);
    if (fd < 0) return -1;
    char target[32];
    gc_fd_path(target, fd);
    int rc = mount(source, target, type, flags, data);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/// A minimal /dev: a tmpfs with the host's harmless nodes bound in. Async-signal-safe.
static void setup_dev(const gb_script_spec *spec, int rootfd) {
    static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty", "console"};
    static const char *const links[][2] = {
        {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
    };
    if (mount_on(rootfd, "dev", "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=1m") != 0)
        fail(spec->report_write, GB_STEP_DEV, errno);
    int dev = gc_open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
    if (dev < 0) fail(spec->report_write, GB_STEP_DEV, errno);
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        // console is /dev/null: tools that check it exists (debootstrap) find it, and what is
        // written to it goes nowhere.
        const char *source = strcmp(nodes[i], "console") == 0 ? "null" : nodes[i];
        char host[32] = "/dev/";
        memcpy(host + 5, source, strlen(source) + 1);
        int fd = openat(dev, nodes[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0) fail(spec->report_write, GB_STEP_DEV, errno);
        char target[32];
        gc_fd_path(target, fd);
        // A node the host lacks (no tty without a terminal driver) is left out.
        if (mount(host, target, NULL, MS_BIND, NULL) != 0 && errno != ENOENT)
            fail(spec->report_write, GB_STEP_DEV, errno);
        close(fd);
    }
    // A host program filling the root makes these itself (and would follow them on the host).
    for (size_t i = 0; spec->enter_root && i < sizeof links / sizeof *links; i++)
        if (symlinkat(links[i][1], dev, links[i][0]) != 0) fail(spec->report_write, GB_STEP_DEV, errno);
    if (mkdirat(dev, "pts", 0755) != 0 || mkdirat(dev, "shm", 01777) != 0) fail(spec->report_write, GB_STEP_DEV, errno);
    close(dev);
    // A private devpts instance (ptys for programs that want one) and shared memory; a
    // kernel that refuses either still builds most images, so neither is fatal.
    mount_on(rootfd, "dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
    mount_on(rootfd, "dev/shm", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

/// Binds a host file read-only onto the same path in the root when the root has a regular
/// file there (the skeleton makes one); anything else there is left alone. Async-signal-safe.
static void bind_host_file(const gb_script_spec *spec, int rootfd, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return; // the host lacks it
    int fd = gc_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
    if (fd < 0) return;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    char target[32];
    gc_fd_path(target, fd);
    if (mount(path, target, NULL, MS_BIND, NULL) != 0) fail(spec->report_write, GB_STEP_HOST_FILES, errno);
    close(fd);
    if (gc_restrict_mount(rootfd, path, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0) != 0)
        fail(spec->report_write, GB_STEP_HOST_FILES, errno);
}

/// The script's process: stdin, working directory, umask, filter, mask, exec. Async-signal-safe.
static void run_script(const gb_script_spec *spec) {
    if (spec->stdin_fd >= 0 && dup2(spec->stdin_fd, 0) < 0) fail(spec->report_write, GB_STEP_STDIO, errno);
    if (spec->output_fd >= 0 && (dup2(spec->output_fd, 1) < 0 || dup2(spec->output_fd, 2) < 0))
        fail(spec->report_write, GB_STEP_STDIO, errno);
    if (chdir(spec->workdir) != 0) fail(spec->report_write, GB_STEP_CHDIR, errno);
    umask(022);
    if (spec->fake_root_calls) {
        int rc = gb_install_fake_root_filter();
        if (rc != 0) fail(spec->report_write, GB_STEP_SECCOMP, -rc);
    }
    // A script shares the builder's terminal: it may not push input into it (TIOCSTI), as a
    // workload may not (gourd_tty_filter.c).
    int rc = gc_install_tty_filter();
    if (rc != 0) fail(spec->report_write, GB_STEP_SECCOMP, -rc);
    sigprocmask(SIG_SETMASK, &spec->child_mask, NULL);
    execve(spec->argv[0], spec->argv, spec->envp);
    fail(spec->report_write, GB_STEP_EXEC, errno);
}

/// Forks the script, then reaps until it ends and leaves with its status. Async-signal-safe.
__attribute__((noreturn)) static void supervise(const gb_script_spec *spec, int report) {
    pid_t script = fork();
    if (script < 0) fail(report, GB_STEP_FORK, errno);
    if (script == 0) run_script(spec);
    // Only the script keeps the report pipe: its exec closes it, which tells gourd it started.
    close(report);
    for (;;) {
        int status;
        pid_t r = waitpid(-1, &status, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) _exit(GOURD_EXIT_LAUNCH_FAILED);
        // Leaving ends the namespace: the kernel kills what the script left running.
        if (r == script) _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
}

/// PID 1 of the script's namespace. Async-signal-safe.
static void script_init(const gb_script_spec *spec) {
    int report = spec->report_write;
    close(spec->lifeline_write);
    close(spec->report_read);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(report, GB_STEP_PDEATHSIG, errno);
    // gourd may have died before PDEATHSIG was armed: then the lifeline reads as hung up.
    struct pollfd p = {.fd = spec->lifeline_read, .events = POLLIN};
    if (poll(&p, 1, 0) != 0) fail(report, GB_STEP_PARENT_GONE, ESRCH);

    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) fail(report, GB_STEP_PRIVATE, errno);
    if (!spec->enter_root) {
        // A host program filling the root (debootstrap): it finds the device nodes it
        // cannot make already there, and sets up /proc itself.
        int rootfd = open(spec->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) fail(report, GB_STEP_BIND_ROOT, errno);
        if (mkdirat(rootfd, "dev", 0755) != 0 && errno != EEXIST) fail(report, GB_STEP_DEV, errno);
        setup_dev(spec, rootfd);
        close(rootfd);
        if (chdir("/") != 0) fail(report, GB_STEP_CHDIR, errno);
        supervise(spec, report);
    }
    // The root becomes a mount point (pivot_root needs one) of its own.
    if (mount(spec->root, spec->root, NULL, MS_BIND | MS_REC, NULL) != 0) fail(report, GB_STEP_BIND_ROOT, errno);
    int rootfd = open(spec->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) fail(report, GB_STEP_BIND_ROOT, errno);

    // We are PID 1 of a PID namespace our user namespace owns: this procfs is ours. Where a
    // new procfs is refused (a /proc with masked paths), the host's is bound instead.
    if (mount_on(rootfd, "proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
        if (errno != EPERM || mount_on(rootfd, "proc", "/proc", NULL, MS_BIND | MS_REC, NULL) != 0)
            fail(report, GB_STEP_PROC, errno);
    }
    setup_dev(spec, rootfd);
    if (mount_on(rootfd, "sys", "/sys", NULL, MS_BIND | MS_REC, NULL) == 0)
        gc_restrict_mount(rootfd, "sys", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                          1);
    if (spec->tmp_source && mount_on(rootfd, "tmp", spec->tmp_source, NULL, MS_BIND, NULL) != 0)
        fail(report, GB_STEP_TMP, errno);
    bind_host_file(spec, rootfd, "/etc/resolv.conf");
    bind_host_file(spec, rootfd, "/etc/hosts");
    if (spec->readonly_root) {
        // mount_setattr(2), or a remount keeping the root's flags before Linux 5.12.
        int fd = open(spec->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || gc_restrict_mount_fd(fd, MOUNT_ATTR_RDONLY, 0) != 0) fail(report, GB_STEP_READONLY, errno);
        close(fd);
    }
    // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the
    // build root (pivot_root(2), NOTES).
    if (fchdir(rootfd) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 ||
        chdir("/") != 0)
        fail(report, GB_STEP_PIVOT, errno);
    close(rootfd);
    supervise(spec, report);
}

pid_t gb_spawn_script(const gb_script_spec *spec) {
    // Raw clone: no atfork handlers; the caller is single-threaded, so no lock is held.
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0) return -errno;
    if (pid == 0) script_init(spec); // never returns
    return pid;
}

pid_t gb_spawn_program(char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd, const sigset_t *mask,
                       int report_write) {
    pid_t pid = fork();
    if (pid < 0) return -errno;
    if (pid > 0) return pid;
    // Child: async-signal-safe calls only.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(report_write, GB_STEP_PDEATHSIG, errno);
    if ((in_fd >= 0 && dup2(in_fd, 0) < 0) || (out_fd >= 0 && dup2(out_fd, 1) < 0) ||
        (err_fd >= 0 && dup2(err_fd, 2) < 0))
        fail(report_write, GB_STEP_STDIO, errno);
    umask(022);
    sigprocmask(SIG_SETMASK, mask, NULL);
    execve(argv[0], argv, envp);
    fail(report_write, GB_STEP_EXEC, errno);
    return -1;
}
