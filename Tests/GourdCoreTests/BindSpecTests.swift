import Testing

@testable import GourdCore

@Suite("BindSpec")
struct BindSpecTests {
    let cwd = "/home/alice/project"

    @Test("SRC alone binds at the same path, read-write")
    func sourceOnly() throws {
        let spec = try BindSpec.parse("/scratch/data", origin: "--bind", cwd: cwd)
        #expect(spec == BindSpec(source: "/scratch/data", destination: "/scratch/data", readOnly: false, origin: "--bind"))
    }

    @Test func sourceAndDestination() throws {
        let spec = try BindSpec.parse("/scratch/data:/mnt", origin: "--bind", cwd: cwd)
        #expect(spec == BindSpec(source: "/scratch/data", destination: "/mnt", readOnly: false, origin: "--bind"))
    }

    @Test func readOnlyAndReadWrite() throws {
        #expect(try BindSpec.parse("/a:/b:ro", origin: "--bind", cwd: cwd).readOnly)
        #expect(try !BindSpec.parse("/a:/b:rw", origin: "--bind", cwd: cwd).readOnly)
    }

    @Test("both sides are normalized")
    func normalized() throws {
        let spec = try BindSpec.parse("//scratch/./data/:/mnt/x/..//y/", origin: "--bind", cwd: cwd)
        #expect(spec.source == "/scratch/data")
        #expect(spec.destination == "/mnt/y")
    }

    @Test("a relative source is resolved against the caller's directory")
    func relativeSource() throws {
        let spec = try BindSpec.parse("data:/mnt", origin: "--bind", cwd: cwd)
        #expect(spec.source == "/home/alice/project/data")
        #expect(spec.destination == "/mnt")

        let up = try BindSpec.parse("../other", origin: "--bind", cwd: cwd)
        #expect(up.source == "/home/alice/other")
        // SRC alone: the destination is the resolved source, not the relative text.
        #expect(up.destination == "/home/alice/other")

        let fromRoot = try BindSpec.parse("data", origin: "--bind", cwd: "/")
        #expect(fromRoot.source == "/data")
    }

    @Test(
        "malformed specs are rejected with the reason",
        arguments: [
            ("/a:/b:xx", "mode 'xx' is not ro or rw"),
            ("/a:/b:RO", "mode 'RO' is not ro or rw"),
            ("/a:/b:", "mode '' is not ro or rw"),
            ("/a:/b:ro:extra", "expected SRC[:DST[:ro|rw]]"),
            ("/a:/b:c:d:e", "expected SRC[:DST[:ro|rw]]"),
            ("", "empty source"),
            (":/b", "empty source"),
            ("/a:", "empty destination"),
            ("/a::ro", "empty destination"),
            ("/a:b", "destination 'b' is not an absolute path"),
            ("/a:relative/dir:ro", "destination 'relative/dir' is not an absolute path"),
        ])
    func rejected(text: String, reason: String) {
        let error = planError { () throws(PlanError) in try BindSpec.parse(text, origin: "--bind", cwd: cwd) }
        #expect(error == .badBind(text, origin: "--bind", reason: reason))
    }

    @Test("the error message names the origin and the text")
    func message() {
        let error = planError { () throws(PlanError) in try BindSpec.parse("/a:b", origin: "GOURD_BIND", cwd: cwd) }
        #expect(error?.description == "GOURD_BIND '/a:b': destination 'b' is not an absolute path")
    }

    @Test("GOURD_BIND: comma separated, spaces and empty items ignored")
    func list() throws {
        let specs = try BindSpec.parseList(" /scratch/data:/mnt:ro , data ,,/opt ,  ", origin: "GOURD_BIND", cwd: cwd)
        #expect(
            specs == [
                BindSpec(source: "/scratch/data", destination: "/mnt", readOnly: true, origin: "GOURD_BIND"),
                BindSpec(
                    source: "/home/alice/project/data", destination: "/home/alice/project/data", readOnly: false, origin: "GOURD_BIND"),
                BindSpec(source: "/opt", destination: "/opt", readOnly: false, origin: "GOURD_BIND"),
            ])
    }

    @Test func emptyList() throws {
        #expect(try BindSpec.parseList("", origin: "GOURD_BIND", cwd: cwd).isEmpty)
        #expect(try BindSpec.parseList(" , ,", origin: "GOURD_BIND", cwd: cwd).isEmpty)
    }

    @Test("one bad item fails the whole list")
    func listWithBadItem() {
        let error = planError { () throws(PlanError) in
            try BindSpec.parseList("/a, /b:c", origin: "GOURD_BIND", cwd: cwd)
        }
        #expect(error == .badBind("/b:c", origin: "GOURD_BIND", reason: "destination 'c' is not an absolute path"))
    }
}
