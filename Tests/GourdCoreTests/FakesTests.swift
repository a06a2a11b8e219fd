import Testing

@testable import GourdCore

/// The fakes are planning inputs; these checks make sure they answer like a real tree.
@Suite("Fake file trees")
struct FakesTests {
    let tree = FakeTree([
        "/usr/bin/python3": .file("py"),
        "/usr/bin/python": .symlink("python3"),
        "/bin": .symlink("usr/bin"),
        "/abs": .symlink("/usr/bin/python"),
        "/up": .symlink("../../../../usr"),
        "/usr/lib/dots": .symlink("../../.."),
        "/loop1": .symlink("/loop2"),
        "/loop2": .symlink("/loop1"),
        "/dangling": .symlink("/nowhere"),
        "/dev/null": .other,
    ])

    @Test func parentsAreImplicitDirectories() {
        #expect(tree.kind("/usr") == .directory)
        #expect(tree.kind("/usr/bin") == .directory)
        #expect(tree.kind("/") == .directory)
    }

    @Test func symlinksResolveInsideTheRoot() {
        #expect(tree.resolve("/usr/bin/python") == "/usr/bin/python3")
        #expect(tree.resolve("/bin/python") == "/usr/bin/python3")
        #expect(tree.resolve("/abs") == "/usr/bin/python3")
        #expect(tree.resolve("/up") == "/usr")
        #expect(tree.resolve("/usr/lib/dots") == "/")
        #expect(tree.resolve("/usr/lib/dots/usr/bin/python3") == "/usr/bin/python3")
        #expect(tree.kind("/bin/python") == .file)
        #expect(tree.kind("/dev/null") == .other)
    }

    @Test func missingLoopingAndNotDirectory() {
        #expect(tree.resolve("/loop1") == nil)
        #expect(tree.resolve("/dangling") == nil)
        #expect(tree.resolve("/usr/bin/python3/x") == nil)
        #expect(tree.kind("/nope") == nil)
    }

    @Test func listingAndReading() {
        let image = FakeImage(["/d/b": .file("B"), "/d/a": .directory, "/d/c": .symlink("a"), "/link": .symlink("/d")])
        #expect(image.list("/link")?.sorted() == ["a", "b", "c"])
        #expect(image.list("/d/b") == nil)
        #expect(image.readText("/link/b") == "B")
        #expect(image.readFile("/d/b", limit: 0) == [])
        #expect(image.readFile("/d/a", limit: 10) == nil)
        let host = FakeHost(["/real/x": .file(""), "/home": .symlink("/real")])
        #expect(host.realPath("/home/x") == "/real/x")
        #expect(host.realPath("/home/y") == nil)
    }
}
