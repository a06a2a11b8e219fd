import CGourdCommon
import CGourdImage
import CGourdLaunch
import Glibc
import GourdCore
import SystemPackage

/// The signals gourd passes on to the workload.
public let forwardedSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGWINCH]

/// Applies a `LaunchPlan` once, in this order (docs/PLATFORM-NOTES.md, "Process structure that works"):
/// single-thread check, no-new-privs, user + mount namespace mapping the caller to themselves,
/// private propagation, which mount system calls the kernel has, detached copies of the bind
/// sources and of /proc (without open_tree: O_PATH descriptors of the sources), staging tmpfs
/// (without open_tree: the sources bound into it), FUSE mount of the image, the staging tmpfs as gourd's own root (the host tree detached), the
/// container (C), then one poll loop that serves FUSE, forwards signals and waits.
public struct Executor {
    /// The staging tmpfs covers /tmp in gourd's own mount namespace only; host paths under
    /// /tmp stay reachable because their trees are cloned (open_tree) before it is mounted.
    /// Once everything is cloned and the image mounted, it becomes gourd's root.
    static let staging = "/tmp"
    static let root = "/tmp/root"
    static let rootAfterStaging = "/root"
    /// --writable-tmpfs' upper layer, a tmpfs the container's init mounts there.
    static let overlayAfterStaging = "/overlay"

    let plan: LaunchPlan
    let image: any ServableImage

    public init(plan: LaunchPlan, image: any ServableImage) {
        self.plan = plan
        self.image = image
    }

    /// Runs the workload; returns its exit status (code, or 128+N after signal N).
    public func run() throws(LaunchError) -> Int32 {
        let stopTimeout = try StopTimeout.milliseconds()
        let layers = try OverlayLayers(plan: plan)
        let staged = try stage(blockAllSignals: false, layers: layers)
        defer { gd_fuse_destroy(staged.fuse) }
        let container = try Container.spawn(
            plan: plan, root: Self.rootAfterStaging, descriptors: staged.descriptors,
            mask: staged.oldMask, stopTimeout: stopTimeout,
            fuseFD: gd_fuse_fd(staged.fuse),
            overlay: layers.options(root: Self.rootAfterStaging, tmpfsUpper: Self.overlayAfterStaging),
            layerFDs: layers.sessions.map(gd_fuse_fd))
        staged.descriptors.closeAll()
        // The namespaces exist now: serving threads may start (FIELD-NOTES, "threads before unshare").
        let threaded = gd_fuse_start(staged.fuse) > 0
        var server = Server(
            fuse: staged.fuse, threaded: threaded, signalFD: staged.signalFD, container: container,
            plan: plan)
        server.layers = layers.start()
        return try withExtendedLifetime(layers) { () throws(LaunchError) -> Int32 in try server.serve() }
    }

    /// What `stage` leaves ready for a container: the image served over FUSE at
    /// `rootAfterStaging`, the bind sources cloned, signals arriving on a signalfd.
    struct Staged {
        let fuse: OpaquePointer
        let signalFD: Int32
        let oldMask: sigset_t
        let descriptors: Descriptors
    }

