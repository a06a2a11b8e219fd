import Testing

@testable import GourdFormats

/// Hand-made tar archives, byte by byte, for the reader's hostile cases.
enum TarBytes {
    struct Member {
        var name: String
        var type: Character = "0"
        var data: [UInt8] = []
        var mode: Int = 0o644
        var link: String = ""
        /// Overrides the size field (a header that lies about its data).
        var sizeField: [UInt8]?
        var prefix: String = ""
        var gnu = false
    }

    static func octal(_ value: Int, _ width: Int) -> [UInt8] {
        let digits = String(value, radix: 8)
        return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
    }

    static func header(_ m: Member) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], _ at: Int) { for (i, b) in bytes.enumerated() { block[at + i] = b } }
        put(Array(m.name.utf8.prefix(100)), 0)
        put(octal(m.mode, 8), 100)
        put(octal(1000, 8), 108)
        put(octal(1000, 8), 116)
        put(m.sizeField ?? octal(m.data.count, 12), 124)
        put(octal(0, 12), 136)
        block[156] = m.type.asciiValue!
        put(Array(m.link.utf8.prefix(100)), 157)
        put(Array((m.gnu ? "ustar  \0" : "ustar\u{0}00").utf8), 257)
        put(Array(m.prefix.utf8), 345)
        put(Array("        ".utf8), 148)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal(sum, 7) + [UInt8(ascii: " ")], 148)
        return block
    }

    static func member(_ m: Member) -> [UInt8] {
        var bytes = header(m) + m.data
        let pad = (512 - m.data.count % 512) % 512
        bytes += [UInt8](repeating: 0, count: pad)
        return bytes
    }

    static func pax(_ records: [String: String], for name: String = "PaxHeader") -> [UInt8] {
        var body: [UInt8] = []
        for (key, value) in records.sorted(by: { $0.key < $1.key }) {
            let content = " \(key)=\(value)\n"
            var length = content.utf8.count + 1
            while String(length).count + content.utf8.count != length { length = String(length).count + content.utf8.count }
            body += Array("\(length)\(content)".utf8)
        }
        return member(Member(name: name, type: "x", data: body))
    }

    static func archive(_ parts: [[UInt8]], end: Bool = true) -> [UInt8] {
        parts.flatMap { $0 } + (end ? [UInt8](repeating: 0, count: 1024) : [])
    }
}

@Suite struct TarReaderTests {
    typealias Member = TarBytes.Member

