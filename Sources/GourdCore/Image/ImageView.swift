/// Read-only questions the planner asks about the image, with symlinks resolved inside the
/// image's own root (never on the host).
public protocol ImageView {
    func kind(_ path: String) -> FileKind?
    /// Up to `count` bytes at `offset` of a regular file (fewer at its end), or nil when it is
    /// not a readable regular file.
    func read(_ path: String, offset: UInt64, count: Int) -> [UInt8]?
    /// Entry names of a directory, or nil when it is not one.
    func list(_ path: String) -> [String]?
}

extension ImageView {
    /// The file's bytes (at most `limit`), or nil when it is not a readable regular file.
    public func readFile(_ path: String, limit: Int) -> [UInt8]? { read(path, offset: 0, count: limit) }

    public func readText(_ path: String, limit: Int = 1 << 20) -> String? {
        readFile(path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }
}
