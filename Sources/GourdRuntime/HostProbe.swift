import CGourdLaunch
import Glibc
import GourdCore

/// Reads the caller's facts for the planner: account (NSS, so LDAP users work), working
/// directory, environment.
public enum HostProbe {
    public static func context() -> HostContext {
        HostContext(identity: identity(), cwd: currentDirectory(), environment: environment(), hostName: hostName(),
                    parentPID: getppid())
    }

    static func identity() -> Identity {
        let uid = getuid(), gid = getgid()
        let homeVariable = getenv("HOME").map { String(cString: $0) }
        var identity = Identity(uid: uid, gid: gid, userName: "user\(uid)", groupName: "group\(gid)",
                                home: homeVariable ?? "/", shell: "/bin/sh")
        if let pw = getpwuid(uid) {
            identity.userName = String(cString: pw.pointee.pw_name)
            identity.home = String(cString: pw.pointee.pw_dir)
            identity.shell = String(cString: pw.pointee.pw_shell)
            identity.gecos = String(cString: pw.pointee.pw_gecos).replacingColons()
        }
        if let gr = getgrgid(gid) { identity.groupName = String(cString: gr.pointee.gr_name) }
        return identity
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(cString: buffer)
    }

    static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "/" }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    static func environment() -> [EnvironmentVariable] {
        var result: [EnvironmentVariable] = []
        var pointer = environ
        while let entry = pointer.pointee {
            if let variable = EnvironmentRules.splitHost(String(cString: entry)) { result.append(variable) }
            pointer += 1
        }
        return result
    }
}

extension String {
    /// A GECOS field must not break the colon-separated passwd line.
    func replacingColons() -> String { String(map { $0 == ":" ? " " : $0 }) }
}

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

/// The contents of a small file such as a /proc or /proc/sys entry (at most 64 KiB).
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 65536)
    let n = read(fd, &bytes, bytes.count)
    return n >= 0 ? String(decoding: bytes.prefix(n), as: UTF8.self) : nil
}
