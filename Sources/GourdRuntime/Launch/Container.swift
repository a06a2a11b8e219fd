import CGourdLaunch
import Glibc
import GourdCore

/// The running container as the launcher sees it: the init's pid and the two pipes.
struct Container {
    let pid: pid_t
    /// Read end of the failure pipe: one gd_failure if set-up or exec failed, EOF once the
    /// workload has exec'd (close-on-exec).
    let reportRead: Int32
    /// Held until gourd exits: the init checks it to learn that gourd died before
    /// PR_SET_PDEATHSIG was armed.
    let lifelineWrite: Int32

    /// Converts the plan's mounts to C, clones the init (C code from here to exec) and
    /// returns at once: the caller must start serving FUSE, which the set-up needs.
    /// `hold`: no workload; the init holds the namespaces of a shared container (EOF on the
    /// report pipe then means ready).
    /// `stopTimeout`: ms between SIGTERM and SIGKILL for what the workload leaves running.
    /// `fuseFD`: the image's /dev/fuse descriptor, the only one the init keeps.
    static func spawn(
        plan: LaunchPlan, root: String, descriptors: Descriptors, mask: sigset_t,
        hold: Bool = false, stopTimeout: Int32 = 0, fuseFD: Int32, overlay: String? = nil, layerFDs: [Int32] = []
    ) throws(LaunchError) -> Container {
        var lifeline: [Int32] = [-1, -1]
        var report: [Int32] = [-1, -1]
        try check("pipe2", gd_pipe_cloexec(&lifeline))
        try check("pipe2", gd_pipe_cloexec(&report))
        let targets = CStringArray(plan.mounts.map(\.destination))
        let sourcePaths = plan.mounts.enumerated().map { descriptors.sourcePath(for: $1, at: $0) }
        let sourcePathArray = CStringArray(sourcePaths.map { $0 ?? "" })
        let entries = plan.mounts.map { mount -> CTmpfsEntries? in
            if case .tmpfs(let list) = mount.kind { return CTmpfsEntries(list) }
            return nil
        }
        let argv = CStringArray(plan.argv)
        let envp = CStringArray(plan.environment.map(\.assignment))
        var mounts: [gd_mount] = []
        for (index, mount) in plan.mounts.enumerated() {
            mounts.append(
                gd_mount(
                    kind: mount.kind.code, source_fd: descriptors.sourceFD(for: mount, at: index),
                    source_path: sourcePaths[index] == nil ? nil : sourcePathArray.constBase[index],
                    target: targets.constBase[index],
                    flags: gd_mount_flags(mount.readOnly ? 1 : 0, mount.noSuid ? 1 : 0, mount.noDev ? 1 : 0, mount.noExec ? 1 : 0),
                    options: (mount.recursive ? Int32(GD_MOUNT_RECURSIVE) : 0) | (mount.optional ? Int32(GD_MOUNT_OPTIONAL) : 0),
                    entries: entries[index]?.base, nentries: entries[index]?.count ?? 0))
        }
        let pid: pid_t = withExtendedLifetime((targets, sourcePathArray, entries, argv, envp, layerFDs)) {
            mounts.withUnsafeBufferPointer { mountBuffer in
                forwardedSignals.withUnsafeBufferPointer { signalBuffer in
                    var spec = gd_container_spec(
                        root: nil, mounts: mountBuffer.baseAddress, nmounts: mountBuffer.count,
                        workdir: nil, argv: argv.base, envp: envp.base, search_path: nil,
                        lifeline_read: lifeline[0], lifeline_write: lifeline[1],
                        report_write: report[1], report_read: report[0], workload_mask: mask,
                        forward_signals: signalBuffer.baseAddress, nforward: signalBuffer.count, hold: hold ? 1 : 0,
                        stop_timeout_ms: stopTimeout, fuse_fd: fuseFD,
                        namespaces: gd_clone_extra_flags(
                            plan.namespaces.uts ? 1 : 0, plan.namespaces.ipc ? 1 : 0,
                            plan.namespaces.network ? 1 : 0),
                        hostname: nil, overlay_dir: nil, overlay_data: nil, layer_fds: nil, nlayer_fds: 0)
                    // --writable-tmpfs: the upper layer's directory, made in the staging tmpfs
                    // (Executor.stage); `overlay` holds the overlayfs options (OverlayLayers).
                    let tmpfsUpper = plan.writableTmpfs ? Executor.overlayAfterStaging : nil
                    return withOptionalCString(plan.namespaces.hostname) { hostnamePointer in
                        withOptionalCString(tmpfsUpper) { overlayPointer in
                            withOptionalCString(overlay) { overlayDataPointer in
                                spec.overlay_dir = overlayPointer
                                spec.overlay_data = overlayDataPointer
                                return layerFDs.withUnsafeBufferPointer { layerBuffer in
                                    spec.layer_fds = layerBuffer.baseAddress
                                    spec.nlayer_fds = layerBuffer.count
                                    return root.withCString { rootPointer in
                                        plan.searchPath.withCString { pathPointer in
                                            plan.workdir.withCString { workdirPointer in
                                                spec.hostname = hostnamePointer
                                                spec.root = rootPointer
                                                spec.search_path = pathPointer
                                                spec.workdir = workdirPointer
                                                return gd_spawn_container(&spec)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        close(lifeline[0])
        close(report[1])
        if pid < 0 {
            close(lifeline[1])
            close(report[0])
            throw .system(SystemError("clone(CLONE_NEWNS|CLONE_NEWPID)", result: pid), hint: nil)
        }
        return Container(pid: pid, reportRead: report[0], lifelineWrite: lifeline[1])
    }
}

extension Container {
    /// Joins a shared container's namespaces (user, mount, PID) and forks the workload there
    /// (C from setns to exec). Returns at once; failures before exec arrive on the report pipe.
    static func join(plan: LaunchPlan, namespaces: [Int32], mask: sigset_t) throws(LaunchError) -> Container {
        var lifeline: [Int32] = [-1, -1]
        var report: [Int32] = [-1, -1]
        try check("pipe2", gd_pipe_cloexec(&lifeline))
        try check("pipe2", gd_pipe_cloexec(&report))
        let argv = CStringArray(plan.argv)
        let envp = CStringArray(plan.environment.map(\.assignment))
        var step: Int32 = 0
        var index: Int32 = -1
        let pid: pid_t = withExtendedLifetime((argv, envp)) {
            var spec = gd_container_spec(
                root: nil, mounts: nil, nmounts: 0, workdir: nil, argv: argv.base, envp: envp.base, search_path: nil,
                lifeline_read: lifeline[0], lifeline_write: lifeline[1], report_write: report[1], report_read: report[0],
                workload_mask: mask, forward_signals: nil, nforward: 0, hold: 0, stop_timeout_ms: 0, fuse_fd: -1,
                namespaces: 0, hostname: nil, overlay_dir: nil, overlay_data: nil, layer_fds: nil, nlayer_fds: 0)
            return plan.searchPath.withCString { pathPointer in
                plan.workdir.withCString { workdirPointer in
                    spec.search_path = pathPointer
                    spec.workdir = workdirPointer
                    return namespaces.withUnsafeBufferPointer { gd_join_and_spawn(&spec, $0.baseAddress, &step, &index) }
                }
            }
        }
        close(lifeline[0])
        close(report[1])
        if pid < 0 {
            close(lifeline[1])
            close(report[0])
            throw Server.error(for: gd_failure(step: step, err: -pid, index: index), plan: plan)
        }
        return Container(pid: pid, reportRead: report[0], lifelineWrite: lifeline[1])
    }
}

extension Mount.Kind {
    var code: Int32 {
        switch self {
        case .bind, .generated: return Int32(GD_MOUNT_BIND.rawValue)
        case .proc: return Int32(GD_MOUNT_PROC.rawValue)
        case .tmpfs: return Int32(GD_MOUNT_TMPFS.rawValue)
        }
    }
}

/// `body` with a C string for `text`, or with nil.
func withOptionalCString<T>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}
