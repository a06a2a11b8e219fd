import Foundation
import GourdCore
import Testing

/// GPUs with the fake NVIDIA device nodes the root test set-up makes (/dev/nvidia0-3, major
/// 195: opening one gives ENXIO, as an allocated GPU without a driver would) and the fake
/// driver from Tests/Support/make-fake-gpu.sh.
extension Integration {
    @Suite struct GPUs {
        static let fakeGPU = ProcessInfo.processInfo.environment["GOURD_TEST_FAKE_GPU"] ?? "/tmp/gourd-test-stage/fake-gpu"
        static let listNodes = "echo nodes: $(ls /dev | grep '^nvidia'); echo CVD=$CUDA_VISIBLE_DEVICES"

        /// A policy that finds the fake driver where make-fake-gpu.sh put it.
        static func driverPolicy(lib: String = "driver/lib") -> SitePolicy {
            SitePolicy(
                """
                [gpu.nvidia]
                library_dirs = ["\(fakeGPU)/\(lib)"]
                binary_dirs = ["\(fakeGPU)/driver/bin"]
                environment = { NVIDIA_DRIVER_CAPABILITIES = "compute,utility" }
                """)
        }

        init() {
            #expect(
                FileManager.default.fileExists(atPath: "/dev/nvidia3"), "the test set-up makes fake /dev/nvidia0-3 (run make test as root)")
            #expect(FileManager.default.fileExists(atPath: "/dev/dri/renderD129"), "the test set-up makes fake /dev/dri/renderD128-129")
        }

        @Test func withoutGPUTheMinimalDevHasNoGPUNode() throws {
            let out = try Gourd.sh(Self.listNodes)
            #expect(out.lines.first == "nodes:", "\(out)")
            let host = try Gourd.sh(Self.listNodes, options: ["--dev=host"])
            #expect(host.lines.first?.contains("nvidia0 nvidia1 nvidia2 nvidia3") == true, "\(host)")
        }

        @Test func everyGPUWhenNothingIsAllocated() throws {
            let out = try Gourd.sh(Self.listNodes, options: ["--gpu"])
            #expect(out.lines.first == "nodes: nvidia-uvm nvidia0 nvidia1 nvidia2 nvidia3 nvidiactl", "\(out)")
        }

