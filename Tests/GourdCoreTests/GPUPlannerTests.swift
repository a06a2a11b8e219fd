import Testing

@testable import GourdCore

/// GPU selection and injection, planned against fake hosts: which nodes exist, which a device
/// cgroup forbids, which variables the scheduler set.
@Suite struct GPUPlannerTests {
    static func gpuHost(forbidden: Set<String> = [], driver: Bool = true) -> FakeHost {
        var host = Fixture.host()
        for n in 0..<4 { host["/dev/nvidia\(n)"] = .other }
        host["/dev/nvidiactl"] = .other
        host["/dev/nvidia-uvm"] = .other
        host["/dev/zero"] = .other
        host["/dev/pts"] = .directory
        host["/dev/shm"] = .directory
        if driver {
            host["/opt/driver/lib/libcuda.so.550.1"] = .file("ELF")
            host["/opt/driver/lib/libcuda.so.1"] = .symlink("libcuda.so.550.1")
            host["/opt/driver/lib/libnvidia-ml.so.1"] = .file("ELF")
            host["/usr/bin/nvidia-smi"] = .file("ELF")
        }
        host.forbidden = forbidden
        return host
    }

    static var policy: Policy {
        var policy = Policy.builtIn
        policy.gpu.vendors[0].libraryDirectories = ["/opt/driver/lib"]
        policy.gpu.vendors[0].environment = [
            PolicyVariable(
                name: "NVIDIA_DRIVER_CAPABILITIES", value: "compute",
                origin: PolicyOrigin(file: "p.toml", line: 3, key: "gpu.nvidia.environment"))
        ]
        return policy
    }

    func plan(
        gpu: GPUChoice? = .any, environment: [EnvironmentVariable] = [], host: FakeHost = gpuHost(),
        policy: Policy = policy, devices: DeviceMode? = nil
    ) throws(PlanError) -> LaunchPlan {
        try Planner(
            request: LaunchRequest(mode: .exec(["nvidia-smi"]), gpu: gpu, devices: devices),
            host: Fixture.context(environment: environment), hostFS: host, image: Fixture.image(), policy: policy
        )
        .plan(image: Fixture.location)
    }

    func gpuNodes(_ plan: LaunchPlan) -> [String] {
        plan.devices.map(\.path).filter { $0.hasPrefix("/dev/nvidia") && $0.last!.isNumber }
    }

    @Test func withoutAllocationEveryGPUThisProcessMayOpen() throws {
        let plan = try plan()
        #expect(gpuNodes(plan) == ["/dev/nvidia0", "/dev/nvidia1", "/dev/nvidia2", "/dev/nvidia3"])
        #expect(plan.devices.map(\.path).contains("/dev/nvidiactl") && plan.devices.map(\.path).contains("/dev/nvidia-uvm"))
        #expect(plan.mount(at: "/dev/nvidia2")?.noDev == false, "device binds need dev semantics")
        #expect(plan.mount(at: "/dev/nvidia2")?.noSuid == true)
    }

    @Test func slurmStepGPUsWithoutCgroupAreGlobalNumbers() throws {
        let plan = try plan(environment: env(["SLURM_STEP_GPUS": "1,3", "CUDA_VISIBLE_DEVICES": "1,3"]))
        #expect(gpuNodes(plan) == ["/dev/nvidia1", "/dev/nvidia3"])
        #expect(plan.environmentValue("CUDA_VISIBLE_DEVICES") == "0,1", "renumbered: only two GPUs exist inside")
        #expect(plan.mount(at: "/dev/nvidia0") == nil, "unallocated nodes are absent, not hidden")
    }

    @Test func underADeviceCgroupTheAllowedNodesAreTheTruth() throws {
        // Slurm with ConstrainDevices: GPU 2 allocated, the variables renumbered from 0.
        let host = Self.gpuHost(forbidden: ["/dev/nvidia0", "/dev/nvidia1", "/dev/nvidia3"])
        let plan = try plan(environment: env(["SLURM_STEP_GPUS": "0", "CUDA_VISIBLE_DEVICES": "0"]), host: host)
        #expect(gpuNodes(plan) == ["/dev/nvidia2"])
        #expect(plan.environmentValue("CUDA_VISIBLE_DEVICES") == "0")
        #expect(plan.notes.contains { $0.contains("/dev/nvidia1") && $0.contains("device cgroup") })
    }

    @Test func visibleDevicesNarrowTheAllocation() throws {
        let plan = try plan(environment: env(["CUDA_VISIBLE_DEVICES": "2"]))
        #expect(gpuNodes(plan) == ["/dev/nvidia2"])
        #expect(plan.environmentValue("CUDA_VISIBLE_DEVICES") == "0")
    }

