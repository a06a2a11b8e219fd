/// The rendezvous of one group of ranks: launches with the same scope and the same container
/// (image and mounts) share it; anything else gets its own.
public struct ShareScope: Sendable, Equatable, Codable {
    /// Job/step identity plus the node, e.g. "slurm:42.0@n1".
    public var key: String
    /// Which variables or flag decided.
    public var reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    /// Decides from --share and the launcher's environment, in this order: Open MPI
    /// (OMPI_COMM_WORLD_SIZE > 1, keyed by its PMIx namespace or job id), MPICH's Hydra
    /// (PMI_SIZE > 1, keyed by the Hydra proxy: the ranks' common parent), PMIx
    /// (PMIX_NAMESPACE with PMIX_RANK), a Slurm step with more than one task. The host name
    /// (gethostname) is always part of the key, so two nodes never meet in one container — not
    /// SLURMD_NODENAME: MPICH's mpiexec copies it from the launch node to every rank.
    public static func decide(_ request: ShareRequest, host: HostContext) -> ShareScope? {
        let node = host.hostName
        func scope(_ key: String, _ reason: String) -> ShareScope { ShareScope(key: "\(key)@\(node)", reason: reason) }
        func number(_ name: String) -> Int? { host.variable(name).flatMap { Int($0) } }
        switch request {
        case .none: return nil
        case .key(let key): return scope("user:" + key, "--share=\(key)")
        case .auto: break
        }
        if let size = number("OMPI_COMM_WORLD_SIZE"), size > 1,
            let job = host.variable("PMIX_NAMESPACE") ?? host.variable("OMPI_MCA_ess_base_jobid")
        {
            return scope("openmpi:" + job, "Open MPI rank (OMPI_COMM_WORLD_SIZE=\(size))")
        }
        if let size = number("PMI_SIZE"), size > 1, host.variable("PMI_RANK") != nil, host.variable("SLURM_STEP_ID") == nil {
            return scope("hydra:\(host.variable("PMI_KVSNAME") ?? String(host.parentPID))", "MPICH/Hydra rank (PMI_SIZE=\(size))")
        }
        if let namespace = host.variable("PMIX_NAMESPACE"), host.variable("PMIX_RANK") != nil {
            return scope("pmix:" + namespace, "PMIx rank (PMIX_NAMESPACE=\(namespace))")
        }
        if let job = host.variable("SLURM_JOB_ID"), let step = host.variable("SLURM_STEP_ID"),
            let tasks = number("SLURM_STEP_NUM_TASKS") ?? number("SLURM_NTASKS"), tasks > 1
        {
            return scope("slurm:\(job).\(step)", "Slurm step \(job).\(step) with \(tasks) tasks")
        }
        return nil
    }
}
