import Foundation
import GourdCore
import Testing

/// Warm servers in the test Slurm cluster: scoped by job and cgroup, ended with their job.
extension Integration {
    @Suite(.enabled(if: SlurmCluster.available, "needs the test Slurm cluster: run make test as root"))
    struct SlurmWarm {
        static let image = Gourd.env.image("busybox-zstd.sqfs")
        static var export: String { "--export=ALL,GOURD=\(Gourd.env.gourd),IMAGE=\(image)" }

        /// A job on n1 running `script` (sh), in the background.
        func job(_ script: String) throws -> RunningGourd {
            try Gourd.start(
                ["/usr/bin/srun", "-N1", "-w", "n1", Self.export, "sh", "-c", script],
                env: ["SLURM_CONF": SlurmCluster.conf, "GOURD_WARM": "10"],
                raw: true)
        }

        /// Prints the job's server pid ("server N") and each launch's user namespace ("ns X").
        static let launchTwice = """
            "$GOURD" exec "$IMAGE" sh -c 'echo ns $(readlink /proc/self/ns/user)'
            "$GOURD" exec "$IMAGE" sh -c 'echo ns $(readlink /proc/self/ns/user)'
            echo server $("$GOURD" plan --json "$IMAGE" true | sed -n 's/.*"serverPID" : \\([0-9]*\\).*/\\1/p')
            """

        static func values(_ out: Outcome, _ prefix: String) -> [String] {
            out.lines.filter { $0.hasPrefix(prefix + " ") }.map { String($0.dropFirst(prefix.count + 1)) }
        }

        @Test func twoJobsOnOneNodeNeverShareAndTheEndOfOneSparesTheOther() throws {
            // Job B keeps using its server (a launch reading the image) while job A ends.
            let b = try job(
                Self.launchTwice + """

                    "$GOURD" exec "$IMAGE" sh -c 'echo started; sleep 3; md5sum /bin/busybox >/dev/null && echo "read ok"; echo ns $(readlink /proc/self/ns/user)'
                    """)
            #expect(b.waitForOutput("started", timeout: 30), "job B: \(b.stdoutSoFar())")
            let a = try job(Self.launchTwice).wait(timeout: 60)
            #expect(a.status == 0, "\(a)")
            // Job A has ended: its server went with it (Slurm kills the step's cgroup), while
            // job B's workload is still asleep, about to read the image through its own.
            let serverA = try #require(Self.values(a, "server").first.flatMap { Int32($0) }, "\(a)")
            #expect(Integration.Warm.waitGone(serverA, timeout: 2), "job A's server \(serverA) outlived job A")
            #expect(!b.stdoutSoFar().contains("read ok"), "job B was still running: \(b.stdoutSoFar())")
            let outB = try b.wait(timeout: 60)
            #expect(outB.status == 0 && outB.lines.contains("read ok"), "\(outB)")
            let nsA = Self.values(a, "ns")
            let nsB = Self.values(outB, "ns")
            #expect(nsA.count == 2 && Set(nsA).count == 1, "job A's launches share its server: \(a)")
            #expect(nsB.count == 3 && Set(nsB).count == 1, "job B's launches share its server: \(outB)")
            #expect(Set(nsA).isDisjoint(with: nsB), "the two jobs never share")
            let serverB = Self.values(outB, "server").first.flatMap { Int32($0) }
            #expect(serverB != nil && serverB != serverA, "\(outB)")
            #expect(Integration.Warm.waitGone(serverB ?? 0, timeout: 10), "job B's server outlived job B")
            Integration.Warm.expectNothingLeftAtAll()
        }
    }
}
