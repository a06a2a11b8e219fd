import CGourdImage
import CGourdLaunch
import Glibc
import GourdCore
import SystemPackage

/// The host side of a plan's overlay (`OverlayPlan`): the layers gourd must reach again after
/// it has detached the host tree. Each directory layer (and the upper directory) is cloned
/// with open_tree(2) while the host tree is still there and attached under the staging root
/// at /layers/N (/layers/upper); each squashfs layer is served by gourd itself, a FUSE mount
/// at /layers/N beside the image. The container's init then mounts overlayfs with staging
/// paths only (`options`), so no host path has to be escaped or reachable at that point.
final class OverlayLayers {
    static let directory = "/layers"

    let overlay: OverlayPlan?
    private var images: [Int: SquashImage] = [:]
    private var trees: [Int: Int32] = [:]
    private var upperTree: Int32 = -1
    private var parked = false
    private(set) var sessions: [OpaquePointer] = []
    /// flock(2)ed directories, held until gourd exits (see `lock`).
    private var locks: [Int32] = []

    /// Before the namespaces: creates DIR/upper and DIR/work of a writable overlay (mode 0755,
    /// kept afterwards, as Apptainer does) and opens each squashfs layer.
    init(plan: LaunchPlan) throws(LaunchError) {
        overlay = plan.overlay
        guard let overlay else { return }
        if let upper = overlay.upperDirectory {
            for name in ["upper", "work"] {
                let path = upper + "/" + name
                if mkdir(path, 0o755) != 0 && errno != EEXIST {
                    throw .system(SystemError("mkdir (--overlay)", path: path, errno: Errno(rawValue: errno)), hint: nil)
                }
            }
            try lock(upper + "/upper", exclusive: true, spec: upper)
        }
        for layer in overlay.layers where layer.kind == .directory {
            try lock(layer.path, exclusive: false, spec: layer.spec)
        }
        for (index, layer) in overlay.layers.enumerated() where layer.kind == .squashfs {
            do throws(LaunchError) {
                images[index] = try SquashImage(path: layer.path)
            } catch {
                if case .image(_, let reason) = error { throw .plan(.badOption("--overlay", layer.spec, reason: reason)) }
                throw error
            }
        }
    }

    /// Two overlays writing one upper directory at once is undefined behaviour, which the
    /// kernel only warns about ("upperdir is in-use", overlayfs(5) "Sharing and copying
    /// layers"): a writable overlay holds an exclusive flock(2) on DIR/upper, a read-only layer
    /// a shared one, released when gourd exits; a conflicting launch fails at once.
    private func lock(_ path: String, exclusive: Bool, spec: String) throws(LaunchError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(SystemError("open (--overlay)", path: path, errno: Errno(rawValue: errno)), hint: nil) }
        if flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            let error = errno
            close(fd)
            if error == EWOULDBLOCK {
                throw .plan(
                    .badOption(
                        "--overlay", spec,
                        reason: exclusive
                            ? "in use by another running container (one writable user at a time; add :ro to share it read-only)"
                            : "another running container writes to it (wait for it, or copy the directory)"))
            }
            throw .system(SystemError("flock (--overlay)", path: path, errno: Errno(rawValue: error)), hint: nil)
        }
        locks.append(fd)
    }

    deinit {
        for fd in locks { close(fd) }
        closeTrees()
        for session in sessions { gd_fuse_destroy(session) }
    }

    /// In gourd's mount namespace, before the staging tmpfs covers /tmp: detached copies of
    /// the directory layers and of the upper directory, or (`parked`: no open_tree/move_mount,
    /// see Descriptors) O_PATH descriptors of them, which `attach` binds with mount(2).
    func cloneTrees(parked: Bool = false) throws(LaunchError) {
        guard let overlay else { return }
        self.parked = parked
        let call = parked ? "open" : "open_tree"
        for (index, layer) in overlay.layers.enumerated() where layer.kind == .directory {
            let fd = parked ? gd_open_path(layer.path) : gd_clone_tree(layer.path, 0)
            try check("\(call) (--overlay \(layer.spec))", path: layer.path, fd)
            trees[index] = fd
        }
        if let upper = overlay.upperDirectory {
            upperTree = parked ? gd_open_path(upper) : gd_clone_tree(upper, 0)
            try check("\(call) (--overlay)", path: upper, upperTree)
        }
    }

    /// A tree from `cloneTrees` at `target`: moved there, or bound there when parked.
    private func attach(tree fd: Int32, at target: String, spec: String) throws(LaunchError) {
        if parked {
            try check("mount --bind (--overlay \(spec))", path: target, gd_bind_fd(fd, target, 0))
        } else {
            try check("move_mount (--overlay \(spec))", path: target, gd_attach_tree(fd, target))
        }
    }

    /// On the staging tmpfs (mounted at `staging`): every layer at staging/layers/N.
    func attach(in staging: String) throws(LaunchError) {
        guard let overlay else { return }
        let base = staging + Self.directory
        try check("mkdir", path: base, mkdir(base, 0o700) == 0 ? 0 : -errno)
        for (index, layer) in overlay.layers.enumerated() {
            let target = base + "/\(index)"
            try check("mkdir", path: target, mkdir(target, 0o700) == 0 ? 0 : -errno)
            if let fd = trees[index] {
                try attach(tree: fd, at: target, spec: layer.spec)
            } else if let image = images[index] {
                let session = try image.mountFUSE(
                    at: target, name: layer.path, addedMountPoints: [], serving: ServingPlan(cacheMiB: 16, threads: 1))
                sessions.append(session)
            }
        }
        if upperTree >= 0 {
            let target = base + "/upper"
            try check("mkdir", path: target, mkdir(target, 0o700) == 0 ? 0 : -errno)
            try attach(tree: upperTree, at: target, spec: overlay.upperDirectory ?? "")
        }
        closeTrees()
    }

    /// The overlayfs options for the container's init, with the image root at `root` (a path
    /// after staging) as the lowest layer, or nil without an overlay. `tmpfsUpper`: where the
    /// init makes --writable-tmpfs' upper layer.
    func options(root: String, tmpfsUpper: String) -> String? {
        guard let overlay else { return nil }
        let lower = overlay.layers.indices.map { "\(Self.directory)/\($0)" } + [root]
        var options = "lowerdir=" + lower.joined(by: ":")
        switch overlay.upper {
        case .directory:
            options += ",upperdir=\(Self.directory)/upper/upper,workdir=\(Self.directory)/upper/work"
        case .tmpfs:
            options += ",upperdir=\(tmpfsUpper)/upper,workdir=\(tmpfsUpper)/work"
        case nil:
            break
        }
        return options + ",userxattr"
    }

    /// Starts the layers' serving threads once the process may have threads; returns the
    /// sessions that got none, which the caller's loop must serve.
    func start() -> [OpaquePointer] {
        sessions.filter { gd_fuse_start($0) <= 0 }
    }

    private func closeTrees() {
        for fd in trees.values { close(fd) }
        trees = [:]
        if upperTree >= 0 { close(upperTree) }
        upperTree = -1
    }
}
