// gourd_launch: the namespace / fork / exec path, in C because nothing may run between fork
// and exec that takes locks or allocates behind our back (Swift's runtime does both).
//
// Prefixes: gd_ is ours. Each function's comment says whether it is async-signal-safe.
// Nothing here prints or exits the caller; failures are (step, errno) values.
#ifndef GOURD_LAUNCH_H
#define GOURD_LAUNCH_H

#include "gourd_common.h"
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// Where a launch failed. The container init reports these over a close-on-exec pipe.
typedef enum {
    GD_STEP_NONE = 0,
    GD_STEP_PDEATHSIG,     ///< prctl(PR_SET_PDEATHSIG)
    GD_STEP_PARENT_GONE,   ///< the launcher died before the container started
    GD_STEP_OPEN_ROOT,     ///< open the staged image root
    GD_STEP_MOUNT_TARGET,  ///< resolve a mount destination inside the root (openat2 or gourd's resolver)
    GD_STEP_MOUNT,         ///< mount(2) of a plan entry
    GD_STEP_REMOUNT,       ///< remount of a bind with its flags
    GD_STEP_MKDIR,         ///< creating an entry (directory, file, symlink) in a synthesized tmpfs
    GD_STEP_PIVOT,         ///< pivot_root / detach of the old root
    GD_STEP_CHDIR,         ///< chdir to the working directory
    GD_STEP_FORK_WORKLOAD, ///< fork of the workload by the container init
    GD_STEP_EXEC,          ///< execve of the workload
    GD_STEP_CAPABILITIES,  ///< dropping every capability before exec
    GD_STEP_SETNS,         ///< joining a shared container's namespaces (index: 0 user, 1 mount, 2 pid)
    GD_STEP_SECCOMP,       ///< no-new-privs and the workload's seccomp filter
    GD_STEP_HOSTNAME,      ///< sethostname in the container's UTS namespace (--hostname)
    GD_STEP_LOOPBACK,      ///< bringing up lo in the container's network namespace (--network none)
    GD_STEP_OVERLAY,       ///< the overlay over the image root (--overlay, --writable-tmpfs)
} gd_step;

/// One failure record, written once by the container side.
typedef struct {
    int32_t step;  ///< gd_step
    int32_t err;   ///< errno
    int32_t index; ///< mount entry index for mount steps, else -1
} gd_failure;

typedef enum {
    GD_MOUNT_BIND = 1,  ///< attach source_fd, a detached tree from gd_clone_tree (else bind source_path)
    GD_MOUNT_PROC = 2,  ///< a new procfs for the container's PID namespace
    GD_MOUNT_TMPFS = 3, ///< an empty tmpfs, then each of `entries` created in it
} gd_mount_kind;

enum {
    GD_MOUNT_RECURSIVE = 1, ///< MS_REC on the bind
    GD_MOUNT_OPTIONAL = 2,  ///< skip silently when the destination does not exist
};

/// What a GD_MOUNT_TMPFS entry creates, relative to the new tmpfs.
typedef enum {
    GD_ENTRY_DIRECTORY = 1, ///< mkdir, mode 0755
    GD_ENTRY_FILE = 2,      ///< an empty file, mode 0644: a mount point for a bound file or node
    GD_ENTRY_SYMLINK = 3,   ///< symlink(target, path)
} gd_entry_kind;

typedef struct {
    int32_t kind;       ///< gd_entry_kind
    const char *path;   ///< relative to the tmpfs; parents come earlier in the list
    const char *target; ///< GD_ENTRY_SYMLINK only
} gd_tmpfs_entry;

typedef struct {
    int32_t kind;                  ///< gd_mount_kind
    int32_t source_fd;             ///< GD_MOUNT_BIND: detached mount from gd_clone_tree, or -1
    const char *source_path;       ///< GD_MOUNT_BIND without source_fd: a path in the init's mount
                                   ///< namespace bound with mount(2) (kernels without move_mount)
    const char *target;            ///< absolute path inside the container root
    unsigned long flags;           ///< MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC to apply
    int32_t options;               ///< GD_MOUNT_RECURSIVE | GD_MOUNT_OPTIONAL
    const gd_tmpfs_entry *entries; ///< GD_MOUNT_TMPFS: what to create in it before later mounts
    size_t nentries;
} gd_mount;

