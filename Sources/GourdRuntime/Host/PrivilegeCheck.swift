import CGourdLaunch
import Glibc
import GourdCore

/// gourd must never run with more privilege than its caller: it is not a setuid helper.
public enum PrivilegeCheck {
    public static func verify() throws(LaunchError) {
        if getuid() != geteuid() { throw .privileged("effective uid \(geteuid()) differs from real uid \(getuid()) (setuid)") }
        if getgid() != getegid() { throw .privileged("effective gid \(getegid()) differs from real gid \(getgid()) (setgid)") }
        // File capabilities give a non-root caller permitted capabilities at exec.
        if getuid() != 0, let caps = permittedCapabilities(), caps != 0 {
            throw .privileged("it has capabilities (CapPrm \(String(caps, radix: 16)))")
        }
    }

    /// The permitted capability set (capget(2)): one system call on every launch, where reading
    /// and parsing /proc/self/status showed in the profiles of MPI burst start-up.
    static func permittedCapabilities() -> UInt64? {
        var caps: UInt64 = 0
        return gd_permitted_capabilities(&caps) == 0 ? caps : nil
    }
}
