import Testing

@testable import GourdCore

@Suite struct GlobTests {
    @Test func starAndQuestionMarkMatchAsAShellDoes() {
        let cases: [(String, String, Bool)] = [
            ("hfi1_*", "hfi1_0", true), ("hfi1_*", "hfi1_", true), ("hfi1_*", "hfi1", false),
            ("cxi*", "cxi0", true), ("cxi*", "xcxi0", false), ("*", "", true), ("", "", true), ("", "a", false),
            ("a*b*c", "aXbYc", true), ("a*b*c", "abcbc", true), ("a*b*c", "abcb", false), ("*c", "abcbc", true),
            ("a?c", "abc", true), ("a?c", "ac", false), ("??", "ab", true), ("??", "abc", false),
            ("*?", "", false), ("*?", "x", true), ("**x", "ax", true), ("nvidia[0-9]", "nvidia0", false),
            // "?" is one character, not one byte.
            ("n?", "né", true), ("n??", "né", false), ("*é", "café", true), ("caf?", "café", true),
        ]
        for (pattern, name, expected) in cases {
            #expect(Glob.matches(pattern, name) == expected, "\(pattern) vs \(name)")
        }
    }

    @Test func wildcardsAreDetected() {
        #expect(Glob.hasWildcards("nvidia*"))
        #expect(Glob.hasWildcards("a?"))
        #expect(!Glob.hasWildcards("/dev/null"))
    }
}
