import CGourdBuild
import Glibc
import GourdCore
import GourdRuntime

/// An OCI image layout directory (`Bootstrap: oci`).
final class DirectoryStore: BlobStore {
    let name: String
    let path: String
    var open: [Int32] = []

    init(path: String, name: String) {
        self.path = path
        self.name = name
    }

    deinit { for fd in open { close(fd) } }

    func region(_ member: String) throws(BuildError) -> FileRegionSource? {
        let file = path + "/" + TarIndex.normalize(member)
        let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .system("open", path: file, errno: errno)
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            return nil
        }
        open.append(fd)
        return FileRegionSource(fd: fd, offset: 0, count: UInt64(st.st_size), what: "\(name): \(member)")
    }
}
