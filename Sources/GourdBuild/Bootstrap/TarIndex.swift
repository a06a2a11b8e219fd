import CGourdBuild
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// The members of an uncompressed tar file (a `docker save` or OCI archive), by normalized
/// path, found by reading the headers once; member data is then read in place. Symlinks
/// between members (older `docker save` links repeated layers) are followed inside the archive.
final class TarIndex: BlobStore {
    let name: String
    let fd: Int32
    var files: [String: (offset: UInt64, size: UInt64)] = [:]
    var links: [String: String] = [:]

    init(path: String, name: String) throws(BuildError) {
        self.name = name
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path: name, errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system("stat", path: name, errno: errno) }
        var reader = TarReader(FileRegionSource(fd: fd, offset: 0, count: UInt64(st.st_size), what: name))
        do {
            while let entry = try reader.next() {
                let key = Self.normalize(entry.pathString)
                switch entry.kind {
                case .file: files[key] = (reader.dataOffset, entry.size)
                case .symlink(let target):
                    let dir = key.split(separator: "/").dropLast().joined(by: "/")
                    let raw = String(decoding: target, as: UTF8.self)
                    links[key] = raw.hasPrefix("/") ? Self.normalize(raw) : Self.normalize(dir + "/" + raw)
                case .hardlink(let target): links[key] = Self.normalize(String(decoding: target, as: UTF8.self))
                default: break
                }
            }
        } catch {
            throw BuildError("\(name): \(error.message)")
        }
    }

    deinit { close(fd) }

    /// "a/./b/../c" -> "a/c" (never above the archive's top).
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return parts.joined(by: "/")
    }

    func region(_ path: String) throws(BuildError) -> FileRegionSource? {
        var key = Self.normalize(path)
        for _ in 0..<16 {
            if let file = files[key] { return FileRegionSource(fd: fd, offset: file.offset, count: file.size, what: "\(name): \(key)") }
            guard let next = links[key] else { return nil }
            key = next
        }
        throw BuildError("\(name): \(path): too many links")
    }
}
