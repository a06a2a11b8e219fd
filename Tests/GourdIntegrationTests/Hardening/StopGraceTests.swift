import Foundation
import GourdCore
import Testing

extension Integration {
    /// What the workload leaves running when it exits gets SIGTERM, a grace period
    /// (GOURD_STOP_TIMEOUT, default 5 s), then SIGKILL (issue 10, finding 7).
    @Suite struct StopGrace {
        /// A helper that traps SIGTERM runs its handler, and the handler can still read the
        /// image: the image is served until the last process is gone.
        @Test func helperGetsSIGTERMAndTheImageStaysServed() throws {
            let dir = Scratch.shared.directory("stop")
            let helper = "trap \"wc -l < /data/text > \(dir)/got-term; exit 0\" TERM; while :; do sleep 0.1; done"
            let start = Date()
            let out = try Gourd.sh("sh -c '\(helper)' & sleep 0.3; echo workload-exits; exit 3")
            let elapsed = Date().timeIntervalSince(start)
            #expect(out.status == 3 && out.lines == ["workload-exits"], "\(out)")
            let got = try? String(contentsOfFile: dir + "/got-term", encoding: .utf8)
            #expect(got == "4000\n", "the helper's TERM handler did not run (or could not read the image): \(String(describing: got))")
            #expect(elapsed < 4, "a helper that exits on SIGTERM ends the launch at once: \(elapsed) s")
            expectNothingLeft()
        }

        /// A helper ignoring SIGTERM is killed when the grace runs out: GOURD_STOP_TIMEOUT, or
        /// 5 s by default. The launch keeps the workload's status.
        @Test(arguments: [("0.5", 0.5), ("", 5.0)])
        func helperIgnoringSIGTERMIsKilledAfterTheGrace(setting: String, grace: Double) throws {
            let env = setting.isEmpty ? [:] : ["GOURD_STOP_TIMEOUT": setting]
            let start = Date()
            let out = try Gourd.sh("(trap '' TERM; while :; do sleep 0.1; done) & sleep 0.2; exit 7", env: env)
            let elapsed = Date().timeIntervalSince(start)
            #expect(out.status == 7, "\(out)")
            #expect(elapsed >= grace && elapsed < grace + 3, "grace \(grace) s, took \(elapsed) s")
            expectNothingLeft()
        }

        /// GOURD_STOP_TIMEOUT=0 keeps the old behaviour: SIGKILL at once.
        @Test func zeroGraceKillsAtOnce() throws {
            let start = Date()
            let out = try Gourd.sh("(trap '' TERM; while :; do sleep 0.1; done) & exit 0", env: ["GOURD_STOP_TIMEOUT": "0"])
            #expect(out.status == 0, "\(out)")
            #expect(Date().timeIntervalSince(start) < 2)
            expectNothingLeft()
        }

        @Test(arguments: ["soon", "-1", "inf", "7200"])
        func badStopTimeoutIsRefused(value: String) throws {
            let out = try Gourd.sh("true", env: ["GOURD_STOP_TIMEOUT": value])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr == "gourd: GOURD_STOP_TIMEOUT=\(value): not a number of seconds from 0 to 3600 (e.g. 5 or 0.5)\n", "\(out)")
        }
    }
}
