// gb_seccomp.c: make "root" calls that an unprivileged build cannot honour succeed without
// effect, as Charliecloud's `ch-image --force=seccomp` does. See gourd_build.h.
//
// %post runs as uid 0 of a user namespace that maps only the building user. Package
// managers then call chown(2) to give files to other users (dpkg: root:root, _apt...),
// setgroups/setresuid(2) to drop to `_apt`, and mknod(2) for device nodes; all of them fail
// with EINVAL or EPERM because no other id exists in the namespace, and the install aborts.
// This filter answers those calls with success (SECCOMP_RET_ERRNO with errno 0) without
// running them. What that means, honestly:
//   - files stay owned by the building user (uid 0 inside); the image is packed with
//     mksquashfs -all-root, so every file in it is root's: ownership that a package asked for
//     (e.g. a file owned by _apt) is not recorded;
//   - after a "successful" setuid the process still runs as 0 (apt verifies nothing by
//     default; a program that checks getuid() after dropping privileges notices);
//   - a char or block device "created" by mknod does not exist (FIFOs and sockets, which
//     mknod can make unprivileged, are left alone and really created).
#define _GNU_SOURCE
#include "gourd_build.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/// Filter instructions for one architecture.
typedef struct {
    uint32_t audit_arch;
    const uint32_t *fake; ///< syscall numbers answered with success
    size_t nfake;
    int32_t mknod, mknodat; ///< -1 when the architecture lacks the call
    uint32_t nr_mask;       ///< applied to the number first (x32 bit off on x86_64)
} arch_rules;

#if defined(__x86_64__)
static const uint32_t native_fake[] = {
    __NR_chown,    __NR_fchown,    __NR_lchown,    __NR_fchownat,  __NR_setuid,   __NR_setgid,   __NR_setreuid,
    __NR_setregid, __NR_setresuid, __NR_setresgid, __NR_setgroups, __NR_setfsuid, __NR_setfsgid,
};
// 32-bit x86 programs on a 64-bit kernel (arch/x86/entry/syscalls/syscall_32.tbl).
static const uint32_t i386_fake[] = {
    182, 95,  16,  212, 207, 198, 298,      // chown fchown lchown chown32 fchown32 lchown32 fchownat
    23,  213, 46,  214, 70,  203, 71,  204, // setuid(32) setgid(32) setreuid(32) setregid(32)
    164, 208, 170, 210, 81,  206,           // setresuid(32) setresgid(32) setgroups(32)
    138, 215, 139, 216,                     // setfsuid(32) setfsgid(32)
};
static const arch_rules rules[] = {
    // x32 programs use the same numbers with __X32_SYSCALL_BIT set.
    {AUDIT_ARCH_X86_64, native_fake, sizeof native_fake / sizeof *native_fake, __NR_mknod, __NR_mknodat, ~0x40000000u},
    {AUDIT_ARCH_I386, i386_fake, sizeof i386_fake / sizeof *i386_fake, 14, 297, ~0u},
};
#elif defined(__aarch64__)
static const uint32_t native_fake[] = {
    __NR_fchown,    __NR_fchownat,  __NR_setuid,    __NR_setgid,   __NR_setreuid, __NR_setregid,
    __NR_setresuid, __NR_setresgid, __NR_setgroups, __NR_setfsuid, __NR_setfsgid,
};
static const arch_rules rules[] = {
    {AUDIT_ARCH_AARCH64, native_fake, sizeof native_fake / sizeof *native_fake, -1, __NR_mknodat, ~0u},
};
#else
#error "gourd build: add this architecture's syscall numbers to gb_seccomp.c"
#endif

#define FAKE (SECCOMP_RET_ERRNO | 0) // errno 0: the call "succeeds"; the kernel skips it
#define STMT(code, k) ((struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP(code, k, jt, jf))

/// Appends: if the loaded number is `nr`, inspect the mode argument `arg` and fake the call
/// for character and block devices only. Async-signal-safe.
static size_t mknod_rule(struct sock_filter *f, size_t n, uint32_t nr, int arg) {
    // 6 instructions follow the test when it matches.
    f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 6);
    f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, args[arg])); // low word (LE)
    f[n++] = STMT(BPF_ALU | BPF_AND | BPF_K, S_IFMT);
    f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, S_IFCHR, 2, 0);
    f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, S_IFBLK, 1, 0);
    f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] = STMT(BPF_RET | BPF_K, FAKE);
    return n;
}

/// Builds and installs the filter. Async-signal-safe (stack only, prctl).
int gb_install_fake_root_filter(void) {
    struct sock_filter f[256];
    size_t n = 0;
    f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, arch));
    for (size_t a = 0; a < sizeof rules / sizeof *rules; a++) {
        const arch_rules *r = &rules[a];
        size_t block = 2 + 2 * r->nfake + (r->mknod >= 0 ? 7 : 0) + (r->mknodat >= 0 ? 7 : 0) + 1;
        // Not this architecture: skip its block (the accumulator still holds the arch).
        f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->audit_arch, 0, (uint8_t)block);
        f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, nr));
        f[n++] = STMT(BPF_ALU | BPF_AND | BPF_K, r->nr_mask);
        for (size_t i = 0; i < r->nfake; i++) {
            f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->fake[i], 0, 1);
            f[n++] = STMT(BPF_RET | BPF_K, FAKE);
        }
        if (r->mknod >= 0) n = mknod_rule(f, n, (uint32_t)r->mknod, 1);
        if (r->mknodat >= 0) n = mknod_rule(f, n, (uint32_t)r->mknodat, 2);
        f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    }
    f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    // Nothing in a one-id user namespace can gain privilege through exec anyway.
    return gc_install_seccomp(f, (unsigned short)n);
}
