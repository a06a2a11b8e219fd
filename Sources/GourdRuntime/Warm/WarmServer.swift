import CGourdImage
import CGourdLaunch
import Glibc
import GourdCore
import SystemPackage

/// A warm image server, in its own detached process (started by the first warm launch that
/// finds none; it stays in that launch's cgroup, so a scheduler's end-of-job kill takes it).
///
/// It stages the image exactly as a single launch does — user namespace mapping the caller,
/// private mount namespace, the image FUSE-mounted at `/root` of a staging tmpfs that becomes
/// its root, the host's /proc beside it — but starts no container: it serves FUSE from its
/// threads and hands each launch of the same scope its user and mount namespaces over the
/// socket (SCM_RIGHTS, after checking the peer's uid). Each launch then takes a private copy
/// of that mount namespace (`WarmLaunch`): the same FUSE superblock, so the same kernel page
/// cache and the same server caches, while every mount it adds stays its own.
///
/// A launch counts as attached while its connection is open (the kernel closes it when the
/// launch ends, SIGKILL included). The server leaves `linger` seconds after the last one
/// ended. On SIGTERM, SIGINT, SIGHUP or SIGQUIT, and as soon as the image file changes, it
/// stops taking launches at once (its socket closes, so the name is free for a new server)
/// and leaves when the attached ones have ended, at once when there are none: a scheduler's
/// SIGTERM reaches the workloads too, and one that checkpoints on it (or an MPI rank of a
/// shared container, whose image this server serves) still reads its image; the scheduler's
/// SIGKILL after its grace time ends everything. Its process exit ends the FUSE connection:
/// nothing is left.
struct WarmServer {
    /// Each warm launch mounts its own tmpfs here (generated files, the overlay's upper layer).
    static let launchDirectory = "/launch"
    let plan: LaunchPlan
    let image: any ServableImage
    let listener: Int32

