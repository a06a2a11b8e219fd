/// GPUs inside: the chosen vendor's device nodes, and the host driver's libraries and tools
/// bound read-only into `hostDirectory` (an empty directory gourd's FUSE server adds to the
/// image root), put on LD_LIBRARY_PATH and PATH.
extension Planner {
    public static let hostDirectory = "/.gourd-host"

    /// What the plan gets from the GPU step.
    struct GPUPlan {
        var devices: [DeviceGrant] = []
        var mounts: [Mount] = []
        var environment: [(EnvironmentVariable, String)] = []
        var libraryDirectory: String?
        var binaryDirectory: String?
    }

    var gpuChoice: (GPUChoice, String) {
        if let choice = request.gpu { return (choice, "--gpu=\(choice)") }
        if let origin = policy.gpu.defaultOrigin { return (policy.gpu.defaultChoice, "policy \(origin)") }
        return (.none, "default")
    }

    func gpuSelection(notes: inout [String]) throws(PlanError) -> GPUSelection? {
        let (choice, why) = gpuChoice
        let candidates: [GPUVendor]
        switch choice {
        case .none: return nil
        case .auto, .any: candidates = policy.gpu.vendors
        case .vendor(let name):
            guard let vendor = policy.gpu.vendor(named: name) else {
                throw .unknownGPUVendor(name, known: policy.gpu.vendors.map(\.name))
            }
            candidates = [vendor]
        }
        let selectors = candidates.map { GPUSelector(vendor: $0, hostFS: hostFS, host: host) }
        guard let selector = selectors.first(where: { !$0.present().isEmpty }) else {
            let nodes = candidates.compactMap(\.perGPU.first).joined(separator: ", ")
            if choice == .auto { notes.append("\(why): no GPU device node (\(nodes)) on this host"); return nil }
            throw .gpuUnavailable("\(why): no GPU device node (\(nodes)) on this host")
        }
        let selection = try selector.select()
        notes += selection.notes
        if selection.gpus.isEmpty {
            if choice == .auto { notes.append("\(why): no \(selection.vendor.name) GPU allocated (\(selection.reason))"); return nil }
            throw .gpuUnavailable("\(why): no \(selection.vendor.name) GPU allocated to this process (\(selection.reason))")
        }
        return selection
    }

    func gpuPlan(_ selection: GPUSelection, notes: inout [String], warnings: inout [String]) -> GPUPlan {
        var plan = GPUPlan()
        let vendor = selection.vendor
        let why = "\(gpuChoice.1), \(vendor.name)"
        for gpu in selection.gpus {
            for pattern in vendor.perGPU.compactMap(DevicePattern.init) where hostFS.kind(pattern.path(gpu: gpu)) == .other {
                plan.devices.append(DeviceGrant(path: pattern.path(gpu: gpu), reason: "\(why) GPU \(gpu) (\(selection.reason))"))
            }
        }
        for path in expandDeviceGlobs(vendor.devices) {
            switch hostFS.deviceAccess(path) {
            case .allowed: plan.devices.append(DeviceGrant(path: path, reason: "\(why): shared device"))
            case .forbidden: notes.append("\(path): not bound, this process may not open it")
            case .missing: continue
            }
        }
        for variable in selection.environment {
            plan.environment.append((variable, "\(why): renumbered for the GPUs inside"))
        }
        for variable in vendor.environment {
            plan.environment.append((EnvironmentVariable(variable.name, variable.value), "policy \(variable.origin)"))
        }
        let files = DriverFiles.find(vendor, hostFS: hostFS)
        notes += files.missing.map { "\(vendor.name) driver file \($0) not found on the host" }
        guard !files.isEmpty else { return plan }
        warnings += glibcWarnings(files)
        var entries: [TmpfsEntry] = [.directory("lib"), .directory("bin")]
        for file in files.libraries + files.binaries {
            let inside = Self.hostDirectory + "/" + file.inside
            entries.append(.file(file.inside))
            entries += file.aliases.map { TmpfsEntry.symlink(Paths.parent(of: file.inside) + "/" + $0, target: Paths.lastComponent(file.inside)) }
            plan.mounts.append(Mount(kind: .bind(source: file.source), destination: inside, readOnly: true,
                                     recursive: false, reason: "\(why): host driver file \(file.source)"))
        }
        let tmpfs = Mount(kind: .tmpfs(entries: entries), destination: Self.hostDirectory,
                          readOnly: true, noExec: true, recursive: false, reason: "\(why): host driver files")
        plan.mounts.insert(tmpfs, at: 0)
        if !files.libraries.isEmpty { plan.libraryDirectory = Self.hostDirectory + "/lib" }
        if !files.binaries.isEmpty { plan.binaryDirectory = Self.hostDirectory + "/bin" }
        return plan
    }

