import Glibc
import Testing

@testable import GourdFormats

/// Host files read with open/pread, the way the runtime reads them through the image reader.
enum HostFile {
    /// The whole file, or nil when it cannot be read.
    static func bytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        while true {
            guard let chunk = pread(fd: fd, offset: UInt64(result.count), count: 1 << 20) else { return nil }
            if chunk.isEmpty { return result }
            result += chunk
        }
    }

    /// A lazy Reader over an open descriptor; `tally` counts the bytes it returned.
    static func withReader<T>(
        _ path: String, tally: inout Int,
        _ body: (ELFVersions.Reader) -> T
    ) -> T? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var total = 0
        let result = body { offset, count in
            let chunk = pread(fd: fd, offset: offset, count: count)
            total += chunk?.count ?? 0
            return chunk
        }
        tally = total
        return result
    }

    static func pread(fd: Int32, offset: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, let start = off_t(exactly: offset) else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress, count, start) }
        guard got >= 0 else { return nil }
        return Array(buffer.prefix(got))
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The host's libc.so.6: the Debian multiarch path, else the ld.so.cache entry.
    static var libcPath: String? {
        let debian = "/lib/x86_64-linux-gnu/libc.so.6"
        if exists(debian) { return debian }
        let cache = bytes("/etc/ld.so.cache").flatMap(LdSoCache.parse)
        return cache?.matching("libc.so.6").first?.path
    }

    static var lsPath: String? {
        ["/bin/ls", "/usr/bin/ls"].first(where: exists)
    }
}

/// Builds small ELF objects with version sections, in either class and byte order, so the
/// ELF32 and big-endian paths are tested without foreign binaries on the host.
struct ELFBuilder {
    var wide = true
    var bigEndian = false
    var needs: [(file: String, versions: [String])] = []
    var definitions: [String] = []
    /// Puts the section count in section 0's sh_size and 0 in e_shnum (gABI extended numbering).
    var extendedNumbering = false

    private var strings: [UInt8] = [0]
    private var stringOffsets: [String: Int] = [:]

    init(wide: Bool = true, bigEndian: Bool = false) {
        self.wide = wide
        self.bigEndian = bigEndian
    }

    func field(_ value: Int, _ size: Int) -> [UInt8] {
        let little = (0..<size).map { UInt8(truncatingIfNeeded: UInt64(value) >> (8 * UInt64($0))) }
        return bigEndian ? little.reversed() : little
    }

    func word(_ value: Int) -> [UInt8] { field(value, wide ? 8 : 4) }

    mutating func string(_ text: String) -> Int {
        if let known = stringOffsets[text] { return known }
        let offset = strings.count
        strings += Array(text.utf8) + [0]
        stringOffsets[text] = offset
        return offset
    }

    mutating func verneed() -> [UInt8] {
        var out: [UInt8] = []
        for (index, need) in needs.enumerated() {
            let last = index == needs.count - 1
            out += field(1, 2) + field(need.versions.count, 2) + field(string(need.file), 4)
            out += field(16, 4) + field(last ? 0 : 16 + 16 * need.versions.count, 4)
            for (slot, version) in need.versions.enumerated() {
                let lastAux = slot == need.versions.count - 1
                out += field(0, 4) + field(0, 2) + field(slot + 2, 2)
                out += field(string(version), 4) + field(lastAux ? 0 : 16, 4)
            }
        }
        return out
    }

    mutating func verdef() -> [UInt8] {
        var out: [UInt8] = []
        for (index, name) in definitions.enumerated() {
            let last = index == definitions.count - 1
            out += field(1, 2) + field(index == 0 ? 1 : 0, 2) + field(index + 1, 2) + field(1, 2)
            out += field(0, 4) + field(20, 4) + field(last ? 0 : 28, 4)
            out += field(string(name), 4) + field(0, 4)
        }
        return out
    }

    func sectionHeader(type: Int, offset: Int, size: Int, link: Int) -> [UInt8] {
        field(0, 4) + field(type, 4) + word(0) + word(0) + word(offset) + word(size)
            + field(link, 4) + field(0, 4) + word(0) + word(0)
    }

