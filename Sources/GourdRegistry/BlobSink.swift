import Crypto
import Glibc
import GourdCore
import GourdFormats

/// A blob streaming into a temporary file of the cache, hashed as it arrives: a download
/// cut short continues from the bytes already written (Range), and more bytes than the
/// descriptor's size stop it at once.
final class BlobSink: ResumableSink {
    let fd: Int32
    let digest: String
    let expectedSize: Int64?
    let progress: PullProgress
    let label: String
    private(set) var count: Int64 = 0
    private var hasher = SHA256()

    init(fd: Int32, digest: String, expectedSize: Int64?, progress: PullProgress, label: String) {
        self.fd = fd
        self.digest = digest
        self.expectedSize = expectedSize
        self.progress = progress
        self.label = label
    }

    override var resumeOffset: Int64 { resumable ? count : 0 }

    override func write(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if let expectedSize, count + Int64(chunk.count) > expectedSize {
            error = RegistryError(label, "the registry sent more bytes than the blob's \(expectedSize): refused")
            return false
        }
        var done = 0
        while done < chunk.count {
            let n = Glibc.write(fd, chunk.baseAddress! + done, chunk.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                error = RegistryError(label, "cannot write to the cache: \(String(cString: strerror(errno)))")
                return false
            }
            done += n
        }
        hasher.update(bufferPointer: chunk)
        count += Int64(chunk.count)
        progress.update(label, done: count, total: expectedSize)
        return true
    }

    /// Takes the bytes already in the file as received (hashing them), so that the download
    /// goes on from its end; a file longer than the blob starts over.
    func continueExisting() {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        _ = lseek(fd, 0, SEEK_SET)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            count += Int64(n)
        }
        if let expectedSize, count > expectedSize { reset() }
        _ = lseek(fd, 0, SEEK_END)
    }

    override func reset() {
        count = 0
        hasher = SHA256()
        _ = ftruncate(fd, 0)
        _ = lseek(fd, 0, SEEK_SET)
    }

    /// "sha256:HEX" of everything received.
    func finish() -> String { "sha256:" + Hex.encode(hasher.finalize()) }
}
