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
        let launch = probe()
        var results = [
            privileges(), kernel(), kernelFeatures(), userNamespaceSettings(launchWorks: launch.passed),
            devFuse(),
        ]
        results.append(launch)
        results.append(sitePolicy())
        return results
    }

    /// A broken policy stops every launch: say so here too, with the file and line.
    static func sitePolicy() -> Result {
        do {
            let policy = try PolicyLoader.load()
            return Result(
                name: "site policy", passed: true,
                detail: policy.file.map { "\($0) is valid" }
                    ?? "none (\(PolicyLoader.candidates().joined(by: ", ")) absent): built-in defaults")
        } catch {
            return Result(
                name: "site policy", passed: false, detail: "\(error)",
                fix: "correct the file (the README's 'Site policy' section lists every key)")
        }
    }

    static func privileges() -> Result {
        do {
            try PrivilegeCheck.verify()
            return Result(name: "privileges", passed: true, detail: "runs as uid \(getuid()) without setuid or capabilities")
        } catch {
            return Result(
                name: "privileges", passed: false, detail: "\(error)",
                fix: "install gourd as an ordinary file (chmod u-s,g-s; setcap -r)")
        }
    }

    static func kernel() -> Result {
        let release = KernelProbe.release()
        let ok = release.version.map { $0 >= (4, 18) } ?? false
        return Result(
            name: "kernel", passed: ok,
            detail: "Linux \(release.text) (gourd needs 4.18 or newer, for FUSE in user namespaces; from 5.12 it "
                + "uses the new mount API, before it the fallbacks below; --writable-tmpfs needs 5.11)",
            fix: "run on a newer kernel (RHEL/Rocky 8 or newer, Debian 11, Ubuntu 20.04 or later)")
    }

    /// Each system call gourd prefers, tried with arguments it rejects in a throwaway
    /// namespace: missing ones are named with the fallback a launch uses instead.
    static func kernelFeatures() -> Result {
        let finding = HostBlockers.kernelFeatures(KernelProbe.support(), release: KernelProbe.release().version)
        return Result(name: "kernel features", passed: finding.passed, detail: finding.detail, fix: finding.fix)
    }

    /// The distribution blockers (HostBlockers says what each means and its fix); the launch
    /// probe's result tells whether an AppArmor restriction is lifted for gourd by a profile.
    static func userNamespaceSettings(launchWorks: Bool) -> Result {
        let settings = HostBlockers.UserNamespaceSettings(
            maxUserNamespaces: readNumber("/proc/sys/user/max_user_namespaces"),
            unprivilegedClone: readNumber("/proc/sys/kernel/unprivileged_userns_clone"),
            apparmorRestrict: readNumber("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"))
        let binary = HostFiles().realPath("/proc/self/exe") ?? "/path/to/gourd"
        // The dist tarball's layout: bin/gourd beside share/gourd/apparmor/gourd.
        let profile = Paths.parent(of: Paths.parent(of: binary)) + "/share/gourd/apparmor/gourd"
        let finding = HostBlockers.userNamespaces(
            settings, launchWorks: launchWorks, gourdPath: binary,
            profile: access(profile, R_OK) == 0 ? profile : nil)
        return Result(name: "user namespaces", passed: finding.passed, detail: finding.detail, fix: finding.fix)
    }

    static func devFuse() -> Result {
        var st = stat()
        let device: HostBlockers.FuseDevice
        if stat("/dev/fuse", &st) != 0 {
            device = .missing
        } else if access("/dev/fuse", R_OK | W_OK) != 0 {
            device = .notUsable(mode: st.st_mode, uid: getuid())
        } else if st.st_mode & S_IFMT != S_IFCHR {
            device = .notCharacterDevice
        } else {
            device = .usable
        }
        let finding = HostBlockers.devFuse(device)
        return Result(name: "/dev/fuse", passed: finding.passed, detail: finding.detail, fix: finding.fix)
    }

    static func probe() -> Result {
        var err: Int32 = 0
        let step = gd_probe(&err)
        let what: String
        let fix: String
        switch step {
        case Int32(GD_PROBE_OK.rawValue):
            return Result(name: "launch", passed: true, detail: "user + mount + PID namespaces, FUSE mount and procfs work")
        case Int32(GD_PROBE_USERNS.rawValue):
            (what, fix) = ("unshare(CLONE_NEWUSER|CLONE_NEWNS)", "enable unprivileged user namespaces (see above)")
        case Int32(GD_PROBE_ID_MAPS.rawValue):
            (what, fix) = ("writing uid_map/gid_map", "a kernel that allows mapping one's own id (3.19+)")
        case Int32(GD_PROBE_PRIVATE.rawValue): (what, fix) = ("mounting in the new namespace", "check seccomp/LSM policy of the session")
        case Int32(GD_PROBE_FUSE_OPEN.rawValue): (what, fix) = ("open /dev/fuse", "as root: chmod 0666 /dev/fuse")
        case Int32(GD_PROBE_FUSE_MOUNT.rawValue):
            (what, fix) = ("FUSE mount in a user namespace", "a kernel of 4.18+ with FUSE built in or loaded")
        default: (what, fix) = ("PID namespace with its own procfs", "allow CLONE_NEWPID; /proc must not be partly masked")
        }
        return Result(name: "launch", passed: false, detail: "\(what) failed: \(Errno(rawValue: err).description)", fix: fix)
    }

    static func readNumber(_ path: String) -> Int? {
        readSmallFile(path).flatMap { Int($0.filter { !$0.isWhitespace }) }
    }
}
