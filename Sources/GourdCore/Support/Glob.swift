/// Shell-style matching of one path component: "*" and "?" (no brackets, no "/").
public enum Glob {
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        matches(Array(pattern.unicodeScalars)[...], Array(name.unicodeScalars)[...])
    }

    static func matches(_ pattern: ArraySlice<Unicode.Scalar>, _ name: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        switch first {
        case "*":
            var rest = name
            while true {
                if matches(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        case "?":
            return !name.isEmpty && matches(pattern.dropFirst(), name.dropFirst())
        default:
            return name.first == first && matches(pattern.dropFirst(), name.dropFirst())
        }
    }

    public static func hasWildcards(_ text: String) -> Bool { text.contains("*") || text.contains("?") }
}