typedef struct {
    const char *root; ///< the staged image root, a mount point in our namespace
    const gd_mount *mounts;
    size_t nmounts;
    const char *workdir; ///< where the workload starts; "/" if it cannot
    char *const *argv;   ///< argv[0] is searched in `search_path` unless it has a '/'
    char *const *envp;
    const char *search_path;    ///< PATH used to find argv[0] (the container's, not ours)
    int lifeline_read;          ///< read end of a pipe whose write end only the launcher holds
    int lifeline_write;         ///< closed in the child
    int report_write;           ///< close-on-exec pipe for one gd_failure
    int report_read;            ///< closed in the child
    sigset_t workload_mask;     ///< signal mask to restore before exec
    const int *forward_signals; ///< signals the container init passes on to the workload
    size_t nforward;
    int hold;                 ///< no workload: the init holds the namespaces for ranks that join
    int stop_timeout_ms;      ///< after the workload: SIGTERM to what it left, this long, then SIGKILL
    int fuse_fd;              ///< the image's /dev/fuse connection, which the init closes first (-1: none)
    int namespaces;           ///< more namespaces for the init: CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET, or 0
    const char *hostname;     ///< with CLONE_NEWUTS: the container's host name, or NULL to keep the host's
    const char *overlay_dir;  ///< --writable-tmpfs: an empty directory for the upper layer's tmpfs, or NULL
    const char *overlay_data; ///< overlayfs options (lowerdir=...,userxattr), or NULL: no overlay
    const int *layer_fds;     ///< --overlay's squashfs layers' /dev/fuse connections, closed as fuse_fd is
    size_t nlayer_fds;
} gd_container_spec;

/// Starts the container: clones a child in new mount and PID namespaces that becomes PID 1
/// (a small init), applies spec->mounts under spec->root, pivots into it, forks the workload
/// and execs it. The init forwards signals, reaps orphans and exits with the workload's status
/// (code, or 128+N for signal N). Processes the workload left running first get SIGTERM (and
/// SIGCONT) and spec->stop_timeout_ms to exit; the init's exit then makes the kernel kill every
/// other container process.
/// Returns the init's pid, or -errno when clone itself failed. Later failures arrive on
/// spec->report_write as one gd_failure. Call single-threaded with the forwarded signals and
/// SIGCHLD blocked. Not async-signal-safe (the parent side); the child side only uses
/// async-signal-safe calls plus mount syscalls.
pid_t gd_spawn_container(const gd_container_spec *spec);

/// Joins a shared container — setns(2) into its user, mount and PID namespaces, in that order
/// (joining the user namespace first gives the capabilities the other two need; the mount
/// namespace's root becomes ours) — then forks the workload there: PR_SET_PDEATHSIG, a lifeline
/// check, chdir, capabilities dropped, mask restored, exec. Only spec->workdir, argv, envp,
/// search_path, the pipes and workload_mask are used. Returns the workload's pid (in the
/// caller's PID namespace), or -errno with *step and *index naming what failed before the fork.
/// Call single-threaded (setns of a user namespace requires it). The child side is
/// async-signal-safe.
pid_t gd_join_and_spawn(const gd_container_spec *spec, const int ns_fds[3], int32_t *step, int32_t *index);

