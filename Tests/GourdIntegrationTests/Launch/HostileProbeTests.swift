import Foundation
import Testing

extension Integration {
    /// What a hostile workload tries from inside; each must fail without harming the host.
    @Suite struct HostileProbes {
        @Test func setuidRootBinaryInTheImageGivesNothing() throws {
            let out = try Gourd.sh("ls -l /opt/suid/busybox | cut -c1-10; /opt/suid/busybox id -u; /opt/suid/busybox id -ru")
            let uid = "\(TestEnvironment.shared.user.uid)"
            #expect(out.lines == ["-rwsr-xr-x", uid, uid], "\(out)")
        }

        @Test func cannotMakeDeviceNodes() throws {
            let out = try Gourd.sh("mknod /tmp/gourd-probe-null c 1 3 && echo MADE; echo rc=$?")
            #expect(out.lines == ["rc=1"], "\(out)")
            #expect(!FileManager.default.fileExists(atPath: "/tmp/gourd-probe-null"))
        }

        @Test func cannotMountUnmountOrChroot() throws {
            let out = try Gourd.sh(
                """
                mount -t tmpfs none /mnt 2>/dev/null && echo MOUNTED
                umount /etc/passwd 2>/dev/null && echo UNMOUNTED
                umount -l / 2>/dev/null && echo ROOT-GONE
                chroot /tmp /bin/true 2>/dev/null && echo CHROOTED
                echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo SYSCTL
                echo done
                """)
            #expect(out.lines == ["done"], "\(out)")
        }

        @Test func workloadCannotKillItsInitOrGourd() throws {
            // PID 1 ignores signals from inside the namespace that it does not handle (SIGKILL
            // among them); gourd itself is not visible. The workload still finishes normally.
            let out = try Gourd.sh("kill -KILL 1; echo still-here; ls /proc | grep -c '^[0-9]'")
            #expect(out.lines.first == "still-here", "\(out)")
            #expect(out.status == 0, "\(out)")
            expectNothingLeft()
        }

        /// After pivot_root the host's tree is detached: the container's mount table lists
        /// only the image root and the planned mounts (with what the host had under /dev, /sys,
        /// /tmp and home).
        @Test func containerSeesOnlyItsOwnMounts() throws {
            let home = TestEnvironment.shared.user.home
            let out = try Gourd.sh("cut -d' ' -f5 /proc/self/mountinfo")
            #expect(out.status == 0, "\(out)")
            let allowed = [
                "/", "/proc", "/dev", "/sys", "/tmp", "/home", home, "/etc/hosts", "/etc/resolv.conf",
                "/etc/localtime", "/etc/passwd", "/etc/group",
            ]
            let unexpected = out.lines.filter { point in
                !allowed.contains(point) && !["/dev/", "/sys/", "/tmp/", "/proc/", home + "/"].contains(where: { point.hasPrefix($0) })
            }
            #expect(unexpected.isEmpty, "host mounts visible inside: \(unexpected)")
            #expect(out.lines.filter { $0 == "/" }.count == 1, "\(out)")
        }
    }
}
