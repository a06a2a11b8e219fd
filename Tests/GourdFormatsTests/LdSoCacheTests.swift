import Glibc
import Testing

@testable import GourdFormats

/// Builds ld.so.cache files in glibc's layout (sysdeps/generic/dl-cache.h).
struct LdSoCacheBuilder {
    var entries: [LdSoCache.Entry] = []
    var bigEndian = false
    /// Writes the old "ld.so-1.7.0" table first (ldconfig -c compat).
    var withOldHeader = false

    func field(_ value: UInt64, _ size: Int) -> [UInt8] {
        let little = (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        return bigEndian ? little.reversed() : little
    }

    func build() -> [UInt8] {
        var strings: [UInt8] = []
        var offsets: [(UInt64, UInt64)] = []
        let stringsStart = 48 + 24 * entries.count
        for entry in entries {
            let key = UInt64(stringsStart + strings.count)
            strings += Array(entry.name.utf8) + [0]
            let value = UInt64(stringsStart + strings.count)
            strings += Array(entry.path.utf8) + [0]
            offsets.append((key, value))
        }
        var new = Array("glibc-ld.so.cache1.1".utf8)
        new += field(UInt64(entries.count), 4) + field(UInt64(strings.count), 4)
        new += [bigEndian ? 3 : 2, 0, 0, 0] + field(0, 4) + [UInt8](repeating: 0, count: 12)
        for (entry, (key, value)) in zip(entries, offsets) {
            new += field(UInt64(UInt32(bitPattern: entry.flags)), 4) + field(key, 4) + field(value, 4)
            new += field(0, 4) + field(entry.hwcap, 8)
        }
        new += strings
        guard withOldHeader else { return new }
        // Old entries carry the same strings, here left unused (offset 0): only the count and
        // the alignment of the new header matter to the reader.
        var old = Array("ld.so-1.7.0".utf8) + [0] + field(UInt64(entries.count), 4)
        for entry in entries { old += field(UInt64(UInt32(bitPattern: entry.flags)), 4) + field(0, 8) }
        while old.count % 8 != 0 { old.append(0) }
        return old + new
    }
}

@Suite("LdSoCache")
struct LdSoCacheTests {
    static let native = LdSoCache.nativeFlags ?? 0x0303

    static func entry(
        _ name: String, _ dir: String = "/usr/lib/x86_64-linux-gnu",
        flags: Int32 = native
    ) -> LdSoCache.Entry {
        LdSoCache.Entry(name: name, path: dir + "/" + name, flags: flags)
    }

    // MARK: the host cache

    @Test("the host cache lists libc.so.6 at a path that exists")
    func hostLibc() throws {
        let bytes = try #require(HostFile.bytes("/etc/ld.so.cache"))
        let cache = try #require(LdSoCache.parse(bytes))
        #expect(!cache.entries.isEmpty)
        let libc = try #require(cache.nativeEntries.first { $0.name == "libc.so.6" })
        #expect(libc.path.hasPrefix("/"))
        #expect(HostFile.exists(libc.path))
        #expect(libc.flags == LdSoCache.nativeFlags)
    }

    @Test("matching(\"libc.so\") finds libc.so.6 on the host")
    func hostMatching() throws {
        let cache = try #require(HostFile.bytes("/etc/ld.so.cache").flatMap(LdSoCache.parse))
        let found = cache.matching("libc.so")
        #expect(found.contains { $0.name == "libc.so.6" })
        #expect(found.allSatisfy { $0.name.hasPrefix("libc.so.") || $0.name == "libc.so" })
    }

    @Test("the host cache agrees with ldconfig's own reading of it: every path is absolute")
    func hostPaths() throws {
        let cache = try #require(HostFile.bytes("/etc/ld.so.cache").flatMap(LdSoCache.parse))
        #expect(cache.entries.allSatisfy { $0.path.hasPrefix("/") && !$0.name.isEmpty })
    }

    // MARK: matching

    @Test("a name matches itself and name + \".\"…, never a longer word (libc is not libcap)")
    func matchingRule() {
        let cache = LdSoCache(entries: [
            Self.entry("libcap.so.2"), Self.entry("libc.so.6"), Self.entry("libcuda.so.1"),
            Self.entry("libcuda.so"), Self.entry("libcudart.so.12"), Self.entry("libc.so.6.extra"),
        ])
        #expect(cache.matching("libc").map(\.name) == ["libc.so.6", "libc.so.6.extra"])
        #expect(cache.matching("libc.so").map(\.name) == ["libc.so.6", "libc.so.6.extra"])
        #expect(cache.matching("libc.so.6").map(\.name) == ["libc.so.6", "libc.so.6.extra"])
        #expect(cache.matching("libcuda.so").map(\.name) == ["libcuda.so.1", "libcuda.so"])
        #expect(cache.matching("libcuda.so.1").map(\.name) == ["libcuda.so.1"])
        #expect(cache.matching("libcap").map(\.name) == ["libcap.so.2"])
        #expect(cache.matching("libcud").isEmpty)
        #expect(cache.matching("libcuda").map(\.name) == ["libcuda.so.1", "libcuda.so"])
    }