/// Shared containers meet on an abstract AF_UNIX SOCK_SEQPACKET socket (unix(7)): the name is
/// released by the kernel when its last descriptor closes, so nothing is ever left on disk.
/// Listens on `name` (NUL-free; the leading NUL is added). fd or -errno (-EADDRINUSE: taken).
int gd_share_listen(const char *name);
/// Connects to `name`. fd or -errno (-ECONNREFUSED: nobody listens).
int gd_share_connect(const char *name);
/// accept4(2), close-on-exec and non-blocking. fd or -errno.
int gd_share_accept(int listen_fd);
/// The uid of the process at the other end (SO_PEERCRED). 0 or -errno.
int gd_share_peer_uid(int fd, uint32_t *uid);
/// One reply from a shared container's server: status 0 and three descriptors (user, mount,
/// PID namespace), or the failure of its set-up.
typedef struct {
    int32_t status; ///< 0: ready; 1: the init failed (step, err, index as in gd_failure); 2: message
    int32_t step;
    int32_t err;
    int32_t index;
    char message[512]; ///< status 2: the server's own error, NUL-terminated
} gd_share_reply;
/// Sends a reply with `nfds` descriptors (SCM_RIGHTS), MSG_NOSIGNAL. 0 or -errno.
int gd_share_send(int fd, const gd_share_reply *reply, const int *fds, int nfds);
/// Receives a reply and up to 3 descriptors (close-on-exec), waiting at most timeout_ms.
/// 0, -ETIMEDOUT, -ECONNRESET on end of file, or -errno. *nfds gets the descriptor count.
int gd_share_recv(int fd, gd_share_reply *reply, int fds[3], int *nfds, int timeout_ms);
/// Closes every descriptor from 3 up except those in keep. Async-signal-safe.
void gd_close_all_except(const int *keep, size_t n);
/// fork(2) without atfork handlers (single-threaded callers). pid, 0 in the child, or -errno.
pid_t gd_fork(void);
/// setsid(2); stdin, stdout and stderr onto /dev/null. 0 or -errno.
int gd_detach(void);
/// Blocks every catchable signal and returns a signalfd (close-on-exec, non-blocking) that
/// reads them all; *old gets the previous mask. -errno on failure.
int gd_block_all_signalfd(sigset_t *old);

/// The calling process's permitted capability set (capget(2), both 32-bit words). 0 or -errno.
/// Async-signal-safe.
int gd_permitted_capabilities(uint64_t *caps);

