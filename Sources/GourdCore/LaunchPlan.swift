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
    /// Problems the user must hear about even without -v (a driver library too new for the
    /// image's glibc).
    public var warnings: [String]
    /// Every device node the container can open, and why it is there.
    public var devices: [DeviceGrant]
    /// How the environment differs from the caller's, and why.
    public var environmentChanges: [EnvironmentChange]
    /// Mount points the image lacks, which gourd's FUSE server adds as empty directories or
    /// files (with any missing parents as directories).
    public var addedMountPoints: [AddedMountPoint]
    /// The site policy file that applied (nil: built-in defaults).
    public var policyFile: String?
    /// What the image passed (policy allow-lists), filled in by the launcher.
    public var imageChecks: [String]
    /// Set when this launch is one of several ranks that share one container on this node.
    public var share: ShareScope?

    public init(image: ImageLocation, identity: Identity, mounts: [Mount], generatedFiles: [GeneratedFile],
                environment: [EnvironmentVariable], argv: [String], searchPath: String, workdir: String,
                notes: [String], warnings: [String] = [], devices: [DeviceGrant] = [],
                environmentChanges: [EnvironmentChange] = [], addedMountPoints: [AddedMountPoint] = [],
                policyFile: String? = nil, imageChecks: [String] = [], share: ShareScope? = nil) {
        self.image = image
        self.identity = identity
        self.mounts = mounts
        self.generatedFiles = generatedFiles
        self.environment = environment
        self.argv = argv
        self.searchPath = searchPath
        self.workdir = workdir
        self.notes = notes
        self.warnings = warnings
        self.devices = devices
        self.environmentChanges = environmentChanges
        self.addedMountPoints = addedMountPoints
        self.policyFile = policyFile
        self.imageChecks = imageChecks
        self.share = share
    }

    public func environmentValue(_ name: String) -> String? {
        environment.last(where: { $0.name == name })?.value
    }

    /// What makes two launches' containers the same, as text: the image, the identity, every
    /// mount, the generated files and the added mount points. Ranks whose fingerprints agree
    /// share one container; argv, environment and workdir stay per rank. Written by hand, not
    /// through Codable: it runs on every rank's launch, and the runtime's conformance lookups
    /// behind JSONEncoder cost more than the rest of the key.
    public var containerFingerprint: String {
        var text = "image \(image.path) \(image.offset)\n"
        text += "identity \(identity.uid) \(identity.gid) \(identity.userName) \(identity.groupName) \(identity.home) \(identity.shell)\n"
        for mount in mounts {
            text += "mount \(mount.destination) \(mount.kind.fingerprint) \(mount.readOnly) \(mount.noSuid) \(mount.noDev)"
            text += " \(mount.noExec) \(mount.recursive) \(mount.optional)\n"
        }
        for file in generatedFiles { text += "file \(file.name) \(file.contents.utf8.count)\n\(file.contents)\n" }
        for point in addedMountPoints { text += "point \(point.path) \(point.isDirectory)\n" }
        return text
    }
}

extension Mount.Kind {
    var fingerprint: String {
        switch self {
        case .bind(let source): return "bind:\(source)"
        case .generated(let name): return "generated:\(name)"
        case .proc: return "proc"
        case .tmpfs(let entries):
            var text = "tmpfs:"
            for entry in entries {
                switch entry {
                case .directory(let path): text += "d:\(path);"
                case .file(let path): text += "f:\(path);"
                case .symlink(let path, let target): text += "l:\(path)>\(target);"
                }
            }
            return text
        }
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
        /// An empty tmpfs holding only the given entries: mount points the read-only image
        /// lacks (the user's directory under an empty /home, a minimal /dev, injected files).
        case tmpfs(entries: [TmpfsEntry])
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

/// A mount point gourd's FUSE server shows although the image lacks it.
public struct AddedMountPoint: Sendable, Equatable, Codable {
    public var path: String
    public var isDirectory: Bool
    public init(path: String, isDirectory: Bool) {
        self.path = path
        self.isDirectory = isDirectory
    }
}

/// One entry created in a fresh tmpfs before the mounts on top of it, by path relative to it.
public enum TmpfsEntry: Sendable, Equatable, Codable {
    case directory(String)
    /// An empty file: the mount point of a bound file or device node.
    case file(String)
    case symlink(String, target: String)

    public var path: String {
        switch self {
        case .directory(let path), .file(let path), .symlink(let path, _): return path
        }
    }
}

/// A device node inside the container and the reason it is there.
public struct DeviceGrant: Sendable, Equatable, Codable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// A variable that differs from the caller's environment: set (value) or removed (nil).
public struct EnvironmentChange: Sendable, Equatable, Codable {
    public var name: String
    public var value: String?
    public var reason: String
    public init(name: String, value: String?, reason: String) {
        self.name = name
        self.value = value
        self.reason = reason
    }
}
