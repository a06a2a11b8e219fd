/// The distribution settings that stop unprivileged containers, as `gourd check` explains them:
/// what is wrong, in the words the setting uses, and the exact commands that fix it. Pure: the
/// runtime reads the sysctls and /dev/fuse and passes the values in.
public enum HostBlockers {
    public struct Finding: Sendable, Equatable {
        public var passed: Bool
        public var detail: String
        public var fix: String?
    }

    /// Settings read from /proc/sys (nil: the file does not exist on this kernel).
    public struct UserNamespaceSettings: Sendable, Equatable {
        /// user.max_user_namespaces (0 disables them: RHEL 7's default).
        public var maxUserNamespaces: Int?
        /// kernel.unprivileged_userns_clone (Debian's patch before Debian 11; 0 disables them).
        public var unprivilegedClone: Int?
        /// kernel.apparmor_restrict_unprivileged_userns (Ubuntu 23.10+: 1 by default).
        public var apparmorRestrict: Int?

        public init(maxUserNamespaces: Int?, unprivilegedClone: Int?, apparmorRestrict: Int?) {
            self.maxUserNamespaces = maxUserNamespaces
            self.unprivilegedClone = unprivilegedClone
            self.apparmorRestrict = apparmorRestrict
        }
    }

    static let sysctlFile = "/etc/sysctl.d/90-gourd.conf"

    /// `launchWorks`: gourd's real launch probe succeeded (an AppArmor profile that grants
    /// `userns` to gourd makes the Ubuntu restriction harmless). `gourdPath`: the binary a
    /// profile must name. `profile`: the AppArmor profile shipped beside it, if found.
    public static func userNamespaces(
        _ settings: UserNamespaceSettings, launchWorks: Bool, gourdPath: String,
        profile: String?
    ) -> Finding {
        if settings.maxUserNamespaces == 0 {
            return Finding(
                passed: false,
                detail: "user.max_user_namespaces is 0: user namespaces are disabled (RHEL 7's default)",
                fix: "as root: sysctl -w user.max_user_namespaces=15000 && echo user.max_user_namespaces=15000 > "
                    + "\(sysctlFile) (RHEL 7 also needs the boot option user_namespace.enable=1, and its 3.10 kernel "
                    + "cannot mount FUSE in a user namespace: gourd needs RHEL 8 or newer)")
        }
        if settings.unprivilegedClone == 0 {
            return Finding(
                passed: false, detail: "kernel.unprivileged_userns_clone is 0: only root may create user namespaces",
                fix: "as root: sysctl -w kernel.unprivileged_userns_clone=1 && echo kernel.unprivileged_userns_clone=1 > "
                    + sysctlFile)
        }
        if settings.apparmorRestrict == 1 {
            if launchWorks {
                return Finding(
                    passed: true,
                    detail: "kernel.apparmor_restrict_unprivileged_userns is 1, and an AppArmor "
                        + "profile lets gourd create them")
            }
            let source = profile ?? "share/gourd/apparmor/gourd (in the gourd-VERSION-linux-x86_64 tarball)"
            return Finding(
                passed: false,
                detail: "kernel.apparmor_restrict_unprivileged_userns is 1: AppArmor denies user namespaces to programs "
                    + "without a profile granting 'userns' (Ubuntu 23.10 and later)",
                fix: "as root: sed 's|@GOURD@|\(gourdPath)|' \(source) > /etc/apparmor.d/gourd && apparmor_parser -r "
                    + "/etc/apparmor.d/gourd (or, for every program: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)")
        }
        return Finding(passed: true, detail: "enabled for unprivileged users")
    }

    /// What stat(2) and access(2) said about /dev/fuse.
    public enum FuseDevice: Sendable, Equatable {
        case missing
        case notCharacterDevice
        case notUsable(mode: UInt32, uid: UInt32)
        case usable
    }

    public static func devFuse(_ device: FuseDevice) -> Finding {
        switch device {
        case .missing:
            return Finding(
                passed: false, detail: "missing (the fuse module is not loaded, or this is a container without it)",
                fix: "as root: modprobe fuse && echo fuse > /etc/modules-load.d/fuse.conf (in a container "
                    + "engine: pass the device, e.g. --device /dev/fuse)")
        case .notCharacterDevice:
            return Finding(
                passed: false, detail: "is not a character device",
                fix: "as root: rm /dev/fuse && mknod -m 0666 /dev/fuse c 10 229")
        case .notUsable(let mode, let uid):
            return Finding(
                passed: false,
                detail: "not readable and writable by uid \(uid) (mode \(String(mode & 0o777, radix: 8)))",
                fix: "as root: chmod 0666 /dev/fuse (the default on most distributions; it grants nothing outside the "
                    + "caller's own user namespace); to keep it: echo 'KERNEL==\"fuse\", MODE=\"0666\"' > "
                    + "/etc/udev/rules.d/99-gourd-fuse.rules")
        case .usable:
            return Finding(passed: true, detail: "usable")
        }
    }

    /// The system calls gourd prefers: present, or each missing one with what gourd uses
    /// instead. Every one has a fallback, so this never fails a host; `release` (the running
    /// kernel's major and minor) tells an old kernel from a seccomp filter that hides them.
    public static func kernelFeatures(_ kernel: KernelSupport, release: (Int, Int)?) -> Finding {
        guard !kernel.isComplete, let release else { return Finding(passed: true, detail: kernel.summary) }
        let hidden = kernel.missing.filter { call in
            let since = call.since.split(separator: ".").compactMap { Int($0) }
            return since.count == 2 && release >= (since[0], since[1])
        }
        guard !hidden.isEmpty else { return Finding(passed: true, detail: kernel.summary) }
        return Finding(
            passed: true,
            detail: kernel.summary + "; Linux \(release.0).\(release.1) has "
                + hidden.map(\.rawValue).joined(by: ", ")
                + ": a seccomp filter of this session (container engine, systemd SystemCallFilter=) hides "
                + (hidden.count == 1 ? "it" : "them"))
    }
}
