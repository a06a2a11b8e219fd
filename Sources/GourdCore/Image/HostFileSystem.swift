/// Read-only questions the planner asks about the host's file system.
public protocol HostFileSystem {
    /// The absolute path with every symlink resolved, or nil when it does not exist.
    func realPath(_ path: String) -> String?
    func kind(_ path: String) -> FileKind?
    /// Entry names of a directory, or nil when it is not one.
    func list(_ path: String) -> [String]?
    /// Up to `count` bytes at `offset` of a regular file (fewer at its end), nil on error.
    func read(_ path: String, offset: UInt64, count: Int) -> [UInt8]?
    /// Whether this process may open the device node for reading and writing: access(2) runs
    /// the device cgroup's check without opening the device (devcgroup_inode_permission).
    func deviceAccess(_ path: String) -> DeviceAccess
    /// The file system type holding `path` (statfs(2) f_type, e.g. 0x6969 for NFS), nil when unknown.
    func fileSystemType(_ path: String) -> UInt64?
}

public enum DeviceAccess: Sendable, Equatable {
    case allowed
    /// The device cgroup (or the mode bits) refuse it: EPERM / EACCES.
    case forbidden
    case missing
}

extension HostFileSystem {
    public func readFile(_ path: String, limit: Int) -> [UInt8]? { read(path, offset: 0, count: limit) }
    /// Unknown unless the file system says (in-memory trees have no type).
    public func fileSystemType(_ path: String) -> UInt64? { nil }
}
