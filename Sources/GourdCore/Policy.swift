/// A site's policy: what every container on the cluster gets and what users may ask for.
/// Parsed from TOML by `PolicyParser`; `Policy.builtIn` when the site has no file.
///
/// Every rule keeps `PolicyOrigin` (file, line, key) so that plans and errors can say which
/// line of which file put it there.
public struct Policy: Sendable, Equatable, Codable {
    /// The file it was read from; nil for the built-in defaults.
    public var file: String?
    /// `[[bind]]`: host paths bound into every container.
    public var binds: [PolicyBind]
    /// `[binds]`: which host paths users may bind with --bind / GOURD_BIND.
    public var userBinds: BindRules
    /// `[images]`: which images may run.
    public var images: ImageRules
    /// `[devices]`: minimal /dev or the host's, and the extra nodes a minimal /dev gets.
    public var devices: DevicePolicy
    /// `[gpu]`: the default choice and each vendor's devices, libraries and environment.
    public var gpu: GPUPolicy
    /// `[environment]`: variables the site sets and names users may not set.
    public var environment: EnvironmentPolicy

    public init(file: String? = nil, binds: [PolicyBind] = [], userBinds: BindRules = BindRules(),
                images: ImageRules = ImageRules(), devices: DevicePolicy = DevicePolicy(),
                gpu: GPUPolicy = GPUPolicy(), environment: EnvironmentPolicy = EnvironmentPolicy()) {
        self.file = file
        self.binds = binds
        self.userBinds = userBinds
        self.images = images
        self.devices = devices
        self.gpu = gpu
        self.environment = environment
    }

    /// What gourd does when no policy file exists: no extra binds, any bind and image allowed,
    /// minimal /dev, GPUs only on request, NVIDIA and AMD defaults as below.
    public static let builtIn = Policy()
}

/// Where a rule came from: "FILE:LINE (key)" in messages and plans.
public struct PolicyOrigin: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String

    public init(file: String, line: Int?, key: String) {
        self.file = file
        self.line = line
        self.key = key
    }

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? "") (\(key))" }
}

/// One `[[bind]]` entry. Paths may hold variables ($USER, ${TMPDIR}...), expanded per launch.
public struct PolicyBind: Sendable, Equatable, Codable {
    public var source: String
    /// Defaults to the expanded source.
    public var destination: String?
    public var readOnly: Bool
    /// Required binds fail the launch when the source or the destination is missing;
    /// optional ones are skipped with a note.
    public var required: Bool
    public var origin: PolicyOrigin

    public init(source: String, destination: String? = nil, readOnly: Bool = false, required: Bool = false,
                origin: PolicyOrigin) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
        self.required = required
        self.origin = origin
    }
}

/// A path prefix in a rule list, with the origin of the list entry.
public struct PathRule: Sendable, Equatable, Codable {
    public var path: String
    public var origin: PolicyOrigin
    public init(path: String, origin: PolicyOrigin) {
        self.path = path
        self.origin = origin
    }
}

public struct BindRules: Sendable, Equatable, Codable {
    /// Prefixes users may bind from; empty means any path not denied.
    public var allow: [PathRule]
    /// Prefixes users may not bind from; deny wins over allow.
    public var deny: [PathRule]
    /// Deny the directories next to the caller's home (other users' homes), but not the home.
    public var denyOtherHomes: PolicyOrigin?

    public init(allow: [PathRule] = [], deny: [PathRule] = [], denyOtherHomes: PolicyOrigin? = nil) {
        self.allow = allow
        self.deny = deny
        self.denyOtherHomes = denyOtherHomes
    }
}

public struct ImageRules: Sendable, Equatable, Codable {
    /// Directories images must be in (after resolving symlinks); empty means anywhere.
    public var allowDirectories: [PathRule]
    /// User names or numeric uids that may own images; "$USER" is the caller; empty means any.
    public var allowOwners: [PathRule]
    /// sha256 digests (lowercase hex) of the only images that may run; empty means any.
    public var sha256: [PathRule]

    public init(allowDirectories: [PathRule] = [], allowOwners: [PathRule] = [], sha256: [PathRule] = []) {
        self.allowDirectories = allowDirectories
        self.allowOwners = allowOwners
        self.sha256 = sha256
    }
}

public struct DevicePolicy: Sendable, Equatable, Codable {
    public var mode: DeviceMode
    public var modeOrigin: PolicyOrigin?
    /// Nodes (paths or "*" globs in the last component) a minimal /dev gets when the host has
    /// them: by default the HPC interconnects MPI needs (InfiniBand/RoCE verbs, Omni-Path,
    /// Slingshot).
    public var extra: [String]
    public var extraOrigin: PolicyOrigin?

    public static let standardExtra = ["/dev/infiniband/*", "/dev/hfi1_*", "/dev/cxi*"]

    public init(mode: DeviceMode = .minimal, modeOrigin: PolicyOrigin? = nil, extra: [String] = DevicePolicy.standardExtra,
                extraOrigin: PolicyOrigin? = nil) {
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

public struct EnvironmentPolicy: Sendable, Equatable, Codable {
    /// Set in every container after the image's environment; the user's --env still wins
    /// unless the name is also forbidden.
    public var set: [PolicyVariable]
    /// Names the host does not pass in and users may not set (--env, GOURDENV_).
    public var forbid: [PathRule]

    public init(set: [PolicyVariable] = [], forbid: [PathRule] = []) {
        self.set = set
        self.forbid = forbid
    }

    public func forbidding(_ name: String) -> PathRule? { forbid.first { $0.path == name } }
}

public struct PolicyVariable: Sendable, Equatable, Codable {
    public var name: String
    public var value: String
    public var origin: PolicyOrigin
    public init(name: String, value: String, origin: PolicyOrigin) {
        self.name = name
        self.value = value
        self.origin = origin
    }
}
