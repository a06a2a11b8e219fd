/// A glibc symbol version such as GLIBC_2.34.
///
/// Only the "GLIBC_" version nodes name glibc releases; GLIBC_PRIVATE and the versions of
/// other projects (GCC_3.0, CXXABI_1.3) say nothing about which glibc a library needs.
public struct GlibcVersion: Sendable, Equatable, Comparable, CustomStringConvertible, Codable {
    /// GLIBC_2.2.5 -> 2, 2, 5; GLIBC_2.34 -> 2, 34, 0.
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(major: Int, minor: Int, patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// "GLIBC_2.34" -> 2.34, "GLIBC_2.2.5" -> 2.2.5; anything else (GLIBC_PRIVATE, GCC_3.0,
    /// "GLIBC_2", "GLIBC_2.x") -> nil.
    public init?(symbolVersion: String) {
        let prefix = "GLIBC_"
        guard symbolVersion.hasPrefix(prefix) else { return nil }
        let fields = symbolVersion.dropFirst(prefix.count)
            .split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(fields.count) else { return nil }
        var numbers: [Int] = []
        for field in fields {
            guard let number = Self.smallNumber(field) else { return nil }
            numbers.append(number)
        }
        self.init(major: numbers[0], minor: numbers[1], patch: fields.count == 3 ? numbers[2] : 0)
    }

    /// "2.34", or "2.2.5" when there is a patch level, as glibc spells its version nodes.
    public var description: String {
        patch == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(patch)"
    }

    public static func < (lhs: GlibcVersion, rhs: GlibcVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    /// ASCII digits only, at most six of them: no signs, no overflow on hostile input.
    private static func smallNumber(_ text: Substring) -> Int? {
        guard (1...6).contains(text.utf8.count),
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }
}
