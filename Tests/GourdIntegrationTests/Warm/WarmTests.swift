import Foundation
import GourdCore
import Testing

/// Warm launches: one image server per uid, scope and image, reused by later launches.
extension Integration {
    /// Under make test's kernel-fallback pass (no open_tree/move_mount) every launch is cold:
    /// see `WarmWithoutOpenTree`.
    @Suite(.disabled(if: !Gourd.env.wrap.isEmpty, "warm launches need open_tree/move_mount"))
    struct Warm {
        static let image = Gourd.env.image("busybox-zstd.sqfs")
        /// Warm with a short linger: a test that fails before stopping its server leaves it
        /// for a few seconds only.
        static let on = ["GOURD_WARM": "5"]

        /// `gourd plan --json`'s warm object for a launch of `image`.
        static func plan(
            _ image: String = Warm.image, options: [String] = [], env: [String: String] = Warm.on
        ) throws
            -> [String: Any]
        {
            let out = try Gourd.run(["plan", "--json"] + options + [image, "true"], env: env)
            #expect(out.status == 0, "\(out)")
            let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
            return json?["warm"] as? [String: Any] ?? [:]
        }

        static func serverPID(_ image: String = Warm.image, env: [String: String] = Warm.on) throws -> Int32? {
            (try plan(image, env: env)["serverPID"] as? NSNumber)?.int32Value
        }

        /// The abstract socket name the launch would use (from `gourd plan`).
        static func socketName(_ image: String = Warm.image) throws -> String {
            let server = try plan(image)["server"] as? String ?? ""
            return String(server.dropFirst().prefix(while: { $0 != ":" }))
        }

        /// gourd processes left once every launch has ended: servers.
        static func servers() -> [Int32] {
            HostState.containerPIDs().map(\.pid)
        }

