import CGourdLaunch
import Glibc
import GourdCore

/// The detached mount trees the container's init attaches: host sources, cloned in gourd's
/// mount namespace before the staging tmpfs covers /tmp and before pivot_root hides the host,
/// and the generated files. All close-on-exec: none reaches the workload.
final class Descriptors {
    private(set) var sources: [Int: Int32] = [:]  // mount index -> fd
    private(set) var generated: [String: Int32] = [:]  // generated file name -> fd

    deinit { closeAll() }

    func openSources(of plan: LaunchPlan) throws(LaunchError) {
        for (index, mount) in plan.mounts.enumerated() {
            guard case .bind(let source) = mount.kind else { continue }
            let fd = gd_clone_tree(source, mount.recursive ? 1 : 0)
            if fd < 0 {
                if mount.optional { continue }
                throw .system(SystemError("open_tree", path: source, result: fd), hint: mount.reason)
            }
            sources[index] = fd
        }
    }

    /// Writes each generated file into the staging directory and opens it for binding.
    func stage(_ files: [GeneratedFile], in directory: String) throws(LaunchError) {
        for file in files {
            let path = directory + "/" + file.name
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .system(SystemError("create", path: path, errno: .init(rawValue: errno)), hint: nil) }
            let bytes = Array(file.contents.utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard written == bytes.count else { throw .system(SystemError("write", path: path, errno: .init(rawValue: errno)), hint: nil) }
            let pathFD = gd_clone_tree(path, 0)
            try check("open_tree", path: path, pathFD)
            generated[file.name] = pathFD
        }
    }

    /// The descriptor a mount binds from, or -1 when it needs none (proc, tmpfs) or its
    /// optional source is missing.
    func sourceFD(for mount: Mount, at index: Int) -> Int32 {
        switch mount.kind {
        case .bind: return sources[index] ?? -1
        case .generated(let name): return generated[name] ?? -1
        case .proc, .tmpfs: return -1
        }
    }

    func closeAll() {
        for fd in sources.values { close(fd) }
        for fd in generated.values { close(fd) }
        sources = [:]
        generated = [:]
    }
}
