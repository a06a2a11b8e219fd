import Foundation
import GourdCore
import Testing

extension Integration {
    /// Launches on the kernel fallbacks (docs/PLATFORM-NOTES.md, "Kernels before 5.12"): gourd
    /// runs under Tests/Support/enosys.py, a seccomp filter that makes every system call Linux
    /// 4.18 lacks fail with ENOSYS (openat2, open_tree, move_mount, mount_setattr, close_range,
    /// clone3...), so each launch resolves bind destinations with gourd's own in-root resolver,
    /// binds with mount(2) and restricts with remounts. The same hostile layouts as the fast
    /// path's tests (BindTests) must land inside the root here too.
    @Suite struct KernelFallbacks {
        static let image = TestEnvironment.shared.image("busybox-zstd.sqfs")

        /// `gourd ARGS` as the test user under the filter (`calls`: enosys.py's list).
        static func run(_ args: [String], calls: String = "linux-4.18", eperm: Bool = false) throws -> Outcome {
            let env = TestEnvironment.shared
            let filter =
                ["/usr/bin/python3", env.packageRoot + "/Tests/Support/enosys.py"] + (eperm ? ["--eperm"] : []) + [calls, "--"]
            return try Gourd.start(filter + env.userPrefix + [env.gourd] + args, raw: true, asRunner: true).wait()
        }

        static func sh(_ script: String, options: [String] = [], calls: String = "linux-4.18") throws -> Outcome {
            try run(["exec"] + options + [image, "sh", "-c", script], calls: calls)
        }

        /// /escape-abs -> /etc and /escape-rel -> ../../../../../../etc in the image.
        @Test(arguments: ["/escape-abs", "/escape-rel"])
        func symlinkInTheImageCannotEscapeTheRoot(link: String) throws {
            let dir = Scratch.shared.directory("fallback-escape")
            Scratch.shared.write("decoy\n", to: dir + "/passwd")
            let out = try Self.sh(
                "cat /etc/passwd; grep -c ' /etc/passwd ' /proc/self/mountinfo", options: ["-B", "\(dir)/passwd:\(link)/passwd"])
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == ["decoy", "2"], "the bind landed on the container's /etc/passwd: \(out)")
            #expect(try String(contentsOfFile: "/etc/passwd", encoding: .utf8).contains("root:"), "host /etc/passwd untouched")
            expectNothingLeft()
        }

        /// A host directory bound at /mnt holds a symlink out of the root (absolute or
        /// relative): a bind through it lands on the container's /etc.
        @Test(arguments: ["/etc", "../../../../../../../../../etc"])
        func symlinkInABoundDirectoryCannotEscape(target: String) throws {
            let dir = Scratch.shared.directory("fallback-hostlink")
            symlink(target, dir + "/link")
            let src = Scratch.shared.directory("fallback-hostlink-src")
            Scratch.shared.write("through-link\n", to: src + "/group")
            let out = try Self.sh("cat /etc/group", options: ["-B", "\(dir):/mnt", "-B", "\(src)/group:/mnt/link/group"])
            #expect(out.status == 0 && out.lines == ["through-link"], "\(out)")
            expectNothingLeft()
        }

        /// A magic link (/proc/self/root: the init's root, the staging area outside the
        /// container root) in a bound directory is refused, on both paths, with ELOOP.
        @Test func magicLinkInABoundDirectoryIsRefused() throws {
            let dir = Scratch.shared.directory("fallback-magic")
            symlink("/proc/self/root", dir + "/link")
            let src = Scratch.shared.directory("fallback-magic-src")
            let options = ["-B", "\(dir):/mnt", "-B", "\(src):/mnt/link/etc"]
            for out in [try Self.sh("echo ran", options: options), try Gourd.sh("echo ran", options: options)] {
                #expect(out.status == GourdExit.launchFailed, "\(out)")
                #expect(out.stderr.contains("Too many levels of symbolic links") && !out.stdout.contains("ran"), "\(out)")
            }
            expectNothingLeft()
        }

        /// Every mount of a launch has the same flags on both paths (remounts keep what the
        /// kernel locked: nosuid/noexec of devtmpfs nodes, relatime...), read-only binds and
        /// recursive ones with their submounts (host /sys/fs holds the cgroup mounts) included.
        @Test func mountTableIsTheSameOnBothPaths() throws {
            let dir = Scratch.shared.directory("fallback-table")
            Scratch.shared.write("x\n", to: dir + "/f")
            let options = ["-B", "\(dir):/mnt:ro", "-B", "/sys/fs:/opt:ro", "-B", "\(dir)/f:/data/f"]
            let script = "cut -d' ' -f4- /proc/self/mountinfo | sort"
            let fallback = try Self.sh(script, options: options)
            let fast = try Gourd.sh(script, options: options)
            #expect(fallback.status == 0 && fast.status == 0, "\(fallback)\n\(fast)")
            #expect(fallback.lines == fast.lines, "fallback:\n\(fallback.stdout)\nfast:\n\(fast.stdout)")
            let below = fallback.lines.filter { $0.hasPrefix("/ /opt/") || $0.contains(" /opt/") }
            #expect(!below.isEmpty && below.allSatisfy { $0.split(separator: " ")[2].hasPrefix("ro,") }, "\(fallback)")
        }

