import CGourdImage
import CGourdLaunch
import Glibc
import GourdCore
import SystemPackage

/// gourd's one loop after the spawn: serve FUSE requests, pass signals on to the container's
/// init, collect a set-up failure, and end when the init has exited (by then the kernel has
/// removed every other container process, so no one can still need the image).
struct Server {
    /// nil for a rank that joined a shared container: another process serves the image.
    let fuse: OpaquePointer?
    /// true once serving threads answer FUSE (gd_fuse_start): this loop then only forwards
    /// signals and waits.
    var threaded = false
    let signalFD: Int32
    let container: Container
    let plan: LaunchPlan
    /// --overlay's squashfs layers that got no serving threads: this loop answers them.
    var layers: [OpaquePointer] = []

    func serve() throws(LaunchError) -> Int32 {
        var failure: gd_failure?
        var status: Int32?
        var fds = [
            pollfd(fd: threaded ? -1 : fuse.map(gd_fuse_fd) ?? -1, events: Int16(POLLIN), revents: 0),
            pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: container.reportRead, events: Int16(POLLIN), revents: 0),
        ]
        fds += layers.map { pollfd(fd: gd_fuse_fd($0), events: Int16(POLLIN), revents: 0) }
        while status == nil {
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError("poll", errno: Errno(rawValue: errno)), hint: nil)
            }
            if fds[0].revents != 0 && !serveFUSE() { fds[0].fd = -1 }
            for (index, layer) in layers.enumerated() where fds[3 + index].revents != 0 {
                let rc = gd_fuse_process_one(layer)
                if rc != 0 && rc != -EAGAIN && rc != -EINTR { fds[3 + index].fd = -1 }
            }
            if fds[2].revents != 0 {
                if let record = readFailure() { failure = record }
                fds[2].fd = -1
            }
            if fds[1].revents != 0 { status = handleSignals() }
        }
        if failure == nil { failure = readFailure() }
        close(container.reportRead)
        if let failure { throw error(for: failure) }
        return status!
    }

    /// Answers one request; false once the connection is gone.
    func serveFUSE() -> Bool {
        guard let fuse else { return false }
        let rc = gd_fuse_process_one(fuse)
        return rc == 0 || rc == -EAGAIN || rc == -EINTR
    }

    /// Reads pending signals: forwards the forwardable ones, reaps the init on SIGCHLD.
    /// Returns the init's status once it has exited.
    func handleSignals() -> Int32? {
        var signo: Int32 = 0
        var sender: Int32 = 0
        var code: Int32 = 0
        var status: Int32?
        while gd_read_signal(signalFD, &signo, &sender, &code) == 0 {
            if signo == SIGCHLD {
                var exitCode: Int32 = 0
                if gd_reap(container.pid, &exitCode) > 0 { status = exitCode }
            } else if gd_signal_from_kernel(code) == 0 {
                // A terminal's signals (si_code SI_KERNEL) reached the workload directly.
                _ = gd_kill(container.pid, signo)
            }
        }
        return status
    }

    func readFailure() -> gd_failure? {
        var record = gd_failure()
        let n = read(container.reportRead, &record, MemoryLayout<gd_failure>.size)
        return n == MemoryLayout<gd_failure>.size ? record : nil
    }

    func error(for failure: gd_failure) -> LaunchError { Self.error(for: failure, plan: plan) }

    /// The launch error a container-side failure record stands for.
    static func error(for failure: gd_failure, plan: LaunchPlan) -> LaunchError {
        let errno = Errno(rawValue: failure.err)
        if failure.step == Int32(GD_STEP_EXEC.rawValue) {
            let command = plan.argv.first ?? ""
            return errno == .noSuchFileOrDirectory ? .commandNotFound(command) : .cannotExecute(command, errno)
        }
        var detail: String?
        if failure.step == Int32(GD_STEP_SETNS.rawValue) {
            detail =
                ["user", "mount", "PID"].indices.contains(Int(failure.index))
                ? ["user", "mount", "PID"][Int(failure.index)] + " namespace" : nil
        } else if failure.index >= 0 && Int(failure.index) < plan.mounts.count {
            let mount = plan.mounts[Int(failure.index)]
            detail = "\(mount.destination) (\(mount.reason))"
        }
        if failure.step == Int32(GD_STEP_CHDIR.rawValue) { detail = plan.workdir }
        if failure.step == Int32(GD_STEP_OVERLAY.rawValue) {
            detail = OverlayFailure.detail(errno: errno, plan: plan)
        } else if errno == .ioError {
            // Corrupt image data reads as EIO (the FUSE server's answer), also to the init's
            // own steps (pivot_root into the image's root, a mount point in it): name the file.
            detail = (detail.map { $0 + " " } ?? "") + "in the image \(plan.image.path), which cannot be read there (corrupt?)"
        }
        return .container(step: String(cString: gd_step_name(failure.step)), errno: errno, detail: detail)
    }
}
