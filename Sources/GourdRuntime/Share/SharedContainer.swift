import CGourdImage
import CGourdLaunch
import Glibc
import GourdCore
import GourdFormats

/// One rank of a group that shares one container on this node (see `ShareScope`).
///
/// The ranks meet on an abstract unix socket named after the scope and the container (so
/// ranks with another image or other mounts never meet). The first rank to find nobody
/// listening binds the name and starts the group's server — a detached process that serves the
/// image and holds the container's namespaces — then every rank, the first included, connects,
/// receives the namespace descriptors, joins them and runs its workload as its own child.
///
/// Nothing here is state that can leak: the name vanishes with the server's socket, a rank's
/// attachment is its open connection (the kernel closes it when the rank dies, SIGKILL
/// included), and the server leaves when the last rank has gone, taking the container with it.
public struct SharedContainer {
    let plan: LaunchPlan
    let image: any ServableImage
    let scope: ShareScope

    public init(plan: LaunchPlan, image: any ServableImage, scope: ShareScope) {
        self.plan = plan
        self.image = image
        self.scope = scope
    }

    /// The socket name: the caller's uid, and a digest of the scope, the image file and the
    /// container part of the plan.
    var name: String {
        var st = stat()
        fstat(image.descriptor, &st)
        let key = "scope \(scope.key)\nfile \(FileIdentity(st).text)\n" + plan.containerFingerprint
        return WarmServerName.digestName("gourd/\(getuid())/", key: key)
    }

    /// Joins the group's container (starting its server when there is none) and runs this
    /// rank's workload; returns its exit status.
    public func run() throws(LaunchError) -> Int32 {
        let name = self.name
        for _ in 0..<2000 {
            let fd = gd_share_connect(name)
            if fd >= 0 {
                if let status = try attach(fd) { return status }
                continue  // the server was leaving: start over
            }
            guard fd == -ECONNREFUSED || fd == -ENOENT else {
                throw .system(SystemError("connect", path: "@" + name, result: fd), hint: nil)
            }
            let listener = gd_share_listen(name)
            if listener >= 0 {
                try startServer(listener: listener)
                close(listener)
            } else if listener != -EADDRINUSE {
                throw .system(SystemError("bind", path: "@" + name, result: listener), hint: nil)
            } else {
                usleep(500)  // another rank is starting the server
            }
        }
        throw .system(SystemError("join shared container", path: "@" + name, errno: .timedOut), hint: nil)
    }

    /// Receives the namespaces and runs the workload in them; nil when the server went away
    /// before answering (it was leaving as we arrived).
    func attach(_ fd: Int32) throws(LaunchError) -> Int32? {
        var peer: UInt32 = 0
        guard gd_share_peer_uid(fd, &peer) == 0, peer == getuid() else {
            close(fd)
            throw .system(
                SystemError("shared container @\(name) is held by uid \(peer), not by you", errno: .permissionDenied),
                hint: "run with --share=none")
        }
        var reply = gd_share_reply()
        var fds: [Int32] = [-1, -1, -1]
        var count: Int32 = 0
        let rc = gd_share_recv(fd, &reply, &fds, &count, 60_000)
        if rc == -ECONNRESET || rc == -EIO || rc == -ECONNREFUSED {
            close(fd)
            return nil
        }
        guard rc == 0 else {
            close(fd)
            throw .system(SystemError("receive from shared container", path: "@" + name, result: rc), hint: nil)
        }
        if reply.status == 2 {
            close(fd)
            let message = withUnsafeBytes(of: reply.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            throw .shared(message)
        }
        if reply.status != 0 {
            close(fd)
            throw Server.error(for: gd_failure(step: reply.step, err: reply.err, index: reply.index), plan: plan)
        }
        guard count == 3 else {
            close(fd)
            return nil
        }
        defer { for fd in fds { close(fd) } }
        // `fd` stays open until we exit: it is this rank's attachment.
        return try JoinedRank(plan: plan, namespaces: fds).run()
    }

    /// Forks the detached server: a child that forks it and exits at once, so the server is
    /// nobody's child here (no zombie, no wait by mpirun or srun on it).
    func startServer(listener: Int32) throws(LaunchError) {
        let child = gd_fork()
        try check("fork", child)
        if child == 0 {
            let server = gd_fork()
            if server == 0 {
                let status = SharedServer(plan: plan, image: image, listener: listener).run()
                exit(status)
            }
            _exit(server < 0 ? 1 : 0)
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
    }
}
