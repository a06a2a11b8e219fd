/// Lexical helpers for absolute paths inside or outside the container. No file system access.
public enum Paths {
    /// Collapses "//", "." and ".." lexically; the result is absolute ("/" at the least).
    /// ".." above the root stays at the root, as the kernel does for "/..".
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(by: "/")
    }

    /// True when `path` is `prefix` or lies below it (both normalized absolute paths).
    public static func isWithin(_ path: String, _ prefix: String) -> Bool {
        if prefix == "/" { return true }
        return path == prefix || path.hasPrefix(prefix + "/")
    }

    /// The part of `path` below `prefix` ("" when equal); nil when not within.
    public static func relative(_ path: String, to prefix: String) -> String? {
        guard isWithin(path, prefix) else { return nil }
        if prefix == "/" { return String(path.dropFirst()) }
        return String(path.dropFirst(prefix.count)).drop(while: { $0 == "/" }).description
    }

    public static func join(_ base: String, _ rest: String) -> String {
        rest.isEmpty ? base : normalize(base + "/" + rest)
    }

    /// The ancestors of an absolute path, nearest first, excluding the path and "/".
    public static func ancestors(_ path: String) -> [String] {
        var result: [String] = []
        var current = normalize(path)
        while current != "/" {
            let parent = parent(of: current)
            if parent == "/" { break }
            result.append(parent)
            current = parent
        }
        return result
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    public static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? ""
    }
}
