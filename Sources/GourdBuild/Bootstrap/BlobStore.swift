import CGourdBuild
import Glibc
import GourdCore
import GourdRuntime

/// Where an archive's members are: a region of an uncompressed tar file, or a file of an
/// OCI layout directory. Opened files stay open for the store's life.
protocol BlobStore {
    /// A member's bytes, or nil when there is no such (regular) member.
    func region(_ path: String) throws(BuildError) -> FileRegionSource?
    var name: String { get }
}

extension BlobStore {
    /// A whole (small) member: a JSON document.
    func contents(_ path: String, limit: UInt64 = 16 << 20) throws(BuildError) -> [UInt8] {
        guard var source = try region(path) else { throw BuildError("\(name): no \(path) in it") }
        guard source.left <= limit else { throw BuildError("\(name): \(path) is larger than \(limit) bytes") }
        var bytes = [UInt8](repeating: 0, count: Int(source.left))
        var done = 0
        while done < bytes.count {
            let n: Int
            do {
                n = try bytes.withUnsafeMutableBytes { raw in try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[done...])) }
            } catch {
                throw BuildError("\(name): \(path): \(error)")
            }
            done += n
        }
        return bytes
    }
}
