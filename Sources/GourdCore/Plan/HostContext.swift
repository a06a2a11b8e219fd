/// Facts about the caller, read by the runtime before planning.
public struct HostContext: Sendable, Equatable {
    /// The caller's own account, from NSS (getpwuid/getgrgid).
    public var identity: Identity
    /// The caller's working directory, symlinks resolved (getcwd).
    public var cwd: String
    public var environment: [EnvironmentVariable]
    /// This node's name (gethostname), and the launcher's parent process (for rank detection).
    public var hostName: String
    public var parentPID: Int32

    public init(
        identity: Identity, cwd: String, environment: [EnvironmentVariable], hostName: String = "localhost",
        parentPID: Int32 = 0
    ) {
        self.identity = identity
        self.cwd = cwd
        self.environment = environment
        self.hostName = hostName
        self.parentPID = parentPID
    }

    public func variable(_ name: String) -> String? {
        environment.last(where: { $0.name == name })?.value
    }
}
