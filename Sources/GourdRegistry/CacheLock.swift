import Glibc
import GourdCore

/// An exclusive flock(2) on CACHE/locks/NAME.lock, held until `release` or process death
/// (the kernel drops it even after SIGKILL, so a killed pull never leaves a lock behind).
/// On NFS, Linux emulates flock with byte-range locks that the server arbitrates between
/// clients (flock(2), NOTES); where the mount has no lock service (`nolock`) flock fails with
/// ENOLCK and gourd goes on unlocked: every writer still writes its own temporary file and
/// renames it into place atomically, so concurrent pulls may download twice but never see a
/// half-written file.
public final class CacheLock {
    let fd: Int32
    /// False when the file system cannot lock (see above).
    public let held: Bool

    private init(fd: Int32, held: Bool) {
        self.fd = fd
        self.held = held
    }

    deinit { release() }

    public func release() {
        if fd >= 0 { close(fd) }
    }

    /// Waits for the lock; nil only when `wait` is false and someone else holds it.
    public static func acquire(_ path: String, wait: Bool = true) throws(RegistryError) -> CacheLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryError(path, "cannot open the cache lock: \(String(cString: strerror(errno)))") }
        while true {
            if flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0 { return CacheLock(fd: fd, held: true) }
            let error = errno
            if error == EINTR { continue }
            if error == EWOULDBLOCK, !wait {
                close(fd)
                return nil
            }
            if error == ENOLCK || error == EOPNOTSUPP || error == EINVAL { return CacheLock(fd: fd, held: false) }
            close(fd)
            throw RegistryError(path, "cannot lock the cache: \(String(cString: strerror(error)))")
        }
    }
}
