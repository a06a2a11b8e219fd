/// What an archive member's path means inside the root being built: its components, and
/// whether it is an OCI whiteout. Pure, so that the hostile cases are unit-tested; the
/// runtime then resolves every path inside the root (openat2 RESOLVE_IN_ROOT), so even a
/// symlink planted by an earlier member cannot lead outside it.
public enum ArchivePath {
    /// A path as components relative to the root; empty means the root itself.
    public typealias Components = [[UInt8]]

    /// The OCI image spec's whiteout prefix and opaque-directory marker (image-spec layer.md).
    static let whiteoutPrefix = Array(".wh.".utf8)
    static let opaqueMarker = Array(".wh..wh..opq".utf8)

    /// What one layer member does.
    public enum Action: Equatable, Sendable {
        /// Create or replace the entry at this path.
        case entry(Components)
        /// `.wh.NAME`: delete NAME (from lower layers).
        case whiteout(Components)
        /// `.wh..wh..opq`: hide everything lower layers put in this directory.
        case opaque(Components)
        /// Other `.wh..wh.*` names: AUFS bookkeeping (`.wh..wh.plnk`...), not content.
        case ignored
    }

    /// Splits a member path into components: leading "/" and "./" are dropped (a member
    /// `/etc/passwd` means the root's etc/passwd, as tar and container runtimes read it);
    /// "." components vanish; a ".." component is refused: no layer legitimately needs one,
    /// and a member that names one is trying to leave the root.
    public static func components(_ path: [UInt8]) throws(ArchiveError) -> Components {
        if path.contains(0) {
            throw ArchiveError("member '\(String(decoding: path.prefix(while: { $0 != 0 }), as: UTF8.self))' has a NUL byte in its name")
        }
        var result: Components = []
        for part in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.elementsEqual([UInt8(ascii: ".")]) { continue }
            if part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                throw ArchiveError("member '\(String(decoding: path, as: UTF8.self))' has a '..' component: it would leave the root")
            }
            result.append(Array(part))
        }
        return result
    }

    /// The action of a layer member at `path` (OCI whiteouts honoured).
    public static func action(_ path: [UInt8]) throws(ArchiveError) -> Action {
        let parts = try components(path)
        guard let name = parts.last else { return .entry([]) }
        guard name.starts(with: whiteoutPrefix) else { return .entry(parts) }
        let parent = Array(parts.dropLast())
        if name == opaqueMarker { return .opaque(parent) }
        if name.starts(with: whiteoutPrefix + whiteoutPrefix) { return .ignored }
        let target = Array(name.dropFirst(whiteoutPrefix.count))
        guard !target.isEmpty, target != [UInt8(ascii: ".")], target != [UInt8(ascii: "."), UInt8(ascii: ".")] else {
            throw ArchiveError("whiteout '\(String(decoding: path, as: UTF8.self))' names no entry")
        }
        return .whiteout(parent + [target])
    }

    /// "a/b/c" for messages and C calls (components never contain "/" or NUL).
    public static func join(_ parts: Components) -> [UInt8] {
        Array(parts.joined(separator: [UInt8(ascii: "/")]))
    }

    public static func display(_ parts: Components) -> String {
        "/" + String(decoding: join(parts), as: UTF8.self)
    }

    /// A path inside the image, written in a recipe (%files destination): always absolute,
    /// with "." and ".." resolved lexically and never above "/".
    public static func imageComponents(_ path: String) -> Components {
        var result: Components = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !result.isEmpty { result.removeLast() }
                continue
            }
            result.append(Array(part.utf8))
        }
        return result
    }
}
