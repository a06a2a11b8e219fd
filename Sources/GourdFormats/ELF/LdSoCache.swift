/// glibc's /etc/ld.so.cache, read the way `ldconfig -p` prints it, so that host driver
/// libraries can be found by soname without running ldconfig.
///
/// The layout is glibc's sysdeps/generic/dl-cache.h (struct cache_file, struct cache_file_new,
/// struct file_entry_new); elf/cache.c writes it and print_cache reads it back.
public struct LdSoCache: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The soname ("libcuda.so.1"), the file_entry key.
        public var name: String
        /// The absolute path, the file_entry value.
        public var path: String
        /// FLAG_* bits from glibc's sysdeps/generic/ldconfig.h: the low byte is the library
        /// type (FLAG_ELF_LIBC6 = 0x03), the high byte the ABI (FLAG_X8664_LIB64 = 0x0300, ...).
        public var flags: Int32
        /// file_entry_new.hwcap: 0 for ordinary entries; non-zero for libraries in
        /// hwcap/glibc-hwcaps subdirectories, which ld.so uses only on CPUs that support them.
        public var hwcap: UInt64

        public init(name: String, path: String, flags: Int32, hwcap: UInt64 = 0) {
            self.name = name
            self.path = path
            self.flags = flags
            self.hwcap = hwcap
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    // FLAG_* from glibc's sysdeps/generic/ldconfig.h.
    static let flagELFLibc6: Int32 = 0x0003
    static let flagX8664Lib64: Int32 = 0x0300
    static let flagAArch64Lib64: Int32 = 0x0a00

    /// The flags ld.so accepts on this machine: _DL_CACHE_DEFAULT_ID in glibc's
    /// sysdeps/unix/sysv/linux/{x86_64,aarch64}/dl-cache.h. nil on other architectures.
    public static var nativeFlags: Int32? {
        #if arch(x86_64)
            return flagELFLibc6 | flagX8664Lib64  // 0x0303
        #elseif arch(arm64)
            return flagELFLibc6 | flagAArch64Lib64  // 0x0a03
        #else
            return nil
        #endif
    }

    /// Entries for this process's ABI (`nativeFlags`), in cache order; empty on an architecture
    /// without a known flag value.
    public var nativeEntries: [Entry] {
        guard let flags = Self.nativeFlags else { return [] }
        return entries.filter { $0.flags == flags }
    }

    /// Native-ABI entries whose name is `libname` or starts with `libname + "."`:
    /// "libcuda.so" matches "libcuda.so.1"; "libc" matches "libc.so.6" but not "libcap.so.2".
    public func matching(_ libname: String) -> [Entry] {
        nativeEntries.filter { $0.name == libname || $0.name.hasPrefix(libname + ".") }
    }

    // MARK: parsing

    static let oldMagic = Array("ld.so-1.7.0".utf8)
    static let newMagic = Array("glibc-ld.so.cache1.1".utf8)
    /// sizeof(struct cache_file) (11-byte magic, padding, nlibs) and sizeof(struct file_entry).
    static let oldHeaderSize = 16
    static let oldEntrySize = 12
    /// sizeof(struct cache_file_new) (asserted 48 in dl-cache.h) and sizeof(struct file_entry_new).
    static let newHeaderSize = 48
    static let newEntrySize = 24
    /// __alignof__(struct cache_file_new): its file_entry_new.hwcap is a uint64_t.
    static let newAlignment = 8
    /// PATH_MAX bounds every name and path ldconfig writes.
    static let maxStringLength = 4096

    /// Parses the new format ("glibc-ld.so.cache1.1"), alone or after the old "ld.so-1.7.0"
    /// header (then the new part starts at the aligned offset after the old entries, ALIGN_CACHE
    /// in dl-cache.h). A cache in the old format only (written by glibc < 2.2 or
    /// `ldconfig -c old`) is not read. nil when unreadable.
    public static func parse(_ bytes: [UInt8]) -> LdSoCache? {
        guard let base = newFormatStart(bytes) else { return nil }
        return parseNew(bytes, base: base)
    }

    /// Where struct cache_file_new starts: 0, or after the old format's entries. The old
    /// header has no byte-order mark, so both orders are tried (host first) and the one that
    /// lands on the new magic wins: a cache written by a foreign-endian ldconfig still reads.
    private static func newFormatStart(_ bytes: [UInt8]) -> Int? {
        if bytes.starts(with: newMagic) { return 0 }
        guard bytes.starts(with: oldMagic) else { return nil }
        for bigEndian in [hostIsBigEndian, !hostIsBigEndian] {
            guard let nlibs = ByteFields(bytes: bytes, bigEndian: bigEndian).u32(12) else { return nil }
            let oldEnd = UInt64(oldHeaderSize) + UInt64(nlibs) * UInt64(oldEntrySize)
            let aligned = (oldEnd + UInt64(newAlignment) - 1) / UInt64(newAlignment) * UInt64(newAlignment)
            if let start = Int(exactly: aligned), start <= bytes.count,
                bytes[start...].starts(with: newMagic)
            {
                return start
            }
        }
        return nil
    }

    /// Reads nlibs file_entry_new records after the header at `base`. String offsets (key,
    /// value) are relative to `base`: glibc's dl-cache.c sets cache_data to cache_new.
    private static func parseNew(_ bytes: [UInt8], base: Int) -> LdSoCache? {
        guard let bigEndian = byteOrder(bytes, base: base) else { return nil }
        let fields = ByteFields(bytes: bytes, bigEndian: bigEndian)
        guard let nlibs = fields.u32(base + 20).flatMap({ Int(exactly: $0) }),
            let tableEnd = ByteFields.offsetting(base + newHeaderSize, by: UInt64(nlibs) * UInt64(newEntrySize)),
            tableEnd <= bytes.count
        else { return nil }
        var entries: [Entry] = []
        entries.reserveCapacity(nlibs)
        for index in 0..<nlibs {
            guard let entry = parseEntry(fields, at: base + newHeaderSize + index * newEntrySize, base: base)
            else { return nil }
            entries.append(entry)
        }
        return LdSoCache(entries: entries)
    }

    /// cache_file_new.flags & 3: 0 unset (native order), 1 invalid, 2 little, 3 big endian.
    private static func byteOrder(_ bytes: [UInt8], base: Int) -> Bool? {
        guard let flags = ByteFields(bytes: bytes, bigEndian: false).u8(base + 28) else { return nil }
        switch flags & 3 {
        case 0: return hostIsBigEndian
        case 2: return false
        case 3: return true
        default: return nil
        }
    }

    /// struct file_entry_new: flags (int32), key, value (uint32), osversion (uint32), hwcap (uint64).
    private static func parseEntry(_ fields: ByteFields, at position: Int, base: Int) -> Entry? {
        guard let flags = fields.u32(position), let key = fields.u32(position + 4),
            let value = fields.u32(position + 8), let hwcap = fields.u64(position + 16),
            let keyAt = ByteFields.offsetting(base, by: UInt64(key)),
            let valueAt = ByteFields.offsetting(base, by: UInt64(value)),
            let name = fields.cString(at: keyAt, maxLength: maxStringLength),
            let path = fields.cString(at: valueAt, maxLength: maxStringLength)
        else { return nil }
        return Entry(name: name, path: path, flags: Int32(bitPattern: flags), hwcap: hwcap)
    }

    private static var hostIsBigEndian: Bool { 1.bigEndian == 1 }
}
