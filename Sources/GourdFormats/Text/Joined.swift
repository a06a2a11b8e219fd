/// `joined(separator:)` for arrays of strings, without the standard library's generic entry
/// points. Those are not specialized across modules: their generic body looks its iterator and
/// view types up by mangled name at run time (swift_getTypeByMangledName: demangling and a scan
/// of the binary's protocol conformances), 14-100 us at the first call of each kind in a
/// process. A launch made several such first calls (path normalization, home mounts, account
/// files): ~0.15 ms of CPU per launch (perf, 100 warm launches).
extension ArraySlice where Element == String {
    public func joined(by separator: String) -> String {
        var out = ""
        var first = true
        for part in self {
            if !first { out += separator }
            out += part
            first = false
        }
        return out
    }
}

extension ArraySlice where Element == Substring {
    public func joined(by separator: String) -> String {
        var out = ""
        var first = true
        for part in self {
            if !first { out += separator }
            out.append(contentsOf: part)  // String.append(contentsOf: Substring); += is generic
            first = false
        }
        return out
    }
}

extension Array where Element == String {
    public func joined(by separator: String) -> String { self[...].joined(by: separator) }
}

extension Array where Element == Substring {
    public func joined(by separator: String) -> String { self[...].joined(by: separator) }
}
