/// Bytes in a known byte order; every accessor is bounds-checked and returns nil outside.
struct ByteFields {
    let bytes: [UInt8]
    let bigEndian: Bool

    func unsigned(at offset: Int, size: Int) -> UInt64? {
        guard offset >= 0, size >= 0, size <= 8, size <= bytes.count,
            offset <= bytes.count - size
        else { return nil }
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
