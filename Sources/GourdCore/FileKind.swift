/// What a path names, on the host or in the image (after following symlinks).
public enum FileKind: Sendable, Equatable {
    case directory
    case file
    case other
}

/// Read-only questions the planner asks about the host's file system.
public protocol HostFileSystem {
    /// The absolute path with every symlink resolved, or nil when it does not exist.
    func realPath(_ path: String) -> String?
    func kind(_ path: String) -> FileKind?
}

/// Read-only questions the planner asks about the image, with symlinks resolved inside the
/// image's own root (never on the host).
public protocol ImageView {
    func kind(_ path: String) -> FileKind?
    /// The file's bytes (at most `limit`), or nil when it is not a readable regular file.
    func readFile(_ path: String, limit: Int) -> [UInt8]?
    /// Entry names of a directory, or nil when it is not one.
    func list(_ path: String) -> [String]?
}

extension ImageView {
    public func readText(_ path: String, limit: Int = 1 << 20) -> String? {
        readFile(path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }
}
