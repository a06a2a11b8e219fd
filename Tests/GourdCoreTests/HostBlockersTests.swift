import GourdCore
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `gourd check`'s explanations of distribution blockers: each names the setting and the exact fix.
@Suite struct HostBlockersTests {
    typealias Settings = HostBlockers.UserNamespaceSettings
    let gourd = "/apps/gourd/bin/gourd"

    @Test func maxUserNamespacesZeroIsExplainedWithThePersistentFix() {
        let f = HostBlockers.userNamespaces(
            Settings(maxUserNamespaces: 0, unprivilegedClone: nil, apparmorRestrict: nil),
            launchWorks: false, gourdPath: gourd, profile: nil)
        #expect(!f.passed)
        #expect(f.detail.hasPrefix("user.max_user_namespaces is 0"))
        #expect(
            f.fix?.hasPrefix(
                "as root: sysctl -w user.max_user_namespaces=15000 && echo user.max_user_namespaces=15000 > /etc/sysctl.d/90-gourd.conf")
                == true)
        #expect(f.fix?.contains("user_namespace.enable=1") == true)  // RHEL 7
    }

    @Test func debianUnprivilegedCloneZero() {
        let f = HostBlockers.userNamespaces(
            Settings(maxUserNamespaces: 100, unprivilegedClone: 0, apparmorRestrict: nil),
            launchWorks: false, gourdPath: gourd, profile: nil)
        #expect(!f.passed && f.fix?.hasPrefix("as root: sysctl -w kernel.unprivileged_userns_clone=1") == true)
    }

    @Test func ubuntuAppArmorRestrictionNamesTheShippedProfileAndThisBinary() {
        let settings = Settings(maxUserNamespaces: 100, unprivilegedClone: nil, apparmorRestrict: 1)
        let f = HostBlockers.userNamespaces(
            settings, launchWorks: false, gourdPath: gourd,
            profile: "/apps/gourd/share/gourd/apparmor/gourd")
        #expect(!f.passed)
        #expect(f.detail.contains("kernel.apparmor_restrict_unprivileged_userns is 1"))
        #expect(
            f.fix
                == "as root: sed 's|@GOURD@|/apps/gourd/bin/gourd|' /apps/gourd/share/gourd/apparmor/gourd > /etc/apparmor.d/gourd && apparmor_parser -r /etc/apparmor.d/gourd (or, for every program: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)"
        )
        let noProfile = HostBlockers.userNamespaces(settings, launchWorks: false, gourdPath: gourd, profile: nil)
        #expect(noProfile.fix?.contains("share/gourd/apparmor/gourd (in the gourd-VERSION-linux-x86_64 tarball)") == true)
        // A profile granting userns to gourd makes the restriction harmless.
        let lifted = HostBlockers.userNamespaces(settings, launchWorks: true, gourdPath: gourd, profile: nil)
        #expect(lifted.passed && lifted.detail.contains("an AppArmor profile lets gourd create them"))
    }

    @Test func enabledPasses() {
        let f = HostBlockers.userNamespaces(
            Settings(maxUserNamespaces: 15000, unprivilegedClone: 1, apparmorRestrict: 0),
            launchWorks: true, gourdPath: gourd, profile: nil)
        #expect(f.passed && f.fix == nil)
    }

    @Test func devFuseFindings() {
        #expect(HostBlockers.devFuse(.usable).passed)
        let missing = HostBlockers.devFuse(.missing)
        #expect(!missing.passed && missing.fix?.hasPrefix("as root: modprobe fuse && echo fuse > /etc/modules-load.d/fuse.conf") == true)
        let closed = HostBlockers.devFuse(.notUsable(mode: 0o20600, uid: 1000))
        #expect(closed.detail == "not readable and writable by uid 1000 (mode 600)")
        #expect(closed.fix?.hasPrefix("as root: chmod 0666 /dev/fuse") == true)
        #expect(closed.fix?.contains("/etc/udev/rules.d/99-gourd-fuse.rules") == true)
        #expect(HostBlockers.devFuse(.notCharacterDevice).fix == "as root: rm /dev/fuse && mknod -m 0666 /dev/fuse c 10 229")
    }

    @Test func kernelFeaturesNameEachMissingSyscallWithItsFallback() {
        let all = HostBlockers.kernelFeatures(KernelSupport(), release: (6, 18))
        #expect(all.passed && all.detail == "openat2, open_tree, move_mount, mount_setattr, close_range: present")
        let rhel8 = HostBlockers.kernelFeatures(
            KernelSupport(missing: [.mountSetattr, .openat2, .openTree, .moveMount, .closeRange]), release: (4, 18))
        #expect(rhel8.passed && rhel8.fix == nil)
        #expect(
            rhel8.detail == "openat2: missing, using gourd's in-root resolver (Linux < 5.6); "
                + "open_tree: missing, using mount(2) binds (Linux < 5.2); "
                + "move_mount: missing, using mount(2) binds (Linux < 5.2); "
                + "mount_setattr: missing, using remount (Linux < 5.12); "
                + "close_range: missing, using close(2) per descriptor (Linux < 5.9)")
        let filtered = HostBlockers.kernelFeatures(KernelSupport(missing: [.mountSetattr, .openat2]), release: (5, 10))
        #expect(
            filtered.detail == "openat2: missing, using gourd's in-root resolver (Linux < 5.6); "
                + "mount_setattr: missing, using remount (Linux < 5.12); Linux 5.10 has openat2: a seccomp filter "
                + "of this session (container engine, systemd SystemCallFilter=) hides it")
    }

    @Test func kernelSupportKeepsItsOrderAndRoundTrips() throws {
        let kernel = KernelSupport(missing: [.closeRange, .openat2])
        #expect(kernel.missing == [.openat2, .closeRange] && !kernel.isComplete)
        #expect(KernelSupport().isComplete)
        let data = try JSONEncoder().encode(kernel)
        #expect(String(decoding: data, as: UTF8.self) == #"{"missing":["openat2","close_range"]}"#)
        #expect(try JSONDecoder().decode(KernelSupport.self, from: data) == kernel)
    }
}
