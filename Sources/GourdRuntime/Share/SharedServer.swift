import CGourdImage
import CGourdLaunch
import Glibc
import GourdCore
import SystemPackage

/// The server of a shared container, in its own detached process: stages the image like a
/// single launch, starts an init that holds the container's namespaces (no workload), and then
/// serves FUSE and the ranks from one poll loop. It hands each rank the namespace descriptors
/// and counts it as attached while its connection stays open. It leaves when the last rank has
/// gone (or when none came within `startupGrace`), closing the listening socket first so that
/// no rank can arrive at a server that is leaving; its init then dies (PR_SET_PDEATHSIG) and
/// the kernel ends whatever the ranks left running and unmounts the image.
struct SharedServer {
    /// ms with no rank at all once ready: the rank that started it died before connecting (a
    /// rank that is merely slow then starts a server of its own).
    static let startupGrace: Int64 = 2_000
    let plan: LaunchPlan
    let image: any ServableImage
    let listener: Int32

    enum State {
        case starting
        case ready([Int32])
        case failed(gd_share_reply)
    }

    /// Runs until the group is done; returns the process's exit status.
    func run() -> Int32 {
        // Ranks' launchers (srun, Hydra, PMI) wait for their tasks' descriptors to close: keep
        // none of them (docs/PLATFORM-NOTES.md, "Ranks and user namespaces").
        _ = gd_detach()
        let keep = [listener, image.descriptor, gd_fuse_stats_descriptor()].filter { $0 >= 0 }
        gd_close_all_except(keep, keep.count)
        do {
            if plan.warm.enabled, var loop = try warmContainer() {
                loop.serve()
                return 0
            }
            var loop = try coldContainer()
            loop.serve()
            return 0
        } catch {
            refuseEveryone(Self.reply(error))
            return 1
        }
    }

    /// The container in this job's warm image server (`WarmLaunch`): the group's init is
    /// cloned from a private copy of the server's mount namespace, so consecutive groups (job
    /// steps) and single launches of the image share one FUSE mount and its caches. The
    /// connection to the warm server stays open while the group lives (its attachment). nil
    /// when no warm server can be used (`WarmLaunch.attach` says why): then `coldContainer`.
    func warmContainer() throws(LaunchError) -> Loop? {
        let warm = WarmLaunch(plan: plan, image: image)
        guard case .joined(_, let namespaces) = try warm.attach() else { return nil }
        defer { for fd in namespaces { close(fd) } }
        let staged = try warm.stage(namespaces: namespaces, blockAllSignals: true)
        let holder = try Container.spawn(
            plan: plan, root: Executor.rootAfterStaging, descriptors: staged.descriptors, mask: staged.oldMask,
            hold: true, fuseFD: -1, scratch: WarmLaunch.scratch)
        staged.descriptors.closeAll()
        return Loop(server: self, fuse: nil, signalFD: staged.signalFD, holder: holder, threaded: true)
    }

    /// The container with its own FUSE mount of the image, served by this process.
    func coldContainer() throws(LaunchError) -> Loop {
        let staged = try Executor(plan: plan, image: image).stage(blockAllSignals: true)
        let holder = try Container.spawn(
            plan: plan, root: Executor.rootAfterStaging, descriptors: staged.descriptors,
            mask: staged.oldMask, hold: true, fuseFD: gd_fuse_fd(staged.fuse))
        staged.descriptors.closeAll()
        // The namespaces exist: the ranks' requests are served by threads from now on.
        return Loop(
            server: self, fuse: staged.fuse, signalFD: staged.signalFD, holder: holder,
            threaded: gd_fuse_start(staged.fuse) > 0)
    }

    static func reply(_ error: LaunchError) -> gd_share_reply {
        var reply = gd_share_reply()
        reply.status = 2
        withUnsafeMutableBytes(of: &reply.message) { buffer in
            let bytes = Array(error.description.utf8.prefix(buffer.count - 1))
            buffer.copyBytes(from: bytes)
        }
        return reply
    }

    /// Answers the ranks already waiting with the failure, then stops listening.
    func refuseEveryone(_ reply: gd_share_reply) {
        var reply = reply
        while true {
            let fd = gd_share_accept(listener)
            if fd < 0 { break }
            _ = gd_share_send(fd, &reply, nil, 0)
            close(fd)
        }
        close(listener)
    }

    struct Loop {
        let server: SharedServer
        /// The image's FUSE session when this process serves it (nil in a warm server's).
        let fuse: OpaquePointer?
        let signalFD: Int32
        let holder: Container
        /// Serving threads (or the warm server) answer FUSE: the loop leaves the descriptor.
        let threaded: Bool
        var state = State.starting
        var pending: [Int32] = []
        var attached: [Int32] = []
        var everAttached = false
        let started = monotonicMilliseconds()

