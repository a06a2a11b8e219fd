import CGourdLaunch
import Glibc
import GourdCore
import SystemPackage

/// `gourd check`: what a launch needs from this host, tried for real, with the fix for each.
public enum HostCheck {
    public struct Result: Sendable {
        public var name: String
        public var passed: Bool
        public var detail: String
        public var fix: String?
    }

    public static func run() -> [Result] {
        var results = [privileges(), kernel(), userNamespaceSettings(), devFuse()]
        results.append(probe())
        results.append(sitePolicy())
        return results
    }

    /// A broken policy stops every launch: say so here too, with the file and line.
    static func sitePolicy() -> Result {
        do {
            let policy = try PolicyLoader.load()
            return Result(name: "site policy", passed: true,
                          detail: policy.file.map { "\($0) is valid" } ?? "none (\(PolicyLoader.candidates().joined(separator: ", ")) absent): built-in defaults")
        } catch {
            return Result(name: "site policy", passed: false, detail: "\(error)",
                          fix: "correct the file (the README's 'Site policy' section lists every key)")
        }
    }

    static func privileges() -> Result {
        do {
            try PrivilegeCheck.verify()
            return Result(name: "privileges", passed: true, detail: "runs as uid \(getuid()) without setuid or capabilities")
        } catch {
            return Result(name: "privileges", passed: false, detail: "\(error)",
                          fix: "install gourd as an ordinary file (chmod u-s,g-s; setcap -r)")
        }
    }

    static func kernel() -> Result {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        let ok = numbers.count == 2 && (numbers[0], numbers[1]) >= (5, 12)
        return Result(name: "kernel", passed: ok, detail: "Linux \(release) (gourd needs 5.12 or newer: openat2, mount_setattr, FUSE in user namespaces)",
                      fix: "run on a newer kernel (RHEL/Rocky 9, Debian 12, Ubuntu 22.04 or later)")
    }

    static func userNamespaceSettings() -> Result {
        if let max = readNumber("/proc/sys/user/max_user_namespaces"), max == 0 {
            return Result(name: "user namespaces", passed: false, detail: "user.max_user_namespaces is 0",
                          fix: "as root: sysctl -w user.max_user_namespaces=15000 (and persist it in /etc/sysctl.d)")
        }
        if let allowed = readNumber("/proc/sys/kernel/unprivileged_userns_clone"), allowed == 0 {
            return Result(name: "user namespaces", passed: false, detail: "kernel.unprivileged_userns_clone is 0",
                          fix: "as root: sysctl -w kernel.unprivileged_userns_clone=1")
        }
        if let restricted = readNumber("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"), restricted == 1 {
            return Result(name: "user namespaces", passed: false, detail: "AppArmor restricts unprivileged user namespaces",
                          fix: "as root: add an AppArmor profile allowing 'userns' for gourd, or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0")
        }
        return Result(name: "user namespaces", passed: true, detail: "enabled for unprivileged users")
    }

    static func devFuse() -> Result {
        var st = stat()
        guard stat("/dev/fuse", &st) == 0 else {
            return Result(name: "/dev/fuse", passed: false, detail: "missing",
                          fix: "as root: modprobe fuse (and install fuse3)")
        }
        guard access("/dev/fuse", R_OK | W_OK) == 0 else {
            return Result(name: "/dev/fuse", passed: false,
                          detail: "not readable and writable by uid \(getuid()) (mode \(String(st.st_mode & 0o777, radix: 8)))",
                          fix: "as root: chmod 0666 /dev/fuse (the default on most distributions)")
        }
        return Result(name: "/dev/fuse", passed: true, detail: "usable")
    }

    static func probe() -> Result {
        var err: Int32 = 0
        let step = gd_probe(&err)
        let what: String
        let fix: String
        switch step {
        case Int32(GD_PROBE_OK.rawValue):
            return Result(name: "launch", passed: true, detail: "user + mount + PID namespaces, FUSE mount and procfs work")
        case Int32(GD_PROBE_OPENAT2.rawValue): (what, fix) = ("openat2(2)", "a kernel of 5.6 or newer")
        case Int32(GD_PROBE_MOUNT_SETATTR.rawValue): (what, fix) = ("mount_setattr(2)", "a kernel of 5.12 or newer")
        case Int32(GD_PROBE_USERNS.rawValue): (what, fix) = ("unshare(CLONE_NEWUSER|CLONE_NEWNS)", "enable unprivileged user namespaces (see above)")
        case Int32(GD_PROBE_ID_MAPS.rawValue): (what, fix) = ("writing uid_map/gid_map", "a kernel that allows mapping one's own id (3.19+)")
        case Int32(GD_PROBE_PRIVATE.rawValue): (what, fix) = ("mounting in the new namespace", "check seccomp/LSM policy of the session")
        case Int32(GD_PROBE_FUSE_OPEN.rawValue): (what, fix) = ("open /dev/fuse", "as root: chmod 0666 /dev/fuse")
        case Int32(GD_PROBE_FUSE_MOUNT.rawValue): (what, fix) = ("FUSE mount in a user namespace", "a kernel of 4.18+ with FUSE built in or loaded")
        default: (what, fix) = ("PID namespace with its own procfs", "allow CLONE_NEWPID; /proc must not be partly masked")
        }
        return Result(name: "launch", passed: false, detail: "\(what) failed: \(Errno(rawValue: err).description)", fix: fix)
    }

    static func readNumber(_ path: String) -> Int? {
        readSmallFile(path).flatMap { Int($0.filter { !$0.isWhitespace }) }
    }
}