    @Test("other ABIs (i386 libc6 = 0x0003, x32 = 0x0803) are left out, order kept")
    func nativeOnly() {
        let cache = LdSoCache(entries: [
            Self.entry("libcuda.so.1", "/usr/lib/i386-linux-gnu", flags: 0x0003),
            Self.entry("libcuda.so.1", "/usr/lib/x86_64-linux-gnu"),
            Self.entry("libcuda.so.1", "/usr/libx32", flags: 0x0803),
            Self.entry("libcuda.so.1", "/opt/nvidia/lib"),
        ])
        #expect(
            cache.matching("libcuda.so.1").map(\.path)
                == ["/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/opt/nvidia/lib/libcuda.so.1"])
    }

    @Test("native flags are FLAG_ELF_LIBC6 | the architecture's FLAG_*_LIB64")
    func nativeFlags() {
        #if arch(x86_64)
            #expect(LdSoCache.nativeFlags == 0x0303)
        #elseif arch(arm64)
            #expect(LdSoCache.nativeFlags == 0x0a03)
        #endif
    }

    // MARK: formats

    @Test(
        "new format alone, after the old header, and big-endian all parse",
        arguments: [(false, false), (true, false), (false, true), (true, true)])
    func formats(withOldHeader: Bool, bigEndian: Bool) throws {
        let entries = [
            Self.entry("libnvidia-ml.so.1"),
            LdSoCache.Entry(
                name: "libfoo.so.1", path: "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1",
                flags: Self.native, hwcap: 1 << 62),
            Self.entry("libc.so.6", "/lib/i386-linux-gnu", flags: 0x0003),
        ]
        var builder = LdSoCacheBuilder(entries: entries, bigEndian: bigEndian)
        builder.withOldHeader = withOldHeader
        let cache = try #require(LdSoCache.parse(builder.build()))
        #expect(cache.entries == entries)
    }

    @Test("an empty cache parses to no entries")
    func empty() throws {
        let cache = try #require(LdSoCache.parse(LdSoCacheBuilder().build()))
        #expect(cache.entries.isEmpty)
        #expect(cache.matching("libc.so").isEmpty)
    }

    @Test("old format only, invalid endianness and non-caches give nil")
    func unreadable() {
        var old = Array("ld.so-1.7.0".utf8) + [0, 0, 0, 0, 0]
        #expect(LdSoCache.parse(old) == nil)
        old[12] = 0xff
        #expect(LdSoCache.parse(old) == nil)
        var invalid = LdSoCacheBuilder(entries: [Self.entry("libc.so.6")]).build()
        invalid[28] = 1  // cache_file_new_flags_endian_invalid
        #expect(LdSoCache.parse(invalid) == nil)
        #expect(LdSoCache.parse([]) == nil)
        #expect(LdSoCache.parse(Array("not a cache at all, just text".utf8)) == nil)
    }

    // MARK: truncation and garbage

    @Test("every prefix of a small cache gives nil or a cache without invented entries")
    func prefixes() {
        let entries = [Self.entry("libc.so.6"), Self.entry("libcuda.so.1")]
        for old in [false, true] {
            var builder = LdSoCacheBuilder(entries: entries)
            builder.withOldHeader = old
            let bytes = builder.build()
            for length in 0..<bytes.count {
                let cache = LdSoCache.parse(Array(bytes.prefix(length)))
                #expect(cache == nil, "prefix \(length)")
            }
        }
    }

    @Test("cuts of the host cache give nil, or everything when only the extension was cut")
    func hostCuts() throws {
        let bytes = try #require(HostFile.bytes("/etc/ld.so.cache"))
        let full = try #require(LdSoCache.parse(bytes))
        for length in Array(0...200) + [bytes.count / 3, bytes.count / 2, bytes.count - 1] {
            // The entry table comes first, so short cuts lose entries; later cuts lose strings
            // (nil) or only the trailing extension directory, which names no libraries.
            let cache = LdSoCache.parse(Array(bytes.prefix(length)))
            #expect(cache == nil || cache == full, "prefix \(length)")
            if length <= 200 { #expect(cache == nil, "prefix \(length)") }
        }
    }

    @Test("hostile counts and string offsets give nil")
    func hostileFields() {
        var bytes = LdSoCacheBuilder(entries: [Self.entry("libc.so.6")]).build()
        for (offset, value): (Int, UInt8) in [(20, 0xff), (23, 0xff)] {
            var copy = bytes
            copy[offset] = value
            #expect(LdSoCache.parse(copy) == nil)
        }
        bytes[48 + 4 + 3] = 0xff  // key far outside the file
        #expect(LdSoCache.parse(bytes) == nil)
    }

    @Test("random and mutated bytes never crash")
    func garbage() {
        var random = SplitMix64(state: 0x6c64_736f)
        let valid = LdSoCacheBuilder(entries: [Self.entry("libc.so.6"), Self.entry("libm.so.6")]).build()
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = valid
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            } else {
                let length = Int.random(in: 0...300, using: &random)
                bytes = (round % 4 == 1 ? Array("glibc-ld.so.cache1.1".utf8) : Array("ld.so-1.7.0".utf8))
                bytes += (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            if let cache = LdSoCache.parse(bytes) {
                _ = cache.matching("libc.so")
            }
        }
    }
}
