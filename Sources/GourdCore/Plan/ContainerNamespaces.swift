/// Namespaces a container gets beyond the user, mount and PID ones every container has:
/// Apptainer's `--network none` (an empty network namespace, loopback up), `--hostname`
/// and `--uts` (a UTS namespace), `--ipc` (an IPC namespace: SysV IPC and POSIX message
/// queues; /dev/shm stays the host's, as in Apptainer without --contain).
public struct ContainerNamespaces: Sendable, Equatable, Codable {
    public var network = false
    public var uts = false
    public var ipc = false
    /// With `uts`: the host name inside.
    public var hostname: String?

    public init(network: Bool = false, uts: Bool = false, ipc: Bool = false, hostname: String? = nil) {
        self.network = network
        self.uts = uts
        self.ipc = ipc
        self.hostname = hostname
    }

    public var isEmpty: Bool { self == ContainerNamespaces() }

    /// "network (loopback only), uts (hostname h), ipc", for the plan.
    public var summary: String {
        var parts: [String] = []
        if network { parts.append("network (loopback only)") }
        if uts { parts.append("uts" + (hostname.map { " (hostname \($0))" } ?? "")) }
        if ipc { parts.append("ipc") }
        return parts.joined(by: ", ")
    }
}
