import CGourdBuild
import Crypto
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

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
                gb_decoder_run(
                    decoder.pointer, inputBuffer.baseAddress, available, &used,
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
