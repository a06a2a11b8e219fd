import GourdCore

/// How `gourd pull` (and exec docker://, Bootstrap: docker) talk to a registry.
public struct PullOptions: Sendable, Equatable {
    public var platform = PlatformChoice()
    /// Do not verify TLS certificates (--insecure).
    public var insecure = false
    /// Plain HTTP (--nohttps), for a local registry without TLS.
    public var noHTTPS = false
    /// No progress lines (-q).
    public var quiet = false
    /// Resolve the tag again even when the cache knows it (`gourd pull` always does).
    public var refresh = true

    public init() {}
}
