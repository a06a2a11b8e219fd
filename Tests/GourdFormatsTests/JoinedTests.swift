import Testing

@testable import GourdFormats

/// `joined(by:)` must give exactly what the standard library's `joined(separator:)` gives.
struct JoinedTests {
    static let cases: [[String]] = [[], [""], ["a"], ["", ""], ["usr", "lib", "x86_64-linux-gnu"], ["a", "", "b", ""]]

    @Test(arguments: cases)
    func stringsJoinAsTheStandardLibraryDoes(parts: [String]) {
        for separator in ["", "/", ", ", "\n"] {
            #expect(parts.joined(by: separator) == parts.joined(separator: separator))
            #expect(parts[...].joined(by: separator) == parts[...].joined(separator: separator))
            let substrings = parts.map { Substring($0) }
            #expect(substrings.joined(by: separator) == substrings.joined(separator: separator))
            #expect(substrings.dropFirst().joined(by: separator) == substrings.dropFirst().joined(separator: separator))
        }
    }

    @Test func substringsOfALongerString() {
        let path = "/usr/lib/python3.11/json/__init__.py"
        let parts = path.split(separator: "/")
        #expect(parts.joined(by: "/") == "usr/lib/python3.11/json/__init__.py")
        #expect(parts[1...2].joined(by: ":") == "lib:python3.11")
    }
}
