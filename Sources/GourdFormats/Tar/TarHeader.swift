/// One 512-byte tar header, decoded and checksummed.
struct TarHeader {
    var name: [UInt8]
    var mode: UInt32
    var uid: UInt64
    var gid: UInt64
    var size: UInt64
    var type: UInt8
    var linkName: [UInt8]

    init(_ block: [UInt8], at offset: UInt64) throws(ArchiveError) {
        func field(_ start: Int, _ length: Int) -> ArraySlice<UInt8> { block[start..<(start + length)] }
        func string(_ start: Int, _ length: Int) -> [UInt8] { Array(field(start, length).prefix(while: { $0 != 0 })) }
        func number(_ start: Int, _ length: Int, _ what: String) throws(ArchiveError) -> UInt64 {
            guard let value = Self.number(field(start, length)) else {
                throw ArchiveError("corrupt tar header at offset \(offset): bad \(what) field")
            }
            return value
        }
        guard let stored = Self.number(field(148, 8)) else {
            throw ArchiveError("corrupt tar header at offset \(offset): bad checksum field (not a tar archive?)")
        }
        var unsigned: UInt64 = 0
        var signed: Int64 = 0
        for (index, byte) in block.enumerated() {
            let value = (148..<156).contains(index) ? UInt8(ascii: " ") : byte
            unsigned += UInt64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        guard stored == unsigned || Int64(bitPattern: stored) == signed else {
            throw ArchiveError("corrupt tar header at offset \(offset): checksum mismatch (not a tar archive?)")
        }
        type = block[156]
        mode = UInt32(truncatingIfNeeded: try number(100, 8, "mode"))
        uid = try number(108, 8, "uid")
        gid = try number(116, 8, "gid")
        size = try number(124, 12, "size")
        guard size <= UInt64(Int64.max) else { throw ArchiveError("corrupt tar header at offset \(offset): size out of range") }
        linkName = string(157, 100)
        var name = string(0, 100)
        // POSIX ustar: a prefix joined with "/". (GNU's "ustar  " keeps other data there.)
        if Array(field(257, 6)) == Array("ustar\0".utf8) {
            let prefix = string(345, 155)
            if !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
        }
        self.name = name
    }

    /// Octal ASCII (space or NUL terminated, leading spaces allowed), or GNU base-256 (high
    /// bit of the first byte set; negative values refused). nil when malformed.
    static func number(_ field: ArraySlice<UInt8>) -> UInt64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            guard first & 0x40 == 0 else { return nil }  // negative
            var value: UInt64 = UInt64(first & 0x3f)
            for byte in field.dropFirst() {
                guard value <= (UInt64.max >> 8) else { return nil }
                value = value << 8 | UInt64(byte)
            }
            return value
        }
        var value: UInt64 = 0
        var seenDigit = false
        var ended = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                if ended { return nil }
                guard value <= (UInt64.max >> 3) else { return nil }
                value = value << 3 | UInt64(byte - UInt8(ascii: "0"))
                seenDigit = true
            case UInt8(ascii: " "), 0:
                if seenDigit { ended = true }
            default:
                return nil
            }
        }
        return value
    }
}