        /// Warm servers' names listening on this host (/proc/net/unix, unix(7)).
        static func socketNames() -> [String] {
            let text = (try? String(contentsOfFile: "/proc/net/unix", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let name = line.split(separator: " ").last, name.hasPrefix("@gourd/\(Gourd.env.user.uid)/warm/") else {
                    return nil
                }
                return String(name)
            }
        }

        static func waitGone(_ pid: Int32, timeout: Double = 5) -> Bool {
            let end = Date().addingTimeInterval(timeout)
            while Date() < end {
                if kill(pid, 0) != 0 && errno == ESRCH { return true }
                usleep(20_000)
            }
            return false
        }

        /// Ends a server the way a user or a scheduler would: SIGTERM.
        static func stop(_ pid: Int32?) {
            guard let pid else { return }
            kill(pid, SIGTERM)
            _ = waitGone(pid)
        }

        static func expectNothingLeftAtAll(sourceLocation: SourceLocation = #_sourceLocation) {
            expectNothingLeft(sourceLocation: sourceLocation)
            #expect(socketNames().isEmpty, "socket names left: \(socketNames())", sourceLocation: sourceLocation)
        }

        @Test func secondLaunchReusesTheServer() throws {
            let script = "for n in user mnt pid; do readlink /proc/self/ns/$n; done"
            let first = try Gourd.sh(script, env: Self.on)
            #expect(first.status == 0, "\(first)")
            let pid = try #require(try Self.serverPID(), "a server lingers after the first launch")
            defer { Self.stop(pid) }
            let second = try Gourd.sh(script, env: Self.on)
            #expect(second.status == 0, "\(second)")
            #expect(try Self.serverPID() == pid, "the second launch used the first one's server")
            #expect(Self.servers() == [pid], "exactly one server process")
            #expect(try Self.plan()["enabled"] as? Bool == true)
            // Both launches entered the server's user namespace (namespace inode numbers are
            // recycled, so sequential launches cannot show distinct mount namespaces: the
            // concurrent test below does).
            #expect(first.lines.count == 3 && second.lines.count == 3, "\(first) \(second)")
            #expect(first.lines.first == second.lines.first, "one user namespace: \(first) \(second)")
            Self.stop(pid)
            Self.expectNothingLeftAtAll()
        }

        /// SIGTERM (a scheduler's, which the workloads get too) stops the server taking
        /// launches at once, but a launch still running reads its image to the end.
        @Test func sigtermLetsAttachedLaunchesFinish() throws {
            let running = try Gourd.start(
                ["exec", Self.image, "sh", "-c", "echo started; sleep 1; md5sum /bin/busybox >/dev/null && echo read ok"],
                env: Self.on)
            #expect(running.waitForOutput("started"))
            let pid = try #require(try Self.serverPID())
            kill(pid, SIGTERM)
            usleep(300_000)
            let later = try Gourd.sh("true", env: Self.on)
            let fresh = try Self.serverPID()
            defer { Self.stop(fresh) }
            #expect(later.status == 0 && fresh != nil && fresh != pid, "a launch after the SIGTERM starts a new server")
            #expect(kill(pid, 0) == 0, "it still serves the running launch")
            let out = try running.wait()
            #expect(out.status == 0 && out.lines.last == "read ok", "\(out)")
            #expect(Self.waitGone(pid), "it left with its last launch")
            Self.stop(fresh)
            Self.expectNothingLeftAtAll()
        }

        /// The image's FUSE mount as the container sees it: its root's device ("0:NN", the
        /// FUSE connection) in /proc/self/mountinfo. One server, one device; a cold launch
        /// mounts its own.
        static let rootDevice = "awk '$5 == \"/\" { print \"dev\", $3 }' /proc/self/mountinfo"

        /// Ranks sharing a container: both ranks of a group in one PID namespace, each group
        /// (as consecutive job steps) and a single launch in between on the one server's mount.
        @Test func ranksOfSharedContainersUseTheWarmServer() throws {
            let script = "readlink /proc/self/ns/pid; \(Self.rootDevice); sleep 0.3"
            func group(_ key: String, env: [String: String] = Warm.on) throws -> [Outcome] {
                let ranks = try (0..<2).map { _ in
                    try Gourd.start(["exec", "--share=\(key)", Self.image, "sh", "-c", script], env: env)
                }
                return try ranks.map { try $0.wait(timeout: 30) }
            }
            let tag = UUID().uuidString.prefix(8).lowercased()
            let first = try group("wa-\(tag)")
            let pid = try #require(try Self.serverPID(), "a warm server serves the first group")
            defer { Self.stop(pid) }
            let single = try Gourd.sh(Self.rootDevice, env: Self.on)
            let second = try group("wb-\(tag)")
            let cold = try group("wc-\(tag)", env: ["GOURD_WARM": "off"])
            for outcome in first + second + cold { #expect(outcome.status == 0 && outcome.lines.count == 2, "\(outcome)") }
            let device = first.first?.lines.last
            #expect(device?.hasPrefix("dev ") == true, "\(first)")
            #expect(
                Set((first + second).map(\.lines.last)) == [device] && single.lines.last == device,
                "one FUSE mount: \(first) \(single) \(second)")
            #expect(first[0].lines.first == first[1].lines.first, "a group's ranks share its PID namespace: \(first)")
            #expect(cold.first?.lines.last != device, "a cold group mounts the image itself: \(cold)")
            #expect(try Self.serverPID() == pid, "the same server throughout")
            // The groups' own processes leave with their last rank; the server lingers.
            let end = Date().addingTimeInterval(5)
            while Self.servers() != [pid] && Date() < end { usleep(50_000) }
            #expect(Self.servers() == [pid], "only the warm server remains: \(Self.servers())")
            Self.stop(pid)
            Self.expectNothingLeftAtAll()
        }

        @Test func concurrentLaunchesKeepTheirOwnBindsEnvironmentAndDevices() throws {
            let root = Scratch.shared.path + "/warm-binds-\(UUID().uuidString.prefix(8))"
            for name in ["a", "b"] {
                try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
                try "file-\(name)\n".write(toFile: "\(root)/\(name)/f", atomically: true, encoding: .utf8)
            }
            let script =
                "cat /mnt/f; echo X=$X; ls /dev | wc -l; readlink /proc/self/ns/mnt; readlink /proc/self/ns/user; "
                + "echo started; sleep 1; cat /mnt/f; ls /mnt"
            let a = try Gourd.start(
                ["exec", "-B", "\(root)/a:/mnt", "--env", "X=a", "--dev=host", Self.image, "sh", "-c", script], env: Self.on)
            #expect(a.waitForOutput("started"))
            let b = try Gourd.run(["exec", "-B", "\(root)/b:/mnt", "--env", "X=b", Self.image, "sh", "-c", script], env: Self.on)
            let outA = try a.wait()
            let pid = try Self.serverPID()
            defer { Self.stop(pid) }
            #expect(outA.status == 0 && b.status == 0, "\(outA) \(b)")
            #expect(outA.lines.first == "file-a" && outA.lines.dropFirst().first == "X=a", "\(outA)")
            #expect(b.lines.first == "file-b" && b.lines.dropFirst().first == "X=b", "\(b)")
            #expect(outA.lines.suffix(2) == ["file-a", "f"], "a's bind is untouched by b's launch: \(outA)")
            // --dev=host for a, the minimal /dev for b
            let devA = Int(outA.lines.count > 2 ? outA.lines[2].trimmingCharacters(in: .whitespaces) : "") ?? 0
            let devB = Int(b.lines.count > 2 ? b.lines[2].trimmingCharacters(in: .whitespaces) : "") ?? 0
            #expect(devA > devB && devB > 0, "a: \(devA) entries, b: \(devB)")
            // At the same time: one user namespace (the server's), two mount namespaces.
            if outA.lines.count > 4 && b.lines.count > 4 {
                #expect(outA.lines[3] != b.lines[3] && outA.lines[4] == b.lines[4], "\(outA) \(b)")
            }
            #expect(pid != nil && Self.servers() == [pid!], "both from one server")
            Self.stop(pid)
            Self.expectNothingLeftAtAll()
        }

        /// GPUs are granted per launch (the fake NVIDIA nodes of the test set-up).
        @Test func eachLaunchGetsItsOwnGPUs() throws {
            let list = "echo nodes: $(ls /dev | grep '^nvidia'); readlink /proc/self/ns/user"
            let one = try Gourd.sh(list, options: ["--nv"], env: Self.on.merging(["CUDA_VISIBLE_DEVICES": "1"]) { $1 })
            let pid = (try Self.plan(options: ["--nv"], env: Self.on)["serverPID"] as? NSNumber)?.int32Value
            defer { Self.stop(pid) }
            let two = try Gourd.sh(list, options: ["--nv"], env: Self.on.merging(["CUDA_VISIBLE_DEVICES": "3,0"]) { $1 })
            #expect(one.lines.first == "nodes: nvidia-uvm nvidia1 nvidiactl", "\(one)")
            #expect(two.lines.first == "nodes: nvidia-uvm nvidia0 nvidia3 nvidiactl", "\(two)")
            #expect(one.lines.count == 2 && one.lines.last == two.lines.last, "one server for both: \(one) \(two)")
            Self.stop(pid)
            Self.expectNothingLeftAtAll()
        }

        @Test func exitStatusSignalsAndWritableTmpfsAsInAColdLaunch() throws {
            let failed = try Gourd.sh("exit 7", env: Self.on)
            #expect(failed.status == 7, "\(failed)")
            let pid = try Self.serverPID()
            defer { Self.stop(pid) }
            let running = try Gourd.start(["exec", Self.image, "sh", "-c", "echo started; sleep 10"], env: Self.on)
            #expect(running.waitForOutput("started"))
            running.signal(SIGTERM)
            let out = try running.wait()
            #expect(out.status == 143, "SIGTERM reached the workload: \(out)")
            let missing = try Gourd.sh("exec /no/such/program", env: Self.on)
            #expect(missing.status == 127, "\(missing)")
            // The overlay's upper layer is the launch's own: the next launch sees the image.
            let wrote = try Gourd.sh("mkdir /work && echo mine > /work/new && cat /work/new", options: ["--writable-tmpfs"], env: Self.on)
            #expect(wrote.status == 0 && wrote.lines == ["mine"], "\(wrote)")
            let after = try Gourd.sh("test -e /work && echo leaked || echo clean", env: Self.on)
            #expect(after.lines == ["clean"], "\(after)")
            #expect(try Self.serverPID() == pid && pid != nil, "every launch here used one server")
            Self.stop(pid)
            Self.expectNothingLeftAtAll()
        }

        @Test func lingerExpiryLeavesNothing() throws {
            let out = try Gourd.sh("true", env: ["GOURD_WARM": "3"])
            #expect(out.status == 0, "\(out)")
            #expect(Self.socketNames().count == 1, "the server lingers after the launch: \(Self.socketNames())")
            #expect(Self.servers().count == 1, "the server lingers after the launch")
            usleep(3_200_000)
            Self.expectNothingLeftAtAll()
        }

        @Test func killedServerGivesErrorsNotAHangAndTheNextLaunchWorks() throws {
            // Each lookup of a new name reaches the server (negative entries are cached per name).
            let script =
                "echo started; i=0; while :; do i=$((i+1)); e=$(cat /nothing$i 2>&1); "
                + "case $e in *'No such file'*) ;; *) echo \"after $i: $e\"; exit 3;; esac; done"
            let running = try Gourd.start(["exec", Self.image, "sh", "-c", script], env: Self.on)
            #expect(running.waitForOutput("started"))
            let pid = try #require(try Self.serverPID())
            usleep(200_000)
            kill(pid, SIGKILL)
            let out = try running.wait(timeout: 15)
            #expect(
                out.stdout.contains("Transport endpoint is not connected") || out.stdout.contains("I/O error")
                    || out.stdout.contains("Software caused connection abort"),
                "the workload sees the dead server as an error: \(out)")
            let next = try Gourd.sh("echo ok", env: Self.on)
            #expect(next.status == 0 && next.lines == ["ok"], "\(next)")
            let fresh = try Self.serverPID()
            #expect(fresh != nil && fresh != pid, "a new server")
            Self.stop(fresh)
            Self.expectNothingLeftAtAll()
        }

