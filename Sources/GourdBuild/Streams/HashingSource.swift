import CGourdBuild
import Crypto
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

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
    var digest: String { "sha256:" + Hex.encode(hasher.finalize()) }
}
