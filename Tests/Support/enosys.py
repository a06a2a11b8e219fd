#!/usr/bin/python3
"""Runs a command with some system calls failing with ENOSYS, as on an older kernel.

    Tests/Support/enosys.py [--eperm] SYSCALL[,SYSCALL...] -- COMMAND [ARG...]
    Tests/Support/enosys.py [--eperm] linux-4.18 -- COMMAND [ARG...]

Installs a seccomp filter (no_new_privs first; inherited across fork, exec and setpriv) that
makes each named x86_64 system call return ENOSYS and allows everything else, then execs
COMMAND. What a Linux 4.18 kernel (RHEL 8) answers for the new mount API, on this kernel.
`linux-4.18` makes every system call that 4.18 lacks fail so: all numbers from 335 up (4.18's
last is rseq, 334; 335-423 are unused on x86_64; 424, pidfd_send_signal, came with 5.1), which
also takes glibc's own fallbacks (clone3, close_range, faccessat2...) as on RHEL 8.
`--eperm`: EPERM instead, as container engines' seccomp profiles answer (Docker's default).
Python 3 standard library only (ctypes: prctl(2), seccomp(2) filter mode). `install(names)`
does the same in the calling process (Benchmarks/launch uses it before exec).
"""
import ctypes
import errno
import os
import struct
import sys

NUMBERS = {"open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
           "fspick": 433, "openat2": 437, "mount_setattr": 442, "close_range": 436, "clone3": 435}
# The first x86_64 system call number Linux 4.18 lacks.
AFTER_4_18 = 335
AUDIT_ARCH_X86_64 = 0xC000003E
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
LD_ABS_W, JEQ_K, JGE_K, RET_K = 0x20, 0x15, 0x35, 0x06   # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, ...JGE..., BPF_RET|BPF_K


def insn(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


def program(names, err=errno.ENOSYS):
    """The classic BPF program: `err` for `names` (or every call after 4.18), allow the rest."""
    prog = [insn(LD_ABS_W, 0, 0, 4),                              # seccomp_data.arch
            insn(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
            insn(RET_K, 0, 0, RET_ALLOW),
            insn(LD_ABS_W, 0, 0, 0)]                              # seccomp_data.nr
    for name in names:
        if name == "linux-4.18":
            prog += [insn(JGE_K, 0, 1, AFTER_4_18), insn(RET_K, 0, 0, RET_ERRNO | err)]
        else:
            prog += [insn(JEQ_K, 0, 1, NUMBERS[name]), insn(RET_K, 0, 0, RET_ERRNO | err)]
    prog.append(insn(RET_K, 0, 0, RET_ALLOW))
    return prog


def check(names):
    """An error message for names this script does not know, or for another machine; else None."""
    unknown = [n for n in names if n not in NUMBERS and n != "linux-4.18"]
    if unknown:
        return f"unknown system call(s): {', '.join(unknown)} (known: linux-4.18, {', '.join(sorted(NUMBERS))})"
    if os.uname().machine != "x86_64":
        return "x86_64 only"
    return None


def install(names, err=errno.ENOSYS):
    """Sets no_new_privs and installs the filter on the calling thread; raises OSError."""
    prog = program(names, err)
    code = b"".join(prog)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("HxxxxxxP", len(prog), ctypes.addressof(buffer))
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog_buffer), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")


def main():
    args = sys.argv[1:]
    err = errno.ENOSYS
    if args and args[0] == "--eperm":
        err = errno.EPERM
        args = args[1:]
    if len(args) < 3 or args[1] != "--":
        sys.exit("usage: enosys.py [--eperm] SYSCALL[,SYSCALL...]|linux-4.18 -- COMMAND [ARG...]")
    names = args[0].split(",")
    problem = check(names)
    if problem:
        sys.exit(f"enosys.py: {problem}")
    try:
        install(names, err)
    except OSError as e:
        sys.exit(f"enosys.py: {e.filename}: {os.strerror(e.errno)}")
    os.execvp(args[2], args[2:])


if __name__ == "__main__":
    main()