    @Test func noGPUAllocatedIsAnErrorForAnExplicitRequest() {
        #expect(
            planError { () throws(PlanError) in try plan(environment: env(["CUDA_VISIBLE_DEVICES": ""])) }
                == .gpuUnavailable(
                    "--gpu=any: no nvidia GPU allocated to this process (the GPUs this process may open, CUDA_VISIBLE_DEVICES=)"))
        #expect(
            planError { () throws(PlanError) in try plan(gpu: .vendor("amd")) }?.description.contains(
                "no GPU device node (/dev/dri/renderD{N+128})") == true)
        #expect(
            planError { () throws(PlanError) in try plan(gpu: .vendor("intel")) } == .unknownGPUVendor("intel", known: ["nvidia", "amd"]))
        #expect(
            planError { () throws(PlanError) in try plan(environment: env(["SLURM_STEP_GPUS": "x"])) }
                == .badGPUVariable(name: "SLURM_STEP_GPUS", value: "x"))
    }

    @Test func autoSkipsQuietlyAndNoneBindsNothing() throws {
        var host = Fixture.host()
        host["/dev/null"] = .other
        let auto = try plan(gpu: .auto, host: host)
        #expect(gpuNodes(auto).isEmpty && auto.notes.contains { $0.contains("no GPU device node") })
        let none = try plan(gpu: GPUChoice.none)
        #expect(gpuNodes(none).isEmpty && none.mount(at: Planner.hostDirectory) == nil)
        #expect(none.environmentValue("LD_LIBRARY_PATH") == nil)
    }

    @Test func policyDefaultApplies() throws {
        var policy = Self.policy
        policy.gpu.defaultChoice = .auto
        policy.gpu.defaultOrigin = PolicyOrigin(file: "p.toml", line: 9, key: "gpu.default")
        let plan = try plan(gpu: nil, policy: policy)
        #expect(gpuNodes(plan).count == 4)
        #expect(plan.devices.first { $0.path == "/dev/nvidia0" }?.reason.hasPrefix("policy p.toml:9 (gpu.default)") == true)
    }

    @Test func driverFilesAreBoundOnceEachWithTheirSonamesAsLinks() throws {
        let plan = try plan()
        let host = try #require(plan.mount(at: Planner.hostDirectory))
        guard case .tmpfs(let entries) = host.kind else {
            Issue.record("not a tmpfs")
            return
        }
        #expect(entries.contains(.file("lib/libcuda.so.550.1")))
        #expect(entries.contains(.symlink("lib/libcuda.so.1", target: "libcuda.so.550.1")))
        #expect(entries.contains(.file("lib/libnvidia-ml.so.1")))
        #expect(entries.contains(.file("bin/nvidia-smi")))
        #expect(plan.mount(at: "/.gourd-host/lib/libcuda.so.550.1")?.kind == .bind(source: "/opt/driver/lib/libcuda.so.550.1"))
        #expect(plan.mount(at: "/.gourd-host/lib/libcuda.so.550.1")?.readOnly == true)
        #expect(plan.mount(at: "/.gourd-host/bin/nvidia-smi")?.kind == .bind(source: "/usr/bin/nvidia-smi"))
        #expect(plan.addedMountPoints == [AddedMountPoint(path: Planner.hostDirectory, isDirectory: true)])
        #expect(plan.environmentValue("LD_LIBRARY_PATH") == "/.gourd-host/lib")
        #expect(plan.environmentValue("PATH")?.hasSuffix(":/.gourd-host/bin") == true)
        #expect(plan.searchPath.hasSuffix(":/.gourd-host/bin"), "nvidia-smi is found by name")
        #expect(plan.environmentValue("NVIDIA_DRIVER_CAPABILITIES") == "compute")
        #expect(plan.notes.contains { $0.contains("libnvidia-fbc.so not found") })
    }

    @Test func hostDevModeBindsTheWholeHostDev() throws {
        let plan = try plan(devices: .host)
        #expect(plan.mount(at: "/dev")?.kind == .bind(source: "/dev"))
        #expect(plan.mount(at: "/dev/nvidia0") == nil)
    }

    @Test func numbersParse() {
        #expect(GPUSelector.numbers("0,2-3") == [0, 2, 3])
        #expect(GPUSelector.numbers("") == [])
        #expect(GPUSelector.numbers("1-") == nil && GPUSelector.numbers("a") == nil && GPUSelector.numbers("3-1") == nil)
    }
}

@Suite struct MinimalDevTests {
    @Test func minimalDevHoldsTheStandardNodesAndLinks() throws {
        var host = Fixture.host()
        for name in ["zero", "full", "random", "urandom", "tty", "ptmx", "fuse"] { host["/dev/" + name] = .other }
        host["/dev/pts"] = .directory
        host["/dev/shm"] = .directory
        host["/dev/infiniband/uverbs0"] = .other
        host["/dev/sda"] = .other
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["true"])), host: host)
        let dev = try #require(plan.mount(at: "/dev"))
        guard case .tmpfs(let entries) = dev.kind else {
            Issue.record("not a tmpfs")
            return
        }
        #expect(entries.contains(.symlink("fd", target: "/proc/self/fd")))
        #expect(entries.contains(.directory("infiniband")) && entries.contains(.file("infiniband/uverbs0")))
        #expect(dev.readOnly && dev.noSuid)
        #expect(plan.mount(at: "/dev/null")?.kind == .bind(source: "/dev/null"))
        // A nested gourd serves its image over FUSE from inside.
        #expect(plan.mount(at: "/dev/fuse")?.kind == .bind(source: "/dev/fuse"))
        #expect(plan.mount(at: "/dev/fuse")?.noDev == false)
        #expect(plan.mount(at: "/dev/pts")?.noDev == false)
        #expect(plan.mount(at: "/dev/shm")?.noDev == true)
        #expect(plan.mount(at: "/dev/sda") == nil)
        #expect(!plan.devices.contains { $0.path == "/dev/sda" })
        #expect(plan.devices.contains { $0.path == "/dev/infiniband/uverbs0" })
    }
}