    /// Runs until the server is done; returns the process's exit status.
    func run() -> Int32 {
        // The launch that started us may be a workflow manager's task whose output pipes are
        // waited on: keep none of its descriptors (docs/PLATFORM-NOTES.md, "Ranks and user
        // namespaces").
        _ = gd_detach()
        let keep = [listener, image.descriptor, gd_fuse_stats_descriptor()].filter { $0 >= 0 }
        gd_close_all_except(keep, keep.count)
        var st = stat()
        fstat(image.descriptor, &st)
        let identity = FileIdentity(st)
        // The host's view of the image's directory, for noticing a replaced file after the
        // staging root has hidden the host tree (an O_PATH descriptor keeps its mount).
        let directory = gd_warm_open_directory(Self.parent(of: plan.image.path))
        var served = plan
        served.mounts = []
        served.generatedFiles = []
        served.writableTmpfs = false
        let staged: Executor.Staged
        var namespaces: [Int32] = []
        do {
            staged = try Executor(plan: served, image: image).stage(blockAllSignals: true)
            try check("mkdir", path: Self.launchDirectory, mkdir(Self.launchDirectory, 0o700) == 0 ? 0 : -errno)
            for kind in ["user", "mnt"] {
                let fd = open("/proc/self/ns/\(kind)", O_RDONLY | O_CLOEXEC)
                try check("open", path: "/proc/self/ns/\(kind)", fd < 0 ? -errno : fd)
                namespaces.append(fd)
            }
        } catch {
            SharedServer(plan: plan, image: image, listener: listener).refuseEveryone(SharedServer.reply(error))
            return 1
        }
        // This process never unshares again: serving threads may start now (without them, the
        // loop serves).
        let threaded = gd_fuse_start(staged.fuse) > 0
        var loop = Loop(server: self, signalFD: staged.signalFD, namespaces: namespaces)
        loop.fuse = threaded ? nil : staged.fuse
        loop.watch = { directory < 0 ? true : Self.same(identity, directory: directory, name: Self.base(of: plan.image.path)) }
        loop.serve()
        gd_fuse_destroy(staged.fuse)
        return 0
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func base(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Is `name` in `directory` still the file the server serves?
    static func same(_ identity: FileIdentity, directory: Int32, name: String) -> Bool {
        var st = stat()
        guard fstatat(directory, name, &st, 0) == 0 else { return false }
        return FileIdentity(st) == identity
    }

    struct Loop {
        let server: WarmServer
        let signalFD: Int32
        let namespaces: [Int32]
        var watch: () -> Bool = { true }
        /// Set when no serving thread started: this loop answers FUSE requests itself.
        var fuse: OpaquePointer?
        var listener: Int32
        var attached: [Int32] = []
        var idleSince = monotonicMilliseconds()

        init(server: WarmServer, signalFD: Int32, namespaces: [Int32]) {
            self.server = server
            self.signalFD = signalFD
            self.namespaces = namespaces
            listener = server.listener
        }

        var lingerMilliseconds: Int64 { Int64(server.plan.warm.lingerSeconds) * 1000 }

        mutating func serve() {
            var lastWatch = monotonicMilliseconds()
            while true {
                let now = monotonicMilliseconds()
                if attached.isEmpty && (listener < 0 || now - idleSince >= lingerMilliseconds) { break }
                var fds =
                    [
                        pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
                        pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                        pollfd(fd: fuse.map(gd_fuse_fd) ?? -1, events: Int16(POLLIN), revents: 0),
                    ] + attached.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                let untilIdle = attached.isEmpty ? max(0, lingerMilliseconds - (now - idleSince)) : 1000
                if poll(&fds, nfds_t(fds.count), Int32(min(1000, untilIdle))) < 0 && errno != EINTR { break }
                if fds[0].revents != 0 && terminated() { stopListening() }  // leaves once nobody is attached
                if let fuse, fds[2].revents != 0 {
                    let rc = gd_fuse_process_one(fuse)
                    if rc < 0 && rc != -EAGAIN && rc != -EINTR { break }  // the connection is gone
                }
                // Launches first, while `attached` still matches what was polled.
                let gone = attached.indices.filter { fds[3 + $0].revents != 0 }
                for index in gone.reversed() {
                    close(attached[index])  // a launch never writes: any event is its end
                    attached.remove(at: index)
                }
                if !gone.isEmpty && attached.isEmpty { idleSince = monotonicMilliseconds() }
                if listener >= 0 && fds[1].revents != 0 { accept() }
                if listener >= 0 && monotonicMilliseconds() - lastWatch >= 1000 {
                    lastWatch = monotonicMilliseconds()
                    if !watch() { stopListening() }  // the image file changed: no new launch here
                }
            }
            stopListening()
            for fd in attached { close(fd) }
        }

        mutating func stopListening() {
            if listener >= 0 { close(listener) }
            listener = -1
        }

        /// Whether SIGTERM, SIGINT, SIGHUP or SIGQUIT came (the server stops taking launches);
        /// other signals are dropped.
        func terminated() -> Bool {
            var signo: Int32 = 0
            var sender: Int32 = 0
            var code: Int32 = 0
            var stop = false
            while gd_read_signal(signalFD, &signo, &sender, &code) == 0 {
                if [SIGTERM, SIGINT, SIGHUP, SIGQUIT].contains(signo) { stop = true }
            }
            return stop
        }

        /// Hands each new launch of our uid the namespaces; it is attached while connected.
        mutating func accept() {
            while true {
                let fd = gd_share_accept(listener)
                if fd < 0 { return }
                var peer: UInt32 = 0
                guard gd_share_peer_uid(fd, &peer) == 0, peer == getuid() else {
                    close(fd)
                    continue
                }
                var reply = gd_share_reply()
                reply.index = getpid()  // for `gourd plan`: SO_PEERCRED names the listener's creator
                if gd_share_send(fd, &reply, namespaces, Int32(namespaces.count)) == 0 {
                    attached.append(fd)
                } else {
                    close(fd)
                }
            }
        }
    }
}
