// gourd_build: the effects of `gourd build` that Swift cannot or must not do itself.
//
// - gb_root.c:    file operations inside the root being built, every path resolved inside it
//                 (openat2 RESOLVE_IN_ROOT), so that no archive member or %files line can
//                 make a write land outside, whatever symlinks earlier entries planted.
// - gb_spawn.c:   the user namespace of the build, and the processes it starts: %post and
//                 %test in the root (own mount + PID namespaces, host network), and plain
//                 programs (mksquashfs). No Swift runs between fork and exec; a child reports
//                 a failure as (step, errno) over a close-on-exec pipe and _exits.
// - gb_seccomp.c: the filter that makes chown/setuid-family calls succeed without effect.
// - gb_decode.c:  streaming gzip (zlib) and zstd (libzstd) decoders for image layers.
//
// Prefixes: gb_ is ours. Functions return 0 (or a descriptor / count) on success and a
// negative errno on failure; none prints or exits the caller. Each function's comment says
// whether it is async-signal-safe (callable between fork and exec).
#ifndef GOURD_BUILD_H
#define GOURD_BUILD_H

#include "gourd_common.h"
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

// ---- the build's user namespace (gb_spawn.c) ----

/// unshare(CLONE_NEWUSER), deny setgroups, then map uid 0 -> `uid` and gid 0 -> `gid` (one
/// id each: all an unprivileged process may map). The caller must be single-threaded.
/// On failure *step names the call that failed. Not async-signal-safe.
int gb_enter_user_namespace(uid_t uid, gid_t gid, const char **step);

/// Blocks SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD and SIGPIPE (the previous mask is stored
/// in *old) and returns a signalfd (non-blocking, close-on-exec) that reports all but SIGPIPE.
int gb_signals_block(sigset_t *old);
/// A termination signal waiting on `sigfd` (consumed), else 0. SIGCHLD is consumed and
/// ignored. Not async-signal-safe.
int gb_signal_pending(int sigfd);
/// Waits until `pid` ends (*code = its exit status, or 128 + N when killed by signal N;
/// returns 0) or a termination signal arrives on `sigfd` (returns the signal number; the
/// child still runs). Not async-signal-safe.
int gb_wait(pid_t pid, int sigfd, int *code);
/// kill(pid, SIGKILL) and reap it. Async-signal-safe.
void gb_kill_and_reap(pid_t pid);

// ---- processes (gb_spawn.c) ----

/// Where a child failed before exec.
typedef enum {
    GB_STEP_NONE = 0,
    GB_STEP_PDEATHSIG,   ///< prctl(PR_SET_PDEATHSIG)
    GB_STEP_PARENT_GONE, ///< gourd died before the child started
    GB_STEP_PRIVATE,     ///< make / private (MS_REC|MS_PRIVATE)
    GB_STEP_BIND_ROOT,   ///< bind the build root onto itself
    GB_STEP_PROC,        ///< mount /proc
    GB_STEP_DEV,         ///< the /dev tmpfs and its nodes
    GB_STEP_TMP,         ///< bind the scratch directory on /tmp
    GB_STEP_HOST_FILES,  ///< bind /etc/resolv.conf, /etc/hosts
    GB_STEP_READONLY,    ///< make the root read-only (%test)
    GB_STEP_PIVOT,       ///< pivot_root into the build root
    GB_STEP_FORK,        ///< fork of the script by the namespace's init
    GB_STEP_SECCOMP,     ///< install the fake-root seccomp filter
    GB_STEP_CHDIR,       ///< chdir to the working directory
    GB_STEP_STDIO,       ///< set up stdin/stdout/stderr
    GB_STEP_EXEC,        ///< execve
} gb_step;

typedef struct {
    int32_t step; ///< gb_step
    int32_t err;  ///< errno
} gb_failure;

/// Name of a gb_step for messages. Async-signal-safe (static strings).
const char *gb_step_name(int32_t step);

/// A script run inside the build root (%post, %test), or a host program that fills it
/// (debootstrap: enter_root 0).
typedef struct {
    const char *root;       ///< absolute path of the root being built
    int enter_root;         ///< 1: pivot into the root; 0: stay on the host, only root/dev is set up
    const char *tmp_source; ///< host directory bound on /tmp inside (NULL: the root's own /tmp)
    int readonly_root;      ///< %test: the root read-only (/tmp, /dev, /proc stay writable)
    int fake_root_calls;    ///< install the seccomp filter (gb_seccomp.c)
    char *const *argv;      ///< argv[0]: absolute path inside the root
    char *const *envp;
    const char *workdir; ///< inside the root
    sigset_t child_mask; ///< signal mask the script starts with
    int stdin_fd;        ///< the script's stdin (e.g. /dev/null)
    int output_fd;       ///< its stdout and stderr, or -1: gourd's own
    int lifeline_read;   ///< read end of a pipe only gourd writes: EOF means gourd died
    int lifeline_write;  ///< closed in the child
    int report_write;    ///< close-on-exec: one gb_failure when set-up or exec fails
    int report_read;     ///< closed in the child
} gb_script_spec;

