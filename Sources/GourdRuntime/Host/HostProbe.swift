import CGourdLaunch
import Glibc
import GourdCore

/// Reads the caller's facts for the planner: account (NSS, so LDAP users work), working
/// directory, environment.
public enum HostProbe {
    public static func context() -> HostContext {
        HostContext(
            identity: identity(), cwd: currentDirectory(), environment: environment(), hostName: hostName(),
            parentPID: getppid())
    }

    static func identity() -> Identity {
        let uid = getuid()
        let gid = getgid()
        let homeVariable = getenv("HOME").map { String(cString: $0) }
        var identity = Identity(
            uid: uid, gid: gid, userName: "user\(uid)", groupName: "group\(gid)",
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

/// The contents of a small file such as a /proc or /proc/sys entry (at most 64 KiB).
func readSmallFile(_ path: String) -> String? {
    (try? Syscall.readFile(path, limit: 65536).get()).map { String(decoding: $0, as: UTF8.self) }
}
