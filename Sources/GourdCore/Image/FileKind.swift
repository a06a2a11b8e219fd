/// What a path names, on the host or in the image (after following symlinks).
public enum FileKind: Sendable, Equatable {
    case directory
    case file
    case other
}
