/// How gourd's FUSE server serves the image: how many threads answer requests once the
/// container runs, and the budget of decompressed blocks they cache (gourd_image.h,
/// "Serving"). The kernel's page cache, which holds what the workload has read, comes on top.
public struct ServingPlan: Sendable, Equatable, Codable {
    /// The default cache budget of one server, all its threads together.
    public static let defaultCacheMiB = 64
    /// The largest budget accepted (a typo such as 64000 should not pin 64 GB).
    public static let maxCacheMiB = 16_384
    public static let maxThreads = 64
    /// The longest a serving thread watches for the next request before it sleeps, by default
    /// (the window adapts below it: README, "Serving the image", says how and why), and the
    /// most accepted.
    public static let defaultSpinMicroseconds = 50
    public static let spinRange = 0...1000
    /// The budgets accepted from --fuse-cache, GOURD_FUSE_CACHE_MB and the policy.
    public static let cacheRange = 1...maxCacheMiB

    /// MiB of decompressed metadata, data and fragment blocks, all serving threads together.
    public var cacheMiB: Int
    /// Serving threads; 0: one per CPU this process may run on (at least 2).
    public var threads: Int
    /// Microseconds a thread that has just answered watches for the next request (0: never).
    public var spinMicroseconds: Int
    /// Where the values came from ("built-in default", "GOURD_FUSE_CACHE_MB", "policy.toml:12").
    public var reason: String

    public init(
        cacheMiB: Int = ServingPlan.defaultCacheMiB, threads: Int = 0,
        spinMicroseconds: Int = ServingPlan.defaultSpinMicroseconds, reason: String = "built-in default"
    ) {
        self.cacheMiB = cacheMiB
        self.threads = threads
        self.spinMicroseconds = spinMicroseconds
        self.reason = reason
    }
}
