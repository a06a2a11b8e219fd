/// Resolves a `LaunchRequest` against the host and the image into a `LaunchPlan`.
/// Pure: it asks `HostFileSystem` and `ImageView` questions and changes nothing.
public struct Planner {
    public let request: LaunchRequest
    public let host: HostContext
    public let hostFS: any HostFileSystem
    public let image: any ImageView
    public let policy: Policy

    public init(
        request: LaunchRequest, host: HostContext, hostFS: any HostFileSystem, image: any ImageView,
        policy: Policy = .builtIn
    ) {
        self.request = request
        self.host = host
        self.hostFS = hostFS
        self.image = image
        self.policy = policy
    }

    /// `imageChecks`: what the image passed of the policy's `[images]` rules (the runtime
    /// checks them on the open file), carried into the plan for `gourd plan` to show.
    public func plan(image location: ImageLocation, imageChecks: [String] = []) throws(PlanError) -> LaunchPlan {
        let metadata = try ImageMetadata.read(from: image)
        var notes: [String] = []
        var warnings: [String] = []
        let gpu = try gpuSelection(notes: &notes).map { gpuPlan($0, notes: &notes, warnings: &warnings) } ?? GPUPlan()
        let dev = deviceMounts(granted: gpu.devices, notes: &notes)
        var mounts = try defaultMounts(devices: dev.mounts, notes: &notes)
        mounts += gpu.mounts
        mounts += schedulerMounts(after: mounts, notes: &notes)
        mounts += try policyMounts(after: mounts, notes: &notes)
        mounts += try userMounts(after: mounts)
        mounts += try scratchMounts(after: mounts)
        mounts += currentDirectoryMount(after: mounts, skip: try skippedDefaults(), notes: &notes)
        let identity = containerIdentity()
        let generated = [
            GeneratedFile(name: "passwd", contents: AccountFiles.passwd(image: image.readText("/etc/passwd"), identity: identity)),
            GeneratedFile(name: "group", contents: AccountFiles.group(image: image.readText("/etc/group"), identity: identity)),
        ]
        let environment = try composeEnvironment(identity: identity, location: location, metadata: metadata, gpu: gpu)
        let argv = wrapForEnvScripts(
            try command(metadata: metadata), metadata: metadata,
            overrides: environment.overrides, appends: environment.appends,
            prepends: environment.prepends)
        if environment.overrides.contains(where: { $0.shellWord != nil }) && ApptainerLayout.scriptShell(image) == nil {
            warnings.append("variables with $ or ` are taken as written: the image has no /bin/sh to evaluate them")
        }
        let namespaces = try containerNamespaces()
        let overlay = try overlayPlan(notes: &notes)
        var share = ShareScope.decide(request.share, host: host)
        if share != nil && (!namespaces.isEmpty || overlay != nil) {
            let why = overlay != nil ? (request.overlays.isEmpty ? "--writable-tmpfs" : "--overlay") : namespaces.summary
            notes.append("not sharing a container with other ranks: \(why) asked for this launch's own container")
            share = nil
        }
        var plan = LaunchPlan(
            image: location, identity: identity, mounts: mounts, generatedFiles: generated,
            environment: environment.variables, argv: argv,
            searchPath: environment.variables.last(where: { $0.name == "PATH" })?.value ?? EnvironmentRules.defaultPath,
            workdir: try workdir(mounts: mounts, metadata: metadata, overlay: overlay), notes: notes, warnings: warnings,
            devices: dev.devices,
            environmentChanges: environment.changes, addedMountPoints: addedMountPoints(for: mounts),
            policyFile: policy.file, imageChecks: imageChecks, share: share)
        plan.serving = try servingPlan()
        plan.namespaces = namespaces
        plan.writableTmpfs = overlay?.upper == .tmpfs
        plan.overlay = overlay
        return plan
    }

    /// The caller's home as an absolute path without "." or "..": the same inside and outside.
    var home: String { Paths.normalize(host.identity.home) }

    /// The identity inside: the caller's, with a login shell the image actually has.
    func containerIdentity() -> Identity {
        var identity = host.identity
        identity.home = homeInside
        if image.kind(identity.shell) != .file { identity.shell = "/bin/sh" }
        return identity
    }

    // MARK: argv

