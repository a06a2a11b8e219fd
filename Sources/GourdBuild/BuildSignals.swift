import CGourdBuild
import Glibc

/// SIGINT, SIGTERM, SIGHUP and SIGQUIT, blocked for the whole build and read from a
/// signalfd: long steps check for them, waits return on them, and the builder then removes
/// its work before exiting 128 + N.
final class BuildSignals {
    let fd: Int32
    /// The mask the build started with: restored in every child before exec.
    let original: sigset_t

    init() throws(BuildError) {
        var old = sigset_t()
        let fd = gb_signals_block(&old)
        guard fd >= 0 else { throw .system("signalfd", result: fd) }
        self.fd = fd
        original = old
    }

    deinit {
        close(fd)
        var mask = original
        sigprocmask(SIG_SETMASK, &mask, nil)
    }

    /// Waits for a child the build spawned: its exit status, and the failure record it wrote on
    /// `report` before exec, if any. A termination signal for gourd kills and reaps the child,
    /// then throws.
    func wait(for pid: pid_t, report: Int32) throws(BuildError) -> (code: Int32, failure: gb_failure?) {
        var code: Int32 = 0
        let signo = gb_wait(pid, fd, &code)
        if signo != 0 {
            gb_kill_and_reap(pid)
            if signo > 0 { throw .interrupted(signo) }
            throw .system("waitpid", result: signo)
        }
        var failure = gb_failure()
        let n = read(report, &failure, MemoryLayout<gb_failure>.size)
        return (code, n == MemoryLayout<gb_failure>.size ? failure : nil)
    }

    /// Throws when a termination signal arrived.
    func check() throws(BuildError) {
        let signo = gb_signal_pending(fd)
        if signo != 0 { throw .interrupted(signo) }
    }
}