        /// A read-only recursive bind makes the mounts below the source read-only too (MS_REC
        /// does not apply to remounts: each is found and remounted).
        @Test(.enabled(if: getuid() == 0)) func readOnlyBindCoversSubmounts() throws {
            let dir = Scratch.shared.directory("fallback-submount")
            mkdir(dir + "/sub", 0o777)
            let mounted = try Gourd.start(
                ["/bin/mount", "-t", "tmpfs", "-o", "mode=0777,size=1m", "gourd-test", dir + "/sub"], raw: true,
                asRunner: true
            ).wait()
            #expect(mounted.status == 0, "\(mounted)")
            defer { _ = try? Gourd.start(["/bin/umount", dir + "/sub"], raw: true, asRunner: true).wait() }
            let script = "touch /mnt/sub/x; echo rc=$?; grep ' /mnt/sub ' /proc/self/mountinfo | cut -d' ' -f6"
            for out in [try Self.sh(script, options: ["-B", "\(dir):/mnt:ro"]), try Gourd.sh(script, options: ["-B", "\(dir):/mnt:ro"])] {
                #expect(out.lines.first == "rc=1" && out.stderr.contains("Read-only file system"), "\(out)")
                #expect(out.lines.last?.hasPrefix("ro,") == true, "\(out)")
            }
            #expect(access(dir + "/sub/x", F_OK) != 0)
        }

        /// Without close_range, the container's init still closes every descriptor it holds
        /// (the launch would otherwise never hear that the workload started): it keeps only
        /// the signalfd it opens afterwards.
        @Test func initClosesItsDescriptorsWithoutCloseRange() throws {
            let out = try Self.sh("ls -l /proc/1/fd | tail -n +2; echo done", calls: "close_range")
            #expect(out.status == 0 && out.lines.count == 2, "\(out)")
            #expect(out.lines.first?.hasSuffix(" 0 -> anon_inode:[signalfd]") == true && out.lines.last == "done", "\(out)")
        }

        /// The default /tmp bind shows the host's /tmp, not gourd's staging tmpfs that covers
        /// it in gourd's own namespace when the sources are bound.
        @Test func tmpIsTheHostsTmp() throws {
            let dir = Scratch.shared.directory("fallback-tmp")
            Scratch.shared.write("host\n", to: dir + "/marker")
            let out = try Self.sh("cat \(dir)/marker; ls -a / | grep -c binds")
            #expect(out.lines == ["host", "0"], "\(out)")
        }

        /// gourd check names each missing call with the fallback it takes and passes; gourd
        /// plan shows the same; a seccomp profile answering EPERM (Docker's) counts the same.
        @Test func checkAndPlanNameTheFallbacks() throws {
            let check = try Self.run(["check"])
            #expect(check.status == 0, "\(check)")
            #expect(
                check.stdout.contains("ok    kernel features: openat2: missing, using gourd's in-root resolver (Linux < 5.6); "), "\(check)"
            )
            #expect(check.stdout.contains("mount_setattr: missing, using remount (Linux < 5.12)"), "\(check)")
            #expect(check.stdout.contains("a seccomp filter of this session"), "\(check)")
            let plan = try Self.run(["plan", Self.image, "true"])
            #expect(plan.stdout.contains("kernel     openat2: missing, using gourd's in-root resolver (Linux < 5.6)\n"), "\(plan)")
            #expect(plan.stdout.contains("\n           mount_setattr: missing, using remount (Linux < 5.12)\n"), "\(plan)")
            let eperm = try Self.run(["check"], calls: "open_tree,move_mount,mount_setattr,openat2", eperm: true)
            #expect(eperm.stdout.contains("move_mount: missing, using mount(2) binds (Linux < 5.2)"), "\(eperm)")
            let launch = try Self.run(
                ["exec", Self.image, "echo", "ran"], calls: "open_tree,move_mount,mount_setattr,openat2", eperm: true)
            #expect(launch.status == 0 && launch.lines == ["ran"], "\(launch)")
            if TestEnvironment.shared.wrap.isEmpty {
                let fast = try Gourd.run(["plan", Self.image, "true"])
                #expect(
                    fast.stdout.contains("kernel     mount API: openat2, open_tree + move_mount, mount_setattr, close_range\n"), "\(fast)")
            }
            expectNothingLeft()
        }
    }
}
