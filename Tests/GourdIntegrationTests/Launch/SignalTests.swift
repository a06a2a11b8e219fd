import Foundation
import Testing

extension Integration {
    @Suite struct Signals {
        static let forwarded: [(String, Int32)] = [
            ("INT", SIGINT), ("TERM", SIGTERM), ("HUP", SIGHUP), ("QUIT", SIGQUIT), ("USR1", SIGUSR1),
            ("USR2", SIGUSR2), ("ALRM", SIGALRM), ("CONT", SIGCONT), ("WINCH", SIGWINCH),
        ]

        @Test(arguments: forwarded.map(\.0))
        func signalReachesTheWorkload(name: String) throws {
            let signo = Self.forwarded.first(where: { $0.0 == name })!.1
            let script = "trap 'echo caught-\(name); exit 3' \(name); echo ready; while :; do sleep 0.02; done"
            let running = try Gourd.start(["exec", Gourd.env.image("busybox-zstd.sqfs"), "sh", "-c", script])
            #expect(running.waitForOutput("ready"))
            running.signal(signo)
            let out = try running.wait(timeout: 10)
            #expect(out.status == 3, "\(out)")
            #expect(out.lines.last == "caught-\(name)", "\(out)")
            expectNothingLeft()
        }

        @Test func untrappedTermKillsTheWorkloadWith143() throws {
            let running = try Gourd.start(["exec", Gourd.env.image("busybox-zstd.sqfs"), "sh", "-c", "echo ready; exec sleep 100"])
            #expect(running.waitForOutput("ready"))
            running.signal(SIGTERM)
            #expect(try running.wait(timeout: 10).status == 128 + SIGTERM)
            expectNothingLeft()
        }

        /// The workload exits first while a helper keeps reading the image: the helper is
        /// ended before the image goes away (it never sees a read error), and nothing survives.
        @Test func lastProcessRuleHelpersNeverSeeTheImageVanish() throws {
            let dir = Scratch.shared.directory("lastproc")
            let script = """
                (trap '' TERM HUP; while :; do cat /data/text > /dev/null || echo READ-FAILED >> \(dir)/log; done) &
                sleep 1000 &
                sleep 0.3; echo workload-exits; exit 4
                """
            let out = try Gourd.sh(script)
            #expect(out.status == 4, "\(out)")
            usleep(300_000)
            #expect(!FileManager.default.fileExists(atPath: dir + "/log"), "a helper saw the image vanish")
            expectNothingLeft()
        }

        @Test func sigkillOfGourdLeavesNothing() throws {
            let running = try Gourd.start([
                "exec", Gourd.env.image("busybox-zstd.sqfs"), "sh", "-c",
                "sleep 1000 & (trap '' TERM; sleep 1000) & echo ready; sleep 1000",
            ])
            #expect(running.waitForOutput("ready"))
            #expect(!HostState.gourdMounts().isEmpty, "the container's mount is visible to root via /proc/PID/mountinfo while it runs")
            running.signal(SIGKILL)
            #expect(try running.wait(timeout: 10).status == 128 + SIGKILL)
            expectNothingLeft()
        }

        @Test(arguments: [0.0, 0.002, 0.005, 0.01, 0.02, 0.05])
        func sigkillAtAnyMomentOfStartLeavesNothing(delay: Double) throws {
            let running = try Gourd.start(["exec", Gourd.env.image("busybox-zstd.sqfs"), "sleep", "1000"])
            usleep(useconds_t(delay * 1_000_000))
            running.signal(SIGKILL)
            _ = try running.wait(timeout: 10)
            expectNothingLeft()
        }
    }
}
