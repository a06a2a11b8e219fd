import GourdFormats

/// Builds SIF files byte by byte from the layout of github.com/apptainer/sif (pkg/sif/sif.go,
/// descriptor.go): 128-byte header, 585-byte descriptors, little-endian, no padding.
public struct SIFBuilder {
    public struct Object {
        public var type: Int32 = 0x4004
        public var used = true
        public var id: UInt32 = 1
        public var offset: Int64
        public var size: Int64
        public var name = "rootfs.squashfs"
        public var fileSystem: Int32 = 1
        public var partitionType: Int32 = 2

        public init(
            type: Int32 = 0x4004, used: Bool = true, id: UInt32 = 1, offset: Int64, size: Int64,
            name: String = "rootfs.squashfs", fileSystem: Int32 = 1, partitionType: Int32 = 2
        ) {
            self.type = type
            self.used = used
            self.id = id
            self.offset = offset
            self.size = size
            self.name = name
            self.fileSystem = fileSystem
            self.partitionType = partitionType
        }
    }

    public init(
        version: String = "01", arch: String = "02",
        id: [UInt8] = [0xb2, 0x65, 0x9d, 0x4e, 0xbd, 0x50, 0x4e, 0xa5, 0xbd, 0x17, 0xee, 0xc5, 0xe5, 0x4f, 0x91, 0x8e],
        created: Int64 = 1_504_657_553, total: Int64 = 48, free: Int64? = nil, tableOffset: Int64 = 4096,
        objects: [Object] = [Object(offset: 32768, size: 8192)], fileSize: Int? = nil
    ) {
        self.version = version
        self.arch = arch
        self.id = id
        self.created = created
        self.total = total
        self.free = free
        self.tableOffset = tableOffset
        self.objects = objects
        self.fileSize = fileSize
    }

    public var version = "01"
    public var arch = "02"
    public var id: [UInt8] = [0xb2, 0x65, 0x9d, 0x4e, 0xbd, 0x50, 0x4e, 0xa5, 0xbd, 0x17, 0xee, 0xc5, 0xe5, 0x4f, 0x91, 0x8e]
    public var created: Int64 = 1_504_657_553
    public var total: Int64 = 48
    public var free: Int64?
    public var tableOffset: Int64 = 4096
    public var objects: [Object] = [Object(offset: 32768, size: 8192)]
    /// Bytes after the last object; by default the file ends where the last object does.
    public var fileSize: Int?

    public static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    public static func text(_ string: String, _ width: Int) -> [UInt8] {
        Array(Array(string.utf8).prefix(width)) + [UInt8](repeating: 0, count: max(0, width - string.utf8.count))
    }

    public func descriptor(_ object: Object) -> [UInt8] {
        var raw =
            Self.le(object.type) + [object.used ? 1 : 0] + Self.le(object.id) + Self.le(UInt32(0xf000_0001))
            + Self.le(UInt32(0))
        raw += Self.le(object.offset) + Self.le(object.size) + Self.le(object.size)
        raw += Self.le(created) + Self.le(created) + Self.le(Int64(0)) + Self.le(Int64(0))
        raw += Self.text(object.name, 128)
        var extra = [UInt8]()
        if object.type == 0x4004 {
            extra = Self.le(object.fileSystem) + Self.le(object.partitionType) + Self.text(arch, 3)
        }
        raw += extra + [UInt8](repeating: 0, count: 384 - extra.count)
        precondition(raw.count == 585)
        return raw
    }

    public var bytes: [UInt8] {
        var header =
            Self.text("#!/usr/bin/env run-singularity\n", 32) + Self.text("SIF_MAGIC", 10)
            + Self.text(version, 3) + Self.text(arch, 3) + id
        header += Self.le(created) + Self.le(created + 100)
        header += Self.le(free ?? (48 - Int64(objects.count))) + Self.le(total)
        header += Self.le(tableOffset) + Self.le(Int64(48 * 585)) + Self.le(Int64(32768)) + Self.le(Int64(0))
        precondition(header.count == 128)
        var file = header + [UInt8](repeating: 0, count: 4096 - 128)
        let table = objects.flatMap(descriptor)
        file += table + [UInt8](repeating: 0, count: 48 * 585 - table.count)
        // Hostile objects set `fileSize` (their end is not computed).
        let size = fileSize ?? max(objects.map { Int($0.offset + $0.size) }.max() ?? 0, file.count)
        file += [UInt8](repeating: 0, count: max(0, size - file.count))
        return Array(file.prefix(size))
    }

    public func parse() throws(SIFError) -> SIFFile {
        let bytes = self.bytes
        return try SIF.parse(fileSize: UInt64(bytes.count)) { offset, count in
            guard offset <= UInt64(bytes.count) else { return [] }
            return Array(bytes[Int(offset)...].prefix(count))
        }
    }
}