        @Test(arguments: [
            (["CUDA_VISIBLE_DEVICES": "1"], "nodes: nvidia-uvm nvidia1 nvidiactl", "0"),
            (["CUDA_VISIBLE_DEVICES": "3,0"], "nodes: nvidia-uvm nvidia0 nvidia3 nvidiactl", "1,0"),
            (["SLURM_STEP_GPUS": "2,3"], "nodes: nvidia-uvm nvidia2 nvidia3 nvidiactl", ""),
            (["SLURM_JOB_GPUS": "0-1", "CUDA_VISIBLE_DEVICES": "1"], "nodes: nvidia-uvm nvidia1 nvidiactl", "0"),
        ])
        func onlyTheAllocatedGPUsExistInside(env: [String: String], nodes: String, visible: String) throws {
            let out = try Gourd.sh(Self.listNodes, options: ["--nv"], env: env)
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == [nodes, "CVD=\(visible)"], "\(out)")
        }

        /// The bound node keeps device semantics (nosuid, but not nodev): opening it reaches
        /// the (absent) driver, ENXIO, not the mount's EACCES.
        @Test func boundNodesAreRealDevices() throws {
            let out = try Gourd.sh(
                "cat /dev/nvidia0 2>&1; grep ' /dev/nvidia0 ' /proc/self/mountinfo", options: ["--gpu=nvidia"],
                env: ["CUDA_VISIBLE_DEVICES": "0"])
            #expect(out.stdout.contains("No such device or address"), "\(out)")
            #expect(out.stdout.contains("nosuid") && !out.stdout.contains("nodev"), "\(out)")
        }

        /// AMD: fake render nodes /dev/dri/renderD128-129 and /dev/kfd from the test set-up.
        @Test(arguments: [
            ([String: String](), "nodes: renderD128 renderD129 | kfd", "::"),
            (["ROCR_VISIBLE_DEVICES": "1"], "nodes: renderD129 | kfd", "0::"),
            (["GPU_DEVICE_ORDINAL": "0", "HIP_VISIBLE_DEVICES": "0"], "nodes: renderD128 | kfd", ":0:0"),
            (["SLURM_STEP_GPUS": "1"], "nodes: renderD129 | kfd", "::"),
        ])
        func amdGPUsFollowROCmVariables(env: [String: String], nodes: String, visible: String) throws {
            let script =
                "echo nodes: $(ls /dev/dri) \\| $(ls /dev | grep kfd); echo $ROCR_VISIBLE_DEVICES:$GPU_DEVICE_ORDINAL:$HIP_VISIBLE_DEVICES"
            let out = try Gourd.sh(script, options: ["--rocm"], env: env)
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == [nodes, visible], "\(out)")
        }

        @Test func explicitRequestWithoutGPUFails() throws {
            let none = try Gourd.sh("echo ran", options: ["--gpu"], env: ["CUDA_VISIBLE_DEVICES": ""])
            #expect(none.status == GourdExit.launchFailed && none.stderr.contains("no nvidia GPU allocated"), "\(none)")
            let other = SitePolicy("[gpu.intel]\nper_gpu = [\"/dev/accel/accel{N}\"]\n")
            let intel = try Gourd.sh("echo ran", options: ["--gpu=intel"], env: other.env)
            #expect(intel.status == GourdExit.launchFailed && intel.stderr.contains("no GPU device node (/dev/accel/accel{N})"), "\(intel)")
            let unknown = try Gourd.sh("echo ran", options: ["--gpu=intel"])
            #expect(
                unknown.status == GourdExit.launchFailed && unknown.stderr.contains("no such GPU vendor (known: nvidia, amd, none, auto)"),
                "\(unknown)")
            let conflict = try Gourd.sh("echo ran", options: ["--nv", "--rocm"])
            #expect(conflict.status == GourdExit.launchFailed && conflict.stderr.contains("choose one"), "\(conflict)")
            let auto = try Gourd.sh("echo ran", options: ["--gpu=auto"], env: ["CUDA_VISIBLE_DEVICES": ""])
            #expect(auto.status == 0 && auto.lines == ["ran"], "\(auto)")
            expectNothingLeft()
        }

        @Test func policyCanMakeGPUsTheDefault() throws {
            let policy = SitePolicy("[gpu]\ndefault = \"auto\"\n")
            let out = try Gourd.sh(Self.listNodes, env: policy.env.merging(["CUDA_VISIBLE_DEVICES": "2"]) { $1 })
            #expect(out.lines == ["nodes: nvidia-uvm nvidia2 nvidiactl", "CVD=0"], "\(out)")
            let optOut = try Gourd.sh(Self.listNodes, options: ["--gpu=none"], env: policy.env)
            #expect(optOut.lines.first == "nodes:", "\(optOut)")
        }

        /// The fake nvidia-smi (linked to libnvidia-ml.so.1, no rpath) runs inside an image that
        /// has no driver: the library and the program come from the host, read-only.
        @Test func injectedDriverRunsInside() throws {
            let policy = Self.driverPolicy()
            let out = try Gourd.run(
                ["exec", "--gpu", Gourd.env.image("glibc.sqfs"), "nvidia-smi"],
                env: policy.env.merging(["CUDA_VISIBLE_DEVICES": "2"]) { $1 })
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == ["fake-nvidia-smi driver 550.54.15 gpus 1", "/dev/nvidia2"], "\(out)")
            let look = try Gourd.run(
                [
                    "exec", "--gpu", Gourd.env.image("glibc.sqfs"), "sh", "-c",
                    "ls /.gourd-host/lib; echo $LD_LIBRARY_PATH; echo $NVIDIA_DRIVER_CAPABILITIES; ls -a / | grep -c gourd-host; echo x > /.gourd-host/lib/libcuda.so.1",
                ],
                env: policy.env)
            #expect(
                look.lines.prefix(5) == [
                    "libcuda.so.1", "libcuda.so.550.54.15", "libnvidia-ml.so.1", "libnvidia-ml.so.550.54.15",
                    "/.gourd-host/lib",
                ], "\(look)")
            #expect(look.lines.dropFirst(5).first == "compute,utility", "\(look)")
            #expect(look.stderr.contains("Read-only file system"), "\(look)")
            expectNothingLeft()
        }

        @Test func driverNewerThanTheImageGlibcIsReported() throws {
            let policy = Self.driverPolicy(lib: "newglibc/lib")
            let out = try Gourd.run(["exec", "--gpu", Gourd.env.image("oldglibc.sqfs"), "true"], env: policy.env)
            #expect(out.status == 0, "\(out)")
            #expect(
                out.stderr.contains(
                    "gourd: warning: host driver file \(Self.fakeGPU)/newglibc/lib/libnvidia-ml.so.1 needs glibc 2.34, but the image has glibc 2.28"
                ), "\(out)")
            // The fake libraries need only GLIBC_2.2.5; the fake nvidia-smi, built here, needs 2.34.
            let fine = try Gourd.run(["exec", "--gpu", Gourd.env.image("oldglibc.sqfs"), "true"], env: Self.driverPolicy().env)
            #expect(fine.status == 0 && !fine.stderr.contains("libnvidia-ml") && !fine.stderr.contains("libcuda"), "\(fine)")
            #expect(fine.stderr.contains("driver/bin/nvidia-smi needs glibc 2.34"), "\(fine)")
        }
    }
}
