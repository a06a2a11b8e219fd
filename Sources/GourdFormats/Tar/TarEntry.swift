public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: [UInt8])
        /// A hard link to an earlier member (its archive path).
        case hardlink(target: [UInt8])
        case fifo
        case characterDevice
        case blockDevice
        /// A type this reader does not apply (its type flag): skipped with a warning.
        case unsupported(UInt8)
    }

    /// The member's path as stored (pax `path`, GNU long name or ustar prefix/name), raw bytes.
    public var path: [UInt8]
    public var kind: Kind
    /// Permission bits, setuid/setgid/sticky included (no file type bits).
    public var mode: UInt32
    /// Data bytes that follow the header (0 for everything but regular files).
    public var size: UInt64
    public var uid: UInt64
    public var gid: UInt64

    public var pathString: String { String(decoding: path, as: UTF8.self) }
}
