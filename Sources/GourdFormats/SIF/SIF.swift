/// Reads the Singularity Image Format (SIF) container of Apptainer/SingularityCE: the global
/// header and the descriptor table, to find where the primary system partition lies, so that
/// its squashfs can be served in place (no copy, no extraction).
///
/// The format (github.com/apptainer/sif, pkg/sif/sif.go and descriptor.go), little-endian,
/// packed without padding:
///
///     global header, 128 bytes at offset 0
///       0  launch script [32]  "#!/usr/bin/env run-singularity\n", NUL-padded
///      32  magic [10]          "SIF_MAGIC\0"
///      42  version [3]         "01\0"
///      45  arch [3]            "02\0" (amd64), see `archNames`
///      48  id [16]             UUID
///      64  ctime, mtime        int64 Unix seconds
///      80  dfree, dtotal       int64 free and total descriptor entries
///      96  descroff, descrlen  int64 where the table starts, its length
///     112  dataoff, datalen    int64 where the data objects start, their length
///
///     descriptor, 585 bytes each, `dtotal` of them at `descroff`
///       0  datatype int32 (0x4001...), 4 used bool, 5 id uint32, 9 groupid, 13 link,
///      17  offset int64, 25 size int64, 33 size with padding, 41 ctime, 49 mtime,
///      57  uid, 65 gid (deprecated), 73 name [128], 201 extra [384]
///     a partition's extra: fstype int32, parttype int32, arch [3]
///
/// Pure: everything is read through a `Reader`, and every offset, size and count is checked
/// against the file size before use. A malformed, truncated or hostile file gives a `SIFError`.
public enum SIF {
    /// Reads bytes at an offset: up to `count` (fewer at EOF), nil on error.
    public typealias Reader = (_ offset: UInt64, _ count: Int) -> [UInt8]?

    public static let headerSize = 128
    public static let descriptorSize = 585
    static let magicOffset = 32
    static let magic: [UInt8] = Array("SIF_MAGIC".utf8) + [0]
    /// Apptainer's default table has 48 entries; 4096 bounds what a hostile header makes us read
    /// (2.4 MB) while leaving room for any real file.
    public static let maxDescriptors: Int64 = 4096

    /// Whether `prefix` (the first bytes of a file, at least 42 of them) starts a SIF file.
    /// Only the magic is checked: the launch script may be customised.
    public static func isSIF(_ prefix: [UInt8]) -> Bool {
        prefix.count >= magicOffset + magic.count && Array(prefix[magicOffset..<magicOffset + magic.count]) == magic
    }

    /// Parses the header and descriptors of the SIF file of `fileSize` bytes.
    public static func parse(fileSize: UInt64, read: Reader) throws(SIFError) -> SIFFile {
        guard let header = read(0, headerSize), header.count == headerSize else {
            throw .truncated("the file is shorter than the \(headerSize)-byte SIF header")
        }
        guard isSIF(header) else { throw .notSIF }
        let fields = Fields(header)
        let version = fields.string(42, 3)
        guard version == "01" else { throw .unsupportedVersion(version) }
        let dfree = fields.int64(80)
        let dtotal = fields.int64(88)
        let descroff = fields.int64(96)
        guard dtotal >= 0, dtotal <= maxDescriptors else {
            throw .corrupt("the header claims \(dtotal) descriptors (at most \(maxDescriptors) are accepted)")
        }
        guard dfree >= 0, dfree <= dtotal else {
            throw .corrupt("the header claims \(dfree) free descriptors of \(dtotal)")
        }
        let tableSize = UInt64(dtotal) * UInt64(descriptorSize)
        guard descroff >= Int64(headerSize) else {
            throw .corrupt("the descriptor table offset \(descroff) overlaps the header")
        }
        let tableStart = UInt64(descroff)
        guard tableStart <= fileSize, tableSize <= fileSize - tableStart else {
            throw .truncated(
                "the descriptor table (\(dtotal) entries at offset \(descroff)) runs past the end of the file (\(fileSize) bytes)")
        }
        var descriptors: [SIFDescriptor] = []
        if tableSize > 0 {
            guard let table = read(tableStart, Int(tableSize)), table.count == Int(tableSize) else {
                throw .truncated("the descriptor table cannot be read in full")
            }
            for index in 0..<Int(dtotal) {
                let start = index * descriptorSize
                let raw = Fields(Array(table[start..<start + descriptorSize]))
                guard raw.bytes[4] != 0 else { continue }  // unused entry
                descriptors.append(try descriptor(raw, index: index, fileSize: fileSize, reserved: tableStart + tableSize))
            }
        }
        try checkOverlaps(descriptors)
        return SIFFile(
            id: uuid(fields.slice(48, 16)), archCode: fields.string(45, 3), version: version,
            created: fields.int64(64), modified: fields.int64(72), fileSize: fileSize,
            descriptors: descriptors)
    }