    /// Every step before the container itself. `blockAllSignals`: a shared container's server
    /// ignores the scheduler's SIGTERM (its ranks' workloads get it and decide), so it reads
    /// every signal; a single launch reads the ones it forwards.
    /// `layers`: the overlay's layers, cloned and attached in the staging tree with the rest.
    func stage(blockAllSignals: Bool, layers: OverlayLayers? = nil) throws(LaunchError) -> Staged {
        try requireSingleThreaded()
        try check("prctl(PR_SET_NO_NEW_PRIVS)", gd_set_no_new_privs())
        try enterNamespaces()
        // Which mount system calls this kernel has, asked once inside our own namespaces (where
        // an EPERM can only come from a seccomp filter); the C helpers read the cached answer.
        let missing = gc_probe_syscalls(1)
        let descriptors = Descriptors(parked: missing & Int32(GC_SYSCALL_OPEN_TREE.rawValue | GC_SYSCALL_MOVE_MOUNT.rawValue) != 0)
        try descriptors.openSources(of: plan)
        try layers?.cloneTrees(parked: descriptors.parked)
        var procTree: Int32 = -1  // parked: gd_enter_staging binds the host's /proc by path
        if !descriptors.parked {
            procTree = gd_clone_tree("/proc", 1)
            try check("open_tree", path: "/proc", procTree)
        }
        defer { if procTree >= 0 { close(procTree) } }
        try check("mount tmpfs", path: Self.staging, gd_mount_tmpfs(Self.staging, "mode=0700,size=16m"))
        for directory in [Self.root, Self.staging + "/proc"] + (plan.writableTmpfs ? [Self.staging + Self.overlayAfterStaging] : []) {
            try check("mkdir", path: directory, mkdir(directory, 0o700) == 0 ? 0 : -errno)
        }
        try layers?.attach(in: Self.staging)
        try descriptors.stage(plan.generatedFiles, in: Self.staging)
        try descriptors.park(in: Self.staging, plan: plan)
        let (signalFD, oldMask) = try Self.signalDescriptor(blockAll: blockAllSignals)
        let fuse = try mountImage()
        var step: UnsafePointer<CChar>?
        let staged = gd_enter_staging(Self.staging, procTree, &step)
        if staged < 0 { gd_fuse_destroy(fuse) }
        try check(step.map { String(cString: $0) } ?? "pivot_root", path: Self.staging, staged)
        return Staged(fuse: fuse, signalFD: signalFD, oldMask: oldMask, descriptors: descriptors)
    }

    /// Blocks the signals the launcher reads (every one for a shared container's or a warm
    /// server's holder, else the forwarded ones) and returns the signalfd reading them and the
    /// mask before, which the workload gets back.
    static func signalDescriptor(blockAll: Bool) throws(LaunchError) -> (fd: Int32, oldMask: sigset_t) {
        var oldMask = sigset_t()
        let fd =
            blockAll
            ? gd_block_all_signalfd(&oldMask) : gd_block_and_signalfd(forwardedSignals, forwardedSignals.count, &oldMask)
        try check("signalfd", fd)
        return (fd, oldMask)
    }

    /// unshare(CLONE_NEWUSER) fails with EINVAL in a multi-threaded process, and
    /// unshare(CLONE_NEWNS) would move only the calling thread (unshare(2)).
    func requireSingleThreaded() throws(LaunchError) {
        let threads = gc_thread_count()
        if threads > 1 {
            throw .system(SystemError("unshare", errno: .invalidArgument), hint: "gourd has \(threads) threads; namespaces need one")
        }
    }

    /// Enters a user namespace mapping the caller's uid and gid to themselves (not root) and a
    /// mount namespace. setgroups must be denied before an unprivileged gid_map write
    /// (user_namespaces(7)).
    func enterNamespaces() throws(LaunchError) {
        let rc = gd_unshare(gd_clone_newuser_newns())
        if rc != 0 {
            throw .system(
                SystemError("unshare(CLONE_NEWUSER|CLONE_NEWNS)", result: rc),
                hint: "unprivileged user namespaces are unavailable; run 'gourd check'")
        }
        try check("write", path: "/proc/self/setgroups", gc_write_proc_self("setgroups", "deny"))
        try check("write", path: "/proc/self/uid_map", gc_write_proc_self("uid_map", plan.identity.uidMap))
        try check("write", path: "/proc/self/gid_map", gc_write_proc_self("gid_map", plan.identity.gidMap))
        try check("mount --make-rprivate", path: "/", gd_make_rprivate())
    }

    func mountImage() throws(LaunchError) -> OpaquePointer {
        try image.mountFUSE(
            at: Self.root, name: plan.image.path, addedMountPoints: plan.addedMountPoints,
            serving: plan.serving)
    }
}

/// Turns a C wrapper's result (0 or -errno; or a non-negative descriptor) into a typed error.
func check(_ operation: String, path: String? = nil, _ result: Int32) throws(LaunchError) {
    if result < 0 { throw .system(SystemError(operation, path: path, result: result), hint: nil) }
}