    /// A driver library built for a newer glibc than the image's fails to load with a bare
    /// "version `GLIBC_2.34' not found": say so before it happens.
    func glibcWarnings(_ files: DriverFiles) -> [String] {
        guard let imageLibc = ImageGlibc.find(in: image) else { return [] }
        var warnings: [String] = []
        for file in files.libraries + files.binaries {
            let reader: ELFVersions.Reader = { offset, count in hostFS.read(file.source, offset: offset, count: count) }
            guard let needed = ELFVersions.requiredGlibc(reader), needed > imageLibc.version else { continue }
            warnings.append("host driver file \(file.source) needs glibc \(needed), but the image has glibc \(imageLibc.version) (\(imageLibc.path)): programs that load it will fail")
        }
        return warnings
    }
}

/// The host's driver files for one vendor: each library bound once under its real file name,
/// with its other names (sonames, links) as symlinks next to it.
struct DriverFiles {
    struct File: Equatable {
        /// Relative to the host directory: "lib/libcuda.so.550.54.15", "bin/nvidia-smi".
        var inside: String
        var source: String
        var aliases: [String]
    }

    var libraries: [File] = []
    var binaries: [File] = []
    var missing: [String] = []
    var isEmpty: Bool { libraries.isEmpty && binaries.isEmpty }

    static func find(_ vendor: GPUVendor, hostFS: any HostFileSystem) -> DriverFiles {
        var files = DriverFiles()
        var cache: LdSoCache?? = .none
        for library in vendor.libraries {
            var found = vendor.libraryDirectories.flatMap { directory in
                (hostFS.list(directory) ?? []).sorted()
                    .filter { $0 == library || $0.hasPrefix(library + ".") }
                    .map { ($0, Paths.join(directory, $0)) }
            }
            if found.isEmpty {
                if case .none = cache { cache = .some(hostFS.readFile("/etc/ld.so.cache", limit: 64 << 20).flatMap(LdSoCache.parse)) }
                found = (cache ?? nil)?.matching(library).map { ($0.name, $0.path) } ?? []
            }
            if found.isEmpty { files.missing.append(library) }
            for (name, path) in found {
                guard let real = hostFS.realPath(path), hostFS.kind(real) == .file else { continue }
                files.addLibrary(name: name, source: real)
            }
        }
        for binary in vendor.binaries {
            let path = vendor.binaryDirectories.map { Paths.join($0, binary) }.first { hostFS.kind($0) == .file }
            guard let path, let real = hostFS.realPath(path) else { files.missing.append(binary); continue }
            files.binaries.append(File(inside: "bin/" + binary, source: real, aliases: []))
        }
        return files
    }

    mutating func addLibrary(name: String, source: String) {
        let realName = Paths.lastComponent(source)
        if let index = libraries.firstIndex(where: { $0.source == source }) {
            if name != realName && !libraries[index].aliases.contains(name) { libraries[index].aliases.append(name) }
            return
        }
        // Two different files under one name: the first found wins (library_dirs before the cache).
        guard !libraries.contains(where: { $0.inside == "lib/" + realName || $0.aliases.contains(name) }) else { return }
        libraries.append(File(inside: "lib/" + realName, source: source, aliases: name == realName ? [] : [name]))
    }
}

/// The image's C library, to compare with what the host's driver files need.
struct ImageGlibc {
    var path: String
    var version: GlibcVersion

    static let candidates = [
        "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6",
        "/usr/lib64/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/usr/lib/aarch64-linux-gnu/libc.so.6",
        "/lib/libc.so.6", "/usr/lib/libc.so.6",
    ]

    static func find(in image: any ImageView) -> ImageGlibc? {
        for path in candidates where image.kind(path) == .file {
            let reader: ELFVersions.Reader = { offset, count in image.read(path, offset: offset, count: count) }
            if let version = ELFVersions.definedGlibc(reader) { return ImageGlibc(path: path, version: version) }
        }
        return nil
    }
}