    func entries(_ bytes: [UInt8]) throws -> [(TarEntry, [UInt8])] {
        var reader = TarReader(BytesSource(bytes))
        var result: [(TarEntry, [UInt8])] = []
        while let entry = try reader.next() {
            var data: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 7)  // odd size: data read in pieces
            while true {
                let n = try buffer.withUnsafeMutableBytes { try reader.readData(into: $0) }
                if n == 0 { break }
                data += buffer.prefix(n)
            }
            result.append((entry, data))
        }
        return result
    }

    func failure(_ bytes: [UInt8]) -> String? {
        do {
            _ = try entries(bytes)
            return nil
        } catch { return (error as? ArchiveError)?.message ?? "\(error)" }
    }

    @Test func readsEveryKind() throws {
        let bytes = TarBytes.archive([
            TarBytes.member(Member(name: "dir/", type: "5", mode: 0o755)),
            TarBytes.member(Member(name: "dir/file", data: Array("hello\n".utf8), mode: 0o4755)),
            TarBytes.member(Member(name: "dir/link", type: "2", link: "../etc/passwd")),
            TarBytes.member(Member(name: "dir/hard", type: "1", link: "dir/file")),
            TarBytes.member(Member(name: "dev/null", type: "3")),
            TarBytes.member(Member(name: "dev/sda", type: "4")),
            TarBytes.member(Member(name: "fifo", type: "6")),
            TarBytes.member(Member(name: "weird", type: "Z", data: [1, 2, 3])),
            TarBytes.member(Member(name: "long/name", prefix: "a/very")),
        ])
        let read = try entries(bytes)
        #expect(
            read.map(\.0.pathString) == [
                "dir/", "dir/file", "dir/link", "dir/hard", "dev/null", "dev/sda", "fifo", "weird", "a/very/long/name",
            ])
        #expect(
            read.map(\.0.kind) == [
                .directory, .file, .symlink(target: Array("../etc/passwd".utf8)),
                .hardlink(target: Array("dir/file".utf8)), .characterDevice, .blockDevice, .fifo,
                .unsupported(UInt8(ascii: "Z")), .file,
            ])
        #expect(read[1].1 == Array("hello\n".utf8))
        #expect(read[1].0.mode == 0o4755)
        #expect(read[7].1 == [1, 2, 3])
    }

    @Test func paxAndGNULongNames() throws {
        let long = String(repeating: "n", count: 300)
        let target = String(repeating: "t", count: 200)
        let bytes = TarBytes.archive([
            TarBytes.pax(["path": "pax/\(long)", "linkpath": target]),
            TarBytes.member(Member(name: "short", type: "2")),
            TarBytes.member(Member(name: "././@LongLink", type: "L", data: Array("gnu/\(long)".utf8) + [0], gnu: true)),
            TarBytes.member(Member(name: "trunc", data: [7], gnu: true)),
            // The pax size wins over the header's (it can exceed 8 GiB in real archives).
            TarBytes.pax(["size": "3"]),
            TarBytes.member(Member(name: "sized", data: [1, 2, 3], sizeField: TarBytes.octal(0, 12))),
        ])
        let read = try entries(bytes)
        #expect(read.map(\.0.pathString) == ["pax/\(long)", "gnu/\(long)", "sized"])
        #expect(read[0].0.kind == .symlink(target: Array(target.utf8)))
        #expect(read[1].1 == [7])
        #expect(read[2].1 == [1, 2, 3])
    }

    @Test func base256Size() throws {
        var field = [UInt8](repeating: 0, count: 12)
        field[0] = 0x80
        field[11] = 5
        let bytes = TarBytes.archive([TarBytes.member(Member(name: "big", data: [1, 2, 3, 4, 5], sizeField: field))])
        #expect(try entries(bytes)[0].1 == [1, 2, 3, 4, 5])
    }

    @Test func endWithoutTrailerAndSkippedData() throws {
        // No end-of-archive blocks: the stream's end at a header boundary ends it.
        let bytes = TarBytes.archive(
            [
                TarBytes.member(Member(name: "a", data: Array(repeating: 9, count: 1000))),
                TarBytes.member(Member(name: "b")),
            ], end: false)
        var reader = TarReader(BytesSource(bytes))
        #expect(try reader.next()?.pathString == "a")  // its data is never read: skipped
        #expect(try reader.next()?.pathString == "b")
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
    }

    @Test func hostileArchivesFailCleanly() {
        // A header claiming a terabyte that the stream does not hold.
        let huge = TarBytes.member(Member(name: "huge", data: [], sizeField: TarBytes.octal(1 << 40, 12)))
        #expect(failure(huge + [UInt8](repeating: 0, count: 4096))?.contains("truncated archive") == true)
        // Garbage instead of a header.
        #expect(failure(Array(repeating: 0x41, count: 512))?.contains("corrupt tar header") == true)
        var bad = TarBytes.member(Member(name: "x"))
        bad[0] = UInt8(ascii: "y")  // checksum no longer matches
        #expect(failure(bad)?.contains("checksum mismatch") == true)
        // A partial header.
        #expect(failure(Array(TarBytes.member(Member(name: "x")).prefix(300)))?.contains("partial header") == true)
        // Data cut short.
        let cut = Array(TarBytes.member(Member(name: "x", data: Array(repeating: 1, count: 2000))).prefix(1024))
        #expect(failure(cut)?.contains("truncated") == true)
        // A negative base-256 size.
        var negative = [UInt8](repeating: 0xff, count: 12)
        negative[0] = 0xff
        #expect(failure(TarBytes.member(Member(name: "neg", sizeField: negative)))?.contains("bad size") == true)
        // Oversized metadata records.
        let bigPax = TarBytes.member(Member(name: "p", type: "x", sizeField: TarBytes.octal(2 << 20, 12)))
        #expect(failure(bigPax)?.contains("pax header of 2097152 bytes") == true)
        let bigName = TarBytes.member(Member(name: "L", type: "L", sizeField: TarBytes.octal(1 << 20, 12)))
        #expect(failure(bigName)?.contains("GNU long name") == true)
        // Malformed pax records.
        #expect(
            failure(
                TarBytes.archive([
                    TarBytes.member(Member(name: "p", type: "x", data: Array("99 path=x\n".utf8))),
                    TarBytes.member(Member(name: "x")),
                ]))?.contains("malformed pax") == true)
        #expect(
            failure(
                TarBytes.archive([
                    TarBytes.member(Member(name: "p", type: "x", data: Array("9 pathx\n".utf8))),
                    TarBytes.member(Member(name: "x")),
                ]))?.contains("malformed pax") == true)
        // Sparse files are refused.
        #expect(failure(TarBytes.archive([TarBytes.member(Member(name: "s", type: "S"))]))?.contains("sparse") == true)
        #expect(
            failure(TarBytes.archive([TarBytes.pax(["GNU.sparse.map": "0,0"]), TarBytes.member(Member(name: "s"))]))?
                .contains("sparse") == true)
        // An empty name.
        #expect(failure(TarBytes.archive([TarBytes.member(Member(name: ""))]))?.contains("empty name") == true)
    }

    @Test func mutatedArchivesNeverCrash() {
        let seed = TarBytes.archive([
            TarBytes.pax(["path": "pax/name"]),
            TarBytes.member(Member(name: "dir/", type: "5")),
            TarBytes.member(Member(name: "dir/file", data: Array("contents".utf8))),
            TarBytes.member(Member(name: "link", type: "2", link: "dir/file")),
        ])
        var state: UInt64 = 42
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for _ in 0..<2000 {
            var bytes = seed
            for _ in 0..<(1 + random(4)) { bytes[random(bytes.count)] = UInt8(random(256)) }
            _ = failure(bytes)  // must return, never trap
        }
    }

    // MARK: paths and whiteouts

    func action(_ path: String) throws(ArchiveError) -> ArchivePath.Action { try ArchivePath.action(Array(path.utf8)) }
    func parts(_ path: String) -> ArchivePath.Components { path.split(separator: "/").map { Array($0.utf8) } }

    @Test func memberPaths() throws {
        #expect(try action("./usr/bin/env") == .entry(parts("usr/bin/env")))
        #expect(try action("/etc/passwd") == .entry(parts("etc/passwd")), "absolute: inside the root")
        #expect(try action("a//b/./c/") == .entry(parts("a/b/c")))
        #expect(try action("./") == .entry([]))
        #expect(try action("etc/.wh.shadow") == .whiteout(parts("etc/shadow")))
        #expect(try action("./.wh.top") == .whiteout(parts("top")))
        #expect(try action("var/cache/.wh..wh..opq") == .opaque(parts("var/cache")))
        #expect(try action(".wh..wh..opq") == .opaque([]))
        #expect(try action("x/.wh..wh.plnk/123") == .entry(parts("x/.wh..wh.plnk/123")))
        #expect(try action("x/.wh..wh.aufs") == .ignored)
        #expect(throws: ArchiveError.self) { try action("../etc/passwd") }
        #expect(throws: ArchiveError.self) { try action("a/../../b") }
        #expect(throws: ArchiveError.self) { try action("a/..") }
        #expect(throws: ArchiveError.self) { try action("a/.wh.") }
        #expect(throws: ArchiveError.self) { try action("a/.wh..") }
        #expect(throws: ArchiveError.self) { try ArchivePath.action([UInt8(ascii: "a"), 0, UInt8(ascii: "b")]) }
    }

    @Test func imagePaths() {
        #expect(ArchivePath.imageComponents("/opt/app/") == parts("opt/app"))
        #expect(ArchivePath.imageComponents("opt/./x") == parts("opt/x"))
        #expect(ArchivePath.imageComponents("/../../etc/x") == parts("etc/x"))
        #expect(ArchivePath.imageComponents("/") == [])
        #expect(ArchivePath.display(parts("a/b")) == "/a/b")
    }

    // MARK: OCI and docker documents

    @Test func blobPathsAreDigestsOnly() throws {
        let hex = String(repeating: "ab", count: 32)
        #expect(try OCIImage.blobPath("sha256:\(hex)") == "blobs/sha256/\(hex)")
        for bad in ["sha256:../../etc/passwd", "sha256:\(hex)/x", "md5:\(hex)", "sha256:\(hex.uppercased())", "sha256", "sha512:\(hex)"] {
            #expect(throws: ArchiveError.self, "\(bad)") { try OCIImage.blobPath(bad) }
        }
    }

    @Test func selectsManifests() throws {
        func descriptor(_ digit: Character, ref: String? = nil, arch: String? = nil) -> OCIImage.Descriptor {
            OCIImage.Descriptor(
                mediaType: "application/vnd.oci.image.manifest.v1+json",
                digest: "sha256:" + String(repeating: digit, count: 64), size: 1,
                annotations: ref.map { ["org.opencontainers.image.ref.name": $0] },
                platform: arch.map { .init(architecture: $0, os: "linux") })
        }
        let one = OCIImage.Index(manifests: [descriptor("1")])
        #expect(try OCIImage.select(one, ref: nil, what: "x").digest.hasSuffix("1111"))
        let two = OCIImage.Index(manifests: [descriptor("1", ref: "v1", arch: "arm64"), descriptor("2", ref: "v2", arch: "amd64")])
        #expect(try OCIImage.select(two, ref: "v1", what: "x").digest.hasSuffix("1111"))
        #expect(try OCIImage.select(two, ref: nil, architecture: "amd64", what: "x").digest.hasSuffix("2222"))
        #expect(throws: ArchiveError.self) { try OCIImage.select(two, ref: "v3", what: "x") }
        #expect(throws: ArchiveError.self) { try OCIImage.select(two, ref: nil, architecture: "s390x", what: "x") }
        #expect(throws: ArchiveError.self) { try OCIImage.select(OCIImage.Index(manifests: []), ref: nil, what: "x") }

        let images = [
            OCIImage.DockerImage(config: "a.json", repoTags: ["busybox:latest"], layers: ["l1"]),
            OCIImage.DockerImage(config: "b.json", repoTags: ["docker.io/library/alpine:3"], layers: []),
        ]
        #expect(try OCIImage.select(images, ref: "busybox", what: "x").config == "a.json")
        #expect(try OCIImage.select(images, ref: "alpine:3", what: "x").config == "b.json")
        #expect(throws: ArchiveError.self) { try OCIImage.select(images, ref: nil, what: "x") }
        #expect(throws: ArchiveError.self) { try OCIImage.select(images, ref: "nope", what: "x") }
        #expect(try OCIImage.select([images[0]], ref: nil, what: "x").config == "a.json")
    }

    @Test func splitsFromReferences() {
        let files: Set<String> = ["img.tar", "dir:with:colons.tar"]
        let exists: (String) -> Bool = { files.contains($0) }
        #expect(OCIImage.splitReference("img.tar", exists: exists) == ("img.tar", nil))
        #expect(OCIImage.splitReference("img.tar:busybox:1.36", exists: exists) == ("img.tar", "busybox:1.36"))
        #expect(OCIImage.splitReference("dir:with:colons.tar", exists: exists) == ("dir:with:colons.tar", nil))
        #expect(OCIImage.splitReference("dir:with:colons.tar:v1", exists: exists) == ("dir:with:colons.tar", "v1"))
        #expect(OCIImage.splitReference("missing.tar:v1", exists: exists) == ("missing.tar:v1", nil))
    }
}
