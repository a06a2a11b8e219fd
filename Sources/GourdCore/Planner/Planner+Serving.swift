/// The FUSE server's threads, cache budget and watch window: --fuse-cache, else the caller's
/// GOURD_FUSE_CACHE_MB / GOURD_FUSE_THREADS / GOURD_FUSE_SPIN_US, else the policy's
/// `[serving]`, else the built-in defaults.
extension Planner {
    func servingPlan() throws(PlanError) -> ServingPlan {
        var plan = ServingPlan()
        var reasons: [String] = []
        if let cache = policy.serving.cacheMiB {
            plan.cacheMiB = cache
            reasons.append("cache_mb from \(policy.serving.origin?.description ?? "policy")")
        }
        if let threads = policy.serving.threads {
            plan.threads = threads
            reasons.append("threads from \(policy.serving.origin?.description ?? "policy")")
        }
        if let spin = policy.serving.spinMicroseconds {
            plan.spinMicroseconds = spin
            reasons.append("spin_us from \(policy.serving.origin?.description ?? "policy")")
        }
        if let value = try servingVariable(
            "GOURD_FUSE_CACHE_MB", in: ServingPlan.cacheRange, expected: "MiB from 1 to \(ServingPlan.maxCacheMiB)")
        {
            plan.cacheMiB = value
            reasons.append("GOURD_FUSE_CACHE_MB")
        }
        if let value = try servingVariable(
            "GOURD_FUSE_THREADS", in: 0...ServingPlan.maxThreads, expected: "0 (one per CPU) to \(ServingPlan.maxThreads)")
        {
            plan.threads = value
            reasons.append("GOURD_FUSE_THREADS")
        }
        if let value = try servingVariable(
            "GOURD_FUSE_SPIN_US", in: ServingPlan.spinRange, expected: "microseconds from 0 (never) to \(ServingPlan.spinRange.upperBound)")
        {
            plan.spinMicroseconds = value
            reasons.append("GOURD_FUSE_SPIN_US")
        }
        if let mib = request.fuseCacheMiB {
            guard ServingPlan.cacheRange.contains(mib) else {
                throw .badServingVariable(
                    name: "--fuse-cache", value: String(mib), expected: "MiB from 1 to \(ServingPlan.maxCacheMiB)")
            }
            plan.cacheMiB = mib
            reasons.removeAll { $0.hasPrefix("cache_mb") || $0 == "GOURD_FUSE_CACHE_MB" }
            reasons.append("--fuse-cache")
        }
        if !reasons.isEmpty { plan.reason = reasons.joined(by: ", ") }
        return plan
    }

    /// The caller's `name` as an integer in `range` (nil when unset); anything else is an error
    /// naming the variable and what it expects.
    private func servingVariable(_ name: String, in range: ClosedRange<Int>, expected: String) throws(PlanError) -> Int? {
        guard let text = host.variable(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw .badServingVariable(name: name, value: text, expected: expected)
        }
        return value
    }
}
