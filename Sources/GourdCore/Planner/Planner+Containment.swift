/// Apptainer's containment and home options: --contain/--containall, --home SRC[:DST],
/// --no-mount, --scratch, --workdir, and the default binds of the current directory and
/// /var/tmp that Apptainer makes (so `cd /scratch/job && gourd exec img ./run.sh` starts
/// there).
extension Planner {
    /// Names --no-mount accepts (Apptainer's), besides absolute destinations of default mounts.
    static let noMountNames: Set<String> = ["home", "tmp", "cwd", "sys", "hostfs"]

    /// Default mounts gourd always makes, which --no-mount cannot remove.
    static let requiredMountNames: [String: String] = [
        "proc": "gourd always mounts the container's own /proc",
        "dev": "gourd always provides /dev (--dev=minimal is the smallest)",
        "devpts": "gourd always provides /dev/pts",
        "bind-paths": "the site policy's binds are the site's decision",
    ]

    /// --no-mount values, checked: unknown ones and ones gourd must make are errors.
    func skippedDefaults() throws(PlanError) -> Set<String> {
        var result: Set<String> = []
        for name in request.noMount {
            if let reason = Self.requiredMountNames[name] { throw .unsupportedOption("--no-mount \(name)", reason) }
            guard Self.noMountNames.contains(name) || name.hasPrefix("/") else {
                throw .badOption("--no-mount", name, reason: "expected home, tmp, cwd, sys, hostfs or the destination of a default mount")
            }
            result.insert(name.hasPrefix("/") ? Paths.normalize(name) : name)
        }
        return result
    }

    /// A writable tmpfs (mode 1777) at `destination`: the contained /tmp, /var/tmp, home and --scratch.
    func privateDirectory(_ destination: String, reason: String) -> Mount {
        Mount(kind: .tmpfs(entries: []), destination: destination, readOnly: false, recursive: false, reason: reason)
    }

    /// /tmp and /var/tmp: the host's (Apptainer shares both), or with --contain private ones
    /// (under --workdir as `tmp` and `var_tmp`, as Apptainer names them, else a tmpfs).
    func temporaryMounts(skip: Set<String>, notes: inout [String]) -> [Mount] {
        guard !skip.contains("tmp") else {
            notes.append("/tmp and /var/tmp not mounted (--no-mount tmp)")
            return []
        }
        var mounts: [Mount] = []
        for (path, workName) in [("/tmp", "tmp"), ("/var/tmp", "var_tmp")] {
            guard !skip.contains(path) else { continue }
            // /tmp is in every image gourd builds; /var/tmp (newer here) is skipped quietly when missing.
            guard image.kind(path) == .directory else {
                if path == "/tmp" || image.kind(path) != nil {
                    notes.append("\(path) is not a directory in the image: not mounted (default: host \(path))")
                }
                continue
            }
            if request.contain {
                if let workspace = request.workspace, let source = hostFS.realPath(Paths.join(workspace, workName)) {
                    mounts.append(Mount(kind: .bind(source: source), destination: path, reason: "--contain: private \(path) in --workdir"))
                } else {
                    mounts.append(privateDirectory(path, reason: "--contain: private \(path) (tmpfs)"))
                }
            } else if let source = hostFS.realPath(path), hostFS.kind(source) == .directory {
                mounts.append(Mount(kind: .bind(source: source), destination: path, optional: true, reason: "default: host \(path)"))
            }
        }
        return mounts
    }

    /// The home mounts: --home SRC[:DST] (a bind that must work), else with --contain an empty
    /// private home, else the caller's home (unless --no-home / --no-mount home).
    func homeChoice(skip: Set<String>, notes: inout [String]) throws(PlanError) -> [Mount] {
        if let spec = request.homeSpec {
            let (source, destination) = try homeBind(spec)
            switch checkBind(source, onto: destination, after: [], directoriesOnly: true) {
            case .success(let bind):
                return [Mount(kind: .bind(source: bind.source), destination: destination, reason: "--home \(spec)")]
            case .failure(.sourceMissing): throw .bindSourceMissing(source, origin: "--home")
            case .failure(.protectedDestination): throw .bindDestinationProtected(destination, origin: "--home")
            case .failure: throw .bindDestinationMissing(destination, origin: "--home")
            }
        }
        if !request.mountHome || skip.contains("home") {
            notes.append("home \(home) not mounted (\(request.mountHome ? "--no-mount home" : "--no-home"))")
            return []
        }
        if request.contain {
            guard home != "/", canAdd(home, after: []) || image.kind(home) == .directory else {
                notes.append("--contain: no private home at \(home) (no mount point in the image)")
                return []
            }
            return [privateDirectory(home, reason: "--contain: private, empty home")]
        }
        return homeMounts(notes: &notes)
    }