    func command(metadata: ImageMetadata) throws(PlanError) -> [String] {
        switch request.mode {
        case .exec(let argv):
            guard let first = argv.first, !first.isEmpty else { throw .noCommand }
            return argv
        case .run(let args):
            return metadata.runArgv(args)
        case .shell(let shell):
            let chosen = shell ?? (image.kind("/bin/bash") == .file ? "/bin/bash" : "/bin/sh")
            guard image.kind(chosen) == .file else { throw .shellMissing(chosen) }
            return [chosen]
        }
    }

    /// Apptainer images set their environment with shell scripts in /.singularity.d/env: source
    /// them with the image's bash when it has one (Apptainer evaluates them with a bash-like
    /// interpreter, so `source`, `[[` and arrays work even where /bin/sh is dash), else its
    /// /bin/sh; then re-apply the user's overrides and path edits (they win), then exec.
    /// Overrides whose values expand (`Override.shellWord`) are evaluated there, in order,
    /// as Apptainer's injected `export NAME="value"` lines are: that alone also needs the
    /// shell, even in an image without env scripts.
    func wrapForEnvScripts(
        _ argv: [String], metadata: ImageMetadata, overrides: [Override],
        appends: [EnvironmentVariable] = [], prepends: [EnvironmentVariable] = []
    ) -> [String] {
        let sources = !metadata.apptainerEnvScripts.isEmpty
        let evaluates = overrides.contains { $0.shellWord != nil }
        guard sources || evaluates, let shell = ApptainerLayout.scriptShell(image) else { return argv }
        var script = sources ? ApptainerLayout.sourceEnvironmentScripts : ""
        for override in overrides {
            let name = override.variable.name
            if let word = override.shellWord {
                // An assignment, not `export NAME=word`: no field splitting in any sh; the
                // newline ends a `# comment` an --env-file line may carry.
                script += "\(name)=\(word)\nexport \(name); "
            } else {
                script += "export \(name)=\(ShellQuote.quote(override.variable.value)); "
            }
        }
        // Path edits once: the environment gourd passes already has them, and a script that
        // leaves PATH alone must not get them twice.
        for variable in prepends {
            let name = variable.name
            let value = ShellQuote.quote(variable.value)
            script += "case \"$\(name)\" in \(value)|\(value):*) ;; *) export \(name)=\(value)\"${\(name):+:$\(name)}\";; esac; "
        }
        for variable in appends {
            let name = variable.name
            let value = ShellQuote.quote(variable.value)
            script += "case \"$\(name)\" in \(value)|*:\(value)) ;; *) export \(name)=\"${\(name):+$\(name):}\"\(value);; esac; "
        }
        script += "exec \"$@\""
        return [shell, "-c", script, "gourd"] + argv
    }

    // MARK: working directory

    /// --pwd when given (it must be a directory inside); else the caller's directory when it exists inside (through the home or /tmp binds, or in the
    /// image, unless a mount hides it there), else home, else "/".
    /// `overlay`: a directory an overlay's host directories hold (made there by an earlier
    /// launch) is one inside too, when no mount covers it.
    func workdir(mounts: [Mount], metadata: ImageMetadata = ImageMetadata(), overlay: OverlayPlan? = nil) throws(PlanError) -> String {
        if let requested = request.workdir {
            let path = Paths.normalize(requested)
            guard
                requested.hasPrefix("/"),
                kindInside(path, mounts: mounts) == .directory
                    || (coveringMount(path, mounts: mounts) == nil && overlayHasDirectory(path, overlay))
            else {
                throw .badWorkdir(requested)
            }
            return path
        }
        // `gourd run` behaves like `docker run`: the image's WorkingDir, when it has one.
        if case .run = request.mode, let wanted = metadata.gourd?.workingDir, wanted.hasPrefix("/"),
            kindInside(Paths.normalize(wanted), mounts: mounts) == .directory
        {
            return Paths.normalize(wanted)
        }
        if let inside = insidePath(ofHost: host.cwd, mounts: mounts) { return inside }
        if coveringMount(host.cwd, mounts: mounts) == nil && image.kind(host.cwd) == .directory { return host.cwd }
        if kindInside(homeInside, mounts: mounts) == .directory { return homeInside }
        return "/"
    }

    /// Where a host path appears inside: through a bind whose source holds it, provided that
    /// no later mount covers the resulting path.
    func insidePath(ofHost path: String, mounts: [Mount]) -> String? {
        for index in mounts.indices.reversed() {
            guard case .bind(let source) = mounts[index].kind, let rest = Paths.relative(path, to: source) else { continue }
            let inside = Paths.join(mounts[index].destination, rest)
            if coveringMount(inside, mounts: mounts) == index { return inside }
        }
        return nil
    }
}