        init(server: SharedServer, fuse: OpaquePointer?, signalFD: Int32, holder: Container, threaded: Bool) {
            self.threaded = threaded
            self.server = server
            self.fuse = fuse
            self.signalFD = signalFD
            self.holder = holder
        }

        mutating func serve() {
            while !finished {
                var fds =
                    [
                        pollfd(fd: threaded || fuse == nil ? -1 : gd_fuse_fd(fuse), events: Int16(POLLIN), revents: 0),
                        pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
                        pollfd(fd: isStarting ? holder.reportRead : -1, events: Int16(POLLIN), revents: 0),
                        pollfd(fd: server.listener, events: Int16(POLLIN), revents: 0),
                    ] + attached.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                if poll(&fds, nfds_t(fds.count), 1000) < 0 && errno != EINTR { return }
                // Ranks first, while `attached` still matches what was polled.
                let gone = attached.indices.filter { fds[4 + $0].revents != 0 }
                for index in gone.reversed() {
                    close(attached[index])  // a rank never writes: any event is its end
                    attached.remove(at: index)
                }
                if fds[0].revents != 0, let fuse {
                    let rc = gd_fuse_process_one(fuse)
                    if rc < 0 && rc != -EAGAIN && rc != -EINTR { return }  // unmounted
                }
                if fds[1].revents != 0 && holderExited() { return }
                if fds[2].revents != 0 { holderReported() }
                if fds[3].revents != 0 { acceptRanks() }
                if case .failed(let reply) = state {
                    server.refuseEveryone(reply)
                    for fd in pending { close(fd) }
                    return
                }
            }
            close(server.listener)
        }

        var isStarting: Bool {
            if case .starting = state { return true }
            return false
        }

        /// Done: every rank has gone (or none came in time). Checked before listening again.
        var finished: Bool {
            guard case .ready = state, attached.isEmpty, pending.isEmpty else { return false }
            return everAttached || monotonicMilliseconds() - started > SharedServer.startupGrace
        }

        /// Signals are read and dropped (SIGTERM is the workloads' business); SIGCHLD from the
        /// init means the container is gone.
        func holderExited() -> Bool {
            var signo: Int32 = 0
            var sender: Int32 = 0
            var code: Int32 = 0
            var exited = false
            while gd_read_signal(signalFD, &signo, &sender, &code) == 0 {
                var status: Int32 = 0
                if signo == SIGCHLD && gd_reap(holder.pid, &status) > 0 { exited = true }
            }
            return exited
        }

        /// One failure record, or end of file once the init has set the container up.
        mutating func holderReported() {
            var record = gd_failure()
            let n = read(holder.reportRead, &record, MemoryLayout<gd_failure>.size)
            if n == MemoryLayout<gd_failure>.size {
                var reply = gd_share_reply()
                reply.status = 1
                reply.step = record.step
                reply.err = record.err
                reply.index = record.index
                state = .failed(reply)
                return
            }
            var namespaces: [Int32] = []
            for kind in ["user", "mnt", "pid"] {
                let fd = open("/proc/\(holder.pid)/ns/\(kind)", O_RDONLY | O_CLOEXEC)
                if fd < 0 {
                    state = .failed(
                        SharedServer.reply(
                            .system(
                                SystemError(
                                    "open", path: "/proc/\(holder.pid)/ns/\(kind)",
                                    errno: Errno(rawValue: errno)), hint: nil)))
                    return
                }
                namespaces.append(fd)
            }
            state = .ready(namespaces)
            let waiting = pending
            pending = []
            for connection in waiting { admit(connection) }
        }

        mutating func acceptRanks() {
            while true {
                let fd = gd_share_accept(server.listener)
                if fd < 0 { return }
                var peer: UInt32 = 0
                guard gd_share_peer_uid(fd, &peer) == 0, peer == getuid() else {
                    close(fd)
                    continue
                }
                if case .ready = state { admit(fd) } else { pending.append(fd) }
            }
        }

        /// Sends the namespaces; the rank stays attached while its connection is open.
        mutating func admit(_ fd: Int32) {
            guard case .ready(let namespaces) = state else {
                pending.append(fd)
                return
            }
            var reply = gd_share_reply()
            if gd_share_send(fd, &reply, namespaces, Int32(namespaces.count)) == 0 {
                attached.append(fd)
                everAttached = true
            } else {
                close(fd)
            }
        }
    }
}

func monotonicMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
