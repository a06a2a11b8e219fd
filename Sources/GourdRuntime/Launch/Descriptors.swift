import CGourdLaunch
import Glibc
import GourdCore

/// The bind sources the container's init attaches: host sources, taken in gourd's mount
/// namespace before the staging tmpfs covers /tmp and before pivot_root hides the host, and
/// the generated files. Two ways, chosen once per launch from what the kernel has
/// (docs/PLATFORM-NOTES.md, "Kernels before 5.12"):
/// - detached mount trees (open_tree, Linux 5.2), which the init attaches with move_mount;
/// - without them (`parked`), an O_PATH descriptor of each source, bound with mount(2) under
///   /.binds in the staging tmpfs before gourd pivots into it; the init, whose mount namespace
///   copies gourd's, binds from there. The generated files are bound from the staging tmpfs.
/// Descriptors are close-on-exec: none reaches the workload.
final class Descriptors {
    /// True: no open_tree/move_mount; sources are parked in the staging tmpfs.
    let parked: Bool
    private(set) var sources: [Int: Int32] = [:]  // mount index -> fd
    private(set) var generated: [String: Int32] = [:]  // generated file name -> fd
    /// parked: mount index -> where the source is bound, as the init sees it (before it pivots).
    private(set) var parkedSources: [Int: String] = [:]
    /// parked: generated file name -> its path, as the init sees it.
    private(set) var parkedGenerated: [String: String] = [:]

    /// Where parked sources go, relative to the staging tmpfs (which becomes gourd's root).
    static let parking = "/.binds"

    init(parked: Bool = false) { self.parked = parked }

    deinit { closeAll() }

    func openSources(of plan: LaunchPlan) throws(LaunchError) {
        for (index, mount) in plan.mounts.enumerated() {
            guard case .bind(let source) = mount.kind else { continue }
            let fd = parked ? gd_open_path(source) : gd_clone_tree(source, mount.recursive ? 1 : 0)
            if fd < 0 {
                if mount.optional { continue }
                throw .system(SystemError(parked ? "open" : "open_tree", path: source, result: fd), hint: mount.reason)
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
            if parked {
                parkedGenerated[file.name] = "/" + file.name
                continue
            }
            let pathFD = gd_clone_tree(path, 0)
            try check("open_tree", path: path, pathFD)
            generated[file.name] = pathFD
        }
    }

    /// parked: binds each source at `directory`/.binds/INDEX (an empty directory or file, as
    /// the source is one) and closes its descriptor. `directory` is the staging tmpfs, which
    /// covers host /tmp by then: it is unbindable meanwhile, so that a recursive bind of /tmp
    /// (or of /) copies the host's /tmp, not the staging tmpfs on it.
    func park(in directory: String, plan: LaunchPlan) throws(LaunchError) {
        guard parked, !sources.isEmpty else { return }
        let parking = directory + Self.parking
        try check("mkdir", path: parking, mkdir(parking, 0o700) == 0 ? 0 : -errno)
        try check("mount --make-unbindable", path: directory, gd_set_unbindable(directory, 1))
        try bindEach(into: parking, plan: plan)
        try check("mount --make-private", path: directory, gd_set_unbindable(directory, 0))
    }

    private func bindEach(into parking: String, plan: LaunchPlan) throws(LaunchError) {
        for (index, fd) in sources.sorted(by: { $0.key < $1.key }) {
            let path = parking + "/\(index)"
            var st = stat()
            try check("fstat", path: path, fstat(fd, &st) == 0 ? 0 : -errno)
            if st.st_mode & S_IFMT == S_IFDIR {
                try check("mkdir", path: path, mkdir(path, 0o700) == 0 ? 0 : -errno)
            } else {
                let file = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                try check("create", path: path, file >= 0 ? 0 : -errno)
                close(file)
            }
            let rc = gd_bind_fd(fd, path, plan.mounts[index].recursive ? 1 : 0)
            if rc < 0 {
                let source: String
                if case .bind(let host) = plan.mounts[index].kind { source = host } else { source = path }
                throw .system(SystemError("mount --bind", path: source, result: rc), hint: plan.mounts[index].reason)
            }
            close(fd)
            sources[index] = nil
            parkedSources[index] = Self.parking + "/\(index)"
        }
    }

    /// The descriptor a mount binds from, or -1 when it needs none (proc, tmpfs), its
    /// optional source is missing, or sources are parked.
    func sourceFD(for mount: Mount, at index: Int) -> Int32 {
        switch mount.kind {
        case .bind: return sources[index] ?? -1
        case .generated(let name): return generated[name] ?? -1
        case .proc, .tmpfs: return -1
        }
    }

    /// parked: the path the init binds from (nil: none, or not parked).
    func sourcePath(for mount: Mount, at index: Int) -> String? {
        switch mount.kind {
        case .bind: return parkedSources[index]
        case .generated(let name): return parkedGenerated[name]
        case .proc, .tmpfs: return nil
        }
    }

    func closeAll() {
        for fd in sources.values { close(fd) }
        for fd in generated.values { close(fd) }
        sources = [:]
        generated = [:]
    }
}
