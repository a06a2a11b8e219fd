// tiocsti: a hostile workload's terminal injection (Tests/GourdIntegrationTests/Hardening).
// Tries to push a command line into its terminal's input queue (stdin) with TIOCSTI, once
// with the plain request and once with bits set above the low 32 (the kernel ignores them:
// CVE-2019-10063), then TIOCLINUX, and prints what each attempt returned. If the bytes get in,
// the caller's shell reads "echo INJECTED-BY-CONTAINER" as if typed once gourd has exited.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *what, long rc) {
    printf("%s: %s\n", what, rc == 0 ? "ok" : strerror(errno));
}

static long inject(unsigned long request) {
    const char *line = "echo INJECTED-BY-CONTAINER\n";
    long rc = 0;
    for (const char *p = line; *p && rc == 0; p++) rc = syscall(SYS_ioctl, 0, request, p);
    return rc;
}

int main(void) {
    report("TIOCSTI", inject(TIOCSTI));
    report("TIOCSTI+high", inject((unsigned long)TIOCSTI | 1UL << 32));
    char subcode = 2;   // TIOCL_SETSEL would need a VT; on a pty the kernel says ENOTTY/EINVAL
    report("TIOCLINUX", syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX, &subcode));
    fflush(stdout);
    return 0;
}
