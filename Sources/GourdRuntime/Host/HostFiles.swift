import CGourdLaunch
import Glibc
import GourdCore

/// The host's file system as the planner sees it: realpath(3) and stat(2).
public struct HostFiles: HostFileSystem {
    public init() {}

    public func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public func list(_ path: String) -> [String]? {
        Syscall.listDirectory(path)
    }

    public func read(_ path: String, offset: UInt64, count: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // `count` is a limit, not a size: allocate no more than the file holds.
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        let available = max(Int64(st.st_size) - Int64(offset), 0)
        return try? Syscall.pread(fd, offset: offset, count: Int(min(Int64(max(count, 0)), available))).get()
    }

    public func deviceAccess(_ path: String) -> DeviceAccess {
        if access(path, R_OK | W_OK) == 0 { return .allowed }
        return errno == ENOENT || errno == ENOTDIR ? .missing : .forbidden
    }

    public func fileSystemType(_ path: String) -> UInt64? {
        var type: UInt64 = 0
        return gd_fs_type(path, &type) == 0 ? type : nil
    }

    public func kind(_ path: String) -> FileKind? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .other
        }
    }
}