    mutating func build() -> [UInt8] {
        let headerSize = wide ? 64 : 52
        let needBytes = needs.isEmpty ? [] : verneed()
        let defBytes = definitions.isEmpty ? [] : verdef()
        let needAt = headerSize
        let defAt = needAt + needBytes.count
        let stringsAt = defAt + defBytes.count
        let tableAt = stringsAt + strings.count
        var sections: [[UInt8]] = []
        sections.append(sectionHeader(type: 0, offset: 0, size: 0, link: 0))
        sections.append(sectionHeader(type: 3, offset: stringsAt, size: strings.count, link: 0))
        if !needBytes.isEmpty {
            sections.append(sectionHeader(type: 0x6fff_fffe, offset: needAt, size: needBytes.count, link: 1))
        }
        if !defBytes.isEmpty {
            sections.append(sectionHeader(type: 0x6fff_fffd, offset: defAt, size: defBytes.count, link: 1))
        }
        if extendedNumbering {
            sections[0] = sectionHeader(type: 0, offset: 0, size: sections.count, link: 0)
        }
        var out: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, wide ? 2 : 1, bigEndian ? 2 : 1, 1]
        out += [UInt8](repeating: 0, count: 9)
        out += field(3, 2) + field(62, 2) + field(1, 4) + word(0) + word(0) + word(tableAt)
        out += field(0, 4) + field(headerSize, 2) + field(0, 2) + field(0, 2)
        out += field(wide ? 64 : 40, 2) + field(extendedNumbering ? 0 : sections.count, 2) + field(0, 2)
        return out + needBytes + defBytes + strings + sections.flatMap { $0 }
    }
}

/// A deterministic generator (SplitMix64) so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@Suite("GlibcVersion")
struct GlibcVersionTests {
    @Test("GLIBC_x.y and GLIBC_x.y.z parse")
    func parses() {
        #expect(GlibcVersion(symbolVersion: "GLIBC_2.34") == GlibcVersion(major: 2, minor: 34))
        #expect(GlibcVersion(symbolVersion: "GLIBC_2.2.5") == GlibcVersion(major: 2, minor: 2, patch: 5))
        #expect(GlibcVersion(symbolVersion: "GLIBC_2.34")?.description == "2.34")
        #expect(GlibcVersion(symbolVersion: "GLIBC_2.2.5")?.description == "2.2.5")
    }

    @Test(
        "other version names are not glibc releases",
        arguments: [
            "GLIBC_PRIVATE", "GCC_3.0", "CXXABI_1.3", "GLIBC_2", "GLIBC_2.", "GLIBC_.34",
            "GLIBC_2.34.1.2", "GLIBC_2.x", "GLIBC_+2.34", "GLIBC_2.-1", "glibc_2.34",
            "GLIBC_99999999999999999999.1", "", "GLIBC_", "libc.so.6",
        ])
    func rejects(_ name: String) {
        #expect(GlibcVersion(symbolVersion: name) == nil)
    }

    @Test("ordering is numeric, not lexical: 2.2.5 < 2.17 < 2.34")
    func orders() throws {
        let names = ["GLIBC_2.34", "GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_2.3", "GLIBC_2.3.4"]
        let sorted = names.compactMap(GlibcVersion.init(symbolVersion:)).sorted().map(\.description)
        #expect(sorted == ["2.2.5", "2.3", "2.3.4", "2.17", "2.34"])
        let old = try #require(GlibcVersion(symbolVersion: "GLIBC_2.2.5"))
        let new = try #require(GlibcVersion(symbolVersion: "GLIBC_2.17"))
        #expect(old < new)
    }
}

@Suite("ELFVersions")
struct ELFVersionsTests {
    static let glibc236 = GlibcVersion(major: 2, minor: 36)

    // MARK: host files

    @Test("the host libc.so.6 defines GLIBC_2.36 or newer (Debian 12)")
    func hostLibcDefines() throws {
        let path = try #require(HostFile.libcPath)
        let bytes = try #require(HostFile.bytes(path))
        let defined = try #require(ELFVersions.definedGlibc(ELFVersions.fileReader(bytes: bytes)))
        #expect(defined >= Self.glibc236)
    }

    @Test("reading libc's versions is lazy: a few kilobytes of a 2 MB file")
    func hostLibcIsReadLazily() throws {
        let path = try #require(HostFile.libcPath)
        var tally = 0
        let defined = HostFile.withReader(path, tally: &tally) { ELFVersions.definedGlibc($0) }
        #expect(defined != nil)
        #expect(tally > 0)
        #expect(tally < 64 * 1024)
    }

    @Test("ls requires some GLIBC_2.x no newer than the host libc defines")
    func hostLsRequires() throws {
        let libc = try #require(HostFile.libcPath.flatMap(HostFile.bytes))
        let ls = try #require(HostFile.lsPath.flatMap(HostFile.bytes))
        let defined = try #require(ELFVersions.definedGlibc(ELFVersions.fileReader(bytes: libc)))
        let required = try #require(ELFVersions.requiredGlibc(ELFVersions.fileReader(bytes: ls)))
        #expect(required >= GlibcVersion(major: 2, minor: 2, patch: 5))
        #expect(required <= defined)
    }