/// unshare(2) wrapper (Swift's Glibc lacks it without _GNU_SOURCE). Returns 0 or -errno.
/// Async-signal-safe.
int gd_unshare(int flags);
/// The CLONE_* flags for a user + mount namespace.
int gd_clone_newuser_newns(void);
/// The extra namespace flags of gd_container_spec.namespaces (Swift's Glibc lacks CLONE_*).
int gd_clone_extra_flags(int uts, int ipc, int net);
/// prctl(PR_SET_NO_NEW_PRIVS, 1): no setuid/file-capability gain on exec. 0 or -errno.
int gd_set_no_new_privs(void);
/// mount(2) wrappers with errno: make the tree private; mount a staging tmpfs.
int gd_make_rprivate(void);
int gd_mount_tmpfs(const char *target, const char *options);
/// Blocks `signals` plus SIGCHLD and returns a signalfd (close-on-exec) reading them;
/// *old receives the previous mask. -errno on failure.
int gd_block_and_signalfd(const int *signals, size_t n, sigset_t *old);
/// Reads one signal from a signalfd: its number, sender pid and si_code. 0, or -errno.
int gd_read_signal(int sfd, int *signo, int32_t *pid, int32_t *code);
/// True when si_code says the kernel sent it (a terminal's ^C, ^Z, hangup or resize): those
/// already reached the workload through its process group and must not be sent twice.
int gd_signal_from_kernel(int32_t code);
/// kill(2). 0 or -errno. Async-signal-safe.
int gd_kill(pid_t pid, int signo);
/// waitpid(pid, WNOHANG): 0 when still running, pid when reaped (*code = exit status as a
/// shell reports it: code, or 128+N), -errno on failure.
int gd_reap(pid_t pid, int *code);
/// open_tree(path, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC [|AT_RECURSIVE]): a detached copy of the
/// mount at `path` that the container's init attaches with move_mount(2), possible across
/// mount namespaces of one user namespace. Call after entering the mount namespace.
/// fd or -errno.
int gd_clone_tree(const char *path, int recursive);
/// Without open_tree/move_mount (Linux < 5.2): binds what `fd` (an O_PATH descriptor opened in
/// this mount namespace) names onto `target` with mount(2) MS_BIND [| MS_REC], through
/// /proc/self/fd/N, so that the source is the object opened, whatever its path names now. The
/// launcher parks each bind source so in its staging tmpfs, where the container's init, whose
/// mount namespace is a copy of the launcher's, finds it (an fd of another mount namespace
/// cannot be bound: EINVAL). 0 or -errno.
int gd_bind_fd(int fd, const char *target, int recursive);
/// Marks the mount at `path` MS_UNBINDABLE (`unbindable`) or MS_PRIVATE again
/// (mount_namespaces(7)). While the staging tmpfs is unbindable, a recursive bind of a source
/// that contains it (/tmp, /) leaves it out, as open_tree's copies made before it existed
/// do; binds from inside it need it bindable again. 0 or -errno.
int gd_set_unbindable(const char *path, int unbindable);
/// open(path, O_PATH | O_CLOEXEC): a bind source for gd_bind_fd, symlinks in it followed as
/// open_tree(2) follows them (Swift's Glibc lacks O_PATH). fd or -errno.
int gd_open_path(const char *path);
/// Makes the staging tmpfs at `staging` (holding the mounted image at root/ and an empty
/// proc/) this process's root, attaching `proc_tree` (a detached clone of the host's /proc) at
/// /proc, or binding the host's /proc there with mount(2) MS_BIND | MS_REC when `proc_tree` is -1
/// (kernels without move_mount), and detaching the host's whole tree. The container's mount namespace, cloned from
/// ours, then copies a handful of mounts instead of every host mount (1.1 ms per 300 mounts
/// measured). The host /proc must stay mounted: the kernel allows a new procfs only where a
/// fully visible one exists (mount_too_revealing), and the init uses /proc/self/fd. 0 or
/// -errno; *step names the failing operation.
int gd_enter_staging(const char *staging, int proc_tree, const char **step);
/// statfs(2)'s f_type of the file system holding `path` (Swift's Glibc lacks sys/vfs.h).
/// 0 or -errno. Async-signal-safe.
int gd_fs_type(const char *path, uint64_t *type);
/// move_mount(2) of a detached tree (gd_clone_tree) onto `path`: a host directory reached
/// again under the staging root, after the host tree is gone (an --overlay layer). 0 or -errno.
/// Async-signal-safe (one system call).
int gd_attach_tree(int tree, const char *path);
/// pipe2(O_CLOEXEC). 0 or -errno.
int gd_pipe_cloexec(int fds[2]);
/// MS_* flags for a gd_mount. Async-signal-safe.
unsigned long gd_mount_flags(int read_only, int nosuid, int nodev, int noexec);
/// The container-side description of a step, for messages.
const char *gd_step_name(int32_t step);

/// Steps of gd_probe, in the order a launch needs them.
typedef enum {
    GD_PROBE_OK = 0,
    GD_PROBE_USERNS,     ///< unshare(CLONE_NEWUSER|CLONE_NEWNS)
    GD_PROBE_ID_MAPS,    ///< setgroups deny, uid_map, gid_map
    GD_PROBE_PRIVATE,    ///< make / private, mount a tmpfs
    GD_PROBE_FUSE_OPEN,  ///< open /dev/fuse
    GD_PROBE_FUSE_MOUNT, ///< mount(2) of a FUSE filesystem in the namespace
    GD_PROBE_PIDNS,      ///< new PID namespace and its procfs
} gd_probe_step;

/// Which of the system calls gourd prefers are missing here (gc_syscall_bit, gourd_common.h),
/// as a launch sees them: probed in a forked child that has unshared its own user and mount
/// namespaces, so that an EPERM of move_mount(2) can only come from a seccomp filter (outside,
/// it is the kernel's CAP_SYS_ADMIN check); without user namespaces, probed here. Each call
/// gets arguments it rejects, so none has an effect. Call single-threaded.
int gd_missing_syscalls(void);

/// Tries, in a forked child, everything a launch needs from the kernel, stopping at the first
/// failure. Returns 0 when all worked, else the failing gd_probe_step with *err its errno.
/// The child's namespaces vanish with it. Call single-threaded.
int gd_probe(int *err);
#endif
