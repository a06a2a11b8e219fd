/// The FUSE server's threads and cache budget: --fuse-cache, else the caller's
/// GOURD_FUSE_CACHE_MB / GOURD_FUSE_THREADS, else the policy's `[serving]`, else the built-in
/// defaults.
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
        if let text = host.variable("GOURD_FUSE_CACHE_MB") {
            guard let value = Int(text), value >= 1, value <= ServingPlan.maxCacheMiB else {
                throw .badServingVariable(
                    name: "GOURD_FUSE_CACHE_MB", value: text,
                    expected: "MiB from 1 to \(ServingPlan.maxCacheMiB)")
            }
            plan.cacheMiB = value
            reasons.append("GOURD_FUSE_CACHE_MB")
        }
        if let text = host.variable("GOURD_FUSE_THREADS") {
            guard let value = Int(text), value >= 0, value <= ServingPlan.maxThreads else {
                throw .badServingVariable(
                    name: "GOURD_FUSE_THREADS", value: text,
                    expected: "0 (one per CPU) to \(ServingPlan.maxThreads)")
            }
            plan.threads = value
            reasons.append("GOURD_FUSE_THREADS")
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
        if !reasons.isEmpty { plan.reason = reasons.joined(separator: ", ") }
        return plan
    }
}