    @Test("libc.so.6 itself needs nothing from libc (its verneed names ld.so only)")
    func libcRequiresAtMostLoader() throws {
        let libc = try #require(HostFile.libcPath.flatMap(HostFile.bytes))
        let defined = try #require(ELFVersions.definedGlibc(ELFVersions.fileReader(bytes: libc)))
        if let required = ELFVersions.requiredGlibc(ELFVersions.fileReader(bytes: libc)) {
            #expect(required <= defined)
        }
    }

    @Test("an executable defines no glibc versions")
    func lsDefinesNone() throws {
        let ls = try #require(HostFile.lsPath.flatMap(HostFile.bytes))
        #expect(ELFVersions.definedGlibc(ELFVersions.fileReader(bytes: ls)) == nil)
    }

    @Test("non-ELF files give nil")
    func nonELF() throws {
        let cache = try #require(HostFile.bytes("/etc/ld.so.cache"))
        for bytes in [cache, Array("#!/bin/sh\necho hi\n".utf8), [], [0x7f, 0x45, 0x4c]] {
            #expect(ELFVersions.requiredGlibc(ELFVersions.fileReader(bytes: bytes)) == nil)
            #expect(ELFVersions.definedGlibc(ELFVersions.fileReader(bytes: bytes)) == nil)
        }
    }

    @Test("a failing reader gives nil")
    func failingReader() {
        #expect(ELFVersions.requiredGlibc { _, _ in nil } == nil)
        #expect(ELFVersions.definedGlibc { _, _ in nil } == nil)
    }

    // MARK: truncation and garbage

    @Test("every prefix of the first 256 bytes of libc and ls gives nil")
    func shortPrefixes() throws {
        for path in [HostFile.libcPath, HostFile.lsPath] {
            let bytes = try #require(path.flatMap(HostFile.bytes))
            for length in 0...256 {
                let reader = ELFVersions.fileReader(bytes: Array(bytes.prefix(length)))
                #expect(ELFVersions.requiredGlibc(reader) == nil, "prefix \(length)")
                #expect(ELFVersions.definedGlibc(reader) == nil, "prefix \(length)")
            }
        }
    }

    @Test("real files cut short give nil (the section header table is at the end)")
    func cutRealFiles() throws {
        for path in [HostFile.libcPath, HostFile.lsPath] {
            let bytes = try #require(path.flatMap(HostFile.bytes))
            let cuts = [
                1024, 4096, bytes.count / 4, bytes.count / 2, bytes.count * 3 / 4,
                bytes.count - 64, bytes.count - 1,
            ]
            for cut in cuts {
                let reader = ELFVersions.fileReader(bytes: Array(bytes.prefix(cut)))
                #expect(ELFVersions.requiredGlibc(reader) == nil, "cut at \(cut)")
                #expect(ELFVersions.definedGlibc(reader) == nil, "cut at \(cut)")
            }
        }
    }

    @Test("random bytes, with and without an ELF header, never crash")
    func garbage() {
        var random = SplitMix64(state: 0x6f75_7264)
        for round in 0..<2000 {
            let length = Int.random(in: 0...512, using: &random)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            if round % 2 == 0 && length >= 6 {
                bytes.replaceSubrange(0..<6, with: [0x7f, 0x45, 0x4c, 0x46, UInt8(round % 3), UInt8(round % 5 % 3)])
            }
            let reader = ELFVersions.fileReader(bytes: bytes)
            _ = ELFVersions.requiredGlibc(reader)
            _ = ELFVersions.definedGlibc(reader)
        }
    }

