import CGourdBuild
import Crypto
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

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
        switch Syscall.retrying({ Glibc.pread(fd, buffer.baseAddress, want, off_t(offset)) }) {
        case .failure(let error): throw ArchiveError("\(what): read: \(error.description)")
        case .success(0): throw ArchiveError("\(what): the file ends \(left) bytes early")
        case .success(let n):
            offset += UInt64(n)
            left -= UInt64(n)
            return n
        }
    }
}
