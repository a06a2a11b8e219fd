/// `[serving]`: the site's defaults for gourd's FUSE server (`cache_mb`, `threads`). Users
/// may change them per launch with GOURD_FUSE_CACHE_MB and GOURD_FUSE_THREADS.
public struct ServingPolicy: Sendable, Equatable, Codable {
    public var cacheMiB: Int?
    public var threads: Int?
    public var spinMicroseconds: Int?
    public var origin: PolicyOrigin?

    public init(cacheMiB: Int? = nil, threads: Int? = nil, spinMicroseconds: Int? = nil, origin: PolicyOrigin? = nil) {
        self.cacheMiB = cacheMiB
        self.threads = threads
        self.spinMicroseconds = spinMicroseconds
        self.origin = origin
    }
}
