// gourd_tty_filter.c: the seccomp filter every workload process and every build script runs
// under. See gourd_common.h.
//
// A workload shares the caller's terminal (gourd exec/shell pass it on, so that job control,
// ^C and resizing work). Two ioctls on a terminal act on the *caller's* session rather than
// the container's:
//   - TIOCSTI pushes bytes into the terminal's input queue: once gourd has exited, the
//     caller's shell reads them as if typed (CVE-2017-5226 in bubblewrap, CVE-2019-10063 in
//     Flatpak). Kernels keep it while dev.tty.legacy_tiocsti is 1 (this host: 1).
//   - TIOCLINUX on a virtual console can paste the selection buffer: the same injection.
// Both fail with EPERM here, as in bubblewrap and Flatpak. Everything else a terminal needs
// (TIOCSPGRP for job control, TIOCGWINSZ, termios) is allowed.
//
// The kernel's ioctl(2) takes `unsigned int cmd`: it uses only the low 32 bits of the
// request. The filter therefore compares only the low word of args[1]; a filter that also
// required the high word to be 0 would let TIOCSTI | 1 << 32 through (CVE-2019-10063).
#define _GNU_SOURCE
#include "gourd_common.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define STMT(code, k) ((struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP(code, k, jt, jf))

/// The ioctl numbers of one architecture the kernel may report (seccomp_data.arch).
typedef struct {
    uint32_t audit_arch;
    uint32_t nr_mask;     ///< applied to the number first (the x32 bit off on x86_64)
    uint32_t ioctl_nr[2]; ///< the ioctl syscall numbers (the second may repeat the first)
} arch_ioctl;

#if defined(__x86_64__)
static const arch_ioctl arches[] = {
    // x86_64 ioctl is 16; x32 programs call 514 with __X32_SYSCALL_BIT (syscall_64.tbl).
    {AUDIT_ARCH_X86_64, ~0x40000000u, {__NR_ioctl, 514}},
    // 32-bit x86 programs on a 64-bit kernel (syscall_32.tbl).
    {AUDIT_ARCH_I386, ~0u, {54, 54}},
};
#elif defined(__aarch64__)
static const arch_ioctl arches[] = {
    {AUDIT_ARCH_AARCH64, ~0u, {__NR_ioctl, __NR_ioctl}},
    {AUDIT_ARCH_ARM, ~0u, {54, 54}},
};
#else
#error "gourd: add this architecture's ioctl numbers to gourd_tty_filter.c"
#endif

#define DENY (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

int gc_install_tty_filter(void) {
    struct sock_filter f[64];
    size_t n = 0;
    f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, arch));
    for (size_t a = 0; a < sizeof arches / sizeof *arches; a++) {
        const arch_ioctl *r = &arches[a];
        // Not this architecture: skip its 9 instructions (the accumulator still holds arch).
        f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->audit_arch, 0, 9);
        f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, nr));
        f[n++] = STMT(BPF_ALU | BPF_AND | BPF_K, r->nr_mask);
        f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->ioctl_nr[0], 1, 0);
        f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->ioctl_nr[1], 0, 4);
        // The low word of the request (little-endian: the first 4 bytes of args[1]).
        f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, args[1]));
        f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 1, 0);
        f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 0, 1);
        f[n++] = STMT(BPF_RET | BPF_K, DENY);
        f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    }
    f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    return gc_install_seccomp(f, (unsigned short)n);
}
