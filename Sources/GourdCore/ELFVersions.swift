/// A glibc symbol version such as GLIBC_2.34.
///
/// Only the "GLIBC_" version nodes name glibc releases; GLIBC_PRIVATE and the versions of
/// other projects (GCC_3.0, CXXABI_1.3) say nothing about which glibc a library needs.
public struct GlibcVersion: Sendable, Equatable, Comparable, CustomStringConvertible, Codable {
    /// GLIBC_2.2.5 -> 2, 2, 5; GLIBC_2.34 -> 2, 34, 0.
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(major: Int, minor: Int, patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// "GLIBC_2.34" -> 2.34, "GLIBC_2.2.5" -> 2.2.5; anything else (GLIBC_PRIVATE, GCC_3.0,
    /// "GLIBC_2", "GLIBC_2.x") -> nil.
    public init?(symbolVersion: String) {
        let prefix = "GLIBC_"
        guard symbolVersion.hasPrefix(prefix) else { return nil }
        let fields = symbolVersion.dropFirst(prefix.count)
            .split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(fields.count) else { return nil }
        var numbers: [Int] = []
        for field in fields {
            guard let number = Self.smallNumber(field) else { return nil }
            numbers.append(number)
        }
        self.init(major: numbers[0], minor: numbers[1], patch: fields.count == 3 ? numbers[2] : 0)
    }

    /// "2.34", or "2.2.5" when there is a patch level, as glibc spells its version nodes.
    public var description: String {
        patch == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(patch)"
    }

    public static func < (lhs: GlibcVersion, rhs: GlibcVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    /// ASCII digits only, at most six of them: no signs, no overflow on hostile input.
    private static func smallNumber(_ text: Substring) -> Int? {
        guard (1...6).contains(text.utf8.count),
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }
}

/// Reads the GNU symbol versioning sections of an ELF object (the "Symbol Versioning" chapter
/// of the LSB Core specification; glibc's elf/elf.h for the structures): which glibc a driver
/// library needs (SHT_GNU_verneed) and which glibc an image's libc.so.6 provides
/// (SHT_GNU_verdef).
///
/// Everything is read lazily through a `Reader`, so a 2 MB libc inside a FUSE-served image
/// costs a few small reads. Every malformed, truncated or hostile input yields nil.
public enum ELFVersions {
    /// Reads a file's bytes at an offset: returns up to `count` bytes (fewer at EOF), nil on error.
    public typealias Reader = (_ offset: UInt64, _ count: Int) -> [UInt8]?

    /// The sonames whose GLIBC_ versions are glibc's own: libc.so.6, the libraries merged into
    /// it in glibc 2.34 (libpthread, libdl, librt, libutil, libanl), libm, libresolv, and the
    /// dynamic loaders (ld.so defines e.g. GLIBC_2.35 for _dl_find_object and __rseq_offset).
    /// libcrypt.so.1 is left out: today it comes from libxcrypt, whose GLIBC_ nodes are
    /// compatibility aliases, not a glibc requirement.
    static let glibcSonames: Set<String> = [
        "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
        "libutil.so.1", "libanl.so.1", "libresolv.so.2",
        "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "ld-linux-aarch64_be.so.1",
        "ld-linux.so.2", "ld-linux-armhf.so.3", "ld64.so.2", "ld64.so.1",
        "ld-linux-riscv64-lp64d.so.1",
    ]

    /// The highest GLIBC_x.y version this ELF object requires from glibc: its SHT_GNU_verneed
    /// entries whose file is libc.so.6 or another part of glibc (`glibcSonames`).
    /// nil when it requires none or is not a readable ELF.
    public static func requiredGlibc(_ read: Reader) -> GlibcVersion? {
        withoutActuallyEscaping(read) { read in
            guard let image = ELFImage(read: read),
                  let needs = image.versionNeeds() else { return nil }
            let names = needs.filter { glibcSonames.contains($0.file) }.flatMap(\.versions)
            return names.compactMap(GlibcVersion.init(symbolVersion:)).max()
        }
    }

    /// The highest GLIBC_x.y version a libc.so.6 defines (its SHT_GNU_verdef entries).
    /// nil when not an ELF with version definitions.
    public static func definedGlibc(_ read: Reader) -> GlibcVersion? {
        withoutActuallyEscaping(read) { read in
            guard let image = ELFImage(read: read),
                  let names = image.versionDefinitions() else { return nil }
            return names.compactMap(GlibcVersion.init(symbolVersion:)).max()
        }
    }

    /// A Reader over bytes already in memory (tests, small files).
    public static func fileReader(bytes: [UInt8]) -> Reader {
        { offset, count in
            guard count >= 0 else { return nil }
            guard offset < UInt64(bytes.count) else { return [] }
            let start = Int(offset)  // below bytes.count, so it fits
            let end = start + min(count, bytes.count - start)
            return Array(bytes[start..<end])
        }
    }
}

// MARK: - Byte access

/// Bytes in a known byte order; every accessor is bounds-checked and returns nil outside.
struct ByteFields {
    let bytes: [UInt8]
    let bigEndian: Bool

    func unsigned(at offset: Int, size: Int) -> UInt64? {
        guard offset >= 0, size >= 0, size <= 8, size <= bytes.count,
              offset <= bytes.count - size else { return nil }
        var value: UInt64 = 0
        for i in 0..<size {
            let byte = bytes[offset + (bigEndian ? i : size - 1 - i)]
            value = value << 8 | UInt64(byte)
        }
        return value
    }

    func u8(_ offset: Int) -> UInt8? { unsigned(at: offset, size: 1).map { UInt8(truncatingIfNeeded: $0) } }
    func u16(_ offset: Int) -> UInt16? { unsigned(at: offset, size: 2).map { UInt16(truncatingIfNeeded: $0) } }
    func u32(_ offset: Int) -> UInt32? { unsigned(at: offset, size: 4).map { UInt32(truncatingIfNeeded: $0) } }
    func u64(_ offset: Int) -> UInt64? { unsigned(at: offset, size: 8) }

    /// An unsigned field of 4 or 8 bytes (ELF32 / ELF64 addresses, offsets and sizes).
    func word(_ offset: Int, wide: Bool) -> UInt64? {
        wide ? u64(offset) : u32(offset).map(UInt64.init)
    }

    /// The NUL-terminated string at `offset`, or nil when there is no NUL before the end.
    func cString(at offset: Int, maxLength: Int = 4096) -> String? {
        guard offset >= 0, offset < bytes.count else { return nil }
        let end = min(bytes.count, offset + min(maxLength, bytes.count - offset))
        guard let nul = bytes[offset..<end].firstIndex(of: 0) else { return nil }
        return String(decoding: bytes[offset..<nul], as: UTF8.self)
    }
}

extension ByteFields {
    /// `base + offset` as an Int, nil on overflow: offsets read from a file are untrusted.
    static func offsetting(_ base: Int, by offset: UInt64) -> Int? {
        guard let delta = Int(exactly: offset) else { return nil }
        let (sum, overflow) = base.addingReportingOverflow(delta)
        return overflow ? nil : sum
    }
}

// MARK: - ELF sections

/// The section header fields the version sections need.
struct ELFSection {
    var type: UInt32
    var offset: UInt64
    var size: UInt64
    var link: UInt32
}

/// One SHT_GNU_verneed entry: the needed file and the version names required from it.
struct ELFVersionNeed {
    var file: String
    var versions: [String]
}

/// An ELF object opened through a Reader: its class, byte order and section headers.
struct ELFImage {
    // sh_type values from elf.h.
    static let shtGNUVerdef: UInt32 = 0x6fff_fffd
    static let shtGNUVerneed: UInt32 = 0x6fff_fffe
    /// Caps against hostile sizes: real objects have tens of sections and version sections of
    /// a few kilobytes; libc.so.6's verdef has ~45 entries.
    static let maxSections = 65_536
    static let maxSectionBytes = 1 << 20
    static let maxTableBytes = 4 << 20
    static let maxEntries = 4096
    static let maxNameLength = 256

    let read: ELFVersions.Reader
    let wide: Bool
    let bigEndian: Bool
    let sections: [ELFSection]

    /// Reads e_ident and the section header table; nil when not a well-formed ELF.
    init?(read: @escaping ELFVersions.Reader) {
        guard let header = ELFImage.readExactly(read, at: 0, count: 64, allowShort: true),
              header.count >= 52,
              header[0] == 0x7f, header[1] == UInt8(ascii: "E"),
              header[2] == UInt8(ascii: "L"), header[3] == UInt8(ascii: "F") else { return nil }
        // e_ident[EI_CLASS]: 1 = ELFCLASS32, 2 = ELFCLASS64; e_ident[EI_DATA]: 1 = LSB, 2 = MSB.
        guard (1...2).contains(header[4]), (1...2).contains(header[5]) else { return nil }
        self.read = read
        self.wide = header[4] == 2
        self.bigEndian = header[5] == 2
        if wide && header.count < 64 { return nil }
        guard let sections = ELFImage.readSections(read, ByteFields(bytes: header, bigEndian: bigEndian), wide: wide)
        else { return nil }
        self.sections = sections
    }

    /// The section header table, from e_shoff / e_shentsize / e_shnum (gABI "ELF Header" and
    /// "Sections"; e_shnum 0 means the count lives in section 0's sh_size).
    private static func readSections(_ read: ELFVersions.Reader, _ header: ByteFields, wide: Bool) -> [ELFSection]? {
        guard let shoff = header.word(wide ? 0x28 : 0x20, wide: wide),
              let entsize = header.u16(wide ? 0x3a : 0x2e).map(Int.init),
              let shnum = header.u16(wide ? 0x3c : 0x30).map(Int.init) else { return nil }
        guard shoff != 0, entsize >= (wide ? 64 : 40) else { return nil }
        var count = shnum
        if count == 0 {
            guard let first = readSection(read, at: shoff, entsize: entsize, header.bigEndian, wide: wide),
                  let extended = Int(exactly: first.size) else { return nil }
            count = extended
        }
        guard count > 0, count <= maxSections, count * entsize <= maxTableBytes,
              let table = readExactly(read, at: shoff, count: count * entsize) else { return nil }
        let fields = ByteFields(bytes: table, bigEndian: header.bigEndian)
        var sections: [ELFSection] = []
        for index in 0..<count {
            guard let section = parseSection(fields, at: index * entsize, wide: wide) else { return nil }
            sections.append(section)
        }
        return sections
    }

    private static func readSection(_ read: ELFVersions.Reader, at offset: UInt64, entsize: Int,
                                    _ bigEndian: Bool, wide: Bool) -> ELFSection? {
        guard let bytes = readExactly(read, at: offset, count: entsize) else { return nil }
        return parseSection(ByteFields(bytes: bytes, bigEndian: bigEndian), at: 0, wide: wide)
    }

    /// Elf32_Shdr / Elf64_Shdr: sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link.
    private static func parseSection(_ fields: ByteFields, at base: Int, wide: Bool) -> ELFSection? {
        let w = wide ? 8 : 4
        guard let type = fields.u32(base + 4),
              let offset = fields.word(base + 8 + 2 * w, wide: wide),
              let size = fields.word(base + 8 + 3 * w, wide: wide),
              let link = fields.u32(base + 8 + 4 * w) else { return nil }
        return ELFSection(type: type, offset: offset, size: size, link: link)
    }

    /// Exactly `count` bytes at `offset` (or up to `count` when `allowShort`), nil otherwise.
    static func readExactly(_ read: ELFVersions.Reader, at offset: UInt64, count: Int,
                            allowShort: Bool = false) -> [UInt8]? {
        guard count >= 0, let bytes = read(offset, count) else { return nil }
        if bytes.count > count { return Array(bytes.prefix(count)) }
        return bytes.count == count || allowShort ? bytes : nil
    }

    // MARK: section contents

    private func contents(of section: ELFSection) -> ByteFields? {
        guard let size = Int(exactly: section.size), size <= Self.maxSectionBytes,
              let bytes = Self.readExactly(read, at: section.offset, count: size) else { return nil }
        return ByteFields(bytes: bytes, bigEndian: bigEndian)
    }

    /// A name from the string table section `sh_link` names. Version names are short, so at
    /// most `maxNameLength` bytes are read; a longer or unterminated name is nil.
    private func string(inSection index: UInt32, at offset: UInt32) -> String? {
        guard let slot = Int(exactly: index), sections.indices.contains(slot) else { return nil }
        let table = sections[slot]
        guard UInt64(offset) < table.size else { return nil }
        let (start, overflow) = table.offset.addingReportingOverflow(UInt64(offset))
        guard !overflow else { return nil }
        let count = Int(min(UInt64(Self.maxNameLength), table.size - UInt64(offset)))
        guard let bytes = Self.readExactly(read, at: start, count: count, allowShort: true) else { return nil }
        return ByteFields(bytes: bytes, bigEndian: bigEndian).cString(at: 0)
    }

    private func sections(ofType type: UInt32) -> [ELFSection] {
        sections.filter { $0.type == type }
    }

    // MARK: verneed

    /// All Elf_Verneed entries with their Elf_Vernaux names; nil when there is no verneed
    /// section or any entry is malformed.
    func versionNeeds() -> [ELFVersionNeed]? {
        let found = sections(ofType: Self.shtGNUVerneed)
        guard !found.isEmpty else { return nil }
        var needs: [ELFVersionNeed] = []
        for section in found {
            guard let fields = contents(of: section),
                  let parsed = parseNeeds(fields, strings: section.link) else { return nil }
            needs += parsed
        }
        return needs
    }

    /// Elf_Verneed is 16 bytes in both classes: vn_version (2), vn_cnt (2), vn_file (4),
    /// vn_aux (4), vn_next (4); vn_aux and vn_next are byte offsets from this entry.
    private func parseNeeds(_ fields: ByteFields, strings: UInt32) -> [ELFVersionNeed]? {
        var needs: [ELFVersionNeed] = []
        var position = 0
        for _ in 0..<Self.maxEntries {
            guard let count = fields.u16(position + 2), let file = fields.u32(position + 4),
                  let aux = fields.u32(position + 8), let next = fields.u32(position + 12),
                  let auxStart = ByteFields.offsetting(position, by: UInt64(aux)),
                  let fileName = string(inSection: strings, at: file),
                  let versions = parseNeedAux(fields, at: auxStart, count: Int(count), strings: strings)
            else { return nil }
            needs.append(ELFVersionNeed(file: fileName, versions: versions))
            if next == 0 { return needs }
            guard let following = ByteFields.offsetting(position, by: UInt64(next)) else { return nil }
            position = following
        }
        return nil
    }

    /// Elf_Vernaux is 16 bytes: vna_hash (4), vna_flags (2), vna_other (2), vna_name (4),
    /// vna_next (4, from this entry).
    private func parseNeedAux(_ fields: ByteFields, at start: Int, count: Int, strings: UInt32) -> [String]? {
        guard count <= Self.maxEntries else { return nil }
        var names: [String] = []
        var position = start
        for index in 0..<count {
            guard let name = fields.u32(position + 8), let next = fields.u32(position + 12),
                  let text = string(inSection: strings, at: name) else { return nil }
            names.append(text)
            if index == count - 1 { break }
            guard next != 0, let following = ByteFields.offsetting(position, by: UInt64(next)) else { return nil }
            position = following
        }
        return names
    }

    // MARK: verdef

    /// The name of every Elf_Verdef entry (the first Elf_Verdaux of each; later ones name the
    /// parents, which are defined too). nil when there is no verdef section or it is malformed.
    func versionDefinitions() -> [String]? {
        let found = sections(ofType: Self.shtGNUVerdef)
        guard !found.isEmpty else { return nil }
        var names: [String] = []
        for section in found {
            guard let fields = contents(of: section),
                  let parsed = parseDefinitions(fields, strings: section.link) else { return nil }
            names += parsed
        }
        return names
    }

    /// Elf_Verdef is 20 bytes: vd_version (2), vd_flags (2), vd_ndx (2), vd_cnt (2),
    /// vd_hash (4), vd_aux (4), vd_next (4); Elf_Verdaux is vda_name (4), vda_next (4).
    private func parseDefinitions(_ fields: ByteFields, strings: UInt32) -> [String]? {
        var names: [String] = []
        var position = 0
        for _ in 0..<Self.maxEntries {
            guard let count = fields.u16(position + 6), let aux = fields.u32(position + 12),
                  let next = fields.u32(position + 16) else { return nil }
            if count > 0 {
                guard let auxStart = ByteFields.offsetting(position, by: UInt64(aux)),
                      let name = fields.u32(auxStart),
                      let text = string(inSection: strings, at: name) else { return nil }
                names.append(text)
            }
            if next == 0 { return names }
            guard let following = ByteFields.offsetting(position, by: UInt64(next)) else { return nil }
            position = following
        }
        return nil
    }
}
