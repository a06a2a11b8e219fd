import CGourdBuild
import Crypto
import Glibc
import GourdCore

/// `count` bytes of an open file from `offset` (a member of an uncompressed tar, a blob).
/// The descriptor belongs to whoever opened it.
struct FileRegionSource: ByteSource {
    let fd: Int32
    let what: String
    var offset: UInt64
    var left: UInt64

    init(fd: Int32, offset: UInt64, count: UInt64, what: String) {
        self.fd = fd
        self.offset = offset
        left = count
        self.what = what
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        guard left > 0, buffer.count > 0 else { return 0 }
        let want = Int(min(UInt64(buffer.count), left))
        while true {
            let n = Glibc.pread(fd, buffer.baseAddress, want, off_t(offset))
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ArchiveError("\(what): read: \(String(cString: strerror(errno)))") }
            guard n > 0 else { throw ArchiveError("\(what): the file ends \(left) bytes early") }
            offset += UInt64(n)
            left -= UInt64(n)
            return n
        }
    }
}

/// How a layer or archive is compressed, from its first bytes.
enum Compression: Equatable {
    case none, gzip, zstd
    case unsupported(String)

    static func detect(_ prefix: [UInt8]) -> Compression {
        if prefix.starts(with: [0x1f, 0x8b]) { return .gzip }
        if prefix.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if prefix.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .unsupported("xz") }
        if prefix.starts(with: Array("BZh".utf8)) { return .unsupported("bzip2") }
        return .none
    }
}

/// Decompresses another source (gb_decode.c: zlib, libzstd), in process.
struct DecodingSource<Inner: ByteSource>: ByteSource {
    final class Decoder {
        let pointer: OpaquePointer
        init?(_ kind: Int32) {
            guard let pointer = gb_decoder_new(kind) else { return nil }
            self.pointer = pointer
        }
        deinit { gb_decoder_free(pointer) }
    }

    var inner: Inner
    let decoder: Decoder
    let what: String
    var input = [UInt8](repeating: 0, count: 256 << 10)
    var available = 0
    var consumed = 0
    var innerEnded = false

    init(_ inner: Inner, compression: Compression, what: String) throws(ArchiveError) {
        self.inner = inner
        self.what = what
        let kind: Int32
        switch compression {
        case .gzip: kind = Int32(GB_DECODE_GZIP)
        case .zstd: kind = Int32(GB_DECODE_ZSTD)
        default: throw ArchiveError("\(what): no decoder for \(compression)")
        }
        guard let decoder = Decoder(kind) else { throw ArchiveError("\(what): cannot start the decoder (out of memory)") }
        self.decoder = decoder
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            if consumed == available && !innerEnded {
                available = try fillInput()
                consumed = 0
                if available == 0 { innerEnded = true }
            }
            if consumed == available && innerEnded {
                guard gb_decoder_complete(decoder.pointer) != 0 else {
                    throw ArchiveError("\(what): truncated compressed data")
                }
                return 0
            }
            var used = consumed
            let produced = input.withUnsafeBufferPointer { inputBuffer in
                gb_decoder_run(decoder.pointer, inputBuffer.baseAddress, available, &used,
                               buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count)
            }
            guard produced >= 0 else {
                throw ArchiveError("\(what): \(String(cString: gb_decoder_error(decoder.pointer)))")
            }
            let progressed = used != consumed
            consumed = used
            if produced > 0 { return produced }
            if !progressed && consumed < available {
                throw ArchiveError("\(what): the decoder makes no progress (corrupt data)")
            }
        }
    }

    private mutating func fillInput() throws(ArchiveError) -> Int {
        var bytes = input
        input = []
        defer { input = bytes }
        do {
            return try bytes.withUnsafeMutableBytes { try inner.read(into: $0) }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError("\(error)")
        }
    }
}

/// Passes another source through, hashing what goes by (sha256).
struct HashingSource<Inner: ByteSource>: ByteSource {
    var inner: Inner
    var hasher = SHA256()
    var count: UInt64 = 0

    init(_ inner: Inner) { self.inner = inner }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let n = try inner.read(into: buffer)
        if n > 0 {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            count += UInt64(n)
        }
        return n
    }

    /// "sha256:HEX" of everything read.
    var digest: String { "sha256:" + Digests.hex(hasher.finalize()) }
}

enum Digests {
    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    static func sha256(_ bytes: [UInt8]) -> String { "sha256:" + hex(SHA256.hash(data: bytes)) }
}