    @Test("mutated copies of a valid object never crash")
    func mutations() {
        var builder = ELFBuilder()
        builder.needs = [("libc.so.6", ["GLIBC_2.2.5", "GLIBC_2.34"])]
        builder.definitions = ["libfake.so.1", "GLIBC_2.17"]
        let original = builder.build()
        var random = SplitMix64(state: 42)
        for _ in 0..<5000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            let reader = ELFVersions.fileReader(bytes: bytes)
            _ = ELFVersions.requiredGlibc(reader)
            _ = ELFVersions.definedGlibc(reader)
        }
    }

    @Test("a reader returning more than asked, or lying about EOF, is survived")
    func misbehavingReaders() throws {
        let libc = try #require(HostFile.libcPath.flatMap(HostFile.bytes))
        let generous: ELFVersions.Reader = { offset, count in
            ELFVersions.fileReader(bytes: libc)(offset, count + 100)
        }
        #expect(ELFVersions.definedGlibc(generous) == ELFVersions.definedGlibc(ELFVersions.fileReader(bytes: libc)))
        let stingy: ELFVersions.Reader = { offset, count in
            ELFVersions.fileReader(bytes: libc)(offset, max(0, count - 1))
        }
        #expect(ELFVersions.definedGlibc(stingy) == nil)
    }

    // MARK: synthetic objects: every class and byte order

    @Test(
        "verneed and verdef in ELF32/ELF64, little/big endian",
        arguments: [(true, false), (true, true), (false, false), (false, true)])
    func synthetic(wide: Bool, bigEndian: Bool) {
        var builder = ELFBuilder(wide: wide, bigEndian: bigEndian)
        builder.needs = [
            ("libstdc++.so.6", ["GLIBCXX_3.4.30"]),
            ("libc.so.6", ["GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_PRIVATE"]),
            ("libm.so.6", ["GLIBC_2.29"]),
            ("libfoo.so.1", ["GLIBC_2.99"]),  // not glibc: ignored
        ]
        builder.definitions = ["libc.so.6", "GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_2.28", "GLIBC_PRIVATE"]
        let reader = ELFVersions.fileReader(bytes: builder.build())
        #expect(ELFVersions.requiredGlibc(reader) == GlibcVersion(major: 2, minor: 29))
        #expect(ELFVersions.definedGlibc(reader) == GlibcVersion(major: 2, minor: 28))
    }

    @Test("loader and merged-library requirements count; non-glibc ones do not")
    func glibcLibraries() {
        var builder = ELFBuilder()
        builder.needs = [("libc.so.6", ["GLIBC_2.2.5"]), ("ld-linux-x86-64.so.2", ["GLIBC_2.35"])]
        #expect(
            ELFVersions.requiredGlibc(ELFVersions.fileReader(bytes: builder.build()))
                == GlibcVersion(major: 2, minor: 35))
        builder.needs = [("libgcc_s.so.1", ["GCC_3.0", "GLIBC_2.99"])]
        #expect(ELFVersions.requiredGlibc(ELFVersions.fileReader(bytes: builder.build())) == nil)
    }

    @Test("extended section numbering (e_shnum 0) is followed")
    func extendedNumbering() {
        var builder = ELFBuilder(wide: false, bigEndian: true)
        builder.definitions = ["libc.so.6", "GLIBC_2.28"]
        builder.extendedNumbering = true
        #expect(
            ELFVersions.definedGlibc(ELFVersions.fileReader(bytes: builder.build()))
                == GlibcVersion(major: 2, minor: 28))
    }

    @Test("every prefix of a synthetic object gives nil")
    func syntheticPrefixes() {
        for (wide, bigEndian) in [(true, false), (false, true)] {
            var builder = ELFBuilder(wide: wide, bigEndian: bigEndian)
            builder.needs = [("libc.so.6", ["GLIBC_2.34"])]
            builder.definitions = ["libc.so.6", "GLIBC_2.28"]
            let bytes = builder.build()
            for length in 0..<bytes.count {
                let reader = ELFVersions.fileReader(bytes: Array(bytes.prefix(length)))
                #expect(ELFVersions.requiredGlibc(reader) == nil, "prefix \(length)")
                #expect(ELFVersions.definedGlibc(reader) == nil, "prefix \(length)")
            }
        }
    }

    @Test("hostile vn_next values end the walk")
    func hostileNext() {
        var builder = ELFBuilder()
        builder.needs = [("libc.so.6", ["GLIBC_2.34"])]
        let original = builder.build()
        // vn_next of the only entry sits at e_ehsize (64) + 12. Offsets are unsigned, so a
        // chain only moves forward; far jumps leave the section, short ones land mid-entry.
        for next: UInt32 in [0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 16, 8, 1] {
            var bytes = original
            for i in 0..<4 { bytes[64 + 12 + i] = UInt8(truncatingIfNeeded: next >> (8 * UInt32(i))) }
            let result = ELFVersions.requiredGlibc(ELFVersions.fileReader(bytes: bytes))
            if next > 0xffff { #expect(result == nil) }
        }
    }

    @Test("fileReader returns fewer bytes at EOF and nothing past it")
    func fileReader() {
        let read = ELFVersions.fileReader(bytes: [1, 2, 3, 4])
        #expect(read(0, 2) == [1, 2])
        #expect(read(2, 10) == [3, 4])
        #expect(read(4, 1) == [])
        #expect(read(UInt64.max, 1) == [])
        #expect(read(0, -1) == nil)
    }
}
