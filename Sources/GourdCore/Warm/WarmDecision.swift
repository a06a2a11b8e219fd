/// Decides whether a launch is warm, from --warm, GOURD_WARM, the policy's `[warm]` and the
/// launch itself. Pure: the runtime passes the facts it read (cgroup, session).
public enum WarmDecision {
    /// What the runtime read about where this launch runs.
    public struct Facts: Sendable, Equatable {
        /// The launcher's cgroup (the line of /proc/self/cgroup that names it), or nil.
        public var cgroup: String?
        /// The login session: the audit session id (/proc/self/sessionid) when set, else the
        /// process session id (getsid).
        public var session: String
        public init(cgroup: String?, session: String) {
            self.cgroup = cgroup
            self.session = session
        }
    }

    /// `--warm=VALUE` / GOURD_WARM=VALUE: "off" or whole seconds of linger (1 to 3600). nil
    /// when malformed.
    public static func parse(_ text: String) -> Int? {
        if text == "off" || text == "0" { return 0 }
        guard let value = Int(text), value >= 1, value <= WarmPlan.maxLingerSeconds else { return nil }
        return value
    }

    public static func decide(
        request: LaunchRequest, policy: WarmPolicy, host: HostContext, facts: Facts, plan: LaunchPlan
    ) throws(PlanError) -> WarmPlan {
        var linger = WarmPlan.defaultLingerSeconds
        var reason = "built-in default (\(linger) s linger)"
        if let seconds = policy.lingerSeconds {
            linger = seconds
            reason = "[warm] linger from \(policy.origin?.description ?? "policy")"
        }
        if let text = host.variable("GOURD_WARM") {
            guard let seconds = parse(text) else {
                throw .badControlVariable("GOURD_WARM", text, reason: "expected off or seconds from 1 to \(WarmPlan.maxLingerSeconds)")
            }
            linger = seconds
            reason = "GOURD_WARM=\(text)"
        }
        if let text = request.warm {
            guard let seconds = parse(text) else {
                throw .badOption("--warm", text, reason: "expected off or seconds from 1 to \(WarmPlan.maxLingerSeconds)")
            }
            linger = seconds
            reason = "--warm=\(text)"
        }
        if linger == 0 { return WarmPlan(enabled: false, lingerSeconds: 0, reason: "off: \(reason)") }
        if let overlay = plan.overlay, !overlay.layers.isEmpty || overlay.upperDirectory != nil {
            return WarmPlan(
                enabled: false, lingerSeconds: linger,
                reason: "--overlay layers are reached and mounted by each launch itself (a cold launch)")
        }
        let scope = Self.scope(host: host, facts: facts, uid: plan.identity.uid)
        // Ranks of a shared container use it too: the group's container (one PID namespace,
        // as MPI needs) is cloned inside the warm server's mount of the image (SharedServer).
        let shared = plan.share.map { "; the ranks of \($0.key) share one container in it" } ?? ""
        return WarmPlan(enabled: true, lingerSeconds: linger, scope: scope, reason: reason + shared)
    }

    /// Launches of one uid on one node share a server only within one Slurm job AND one cgroup
    /// (a job step's processes are killed together at its end, so the server must be in the
    /// same one), or, outside a scheduler, within one login session.
    static func scope(host: HostContext, facts: Facts, uid: UInt32) -> String {
        let node = host.hostName
        if let job = host.variable("SLURM_JOB_ID") {
            return "uid \(uid) slurm job \(job) cgroup \(facts.cgroup ?? "?") @\(node)"
        }
        return "uid \(uid) session \(facts.session) cgroup \(facts.cgroup ?? "?") @\(node)"
    }
}
