/// The fully resolved description of one container launch: every mount, the identity, the
/// environment and the command. Built by `Planner` from flags + host + image; applied once by
/// the runtime's executor. Plain data, so tests check it without privileges and `gourd` can
/// print it.
public struct LaunchPlan: Sendable, Equatable, Codable {
    /// The image file (absolute, symlinks resolved) and the byte offset of its squashfs.
    public var image: ImageLocation
    public var identity: Identity
    /// Applied in order under the image root, after the root itself is mounted read-only.
    public var mounts: [Mount]
    /// Files the launcher writes to its private staging tmpfs and binds (passwd, group).
    public var generatedFiles: [GeneratedFile]
    /// The workload's complete environment, in order.
    public var environment: [EnvironmentVariable]
    public var argv: [String]
    /// The PATH used to find argv[0] inside the container.
    public var searchPath: String
    public var workdir: String
    /// Things the user may want to know (a default bind skipped, and why).
    public var notes: [String]

    public init(image: ImageLocation, identity: Identity, mounts: [Mount], generatedFiles: [GeneratedFile],
                environment: [EnvironmentVariable], argv: [String], searchPath: String, workdir: String,
                notes: [String]) {
        self.image = image
        self.identity = identity
        self.mounts = mounts
        self.generatedFiles = generatedFiles
        self.environment = environment
        self.argv = argv
        self.searchPath = searchPath
        self.workdir = workdir
        self.notes = notes
    }

    public func environmentValue(_ name: String) -> String? {
        environment.last(where: { $0.name == name })?.value
    }
}

public struct ImageLocation: Sendable, Equatable, Codable {
    public var path: String
    public var offset: UInt64
    public init(path: String, offset: UInt64 = 0) {
        self.path = path
        self.offset = offset
    }
}

/// Who the workload runs as: the caller's own uid and gid, mapped to themselves.
public struct Identity: Sendable, Equatable, Codable {
    public var uid: UInt32
    public var gid: UInt32
    public var userName: String
    public var groupName: String
    public var home: String
    public var shell: String
    public var gecos: String

    public init(uid: UInt32, gid: UInt32, userName: String, groupName: String, home: String,
                shell: String, gecos: String = "") {
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.groupName = groupName
        self.home = home
        self.shell = shell
        self.gecos = gecos
    }

    /// /proc/self/uid_map and gid_map contents: one id, mapped to itself (not to root).
    public var uidMap: String { "\(uid) \(uid) 1\n" }
    public var gidMap: String { "\(gid) \(gid) 1\n" }
}

public struct Mount: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable, Codable {
        /// Bind a host path (absolute, symlinks resolved on the host).
        case bind(source: String)
        /// Bind a file from `LaunchPlan.generatedFiles` by name.
        case generated(name: String)
        /// A fresh procfs for the container's PID namespace.
        case proc
        /// An empty tmpfs holding only the named directories: a mount point the read-only
        /// image lacks (e.g. the user's directory under an empty /home).
        case tmpfs(directories: [String])
    }

    public var kind: Kind
    /// Absolute path inside the container; resolved inside the container root at launch.
    public var destination: String
    public var readOnly: Bool
    public var noSuid: Bool
    public var noDev: Bool
    public var noExec: Bool
    public var recursive: Bool
    /// Skipped without error when the destination does not exist in the image.
    public var optional: Bool
    /// Why this mount is there (a default, a flag, an environment variable).
    public var reason: String

    public init(kind: Kind, destination: String, readOnly: Bool = false, noSuid: Bool = true,
                noDev: Bool = true, noExec: Bool = false, recursive: Bool = true,
                optional: Bool = false, reason: String) {
        self.kind = kind
        self.destination = destination
        self.readOnly = readOnly
        self.noSuid = noSuid
        self.noDev = noDev
        self.noExec = noExec
        self.recursive = recursive
        self.optional = optional
        self.reason = reason
    }
}

public struct GeneratedFile: Sendable, Equatable, Codable {
    public var name: String
    public var contents: String
    public init(name: String, contents: String) {
        self.name = name
        self.contents = contents
    }
}

public struct EnvironmentVariable: Sendable, Equatable, Codable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
    public var assignment: String { "\(name)=\(value)" }
}
