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
                let needs = image.versionNeeds()
            else { return nil }
            let names = needs.filter { glibcSonames.contains($0.file) }.flatMap(\.versions)
            return names.compactMap(GlibcVersion.init(symbolVersion:)).max()
        }
    }

    /// The highest GLIBC_x.y version a libc.so.6 defines (its SHT_GNU_verdef entries).
    /// nil when not an ELF with version definitions.
    public static func definedGlibc(_ read: Reader) -> GlibcVersion? {
        withoutActuallyEscaping(read) { read in
            guard let image = ELFImage(read: read),
                let names = image.versionDefinitions()
            else { return nil }
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
