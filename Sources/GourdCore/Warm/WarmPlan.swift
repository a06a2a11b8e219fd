/// Whether a launch reuses (or starts) a warm image server, and why: part of the plan, so
/// `gourd plan` shows it. The server is looked up by `key` (a digest the runtime computes from
/// the scope, the image file's identity and everything that shapes the served image).
public struct WarmPlan: Sendable, Equatable, Codable {
    /// The default linger: long enough to bridge the gap between the tasks of a workflow
    /// manager's loop (Snakemake, Nextflow and Parsl start the next task within a few seconds),
    /// short enough that an interactive user does not find a server minutes after their last
    /// launch. 30 s, as Apptainer has no equivalent to follow.
    public static let defaultLingerSeconds = 30
    /// At most an hour: a server that outlives its users by longer only holds memory.
    public static let maxLingerSeconds = 3600

    /// true: this launch goes through a warm server (the runtime may still fall back to a
    /// cold launch, and says so).
    public var enabled: Bool
    /// Seconds the server stays after the last launch using it has ended.
    public var lingerSeconds: Int
    /// Who may share the server: uid, Slurm job and cgroup (or login session), node.
    public var scope: String?
    /// Why warm or why not (which flag, variable or policy line decided).
    public var reason: String
    /// Filled in by the runtime for `gourd plan`: the server's socket name and what it found
    /// there ("running, pid N", "none: the next launch starts one", ...).
    public var server: String?
    public var serverPID: Int32?

    public init(
        enabled: Bool = false, lingerSeconds: Int = WarmPlan.defaultLingerSeconds, scope: String? = nil,
        reason: String = "not decided", server: String? = nil, serverPID: Int32? = nil
    ) {
        self.enabled = enabled
        self.lingerSeconds = lingerSeconds
        self.scope = scope
        self.reason = reason
        self.server = server
        self.serverPID = serverPID
    }

    /// What the served image depends on beyond the file itself: the launch's image path and
    /// squashfs offset, the identity the namespace maps, the policy checks the file passed
    /// (a sha256 allow-list's digest), the serving settings and the mount points gourd's
    /// FUSE server adds. Two launches that agree on this and on scope and file identity see
    /// the same image; their binds, environment, devices and argv stay their own.
    public static func serverFingerprint(_ plan: LaunchPlan) -> String {
        var text = "warm 1\nimage \(plan.image.path) \(plan.image.offset)\n"
        text += "maps \(plan.identity.uid) \(plan.identity.gid)\n"
        for check in plan.imageChecks { text += "check \(check)\n" }
        text += "serving \(plan.serving.threads) \(plan.serving.cacheMiB) \(plan.serving.spinMicroseconds)\n"
        for point in plan.addedMountPoints { text += "point \(point.path) \(point.isDirectory)\n" }
        return text
    }
}