    /// One used descriptor, its object checked to lie inside the file and after the header and
    /// the descriptor table (`reserved` bytes).
    static func descriptor(_ raw: Fields, index: Int, fileSize: UInt64, reserved: UInt64) throws(SIFError) -> SIFDescriptor {
        let type = SIFDataType(rawValue: raw.int32(0))
        let id = raw.uint32(5)
        let offset = raw.int64(17)
        let size = raw.int64(25)
        let what = "descriptor \(index) (id \(id), \(type))"
        guard offset >= 0, size >= 0 else { throw .corrupt("\(what) has offset \(offset) and size \(size)") }
        let start = UInt64(offset)
        let length = UInt64(size)
        guard start <= fileSize, length <= fileSize - start else {
            throw .truncated("\(what) ends at byte \(start + length) but the file has \(fileSize) bytes")
        }
        guard length == 0 || start >= reserved else {
            throw .corrupt("\(what) at offset \(start) overlaps the SIF header or descriptor table (which end at \(reserved))")
        }
        var partition: SIFPartition?
        if type == .partition {
            partition = SIFPartition(
                fileSystem: SIFFileSystem(rawValue: raw.int32(201)),
                type: SIFPartitionType(rawValue: raw.int32(205)), archCode: raw.string(209, 3))
        }
        return SIFDescriptor(
            index: index, id: id, type: type, offset: start, size: length,
            name: raw.string(73, 128), partition: partition)
    }

    /// Data objects never share bytes: an overlap means a corrupt (or crafted) table.
    static func checkOverlaps(_ descriptors: [SIFDescriptor]) throws(SIFError) {
        let sorted = descriptors.filter { $0.size > 0 }.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.size > b.offset {
            throw .corrupt("data objects of descriptors \(a.index) and \(b.index) overlap")
        }
    }

    /// Apptainer's architecture codes (sif.go, HdrArch*), named as Go and Apptainer name them.
    public static let archNames: [String: String] = [
        "01": "386", "02": "amd64", "03": "arm", "04": "arm64", "05": "ppc64", "06": "ppc64le",
        "07": "mips", "08": "mipsle", "09": "mips64", "10": "mips64le", "11": "s390x", "12": "riscv64",
    ]

    /// "8-4-4-4-12" lower-case hex, as uuid.String() prints it.
    static func uuid(_ bytes: [UInt8]) -> String {
        [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { Hex.encode(bytes[$0]) }.joined(by: "-")
    }

    /// Little-endian fields of a fixed-size byte block (bounds are the caller's constants).
    struct Fields {
        let bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        func uint64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
        func int64(_ at: Int) -> Int64 { Int64(bitPattern: uint64(at)) }
        func uint32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        func int32(_ at: Int) -> Int32 { Int32(bitPattern: uint32(at)) }
        func slice(_ at: Int, _ count: Int) -> [UInt8] { Array(bytes[at..<at + count]) }
        /// A NUL-padded text field, up to its first NUL.
        func string(_ at: Int, _ count: Int) -> String {
            String(decoding: slice(at, count).prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
