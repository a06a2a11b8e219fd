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
