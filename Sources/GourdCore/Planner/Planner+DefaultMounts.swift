/// The mounts every container gets, and the user's --bind / GOURD_BIND mounts.
extension Planner {
    /// /proc, then `devices` (the /dev mounts), /sys, /tmp and /var/tmp, home, /etc files,
    /// passwd/group; --contain, --home and --no-mount change them (Planner+Containment).
    func defaultMounts(devices: [Mount], notes: inout [String]) throws(PlanError) -> [Mount] {
        let skip = try skippedDefaults()
        var mounts: [Mount] = []
        func system(
            _ kind: Mount.Kind, _ destination: String, readOnly: Bool = false, noDev: Bool = true,
            noExec: Bool = false, reason: String
        ) {
            guard image.kind(destination) == .directory else {
                notes.append("\(destination) is not a directory in the image: not mounted (\(reason))")
                return
            }
            mounts.append(
                Mount(
                    kind: kind, destination: destination, readOnly: readOnly, noDev: noDev,
                    noExec: noExec, optional: true, reason: reason))
        }
        system(.proc, "/proc", noExec: true, reason: "default: procfs of the container's PID namespace")
        mounts += devices
        if !skip.contains("sys") && !skip.contains("/sys") {
            system(.bind(source: "/sys"), "/sys", readOnly: true, noExec: true, reason: "default: host /sys, read-only")
        }
        mounts += temporaryMounts(skip: skip, notes: &notes)
        mounts += try homeChoice(skip: skip, notes: &notes)
        // Files can only be bound over files the image has (it is read-only).
        for file in ["/etc/hosts", "/etc/resolv.conf", "/etc/localtime"] where image.kind(file) == .file && !skip.contains(file) {
            guard let source = hostFS.realPath(file), hostFS.kind(source) == .file else { continue }
            mounts.append(
                Mount(
                    kind: .bind(source: source), destination: file, readOnly: true,
                    recursive: false, optional: true, reason: "default: host \(file)"))
        }
        for name in ["passwd", "group"] where image.kind("/etc/" + name) == .file {
            mounts.append(
                Mount(
                    kind: .generated(name: name), destination: "/etc/" + name, readOnly: true,
                    recursive: false, optional: true,
                    reason: "default: image entries plus the caller's account"))
        }
        return mounts
    }

    /// The caller's home at the same path. A read-only image rarely has /home/USER: when the
    /// nearest existing ancestor is an empty directory (an image's bare /home), an empty tmpfs
    /// over it provides the mount point without hiding anything.
    func homeMounts(notes: inout [String]) -> [Mount] {
        if home == "/" {
            notes.append("home is /: not mounted")
            return []
        }
        guard let source = hostFS.realPath(home), hostFS.kind(source) == .directory else {
            notes.append("home \(home) does not exist on the host: not mounted")
            return []
        }
        let bind = Mount(kind: .bind(source: source), destination: home, reason: "default: the caller's home")
        switch image.kind(home) {
        case .directory:
            return [bind]
        case .some:
            notes.append("home \(home) is not a directory in the image: not mounted")
            return []
        case nil:
            guard let ancestor = Paths.ancestors(home).first(where: { image.kind($0) != nil }),
                image.kind(ancestor) == .directory, image.list(ancestor)?.isEmpty == true,
                let rest = Paths.relative(home, to: ancestor)
            else {
                notes.append("home \(home) has no mount point in the image: not mounted")
                return []
            }
            let parts = rest.split(separator: "/").map(String.init)
            let directories = parts.indices.map { TmpfsEntry.directory(parts[...$0].joined(by: "/")) }
            let tmpfs = Mount(
                kind: .tmpfs(entries: directories), destination: ancestor, readOnly: true,
                recursive: false, reason: "mount point for the caller's home (\(ancestor) is empty in the image)")
            return [tmpfs, bind]
        }
    }

    /// --bind and GOURD_BIND. They are nosuid,nodev like every bind, so a device node bound
    /// this way cannot be opened: only the plan's own device grants work.
    func userMounts(after defaults: [Mount]) throws(PlanError) -> [Mount] {
        var specs: [BindSpec] = []
        for list in ControlVariables(environment: host.environment, personality: request.personality).bindLists() {
            specs += try BindSpec.parseList(list.value, origin: list.name, cwd: host.cwd)
        }
        for text in request.binds {
            specs += try BindSpec.parseList(text, origin: "--bind", cwd: host.cwd)
        }
        var mounts = defaults
        for spec in specs {
            if Self.isProtected(spec.destination) { throw .bindDestinationProtected(spec.destination, origin: spec.origin) }
            if let source = hostFS.realPath(spec.source), hostFS.kind(source) != nil {
                try checkBindAllowed(source, spec: spec)
            }
            let source: String
            switch checkBind(spec.source, onto: spec.destination, after: mounts) {
            case .success(let bind): source = bind.source
            case .failure(.protectedDestination): throw .bindDestinationProtected(spec.destination, origin: spec.origin)
            case .failure(.sourceMissing): throw .bindSourceMissing(spec.source, origin: spec.origin)
            case .failure(.destinationUnreachable): throw .bindDestinationMissing(spec.destination, origin: spec.origin)
            case .failure(.kindMismatch(let sourceIsDirectory)):
                throw .bindKindMismatch(spec.destination, origin: spec.origin, sourceIsDirectory: sourceIsDirectory)
            }
            mounts.append(
                Mount(
                    kind: .bind(source: source), destination: spec.destination, readOnly: spec.readOnly,
                    recursive: true, reason: "\(spec.origin) \(spec.source):\(spec.destination)"))
        }
        return Array(mounts.dropFirst(defaults.count))
    }

    /// What a path inside names: through the last bind that covers it (the host's file), else
    /// in the image.
    func kindInside(_ destination: String, mounts: [Mount]) -> FileKind? {
        guard let index = coveringMount(destination, mounts: mounts) else {
            // A parent of an added mount point is an (added) directory.
            if image.kind(destination) == nil && mounts.contains(where: { $0.destination.hasPrefix(destination + "/") })
                && canAdd(destination, after: [])
            {
                return .directory
            }
            return image.kind(destination)
        }
        let mount = mounts[index]
        let rest = Paths.relative(destination, to: mount.destination) ?? ""
        switch mount.kind {
        case .bind(let source): return hostFS.kind(Paths.join(source, rest))
        case .tmpfs(let entries):
            if rest.isEmpty { return .directory }
            switch entries.first(where: { $0.path == rest }) {
            case .directory?: return .directory
            case .file?: return .file
            case .symlink?: return .other
            case nil: return nil
            }
        case .proc: return rest.isEmpty ? .directory : nil
        case .generated: return rest.isEmpty ? .file : nil
        }
    }

    /// The index of the mount that shows `path` inside: the last one whose destination holds it.
    func coveringMount(_ path: String, mounts: [Mount]) -> Int? {
        mounts.indices.last(where: { Paths.isWithin(path, mounts[$0].destination) })
    }
}
