#!/usr/bin/python3
"""Runs a command with some system calls failing with ENOSYS, as on an older kernel.

    Tests/Support/enosys.py SYSCALL[,SYSCALL...] -- COMMAND [ARG...]

Installs a seccomp filter (no_new_privs first; inherited across fork, exec and setpriv) that
makes each named x86_64 system call return ENOSYS and allows everything else, then execs
COMMAND. What a Linux 4.18 kernel (RHEL 8) answers for the new mount API, on this kernel.
Python 3 standard library only (ctypes: prctl(2), seccomp(2) filter mode).
"""
import ctypes
import errno
import os
import struct
import sys

NUMBERS = {"open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
           "fspick": 433, "openat2": 437, "mount_setattr": 442, "close_range": 436}
AUDIT_ARCH_X86_64 = 0xC000003E
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
LD_ABS_W, JEQ_K, RET_K = 0x20, 0x15, 0x06   # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K


def insn(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: enosys.py SYSCALL[,SYSCALL...] -- COMMAND [ARG...]")
    names = sys.argv[1].split(",")
    unknown = [n for n in names if n not in NUMBERS]
    if unknown:
        sys.exit(f"enosys.py: unknown system call(s): {', '.join(unknown)} (known: {', '.join(sorted(NUMBERS))})")
    if os.uname().machine != "x86_64":
        sys.exit("enosys.py: x86_64 only")
    prog = [insn(LD_ABS_W, 0, 0, 4),                              # seccomp_data.arch
            insn(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
            insn(RET_K, 0, 0, RET_ALLOW),
            insn(LD_ABS_W, 0, 0, 0)]                              # seccomp_data.nr
    for name in names:
        prog += [insn(JEQ_K, 0, 1, NUMBERS[name]), insn(RET_K, 0, 0, RET_ERRNO | errno.ENOSYS)]
    prog.append(insn(RET_K, 0, 0, RET_ALLOW))
    code = b"".join(prog)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("HxxxxxxP", len(prog), ctypes.addressof(buffer))
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        sys.exit(f"enosys.py: PR_SET_NO_NEW_PRIVS: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog_buffer), 0, 0) != 0:
        sys.exit(f"enosys.py: PR_SET_SECCOMP: {os.strerror(ctypes.get_errno())}")
    os.execvp(sys.argv[3], sys.argv[3:])


if __name__ == "__main__":
    main()
