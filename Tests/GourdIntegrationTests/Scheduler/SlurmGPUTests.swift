import Foundation
import GourdCore
import Testing

/// The test Slurm cluster (Tests/Support/slurm-cluster.sh, started by `make test` as root):
/// two emulated nodes owning four fake GPUs, ConstrainDevices=yes.
enum SlurmCluster {
    static let conf = ProcessInfo.processInfo.environment["GOURD_TEST_SLURM_CONF"] ?? ""
    static var available: Bool { !conf.isEmpty && FileManager.default.fileExists(atPath: conf) }

    /// Runs srun ARGS as the test user.
    static func srun(_ args: [String], timeout: Double = 60) throws -> Outcome {
        try Gourd.start(["/usr/bin/srun"] + args, env: ["SLURM_CONF": conf], raw: true).wait(timeout: timeout)
    }
}

extension Integration {
    @Suite(.enabled(if: SlurmCluster.available, "needs the test Slurm cluster: run make test as root"))
    struct SlurmGPUs {
        /// Outside: the GPU nodes the step's device cgroup lets us open (access(2), as the test
        /// command does). Inside: the nodes gourd bound. They must be the same.
        static let script = """
            for d in 0 1 2 3; do [ -r /dev/nvidia$d ] && [ -w /dev/nvidia$d ] && echo "outside nvidia$d"; done
            "$GOURD" exec --gpu "$IMAGE" sh -c 'for n in $(ls /dev | grep "^nvidia[0-9]"); do echo "inside $n"; done; echo "CVD=$CUDA_VISIBLE_DEVICES"'
            """

        func step(_ gres: String, node: String = "n1") throws -> Outcome {
            try SlurmCluster.srun([
                "-N1", "-w", node, "--gres=\(gres)", "--export=ALL,GOURD=\(Gourd.env.gourd),IMAGE=\(Gourd.env.image("busybox-zstd.sqfs"))",
                "sh", "-c", Self.script,
            ])
        }

        @Test(arguments: ["n1", "n2"])
        func oneAllocatedGPUIsExactlyTheNodeInside(node: String) throws {
            let out = try step("gpu:1", node: node)
            #expect(out.status == 0, "\(out)")
            let outside = out.lines.filter { $0.hasPrefix("outside ") }.map { $0.dropFirst(8) }
            let inside = out.lines.filter { $0.hasPrefix("inside ") }.map { $0.dropFirst(7) }
            #expect(outside.count == 1, "the cgroup allows one GPU: \(out)")
            #expect(inside == outside, "\(out)")
            #expect(out.lines.last == "CVD=0", "\(out)")
            expectNothingLeft()
        }

        @Test func twoAllocatedGPUs() throws {
            let out = try step("gpu:2")
            #expect(out.status == 0, "\(out)")
            let outside = out.lines.filter { $0.hasPrefix("outside ") }.map { $0.dropFirst(8) }
            let inside = out.lines.filter { $0.hasPrefix("inside ") }.map { $0.dropFirst(7) }
            #expect(outside.count == 2 && inside == outside, "\(out)")
            #expect(out.lines.last == "CVD=0,1", "\(out)")
        }

        @Test func noGPUAllocatedMeansNoneInside() throws {
            let out = try SlurmCluster.srun([
                "-N1", "-w", "n1", "--export=ALL,GOURD=\(Gourd.env.gourd)",
                Gourd.env.gourd, "exec", "--gpu=auto", Gourd.env.image("busybox-zstd.sqfs"),
                "sh", "-c", "ls /dev | grep -c '^nvidia[0-9]' || true",
            ])
            #expect(out.status == 0 && out.lines == ["0"], "\(out)")
            let explicit = try SlurmCluster.srun([
                "-N1", "-w", "n1", Gourd.env.gourd, "exec", "--gpu",
                Gourd.env.image("busybox-zstd.sqfs"), "true",
            ])
            #expect(explicit.status == GourdExit.launchFailed && explicit.stderr.contains("no nvidia GPU allocated"), "\(explicit)")
        }
    }
}
