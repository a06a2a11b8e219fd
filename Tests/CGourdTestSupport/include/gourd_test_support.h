// Process spawning for the integration tests: the test runner is multi-threaded, so the child
// side (between fork and exec) uses async-signal-safe calls only. Prefix: gdt_.
#ifndef GOURD_TEST_SUPPORT_H
#define GOURD_TEST_SUPPORT_H

#include <sys/types.h>

/// Starts argv[0] (no PATH search) with envp in cwd; stdin/stdout/stderr from in/out/err;
/// every other descriptor closed except `keep` (or -1). With ctty, the child starts a new
/// session and makes `in` (a pty slave) its controlling terminal, as a login shell has.
/// Signal dispositions and mask are reset to defaults. Returns the pid or -errno.
pid_t gdt_spawn(char *const argv[], char *const envp[], const char *cwd, int in, int out, int err, int keep, int ctty);

/// Waits up to timeout_ms for pid; 0 with *code (exit code, or 128+N for signal N) when it
/// ended, -ETIMEDOUT when it did not, else -errno.
int gdt_wait(pid_t pid, int timeout_ms, int *code);

/// openpty(3) with close-on-exec master. 0 or -errno.
int gdt_openpty(int *master, int *slave);

/// O_CLOEXEC pipe. 0 or -errno.
int gdt_pipe(int fds[2]);
#endif
