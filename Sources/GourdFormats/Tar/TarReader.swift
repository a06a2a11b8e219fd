/// A streaming reader of tar archives (POSIX ustar and pax, GNU long names), for image layers
/// and `docker save` / OCI archives. It only decodes: what an entry *does* to a root file
/// system is decided by `ArchivePath` and applied by the runtime, inside the root.
///
/// Hostile input is expected: every header is checksummed, sizes are bounded by what the
/// stream really holds (a header claiming a petabyte ends in "truncated", not in an
/// allocation), pax and GNU name records are capped, sparse files are refused.

public struct TarReader<Source: ByteSource> {
    public static var blockSize: Int { 512 }
    /// Caps on the metadata records that precede an entry.
    static var maxPaxSize: UInt64 { 1 << 20 }
    static var maxLongNameSize: UInt64 { 64 << 10 }

    var source: Source
    /// Stream offset of the next unread byte.
    public private(set) var offset: UInt64 = 0
    /// Data bytes of the current entry not yet read, and the padding after them.
    var remaining: UInt64 = 0
    var padding: UInt64 = 0
    /// Where the current entry's data starts in the stream (for indexing uncompressed archives).
    public private(set) var dataOffset: UInt64 = 0
    var finished = false

    public init(_ source: Source) { self.source = source }

    /// The source as read so far (e.g. to finish a hash over it).
    public var byteSource: Source { source }

