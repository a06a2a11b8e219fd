/// /dev inside: the host's (--dev=host), or a minimal tmpfs holding the standard nodes, the
/// site's extra nodes (interconnects) and exactly the devices the plan grants (GPUs).
extension Planner {
    /// Character devices every program expects; bound from the host one by one. `fuse` lets a
    /// nested gourd (or squashfuse) serve an image inside the container: opening it grants
    /// nothing a FUSE mount outside could not, since a mount made inside stays in the
    /// container's user namespace (fuse(4); Apptainer and Charliecloud bind it too).
    static let standardDevices = ["null", "zero", "full", "random", "urandom", "tty", "ptmx", "fuse"]
    static let standardLinks: [(String, String)] = [
        ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ]

    var deviceMode: (DeviceMode, String) {
        if let mode = request.devices { return (mode, "--dev=\(mode.rawValue)") }
        if let origin = policy.devices.modeOrigin { return (policy.devices.mode, "policy \(origin)") }
        return (.minimal, "default")
    }

    func deviceMounts(granted: [DeviceGrant], notes: inout [String]) -> (mounts: [Mount], devices: [DeviceGrant]) {
        let (mode, why) = deviceMode
        guard image.kind("/dev") == .directory else {
            notes.append("/dev is not a directory in the image: not mounted (\(why): \(mode.rawValue) /dev)")
            return ([], [])
        }
        if mode == .host {
            let mount = Mount(
                kind: .bind(source: "/dev"), destination: "/dev", noDev: false, optional: true,
                reason: "\(why): host /dev")
            return ([mount], [DeviceGrant(path: "/dev/*", reason: "\(why): every host device node")] + granted)
        }
        var nodes: [DeviceGrant] = []
        for name in Self.standardDevices where hostFS.kind("/dev/" + name) == .other {
            nodes.append(DeviceGrant(path: "/dev/" + name, reason: "\(why): standard device"))
        }
        let extraWhy = policy.devices.extraOrigin.map { "policy \($0)" } ?? "default: interconnect device"
        for path in expandDeviceGlobs(policy.devices.extra) where hostFS.deviceAccess(path) != .missing {
            nodes.append(DeviceGrant(path: path, reason: extraWhy))
        }
        nodes += granted.filter { grant in !nodes.contains(where: { $0.path == grant.path }) }
        var entries: [TmpfsEntry] = [.directory("pts"), .directory("shm")]
        for node in nodes {
            let relative = Paths.relative(node.path, to: "/dev") ?? ""
            for parent in Paths.ancestors("/" + relative).reversed() {
                let directory = TmpfsEntry.directory(String(parent.dropFirst()))
                if !entries.contains(directory) { entries.append(directory) }
            }
            entries.append(.file(relative))
        }
        entries += Self.standardLinks.map { TmpfsEntry.symlink($0.0, target: $0.1) }
        var mounts = [
            Mount(
                kind: .tmpfs(entries: entries), destination: "/dev", readOnly: true, noExec: true,
                recursive: false, reason: "\(why): minimal /dev")
        ]
        for node in nodes {
            mounts.append(
                Mount(
                    kind: .bind(source: node.path), destination: node.path, noDev: false, noExec: true,
                    recursive: false, optional: true, reason: node.reason))
        }
        // Terminals (gourd shell) live on the host's devpts; MPI and Python share memory in /dev/shm.
        if hostFS.kind("/dev/pts") == .directory {
            mounts.append(
                Mount(
                    kind: .bind(source: "/dev/pts"), destination: "/dev/pts", noDev: false, noExec: true,
                    recursive: false, optional: true, reason: "\(why): host terminals (devpts)"))
        }
        if let shm = hostFS.realPath("/dev/shm"), hostFS.kind(shm) == .directory {
            mounts.append(
                Mount(
                    kind: .bind(source: shm), destination: "/dev/shm", optional: true,
                    reason: "\(why): host shared memory"))
        }
        return (mounts, nodes)
    }

    /// Paths with "*" or "?" in their last component, expanded against the host, sorted.
    func expandDeviceGlobs(_ patterns: [String]) -> [String] {
        var result: [String] = []
        var listings: [String: [String]] = [:]  // each directory listed once (/dev is long)
        for pattern in patterns {
            let name = Paths.lastComponent(pattern)
            guard Glob.hasWildcards(name) else {
                result.append(pattern)
                continue
            }
            let directory = Paths.parent(of: pattern)
            if listings[directory] == nil { listings[directory] = hostFS.list(directory) ?? [] }
            let names = listings[directory, default: []].filter { Glob.matches(name, $0) }.sorted()
            result += names.map { Paths.join(directory, $0) }
        }
        return result
    }
}
