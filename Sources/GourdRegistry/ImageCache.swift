import Crypto
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// The pull cache, content-addressed:
///
///     CACHE/blobs/sha256/HEX       manifests, indexes, configs and layers, each verified
///     CACHE/images/HEX.vN.sqfs     the squashfs converted from manifest sha256:HEX by
///                                  converter version N
///     CACHE/refs/KEY               what a reference (and platform) last resolved to: the
///                                  manifest digest, then the reference (KEY: its sha256)
///     CACHE/locks/NAME.lock        flock(2) per blob / image / reference
///     CACHE/tmp/NAME.PID.RANDOM    downloads in progress (under NAME's lock)
///
/// CACHE is GOURD_CACHEDIR, else $XDG_CACHE_HOME/gourd, else ~/.cache/gourd. Every file is
/// written under a temporary name and renamed into place (rename(2) is atomic, also on NFS
/// for one client), so a reader sees a whole file or none; a temporary left by a killed pull
/// is removed by the next pull that takes the same lock.
public struct ImageCache: Sendable {
    /// Bumped whenever conversion would give other bytes for the same manifest.
    public static let converterVersion = 1

    public let root: String

    public init(root: String) { self.root = root }

    /// The cache the environment names.
    public static func fromEnvironment() -> ImageCache {
        let env = { (name: String) in getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
        if let dir = env("GOURD_CACHEDIR") { return ImageCache(root: dir) }
        if let xdg = env("XDG_CACHE_HOME") { return ImageCache(root: xdg + "/gourd") }
        let home = env("HOME") ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_dir) } ?? "/tmp"
        return ImageCache(root: home + "/.cache/gourd")
    }

    public static func hex(_ digest: String) -> String { String(digest.split(separator: ":").last ?? "") }

    public func blobPath(_ digest: String) -> String { "\(root)/blobs/sha256/\(Self.hex(digest))" }
    public func imagePath(_ manifestDigest: String) -> String {
        "\(root)/images/\(Self.hex(manifestDigest)).v\(Self.converterVersion).sqfs"
    }
    public func refPath(_ key: String) -> String { "\(root)/refs/\(key)" }
    public func lockPath(_ name: String) -> String { "\(root)/locks/\(name).lock" }
    var tmpDirectory: String { "\(root)/tmp" }

    /// The key of a reference pulled for a platform.
    public static func refKey(_ reference: ImageReference, platform: PlatformChoice) -> String {
        Hex.encode(SHA256.hash(data: Array("\(reference)|\(platform)".utf8)))
    }

    /// Creates the directories (0755 from the umask's view: a site may share one read-only).
    public func prepare() throws(RegistryError) {
        for dir in [root, "\(root)/blobs", "\(root)/blobs/sha256", "\(root)/images", "\(root)/refs", "\(root)/locks", tmpDirectory] {
            try Self.makeDirectory(dir)
        }
    }

    static func makeDirectory(_ path: String) throws(RegistryError) {
        var parent = ""
        for part in path.split(separator: "/") {
            parent += "/" + part
            if mkdir(parent, 0o755) != 0, errno != EEXIST {
                throw RegistryError(path, "cannot create the cache directory \(parent): \(String(cString: strerror(errno)))")
            }
        }
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
    }

    /// What `refs/KEY` says: the manifest digest, or nil.
    public func resolved(_ key: String) -> String? {
        guard let bytes = try? Syscall.readFile(refPath(key), limit: 4096).get() else { return nil }
        let first = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        return ImageReference.isDigest(first) ? first : nil
    }

    /// A fresh temporary file for NAME (caller holds NAME's lock): path and descriptor.
    func temporary(_ name: String) throws(RegistryError) -> (String, Int32) {
        let random = UInt64.random(in: 0...UInt64.max)
        let path = "\(tmpDirectory)/\(name).\(getpid()).\(String(random, radix: 16))"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryError(path, "cannot create a file in the cache: \(String(cString: strerror(errno)))") }
        return (path, fd)
    }

    /// What a killed pull of NAME left (caller holds NAME's lock, so none is in use): the
    /// largest temporary, opened for appending under a fresh name, so that the download can
    /// continue where it stopped; the others are removed. Nil when there is none.
    func adoptStale(_ name: String) -> (String, Int32)? {
        var best: (String, Int64)?
        for entry in Syscall.listDirectory(tmpDirectory) ?? [] where entry.hasPrefix(name + ".") {
            var st = stat()
            let path = "\(tmpDirectory)/\(entry)"
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            if let current = best, current.1 >= Int64(st.st_size) {
                unlink(path)
            } else {
                if let current = best { unlink(current.0) }
                best = (path, Int64(st.st_size))
            }
        }
        guard let (stale, size) = best else { return nil }
        guard size > 0, let (fresh, fd) = try? temporary(name) else {
            unlink(stale)
            return nil
        }
        close(fd)
        guard rename(stale, fresh) == 0 else {
            unlink(stale)
            unlink(fresh)
            return nil
        }
        let adopted = open(fresh, O_RDWR | O_CLOEXEC)
        guard adopted >= 0 else {
            unlink(fresh)
            return nil
        }
        return (fresh, adopted)
    }

    /// Removes the temporaries of NAME (caller holds NAME's lock, so none is in use).
    func removeStale(_ name: String) {
        for entry in Syscall.listDirectory(tmpDirectory) ?? [] where entry.hasPrefix(name + ".") {
            unlink("\(tmpDirectory)/\(entry)")
        }
    }

    /// Writes `bytes` as `path` through a temporary and a rename.
    func writeAtomically(_ bytes: [UInt8], to path: String, name: String) throws(RegistryError) {
        let (temp, fd) = try temporary(name)
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                done += n
            }
            return true
        }
        let error = errno
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            let cause = String(cString: strerror(ok ? errno : error))
            unlink(temp)
            throw RegistryError(path, "cannot write to the cache: \(cause)")
        }
    }
}
