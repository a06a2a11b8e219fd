public struct DevicePolicy: Sendable, Equatable, Codable {
    public var mode: DeviceMode
    public var modeOrigin: PolicyOrigin?
    /// Nodes (paths or "*" globs in the last component) a minimal /dev gets when the host has
    /// them: by default the HPC interconnects MPI needs (InfiniBand/RoCE verbs, Omni-Path,
    /// Slingshot).
    public var extra: [String]
    public var extraOrigin: PolicyOrigin?

    public static let standardExtra = ["/dev/infiniband/*", "/dev/hfi1_*", "/dev/cxi*"]

    public init(
        mode: DeviceMode = .minimal, modeOrigin: PolicyOrigin? = nil, extra: [String] = DevicePolicy.standardExtra,
        extraOrigin: PolicyOrigin? = nil
    ) {
        self.mode = mode
        self.modeOrigin = modeOrigin
        self.extra = extra
        self.extraOrigin = extraOrigin
    }
}

public enum DeviceMode: String, Sendable, Equatable, Codable, CaseIterable {
    /// A tmpfs /dev with null, zero, full, random, urandom, tty, pts, shm, fd links and the
    /// devices the plan grants.
    case minimal
    /// The host's whole /dev.
    case host
}
