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
            header[2] == UInt8(ascii: "L"), header[3] == UInt8(ascii: "F")
        else { return nil }
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
            let shnum = header.u16(wide ? 0x3c : 0x30).map(Int.init)
        else { return nil }
        guard shoff != 0, entsize >= (wide ? 64 : 40) else { return nil }
        var count = shnum
        if count == 0 {
            guard let first = readSection(read, at: shoff, entsize: entsize, header.bigEndian, wide: wide),
                let extended = Int(exactly: first.size)
            else { return nil }
            count = extended
        }
        guard count > 0, count <= maxSections, count * entsize <= maxTableBytes,
            let table = readExactly(read, at: shoff, count: count * entsize)
        else { return nil }
        let fields = ByteFields(bytes: table, bigEndian: header.bigEndian)
        var sections: [ELFSection] = []
        for index in 0..<count {
            guard let section = parseSection(fields, at: index * entsize, wide: wide) else { return nil }
            sections.append(section)
        }
        return sections
    }

    private static func readSection(
        _ read: ELFVersions.Reader, at offset: UInt64, entsize: Int,
        _ bigEndian: Bool, wide: Bool
    ) -> ELFSection? {
        guard let bytes = readExactly(read, at: offset, count: entsize) else { return nil }
        return parseSection(ByteFields(bytes: bytes, bigEndian: bigEndian), at: 0, wide: wide)
    }

    /// Elf32_Shdr / Elf64_Shdr: sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link.
    private static func parseSection(_ fields: ByteFields, at base: Int, wide: Bool) -> ELFSection? {
        let w = wide ? 8 : 4
        guard let type = fields.u32(base + 4),
            let offset = fields.word(base + 8 + 2 * w, wide: wide),
            let size = fields.word(base + 8 + 3 * w, wide: wide),
            let link = fields.u32(base + 8 + 4 * w)
        else { return nil }
        return ELFSection(type: type, offset: offset, size: size, link: link)
    }

    /// Exactly `count` bytes at `offset` (or up to `count` when `allowShort`), nil otherwise.
    static func readExactly(
        _ read: ELFVersions.Reader, at offset: UInt64, count: Int,
        allowShort: Bool = false
    ) -> [UInt8]? {
        guard count >= 0, let bytes = read(offset, count) else { return nil }
        if bytes.count > count { return Array(bytes.prefix(count)) }
        return bytes.count == count || allowShort ? bytes : nil
    }

    // MARK: section contents

    private func contents(of section: ELFSection) -> ByteFields? {
        guard let size = Int(exactly: section.size), size <= Self.maxSectionBytes,
            let bytes = Self.readExactly(read, at: section.offset, count: size)
        else { return nil }
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
                let parsed = parseNeeds(fields, strings: section.link)
            else { return nil }
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
                let text = string(inSection: strings, at: name)
            else { return nil }
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
                let parsed = parseDefinitions(fields, strings: section.link)
            else { return nil }
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
                let next = fields.u32(position + 16)
            else { return nil }
            if count > 0 {
                guard let auxStart = ByteFields.offsetting(position, by: UInt64(aux)),
                    let name = fields.u32(auxStart),
                    let text = string(inSection: strings, at: name)
                else { return nil }
                names.append(text)
            }
            if next == 0 { return names }
            guard let following = ByteFields.offsetting(position, by: UInt64(next)) else { return nil }
            position = following
        }
        return nil
    }
}
