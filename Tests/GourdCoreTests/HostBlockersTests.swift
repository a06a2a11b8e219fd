import GourdCore
import Testing

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

    @Test func kernelFeaturesNameEachMissingSyscallWithItsRelease() {
        let all = HostBlockers.kernelFeatures(missing: [])
        #expect(all.passed && all.detail == "openat2, open_tree, move_mount, mount_setattr: present")
        let old = HostBlockers.kernelFeatures(missing: ["mount_setattr", "openat2"])
        #expect(!old.passed)
        #expect(
            old.detail == "openat2: missing (Linux < 5.6; used for bind targets resolved inside the root); "
                + "mount_setattr: missing (Linux < 5.12; used for read-only, nosuid and nodev on mounts)")
        #expect(old.fix?.contains("seccomp") == true)
    }
}
