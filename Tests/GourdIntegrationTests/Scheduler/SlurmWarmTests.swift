import Foundation
import GourdCore
import Testing

/// Warm servers in the test Slurm cluster: scoped by job and cgroup, ended with their job.
extension Integration {
    @Suite(.enabled(if: SlurmCluster.available, "needs the test Slurm cluster: run make test as root"))
    struct SlurmWarm {
        static let image = Gourd.env.image("busybox-zstd.sqfs")
        static var export: String { "--export=ALL,GOURD_WARM=10,GOURD=\(Gourd.env.gourd),IMAGE=\(image)" }

        /// A job on n1 running `script` (sh), in the background.
        func job(_ script: String) throws -> RunningGourd {
            try Gourd.start(
                ["/usr/bin/srun", "-N1", "-w", "n1", Self.export, "sh", "-c", script], env: ["SLURM_CONF": SlurmCluster.conf],
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
            let outB = try b.wait(timeout: 60)
            #expect(outB.status == 0 && outB.lines.contains("read ok"), "\(outB)")
            let nsA = Self.values(a, "ns")
            let nsB = Self.values(outB, "ns")
            #expect(nsA.count == 2 && Set(nsA).count == 1, "job A's launches share its server: \(a)")
            #expect(nsB.count == 3 && Set(nsB).count == 1, "job B's launches share its server: \(outB)")
            #expect(Set(nsA).isDisjoint(with: nsB), "the two jobs never share")
            // Each job's server ended with its job (Slurm kills the step's cgroup).
            for pid in (Self.values(a, "server") + Self.values(outB, "server")).compactMap({ Int32($0) }) {
                #expect(Integration.Warm.waitGone(pid, timeout: 10), "server \(pid) outlived its job")
            }
            #expect(Self.values(a, "server").first != Self.values(outB, "server").first)
            Integration.Warm.expectNothingLeftAtAll()
        }
    }
}
