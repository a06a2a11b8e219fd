import CGourdCommon
import CGourdImage
import CGourdLaunch
import Glibc
import GourdCore
import SystemPackage

/// One launch through a warm image server (see `WarmServer`): finds or starts the server of
/// this scope and image, receives its user and mount namespaces, and from a private copy of
/// that mount namespace does what a cold launch does (`Executor`), minus staging and serving
/// the image: binds, generated files, /dev, /proc, pivot_root and exec, all its own.
///
/// Until the namespaces are entered nothing has changed in this process, so any trouble there
/// (nobody answers, the server failed to start or was leaving, the name is held by another
/// uid) ends in `.cold(reason)` and the caller launches cold. After that, failures are errors.
struct WarmLaunch {
    enum Outcome {
        case ran(Int32)
        case cold(String)
    }

    enum Answer {
        case namespaces([Int32])
        case retry
        case cold(String)
    }

    let plan: LaunchPlan
    let image: any ServableImage

    func run() throws(LaunchError) -> Outcome {
        switch try attach() {
        case .joined(let connection, let namespaces): return .ran(try enter(connection: connection, namespaces: namespaces))
        case .cold(let reason): return .cold(reason)
        }
    }

    /// Where `attach` got to: in the server's user namespace, holding the connection (the
    /// attachment) and the server's user and mount namespace descriptors; or still unchanged,
    /// with the reason to launch cold.
    enum Attachment {
        case joined(connection: Int32, namespaces: [Int32])
        case cold(String)
    }

    /// Finds or starts this scope's server for the image and joins its user namespace.
    func attach() throws(LaunchError) -> Attachment {
        // Entering a server clones the bind sources with open_tree and attaches them with
        // move_mount (docs/PLATFORM-NOTES.md, "Warm launches"); without them (Linux < 5.2, or a
        // seccomp filter) the launch is cold and takes the kernel fallbacks.
        if gc_probe_syscalls(0) & Int32(GC_SYSCALL_OPEN_TREE.rawValue | GC_SYSCALL_MOVE_MOUNT.rawValue) != 0 {
            return .cold("open_tree/move_mount missing on this kernel: warm launches need them")
        }
        let name = WarmServerName.name(plan: plan, image: image)
        var resets = 0
        for _ in 0..<2000 {
            let fd = gd_share_connect(name)
            if fd >= 0 {
                switch receive(fd, name: name) {
                case .namespaces(let namespaces):
                    // Joining the user namespace is the first change to this process: until it
                    // succeeds a cold launch is still possible (it fails, for one, in a nested
                    // gourd that reached a server outside its own user namespace).
                    try Executor(plan: plan, image: image).requireSingleThreaded()
                    let joined = gd_warm_join_user(namespaces[0])
                    if joined < 0 {
                        for fd in namespaces + [fd] { close(fd) }
                        return .cold("setns(CLONE_NEWUSER) into the warm server's namespace: \(Errno(rawValue: -joined))")
                    }
                    return .joined(connection: fd, namespaces: namespaces)
                case .retry:
                    // The server was leaving as we arrived (once), or servers die before
                    // answering (a crash while staging the image): then a cold launch says why.
                    resets += 1
                    if resets > 5 { return .cold("warm servers on @\(name) ended before answering") }
                    continue
                case .cold(let reason): return .cold(reason)
                }
            }
            guard fd == -ECONNREFUSED || fd == -ENOENT else {
                return .cold("connect @\(name): \(Errno(rawValue: -fd))")
            }
            let listener = gd_share_listen(name)
            if listener >= 0 {
                startServer(listener: listener)
                close(listener)
            } else if listener != -EADDRINUSE {
                return .cold("bind @\(name): \(Errno(rawValue: -listener))")
            } else {
                usleep(500)  // another launch is starting the server
            }
        }
        return .cold("no warm server answered on @\(name)")
    }

