import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// What `gourd cache list` prints: each converted image with its size, when it was last
/// used, and the references that resolve to it; then the blobs and the total.
public struct CacheReport {
    public struct Image {
        public var file: String
        public var bytes: Int64
        public var lastUsed: Int64
        public var references: [String]
    }

    public var root: String
    public var images: [Image] = []
    public var blobCount = 0
    public var blobBytes: Int64 = 0

    public static func read(_ cache: ImageCache) -> CacheReport {
        var report = CacheReport(root: cache.root)
        var names: [String: [String]] = [:]
        for key in Syscall.listDirectory("\(cache.root)/refs") ?? [] {
            guard let bytes = try? Syscall.readFile(cache.refPath(key), limit: 4096).get() else { continue }
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
            if lines.count >= 2 { names[ImageCache.hex(lines[0]), default: []].append(lines[1]) }
        }
        for file in (Syscall.listDirectory("\(cache.root)/images") ?? []).sorted() where file.hasSuffix(".sqfs") {
            guard let st = stat(of: "\(cache.root)/images/\(file)") else { continue }
            let hex = String(file.prefix { $0 != "." })
            report.images.append(
                Image(
                    file: file, bytes: Int64(st.st_size), lastUsed: lastUsed(st),
                    references: (names[hex] ?? []).sorted()))
        }
        for file in Syscall.listDirectory("\(cache.root)/blobs/sha256") ?? [] {
            guard let st = stat(of: "\(cache.root)/blobs/sha256/\(file)") else { continue }
            report.blobCount += 1
            report.blobBytes += Int64(st.st_size)
        }
        return report
    }

    static func stat(of path: String) -> stat? {
        var st = Glibc.stat()
        return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG ? st : nil
    }

    /// The later of access and modification (relatime updates atime at least daily).
    static func lastUsed(_ st: stat) -> Int64 { max(Int64(st.st_atim.tv_sec), Int64(st.st_mtim.tv_sec)) }

    public var text: String {
        var lines = ["cache: \(root)"]
        if images.isEmpty { lines.append("no images") }
        for image in images {
            let date = String(RFC3339.utc(image.lastUsed).prefix(10))
            let refs = image.references.isEmpty ? "-" : image.references.joined(by: ", ")
            lines.append("sha256:\(image.file.prefix(12))  \(Self.size(image.bytes))  used \(date)  \(refs)")
        }
        let total = images.reduce(blobBytes) { $0 + $1.bytes }
        lines.append(
            "\(images.count) image\(images.count == 1 ? "" : "s"), \(blobCount) blob\(blobCount == 1 ? "" : "s") (\(Self.size(blobBytes))); \(Self.size(total)) in all"
        )
        return lines.joined(by: "\n")
    }

    public static func size(_ bytes: Int64) -> String { PullProgress.size(bytes) }
}

/// `gourd cache clean [--days N]`: removes images, blobs, references and stale temporaries
/// (unused for N days when given), each only while holding its lock without waiting, so that
/// nothing a running pull is writing or converting disappears under it.
public struct CacheCleaner {
    public let cache: ImageCache
    public let days: Int?

    public init(cache: ImageCache, days: Int?) {
        self.cache = cache
        self.days = days
    }

    public func clean() -> (count: Int, bytes: Int64) {
        var count = 0
        var bytes: Int64 = 0
        let cutoff = days.map { Int64(time(nil)) - Int64($0) * 86_400 }
        let groups: [(String, (String) -> String)] = [
            ("images", { "image-" + String($0.prefix { $0 != "." }) }),
            ("blobs/sha256", { "blob-" + $0 }),
            ("refs", { "ref-" + $0 }),
        ]
        for (directory, lockName) in groups {
            for file in Syscall.listDirectory("\(cache.root)/\(directory)") ?? [] {
                let path = "\(cache.root)/\(directory)/\(file)"
                guard let st = CacheReport.stat(of: path) else { continue }
                if let cutoff, CacheReport.lastUsed(st) >= cutoff { continue }
                guard let lock = try? CacheLock.acquire(cache.lockPath(lockName(file)), wait: false) else { continue }
                defer { lock.release() }
                if unlink(path) == 0 {
                    count += 1
                    bytes += Int64(st.st_size)
                }
            }
        }
        // Temporaries: NAME.PID.RANDOM, stale when NAME's lock is free.
        for file in Syscall.listDirectory(cache.tmpDirectory) ?? [] {
            let name = String(file.prefix { $0 != "." })
            guard let lock = try? CacheLock.acquire(cache.lockPath(name), wait: false) else { continue }
            defer { lock.release() }
            let path = "\(cache.tmpDirectory)/\(file)"
            if let st = CacheReport.stat(of: path), unlink(path) == 0 {
                count += 1
                bytes += Int64(st.st_size)
            }
        }
        return (count, bytes)
    }
}