    /// SRC[:DST] of --home, absolute and normalized; DST defaults to SRC.
    func homeBind(_ spec: String) throws(PlanError) -> (String, String) {
        let fields = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(fields.count), !fields[0].isEmpty, fields.count == 1 || fields[1].hasPrefix("/") else {
            throw .badOption("--home", spec, reason: "expected SRC[:DST] with an absolute DST")
        }
        let source = Paths.normalize(fields[0].hasPrefix("/") ? fields[0] : host.cwd + "/" + fields[0])
        return (source, fields.count == 2 ? Paths.normalize(fields[1]) : source)
    }

    /// HOME inside: --home's destination, else the caller's home.
    var homeInside: String {
        guard let spec = request.homeSpec, let pair = try? homeBind(spec) else { return home }
        return pair.1
    }

    /// --scratch: an empty writable directory at each path, under --workdir (`scratch/NAME`)
    /// when given, else a tmpfs.
    func scratchMounts(after mounts: [Mount]) throws(PlanError) -> [Mount] {
        var result: [Mount] = []
        for path in request.scratch {
            guard path.hasPrefix("/") else { throw .badOption("--scratch", path, reason: "not an absolute path") }
            let destination = Paths.normalize(path)
            guard !Self.isProtected(destination),
                kindInside(destination, mounts: mounts + result) == .directory
                    || canAdd(destination, after: mounts + result)
            else {
                throw .bindDestinationMissing(destination, origin: "--scratch")
            }
            if let workspace = request.workspace,
                let source = hostFS.realPath(
                    Paths.join(workspace, "scratch/" + (destination.split(separator: "/").last.map(String.init) ?? "root")))
            {
                result.append(Mount(kind: .bind(source: source), destination: destination, reason: "--scratch in --workdir"))
            } else {
                result.append(privateDirectory(destination, reason: "--scratch (tmpfs)"))
            }
        }
        return result
    }

    /// Operating-system directories Apptainer never binds the current directory over.
    static let systemDirectories: Set<String> = ["/", "/etc", "/bin", "/mnt", "/usr", "/var", "/opt", "/sbin", "/lib", "/lib64"]

    /// The caller's current directory at the same path, as Apptainer binds it, unless it is
    /// already visible through another bind (home, /tmp), contained, --no-mount cwd, or a
    /// system directory. A directory that cannot be bound is skipped with a note.
    func currentDirectoryMount(after mounts: [Mount], skip: Set<String>, notes: inout [String]) -> [Mount] {
        let cwd = host.cwd
        if request.contain || skip.contains("cwd") || Self.systemDirectories.contains(cwd)
            || ["/sys", "/proc", "/dev"].contains(where: { Paths.isWithin(cwd, $0) })
        {
            return []
        }
        if insidePath(ofHost: cwd, mounts: mounts) != nil { return [] }
        switch checkBind(cwd, onto: cwd, after: mounts, directoriesOnly: true) {
        case .success(let bind):
            return [Mount(kind: .bind(source: bind.source), destination: cwd, reason: "default: the current directory")]
        case .failure:
            notes.append("current directory \(cwd) not mounted: it cannot be bound at the same path")
            return []
        }
    }
}

extension Planner {
    /// --net/--network, --hostname/--uts and --ipc. Unprivileged, only an empty network
    /// namespace is possible (Apptainer's other networks are CNI set-ups that need root).
    func containerNamespaces() throws(PlanError) -> ContainerNamespaces {
        var namespaces = ContainerNamespaces(uts: request.uts, ipc: request.ipc)
        if let network = request.network {
            let types = ApptainerList.split(network)
            guard !types.isEmpty, types.allSatisfy({ $0 == "none" }) else {
                throw .unsupportedOption(
                    "--network \(network)",
                    "only 'none' (a network namespace with loopback only): other networks need root (Apptainer's CNI set-up)")
            }
            namespaces.network = true
        } else if request.net {
            throw .unsupportedOption(
                "--net without --network none", "gourd can only give an empty network namespace (loopback only): add --network none")
        }
        if let name = request.hostname {
            guard (1...64).contains(name.utf8.count),
                name.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == ".")
                })
            else { throw .badOption("--hostname", name, reason: "expected 1 to 64 letters, digits, '-' or '.'") }
            namespaces.uts = true
            namespaces.hostname = name
        }
        return namespaces
    }
}
