#define _GNU_SOURCE
#include "gourd_test_support.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child(char *const argv[], char *const envp[], const char *cwd, int in, int out, int err, int keep,
                  int ctty) {
    // Move the three descriptors out of the way first: one may already be 0, 1 or 2.
    int a = fcntl(in, F_DUPFD, 200), b = fcntl(out, F_DUPFD, 200), c = fcntl(err, F_DUPFD, 200);
    if (a < 0 || b < 0 || c < 0 || dup2(a, 0) < 0 || dup2(b, 1) < 0 || dup2(c, 2) < 0) _exit(121);
    if (keep > 2) {
        if (fcntl(keep, F_SETFD, 0) < 0) _exit(121);
        syscall(SYS_close_range, 3, keep - 1, 0);
        syscall(SYS_close_range, keep + 1, ~0U, 0);
    } else {
        syscall(SYS_close_range, 3, ~0U, 0);
    }
    if (ctty && (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)) _exit(122);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (cwd && chdir(cwd) != 0) _exit(123);
    execve(argv[0], argv, envp);
    _exit(124);
}

pid_t gdt_spawn(char *const argv[], char *const envp[], const char *cwd, int in, int out, int err, int keep, int ctty) {
    pid_t pid = fork();
    if (pid < 0) return -errno;
    if (pid == 0) child(argv, envp, cwd, in, out, err, keep, ctty);
    return pid;
}

int gdt_wait(pid_t pid, int timeout_ms, int *code) {
    for (int waited = 0;; waited += 5) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r < 0) return -errno;
        if (r == pid) {
            *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return 0;
        }
        if (waited >= timeout_ms) return -ETIMEDOUT;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int gdt_openpty(int *master, int *slave) {
    if (openpty(master, slave, NULL, NULL, NULL) != 0) return -errno;
    fcntl(*master, F_SETFD, FD_CLOEXEC);
    fcntl(*slave, F_SETFD, FD_CLOEXEC);
    return 0;
}

int gdt_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno; }
