import Crypto
import Glibc
import GourdCore
import GourdFormats
import SystemPackage

/// The one seam between gourd's Swift code and the read-side system calls: every loop that
/// reads a descriptor to its end, or a region of it, lives here, with one answer to EINTR
/// (retry: signal(7), "Interruption of system calls") and to short reads (continue until the
/// count or end of file). Results carry `Errno`, as swift-system's `valueOrErrno` does.
public enum Syscall {
    /// Calls `body` again while it fails with EINTR. A negative result is a failure whose cause
    /// is in errno (the libc convention).
    public static func retrying<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, Errno> {
        while true {
            let result = body()
            if result >= 0 { return .success(result) }
            let error = Errno(rawValue: errno)
            if error != .interrupted { return .failure(error) }
        }
    }

    /// Up to `count` bytes of `fd` from `offset` (pread(2), the file position untouched), fewer
    /// only at end of file.
    public static func pread(_ fd: Int32, offset: UInt64, count: Int) -> Result<[UInt8], Errno> {
        guard count >= 0, offset <= UInt64(Int64.max) - UInt64(count) else { return .failure(.invalidArgument) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let step = bytes.withUnsafeMutableBytes { buffer in
                retrying { Glibc.pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            }
            switch step {
            case .failure(let error): return .failure(error)
            case .success(0): return .success(Array(bytes.prefix(done)))
            case .success(let n): done += n
            }
        }
        return .success(bytes)
    }

    /// Everything `fd` yields from its current position to end of file (read(2)); fails with
    /// EFBIG when that is more than `limit` bytes.
    public static func readAll(_ fd: Int32, limit: Int) -> Result<[UInt8], Errno> {
        var bytes: [UInt8] = []
        // 4 KiB first (most files read here are small: /proc entries, policy, passwd), then up to
        // 64 KiB: a zeroed 64 KiB buffer for every small file cost a launch 16 page faults.
        var buffer = [UInt8](repeating: 0, count: min(max(limit, 0) + 1, 1 << 12))
        while true {
            let step = buffer.withUnsafeMutableBytes { raw in retrying { Glibc.read(fd, raw.baseAddress, raw.count) } }
            switch step {
            case .failure(let error): return .failure(error)
            case .success(0): return .success(bytes)
            case .success(let n):
                bytes += buffer.prefix(n)
                if bytes.count > limit { return .failure(.fileTooLarge) }
                if n == buffer.count && buffer.count < 1 << 16 {
                    buffer = [UInt8](repeating: 0, count: min(max(limit - bytes.count, 0) + 1, buffer.count * 4, 1 << 16))
                }
            }
        }
    }

    /// A whole file by path (open(2) O_CLOEXEC, then `readAll`).
    public static func readFile(_ path: String, limit: Int) -> Result<[UInt8], Errno> {
        let fd = retrying { open(path, O_RDONLY | O_CLOEXEC) }
        guard case .success(let descriptor) = fd else { return fd.map { _ in [] } }
        defer { close(descriptor) }
        return readAll(descriptor, limit: limit)
    }

    /// The entry names of an open directory stream, without "." and ".." (readdir(3)), in the
    /// order the file system gives; the stream is left at its end.
    public static func entryNames(_ dir: OpaquePointer) -> [[UInt8]] {
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            names.append(name)
        }
        return names
    }

    /// Entry names of the directory at `path` (opendir(3)), nil when it cannot be opened.
    public static func listDirectory(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        return entryNames(dir).map { String(decoding: $0, as: UTF8.self) }
    }

    /// sha256 of the whole file behind `fd`, read with pread(2) from offset 0 (the file
    /// position untouched), as lower-case hex.
    public static func sha256(_ fd: Int32) -> Result<String, Errno> {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: off_t = 0
        while true {
            let step = buffer.withUnsafeMutableBytes { raw in retrying { Glibc.pread(fd, raw.baseAddress, raw.count, offset) } }
            switch step {
            case .failure(let error): return .failure(error)
            case .success(0): return .success(Hex.encode(hasher.finalize()))
            case .success(let n):
                buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
                offset += off_t(n)
            }
        }
    }
}
