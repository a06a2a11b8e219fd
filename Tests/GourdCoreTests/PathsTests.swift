import Testing

@testable import GourdCore

@Suite("Paths")
struct PathsTests {
    @Test(
        "normalize collapses //, . and ..",
        arguments: [
            ("/", "/"),
            ("", "/"),
            ("//", "/"),
            ("/usr//bin/", "/usr/bin"),
            ("/usr/./bin/.", "/usr/bin"),
            ("/usr/lib/../bin", "/usr/bin"),
            ("/a/b/c/../../d", "/a/d"),
            ("/..", "/"),
            ("/../../etc", "/etc"),
            ("/a/../../b", "/b"),
            ("a/b", "/a/b"),
            ("/...", "/..."),
            ("/.hidden/..x", "/.hidden/..x"),
        ])
    func normalize(input: String, expected: String) {
        #expect(Paths.normalize(input) == expected)
    }

    @Test("normalize is idempotent")
    func normalizeIdempotent() {
        for path in ["/a//b/../c/.", "/../x", "/", "/x/y/z/"] {
            let once = Paths.normalize(path)
            #expect(Paths.normalize(once) == once)
        }
    }

    @Test func isWithin() {
        #expect(Paths.isWithin("/home/alice", "/home/alice"))
        #expect(Paths.isWithin("/home/alice/x", "/home/alice"))
        #expect(Paths.isWithin("/home/alice/x/y", "/home"))
        #expect(Paths.isWithin("/anything", "/"))
        #expect(Paths.isWithin("/", "/"))
        // A shared string prefix is not containment.
        #expect(!Paths.isWithin("/home/alice2", "/home/alice"))
        #expect(!Paths.isWithin("/home", "/home/alice"))
        #expect(!Paths.isWithin("/", "/home"))
        #expect(!Paths.isWithin("/tmpfile", "/tmp"))
    }

    @Test func relative() {
        #expect(Paths.relative("/home/alice", to: "/home/alice") == "")
        #expect(Paths.relative("/home/alice/a/b", to: "/home/alice") == "a/b")
        #expect(Paths.relative("/home/alice/a", to: "/") == "home/alice/a")
        #expect(Paths.relative("/", to: "/") == "")
        #expect(Paths.relative("/home/alice2", to: "/home/alice") == nil)
        #expect(Paths.relative("/etc", to: "/home") == nil)
    }

    @Test func join() {
        #expect(Paths.join("/home/alice", "") == "/home/alice")
        #expect(Paths.join("/home/alice", "a/b") == "/home/alice/a/b")
        #expect(Paths.join("/", "etc") == "/etc")
        #expect(Paths.join("/a", "../b") == "/b")
    }

    @Test func ancestors() {
        #expect(Paths.ancestors("/a/b/c") == ["/a/b", "/a"])
        #expect(Paths.ancestors("/home/alice") == ["/home"])
        #expect(Paths.ancestors("/a") == [])
        #expect(Paths.ancestors("/") == [])
        // The argument is normalized first.
        #expect(Paths.ancestors("//a/./b/../c/d/") == ["/a/c", "/a"])
    }

    @Test func parent() {
        #expect(Paths.parent(of: "/a/b/c") == "/a/b")
        #expect(Paths.parent(of: "/a") == "/")
        #expect(Paths.parent(of: "/") == "/")
    }

    @Test func lastComponent() {
        #expect(Paths.lastComponent("/a/b/c") == "c")
        #expect(Paths.lastComponent("/a") == "a")
        #expect(Paths.lastComponent("/") == "")
    }
}

@Suite("ShellQuote")
struct ShellQuoteTests {
    @Test(arguments: [
        ("", "''"),
        ("plain", "'plain'"),
        ("two words", "'two words'"),
        ("it's", #"'it'\''s'"#),
        ("''", #"''\'''\'''"#),
        ("$HOME `x` \"q\" \\", #"'$HOME `x` "q" \'"#),
        ("line\nbreak", "'line\nbreak'"),
    ])
    func quote(input: String, expected: String) {
        #expect(ShellQuote.quote(input) == expected)
    }
}
