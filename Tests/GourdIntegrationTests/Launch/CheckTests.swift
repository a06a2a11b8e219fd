import Foundation
import GourdCore
import Testing

extension Integration {
    @Suite struct HostCheck {
        @Test func checkPassesOnThisHost() throws {
            let out = try Gourd.run(["check"])
            #expect(out.status == 0, "\(out)")
            for item in ["privileges", "kernel", "kernel features", "user namespaces", "/dev/fuse", "launch", "site policy"] {
                #expect(out.stdout.contains("ok    \(item):"), "\(item): \(out)")
            }
            expectNothingLeft()
        }

        @Test func checkReportsABrokenSitePolicy() throws {
            let policy = SitePolicy("[devices]\ndefault = \"everything\"\n")
            let out = try Gourd.run(["check"], env: policy.env)
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(
                out.stdout.contains("FAIL  site policy: policy \(policy.file):2: devices.default: 'everything' is not minimal or host"),
                "\(out)")
            let good = try Gourd.run(["check"], env: SitePolicy("[gpu]\ndefault = \"auto\"\n").env)
            #expect(good.status == 0 && good.stdout.contains("policy.toml is valid"), "\(good)")
        }

        /// Under a seccomp filter that makes mount_setattr and openat2 fail with ENOSYS (what Linux
        /// 4.18 answers), check names both with the fallback gourd takes and the release that
        /// added them, and still passes; a launch takes those fallbacks and works.
        @Test func checkNamesEachMissingMountSyscall() throws {
            let env = TestEnvironment.shared
            let enosys = ["/usr/bin/python3", env.packageRoot + "/Tests/Support/enosys.py", "mount_setattr,openat2", "--"]
            let out = try Gourd.start(enosys + env.userPrefix + [env.gourd, "check"], raw: true, asRunner: true).wait()
            #expect(out.status == 0, "\(out)")
            #expect(
                out.stdout.contains(
                    "ok    kernel features: openat2: missing, using gourd's in-root resolver (Linux < 5.6); "
                        + "mount_setattr: missing, using remount (Linux < 5.12); "), "\(out)")
            #expect(!out.stdout.contains("open_tree: missing"), "\(out)")
            let launch = try Gourd.start(
                enosys + env.userPrefix + [
                    env.gourd, "exec", env.image("busybox-zstd.sqfs"), "sh", "-c", "grep ' /etc/hosts ' /proc/self/mountinfo",
                ],
                raw: true, asRunner: true
            ).wait()
            #expect(launch.status == 0 && launch.stdout.contains(" ro,nosuid,nodev"), "\(launch)")
            expectNothingLeft()
        }

        /// With /dev/fuse unusable (a root-only file bound over it in a private mount namespace),
        /// check says so, names the fix, and exits 125.
        @Test(.enabled(if: getuid() == 0)) func checkExplainsAnUnusableDevFuse() throws {
            let env = TestEnvironment.shared
            let dir = Scratch.shared.directory("nofuse")
            let blocker = dir + "/fuse"
            Scratch.shared.write("", to: blocker)
            chown(blocker, 0, 0)
            chmod(blocker, 0o600)
            let inner = "mount --bind \(blocker) /dev/fuse && exec " + (env.userPrefix + [env.gourd, "check"]).joined(separator: " ")
            let out = try Gourd.start(["/usr/bin/unshare", "--mount", "/bin/sh", "-c", inner], raw: true, asRunner: true).wait()
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stdout.contains("FAIL  /dev/fuse: not readable and writable by uid \(env.user.uid)"), "\(out)")
            #expect(out.stdout.contains("fix: as root: chmod 0666 /dev/fuse"), "\(out)")
            #expect(out.stdout.contains("FAIL  launch: open /dev/fuse failed: Permission denied"), "\(out)")
            #expect(out.stdout.contains("gourd cannot run on this host"), "\(out)")
        }

        /// A copy with file capabilities refuses to run: gourd must never hold privilege.
        @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/setcap")))
        func fileCapabilitiesRefuseToRun() throws {
            let dir = Scratch.shared.directory("filecaps")
            let copy = dir + "/gourd"
            try FileManager.default.copyItem(atPath: TestEnvironment.shared.gourd, toPath: copy)
            chmod(copy, 0o755)
            let setcap = try Gourd.start(["/usr/sbin/setcap", "cap_net_raw=p", copy], raw: true, asRunner: true).wait()
            #expect(setcap.status == 0, "\(setcap)")
            let out = try Gourd.start([copy, "exec", Gourd.env.image("busybox-zstd.sqfs"), "true"], raw: true, wrapped: false)
                .wait()
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.contains("refusing to run: it has capabilities"), "\(out)")
            unlink(copy)
        }

        /// A setuid-root copy of gourd refuses to run (only testable when the runner is root).
        @Test(.enabled(if: getuid() == 0)) func setuidCopyRefusesToRun() throws {
            let dir = Scratch.shared.directory("setuid")
            let copy = dir + "/gourd"
            try FileManager.default.copyItem(atPath: TestEnvironment.shared.gourd, toPath: copy)
            chown(copy, 0, 0)
            chmod(copy, 0o4755)
            let out = try Gourd.start([copy, "exec", Gourd.env.image("busybox-zstd.sqfs"), "true"], raw: true, wrapped: false)
                .wait()
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.contains("refusing to run") && out.stderr.contains("setuid"), "\(out)")
            unlink(copy)
        }
    }
}