        @Test func replacedImageGetsANewServer() throws {
            let directory = Scratch.shared.path + "/warm-image-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let image = directory + "/img.sqfs"
            try FileManager.default.copyItem(atPath: Self.image, toPath: image)
            let first = try Gourd.run(["exec", image, "true"], env: Self.on)
            #expect(first.status == 0, "\(first)")
            let old = try #require(try Self.serverPID(image))
            // A new file under the same name (as `cp new.sqfs img.sqfs` via a rename would do).
            try FileManager.default.copyItem(atPath: Self.image, toPath: directory + "/new.sqfs")
            #expect(rename(directory + "/new.sqfs", image) == 0)
            #expect(try Self.serverPID(image) == nil, "the replaced file is another image")
            #expect(Self.waitGone(old, timeout: 4), "the old server ends once it sees the change")
            let second = try Gourd.run(["exec", image, "true"], env: Self.on)
            #expect(second.status == 0, "\(second)")
            let new = try Self.serverPID(image)
            #expect(new != nil && new != old, "\(String(describing: new)) vs \(old)")
            Self.stop(new)
            Self.expectNothingLeftAtAll()
        }

        @Test func warmOffKeepsTodaysBehaviour() throws {
            for (options, env) in [(["--warm=off"], Self.on), ([], ["GOURD_WARM": "off"])] {
                let plan = try Self.plan(options: options, env: env)
                #expect(plan["enabled"] as? Bool == false, "\(plan)")
                #expect((plan["reason"] as? String ?? "").contains("off"), "\(plan)")
                let out = try Gourd.sh("echo hi", options: options, env: env)
                #expect(out.status == 0 && out.lines == ["hi"], "\(out)")
                #expect(HostState.leftovers(timeout: 0).isEmpty && Self.socketNames().isEmpty, "nothing outlives a cold launch")
            }
        }

