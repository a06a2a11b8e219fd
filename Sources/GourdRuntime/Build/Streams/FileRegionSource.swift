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