    /// The next entry, or nil at the end of the archive. Unread data of the previous entry
    /// is skipped.
    public mutating func next() throws(ArchiveError) -> TarEntry? {
        guard !finished else { return nil }
        try skip(remaining + padding)
        remaining = 0
        padding = 0
        var pax: [String: [UInt8]] = [:]
        var longName: [UInt8]?
        var longLink: [UInt8]?
        while true {
            let headerOffset = offset
            guard let block = try readBlock(allowEnd: true) else {
                finished = true
                return nil
            }
            if block.allSatisfy({ $0 == 0 }) {
                // End of archive: one zero block (a second one, and any padding, may follow).
                finished = true
                return nil
            }
            let header = try TarHeader(block, at: headerOffset)
            // Metadata records use their own size; a pax `size` applies to the entry they precede.
            let recordSize = header.size
            switch header.type {
            case UInt8(ascii: "x"):
                pax.merge(
                    try Self.paxRecords(try readMetadata(size: recordSize, limit: Self.maxPaxSize, what: "pax header")),
                    uniquingKeysWith: { _, new in new })
                continue
            case UInt8(ascii: "g"):
                _ = try readMetadata(size: recordSize, limit: Self.maxPaxSize, what: "pax global header")
                continue
            case UInt8(ascii: "L"):
                longName = Self.untilNUL(try readMetadata(size: recordSize, limit: Self.maxLongNameSize, what: "GNU long name"))
                continue
            case UInt8(ascii: "K"):
                longLink = Self.untilNUL(try readMetadata(size: recordSize, limit: Self.maxLongNameSize, what: "GNU long link name"))
                continue
            default:
                break
            }
            let size = pax["size"].flatMap { Self.decimal($0) } ?? header.size
            if pax.keys.contains(where: { $0.hasPrefix("GNU.sparse") }) || header.type == UInt8(ascii: "S") {
                throw ArchiveError(
                    "sparse file '\(String(decoding: pax["path"] ?? longName ?? header.name, as: UTF8.self))' at offset \(headerOffset): sparse archives are not supported"
                )
            }
            let path = pax["path"] ?? longName ?? header.name
            let link = pax["linkpath"] ?? longLink ?? header.linkName
            var entry = TarEntry(
                path: path, kind: .file, mode: header.mode & 0o7777, size: 0,
                uid: pax["uid"].flatMap { Self.decimal($0) } ?? header.uid,
                gid: pax["gid"].flatMap { Self.decimal($0) } ?? header.gid)
            var dataSize = size
            switch header.type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                entry.kind = .file
                entry.size = size
            case UInt8(ascii: "1"): entry.kind = .hardlink(target: link)
            case UInt8(ascii: "2"): entry.kind = .symlink(target: link)
            case UInt8(ascii: "3"): entry.kind = .characterDevice
            case UInt8(ascii: "4"): entry.kind = .blockDevice
            case UInt8(ascii: "5"): entry.kind = .directory
            case UInt8(ascii: "6"): entry.kind = .fifo
            default: entry.kind = .unsupported(header.type)
            }
            // Only regular files (and unknown types, skipped) carry data; a size on a link or
            // directory header is ignored, as GNU tar does for links.
            if case .file = entry.kind {} else if case .unsupported = entry.kind {} else { dataSize = 0 }
            if path.isEmpty { throw ArchiveError("entry with an empty name at offset \(headerOffset)") }
            remaining = dataSize
            padding = Self.padding(dataSize)
            dataOffset = offset
            return entry
        }
    }

    /// Reads the current entry's data; 0 at its end. Fails on a stream shorter than the entry.
    public mutating func readData(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        guard remaining > 0, buffer.count > 0 else { return 0 }
        let want = Int(min(UInt64(buffer.count), remaining))
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
        if n == 0 {
            throw ArchiveError("truncated archive: the stream ends \(remaining) bytes before the end of an entry (offset \(offset))")
        }
        offset += UInt64(n)
        remaining -= UInt64(n)
        return n
    }

    /// Reads and discards everything after the end-of-archive marker (so that a hash over
    /// the whole stream is complete); returns how many bytes there were.
    public mutating func drain() throws(ArchiveError) -> UInt64 {
        var total: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = try fill(&buffer, 0..<buffer.count)
            if n == 0 { return total }
            total += UInt64(n)
            offset += UInt64(n)
        }
    }

    // MARK: internals

    static func padding(_ size: UInt64) -> UInt64 {
        let rest = size % UInt64(blockSize)
        return rest == 0 ? 0 : UInt64(blockSize) - rest
    }

    mutating func readExactly(_ count: Int) throws(ArchiveError) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = try fill(&bytes, done..<count)
            if n == 0 { return done == 0 ? nil : Array(bytes.prefix(done)) }
            done += n
        }
        offset += UInt64(count)
        return bytes
    }

    mutating func readBlock(allowEnd: Bool) throws(ArchiveError) -> [UInt8]? {
        guard let block = try readExactly(Self.blockSize) else {
            if allowEnd { return nil }
            throw ArchiveError("truncated archive at offset \(offset)")
        }
        guard block.count == Self.blockSize else {
            throw ArchiveError("truncated archive: a partial header at offset \(offset)")
        }
        return block
    }

    mutating func readMetadata(size: UInt64, limit: UInt64, what: String) throws(ArchiveError) -> [UInt8] {
        guard size <= limit else { throw ArchiveError("\(what) of \(size) bytes at offset \(offset) (at most \(limit))") }
        let padded = Int(size + Self.padding(size))
        guard let bytes = try readExactly(padded), bytes.count == padded else {
            throw ArchiveError("truncated archive: \(what) at offset \(offset)")
        }
        return Array(bytes.prefix(Int(size)))
    }

    mutating func skip(_ count: UInt64) throws(ArchiveError) {
        var left = count
        var buffer = [UInt8](repeating: 0, count: Int(min(count, 64 << 10)))
        while left > 0 {
            let want = Int(min(UInt64(buffer.count), left))
            let n = try fill(&buffer, 0..<want)
            if n == 0 {
                throw ArchiveError("truncated archive: the stream ends \(left) bytes before the end of an entry (offset \(offset))")
            }
            left -= UInt64(n)
            offset += UInt64(n)
        }
    }

    /// One read from the source into `bytes[range]` (the stdlib's withUnsafeMutableBytes
    /// rethrows untyped errors, hence the re-typing).
    mutating func fill(_ bytes: inout [UInt8], _ range: Range<Int>) throws(ArchiveError) -> Int {
        do {
            return try bytes.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[range]))
            }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError("\(error)")
        }
    }

    static func untilNUL(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.prefix(while: { $0 != 0 })) }

    static func decimal(_ bytes: [UInt8]) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 19, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(String(decoding: bytes, as: UTF8.self))
    }

    /// Pax extended header records: "LENGTH KEY=VALUE\n", LENGTH counting the whole record.
    static func paxRecords(_ data: [UInt8]) throws(ArchiveError) -> [String: [UInt8]] {
        var records: [String: [UInt8]] = [:]
        var index = 0
        while index < data.count {
            if data[index] == 0 { break }  // NUL padding some writers leave
            guard let space = data[index...].firstIndex(of: UInt8(ascii: " ")),
                let length = decimal(Array(data[index..<space])), length > 0,
                UInt64(data.count - index) >= length
            else {
                throw ArchiveError("malformed pax header record")
            }
            let end = index + Int(length)
            let record = data[(space + 1)..<end]
            guard record.last == UInt8(ascii: "\n"), let equals = record.firstIndex(of: UInt8(ascii: "=")) else {
                throw ArchiveError("malformed pax header record")
            }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            records[key] = Array(data[(equals + 1)..<(end - 1)])
            index = end
        }
        return records
    }
}
