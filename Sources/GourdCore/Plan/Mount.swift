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

    public init(
        kind: Kind, destination: String, readOnly: Bool = false, noSuid: Bool = true,
        noDev: Bool = true, noExec: Bool = false, recursive: Bool = true,
        optional: Bool = false, reason: String
    ) {
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
