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