    /// The server's answer on a fresh connection. Checks first that the server is ours: an
    /// abstract name has no permissions, so another user could bind it (unix(7)).
    func receive(_ fd: Int32, name: String) -> Answer {
        var peer: UInt32 = 0
        guard gd_share_peer_uid(fd, &peer) == 0, peer == getuid() else {
            close(fd)
            return .cold("@\(name) is held by uid \(peer), not by you")
        }
        var reply = gd_share_reply()
        var fds: [Int32] = [-1, -1, -1]
        var count: Int32 = 0
        let rc = gd_share_recv(fd, &reply, &fds, &count, 30_000)
        if rc == -ECONNRESET || rc == -EIO || rc == -ECONNREFUSED {
            close(fd)
            return .retry
        }
        guard rc == 0 else {
            close(fd)
            return .cold("no answer from the warm server @\(name): \(Errno(rawValue: -rc))")
        }
        if reply.status != 0 || count != 2 {
            for index in 0..<Int(count) { close(fds[index]) }
            close(fd)
            if reply.status == 0 { return .retry }
            let message = withUnsafeBytes(of: reply.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            return .cold("the warm server could not start: \(message)")
        }
        return .namespaces(Array(fds.prefix(2)))
    }

    /// Enters the server's mount namespace and runs the workload; `connection` stays open until
    /// this process exits: it is the launch's attachment.
    func enter(connection: Int32, namespaces: [Int32]) throws(LaunchError) -> Int32 {
        defer { for fd in namespaces { close(fd) } }
        let stopTimeout = try StopTimeout.milliseconds()
        let staged = try stage(namespaces: namespaces, blockAllSignals: false)
        // --writable-tmpfs only: a warm launch has no --overlay layers (WarmDecision).
        let overlay = try OverlayLayers(plan: plan).options(
            root: Executor.rootAfterStaging, tmpfsUpper: Self.scratch + Executor.overlayAfterStaging)
        let container = try Container.spawn(
            plan: plan, root: Executor.rootAfterStaging, descriptors: staged.descriptors, mask: staged.oldMask,
            stopTimeout: stopTimeout, fuseFD: -1,
            overlay: overlay,
            scratch: Self.scratch)
        staged.descriptors.closeAll()
        return try Server(fuse: nil, signalFD: staged.signalFD, container: container, plan: plan).serve()
    }

    /// A warm launch's own tmpfs, for its generated files and --writable-tmpfs' upper layer.
    static let scratch = WarmServer.launchDirectory

    /// What `stage` leaves ready for a container, as `Executor.Staged` for a cold launch minus
    /// the FUSE session (the server's).
    struct Staged {
        let signalFD: Int32
        let oldMask: sigset_t
        let descriptors: Descriptors
    }

    /// From the server's user namespace (`attach`): the bind sources cloned, a private copy
    /// of the server's mount namespace entered (its FUSE mount is the server's: warm caches),
    /// this launch's tmpfs with the generated files, signals arriving on a signalfd (all of
    /// them for a shared container's holder, as `Executor.stage`).
    func stage(namespaces: [Int32], blockAllSignals: Bool) throws(LaunchError) -> Staged {
        try check("prctl(PR_SET_NO_NEW_PRIVS)", gd_set_no_new_privs())
        // Already in the server's user namespace (attach), which maps our own uid: that gives
        // the capabilities to clone the host paths and to enter its mount namespace (setns(2)).
        // A throwaway copy of the host's mount namespace, owned by that user namespace: where
        // open_tree may clone the bind sources (it needs CAP_SYS_ADMIN over the namespace the
        // paths are in). Nothing is mounted in it, so it needs no private propagation.
        try check("unshare(CLONE_NEWNS)", gd_warm_private_mounts())
        let descriptors = Descriptors()
        try descriptors.openSources(of: plan)
        try check("setns(CLONE_NEWNS)", path: "warm server's mount namespace", gd_warm_join_mount(namespaces[1]))
        // Our own copy of the server's namespace (its mounts are private, so nothing we mount
        // reaches the server or another launch); the FUSE mount in it is the server's.
        try check("unshare(CLONE_NEWNS)", gd_warm_private_mounts())
        try check("mount tmpfs", path: Self.scratch, gd_mount_tmpfs(Self.scratch, "mode=0700,size=16m"))
        if plan.writableTmpfs {
            try check("mkdir", path: Self.scratch + "/overlay", mkdir(Self.scratch + "/overlay", 0o700) == 0 ? 0 : -errno)
        }
        try descriptors.stage(plan.generatedFiles, in: Self.scratch)
        // A server killed since it answered leaves a dead mount (ENOTCONN): say so plainly.
        var st = stat()
        if stat(Executor.rootAfterStaging, &st) != 0 {
            throw .system(
                SystemError("stat", path: "the warm server's image root", errno: Errno(rawValue: errno)),
                hint: "the warm server ended during this launch; run again (a new one starts) or use --warm=off")
        }
        let (signalFD, oldMask) = try Executor.signalDescriptor(blockAll: blockAllSignals)
        return Staged(signalFD: signalFD, oldMask: oldMask, descriptors: descriptors)
    }

    /// Forks the detached server: a child that forks it and exits at once, so the server is
    /// nobody's child here (no zombie; a workflow manager waiting for this launch's process
    /// group or pipes does not wait for it).
    func startServer(listener: Int32) {
        let child = gd_fork()
        if child == 0 {
            let server = gd_fork()
            if server == 0 { exit(WarmServer(plan: plan, image: image, listener: listener).run()) }
            _exit(server < 0 ? 1 : 0)
        }
        var status: Int32 = 0
        while child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR {}
    }
}