        @Test func badWarmValuesAreRefused() throws {
            let flag = try Gourd.sh("true", options: ["--warm=soon"], env: Self.on)
            #expect(flag.status == GourdExit.launchFailed && flag.stderr.contains("--warm 'soon'"), "\(flag)")
            let variable = try Gourd.sh("true", env: ["GOURD_WARM": "-3"])
            #expect(variable.status == GourdExit.launchFailed && variable.stderr.contains("GOURD_WARM='-3'"), "\(variable)")
            Self.expectNothingLeftAtAll()
        }

        /// A workflow manager reads a task's output to its end: the server must not hold the
        /// launch's stdout (it outlives the launch by its linger).
        @Test func serverHoldsNoneOfTheLaunchsDescriptors() throws {
            let script = "\(Gourd.env.gourd) exec \(Self.image) echo piped | cat"
            let start = Date()
            let out = try Gourd.start(["/bin/sh", "-c", script], env: ["GOURD_WARM": "20"], raw: true).wait(timeout: 15)
            #expect(out.status == 0 && out.lines == ["piped"], "\(out)")
            #expect(Date().timeIntervalSince(start) < 10, "the pipe closed with the launch, not with the server")
            Self.stop(try Self.serverPID(env: ["GOURD_WARM": "20"]))
            Self.expectNothingLeftAtAll()
        }
    }

    /// Kernels without open_tree/move_mount (make test's kernel-fallback pass emulates 4.18):
    /// a launch asked to be warm runs cold, says why with --verbose, and leaves no server.
    @Suite(.enabled(if: !Gourd.env.wrap.isEmpty, "only in make test's kernel-fallback pass"))
    struct WarmWithoutOpenTree {
        @Test func launchesAreColdAndSayWhy() throws {
            let out = try Gourd.run(["exec", "--verbose", Warm.image, "true"], env: Warm.on)
            #expect(out.status == 0, "\(out)")
            #expect(out.stderr.contains("cold launch: open_tree/move_mount missing"), "\(out)")
            expectNothingLeft()
            #expect(Warm.socketNames().isEmpty, "\(Warm.socketNames())")
        }

        /// Ranks asked to be warm share a container that mounts the image itself.
        @Test func ranksShareAColdContainer() throws {
            let key = "wn-" + UUID().uuidString.prefix(8).lowercased()
            let ranks = try (0..<2).map { _ in
                try Gourd.start(
                    ["exec", "--share=\(key)", Warm.image, "sh", "-c", "readlink /proc/self/ns/pid; sleep 0.3"], env: Warm.on)
            }
            let outs = try ranks.map { try $0.wait(timeout: 30) }
            #expect(outs.allSatisfy { $0.status == 0 } && Set(outs.map(\.lines)).count == 1, "one PID namespace: \(outs)")
            expectNothingLeft()
            #expect(Warm.socketNames().isEmpty, "\(Warm.socketNames())")
        }
    }
}
