// gourd_image_crash.c: a clear message instead of a raw signal death when a corrupt image
// crashes libsquashfuse inside gourd. See gd_image_report_crashes in gourd_image.h.
#define _GNU_SOURCE
#include "gourd_image.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static char crash_path[1024];
static size_t crash_path_len;
static char crash_stack[64 * 1024];

/// Writes "gourd: image PATH: ..." and exits 125. Async-signal-safe (write, _exit only).
static void on_crash(int sig) {
    // Serving threads may fault on the same corrupt block at once: each gets here (the
    // disposition stays: SA_RESETHAND would let the second one die silently), the first
    // writes the line, and every one exits.
    static int entered;
    if (__atomic_fetch_add(&entered, 1, __ATOMIC_SEQ_CST)) _exit(125);
    static const char head[] = "gourd: image ";
    static const char tail[] = ": corrupt or hostile data crashed the squashfs reader (libsquashfuse); signal ";
    static const char end[] = "; the image cannot be used\n";
    char number[4] = {(char)('0' + sig / 10 % 10), (char)('0' + sig % 10), 0, 0};
    ssize_t ignored = write(2, head, sizeof head - 1);
    ignored = write(2, crash_path, crash_path_len);
    ignored = write(2, tail, sizeof tail - 1);
    ignored = write(2, number[0] == '0' ? number + 1 : number, number[0] == '0' ? 1 : 2);
    ignored = write(2, end, sizeof end - 1);
    (void)ignored;
    _exit(125); // GOURD_EXIT_LAUNCH_FAILED
}

void gd_image_report_crashes(const char *path) {
    size_t len = strlen(path);
    if (len >= sizeof crash_path) len = sizeof crash_path - 1;
    memcpy(crash_path, path, len);
    crash_path[len] = 0;
    crash_path_len = len;
    stack_t ss = {.ss_sp = crash_stack, .ss_size = sizeof crash_stack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    const int signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++) sigaction(signals[i], &sa, NULL);
}
