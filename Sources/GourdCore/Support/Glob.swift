/// Shell-style matching of one path component: "*" and "?" (no brackets, no "/").
public enum Glob {
    /// Iterative, on UTF-8 bytes (the classic single-backtrack algorithm: a "*" remembers where
    /// it was and retries one byte later): a minimal /dev's policy globs are matched against
    /// every host device name on each launch, so this stays allocation-free. "?" consumes one
    /// Unicode scalar (its UTF-8 lead byte and continuation bytes), as shells match characters.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        var pattern = pattern
        var name = name
        return pattern.withUTF8 { p in name.withUTF8 { n in matches(p, n) } }
    }

    static func matches(_ p: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>) -> Bool {
        var pi = 0
        var ni = 0
        var star: Int?  // pattern position just after the last "*"
        var starName = 0  // name position that "*" is currently matched up to
        while ni < n.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") {
                pi += 1
                ni = scalarEnd(n, from: ni)
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                pi += 1
                star = pi
                starName = ni
            } else if pi < p.count, p[pi] == n[ni] {
                pi += 1
                ni += 1
            } else if let resume = star {
                starName = scalarEnd(n, from: starName)
                pi = resume
                ni = starName
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }

    /// The index after the scalar starting at `i` (skips UTF-8 continuation bytes 10xxxxxx).
    private static func scalarEnd(_ n: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        var end = i + 1
        while end < n.count, n[end] & 0xC0 == 0x80 { end += 1 }
        return end
    }

    public static func hasWildcards(_ text: String) -> Bool { text.contains("*") || text.contains("?") }
}
