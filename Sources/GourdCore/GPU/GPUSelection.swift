/// Which of a vendor's GPUs a launch gets, decided from the device nodes and the allocation.
///
/// The visible device nodes are the truth: a GPU exists when its node exists, and the process
/// may use it when access(2) passes the device cgroup's check (EPERM otherwise, without
/// opening the device). When a cgroup forbids some, the allowed ones are the allocation;
/// otherwise a scheduler variable (SLURM_STEP_GPUS: global numbers) bounds it. A
/// visible-devices variable (CUDA_VISIBLE_DEVICES: indices among the GPUs the process may
/// open, renumbered from 0 under a device cgroup, or UUIDs) narrows it and is renumbered
/// inside, where only the chosen nodes exist.
public struct GPUSelection: Sendable, Equatable {
    public var vendor: GPUVendor
    /// GPU numbers (device minors), sorted.
    public var gpus: [Int]
    /// Why these GPUs: the variables that decided.
    public var reason: String
    /// Visible-devices variables as they must read inside.
    public var environment: [EnvironmentVariable]
    public var notes: [String]
}

extension String {
    func trimmingSpaces() -> String { Substring(self).trimmingSpaces() }
}
