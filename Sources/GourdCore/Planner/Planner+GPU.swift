import GourdFormats

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
            let nodes = candidates.compactMap(\.perGPU.first).joined(by: ", ")
            if choice == .auto {
                notes.append("\(why): no GPU device node (\(nodes)) on this host")
                return nil
            }
            throw .gpuUnavailable("\(why): no GPU device node (\(nodes)) on this host")
        }
        let selection = try selector.select()
        notes += selection.notes
        if selection.gpus.isEmpty {
            if choice == .auto {
                notes.append("\(why): no \(selection.vendor.name) GPU allocated (\(selection.reason))")
                return nil
            }
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
            entries += file.aliases.map {
                TmpfsEntry.symlink(Paths.parent(of: file.inside) + "/" + $0, target: Paths.lastComponent(file.inside))
            }
            plan.mounts.append(
                Mount(
                    kind: .bind(source: file.source), destination: inside, readOnly: true,
                    recursive: false, reason: "\(why): host driver file \(file.source)"))
        }
        let tmpfs = Mount(
            kind: .tmpfs(entries: entries), destination: Self.hostDirectory,
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
            warnings.append(
                "host driver file \(file.source) needs glibc \(needed), but the image has glibc \(imageLibc.version) (\(imageLibc.path)): programs that load it will fail"
            )
        }
        return warnings
    }
}