/// Clones the script's namespace init (new mount and PID namespaces; network, user and
/// IPC namespaces shared), which mounts a minimal /dev in the root (the host's null, zero,
/// full, random, urandom and tty nodes bound in, devpts, shm) and, with enter_root, /proc,
/// /sys, /tmp and the host's resolv.conf and hosts, and pivots into the root; then forks and
/// execs the program and exits with its status (128 + N when it died of signal N).
/// Returns the init's pid or -errno.
/// Call only from a single-threaded process.
pid_t gb_spawn_script(const gb_script_spec *spec);

/// fork + exec of a host program (argv[0] absolute) with stdio on the given descriptors
/// (-1: inherited), `mask` restored and PR_SET_PDEATHSIG set. Failures before exec arrive as
/// a gb_failure on `report_write`. Returns the pid or -errno. The child runs only
/// async-signal-safe calls; call from a single-threaded process.
pid_t gb_spawn_program(char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd, const sigset_t *mask,
                       int report_write);

/// pipe2(O_CLOEXEC). Async-signal-safe.
int gb_pipe(int fds[2]);

// ---- inside the root (gb_root.c); none is needed after fork, none async-signal-safe ----

/// Opens directory `rel` ("a/b", "" for the root itself) resolved inside `rootfd`
/// (RESOLVE_IN_ROOT: symlinks and ".." never leave it). With `create`, missing components
/// are made (mode 0755). Returns an O_PATH descriptor or -errno (-ENOTDIR when a component
/// is not a directory).
int gb_dir_open(int rootfd, const char *rel, int create);
/// The same, opened for reading entries (fdopendir).
int gb_dir_open_read(int rootfd, const char *rel);
/// Opens the regular file `rel` inside the root for reading (its last component not followed).
int gb_open_read(int rootfd, const char *rel);
/// lstat of `rel` resolved inside the root, the last component not followed.
int gb_lstat(int rootfd, const char *rel, struct stat *st);
/// stat of `rel` resolved inside the root (symlinks followed, inside it).
int gb_stat(int rootfd, const char *rel, struct stat *st);

/// Makes room for a new entry `name` in directory `dirfd`: returns 1 when an existing
/// directory is kept (want_dir), 0 when the name is free (an existing entry of another kind,
/// or any when !want_dir, is removed first, directories recursively), or -errno.
int gb_prepare(int dirfd, const char *name, int want_dir);
int gb_mkdir(int dirfd, const char *name, mode_t mode);
/// Creates a new regular file (O_EXCL, never through a symlink); returns a writable fd.
int gb_create(int dirfd, const char *name, mode_t mode);
int gb_symlink(int dirfd, const char *name, const char *target);
int gb_mkfifo(int dirfd, const char *name, mode_t mode);
/// Hard link `name` in `dirfd` to the existing non-directory `existing` (resolved inside the
/// root, its last component not followed).
int gb_hardlink(int rootfd, const char *existing, int dirfd, const char *name);
/// chmod of `name` in `dirfd` without following a symlink (a symlink is left alone).
int gb_chmod(int dirfd, const char *name, mode_t mode);
/// Removes `name` from `dirfd`, recursively for a directory, never following symlinks.
/// -ENOENT when absent.
int gb_remove(int dirfd, const char *name);
/// Writes all of buf (EINTR retried). Async-signal-safe.
int gb_write_all(int fd, const void *buf, size_t len);

// ---- layer decompression (gb_decode.c) ----

enum { GB_DECODE_GZIP = 1, GB_DECODE_ZSTD = 2 };
typedef struct gb_decoder gb_decoder;
/// A streaming decoder of `kind`, or NULL when out of memory.
gb_decoder *gb_decoder_new(int kind);
void gb_decoder_free(gb_decoder *d);
/// Decodes from in[*consumed..inlen) into out (up to outcap bytes): adds the bytes taken to
/// *consumed and returns the bytes produced, or -1 on corrupt input (gb_decoder_error says
/// why). Concatenated gzip members and zstd frames are decoded in sequence.
long gb_decoder_run(gb_decoder *d, const uint8_t *in, size_t inlen, size_t *consumed, uint8_t *out, size_t outcap);
/// Whether the input so far ends at the end of a complete member or frame.
int gb_decoder_complete(const gb_decoder *d);
const char *gb_decoder_error(const gb_decoder *d);

#endif
