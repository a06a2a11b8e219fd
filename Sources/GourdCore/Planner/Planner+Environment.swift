/// The workload's environment, layer by layer (see `EnvironmentRules`), with the reason each
/// variable differs from the caller's.
extension Planner {
    struct EnvironmentResult {
        var variables: [EnvironmentVariable]
        var changes: [EnvironmentChange]
        /// The user's overrides, re-applied after Apptainer's env scripts.
        var overrides: [Override]
        /// Path-list appends (LD_LIBRARY_PATH, PATH), also re-applied after those scripts.
        var appends: [EnvironmentVariable]
        /// PREPEND_PATH, re-applied after those scripts too.
        var prepends: [EnvironmentVariable] = []
    }

    /// The one composition of the workload's environment, in the README's order (later wins):
    /// 1. the host's variables that `EnvironmentRules.passesThrough` (and the policy allows);
    /// 2. the default PATH, then the image metadata's environment;
    /// 3. the site policy's `[environment] set`;
    /// 4. HOME, GOURD_CONTAINER (PS1 for shell), the GPU variables;
    /// 5. GOURDENV_NAME from the host, then --env;
    /// 6. the GPU driver directories appended to LD_LIBRARY_PATH and PATH.
    func composeEnvironment(
        identity: Identity, location: ImageLocation, metadata: ImageMetadata,
        gpu: GPUPlan
    ) throws(PlanError) -> EnvironmentResult {
        var env = OrderedEnvironment()
        var reasons: [String: String] = [:]
        func set(_ variable: EnvironmentVariable, _ reason: String) {
            env.set(variable)
            reasons[variable.name] = reason
        }
        let forbidden = policy.environment
        for variable in host.environment
        where EnvironmentRules.passesThrough(variable.name, clean: request.cleanEnvironment)
            && forbidden.forbidding(variable.name) == nil
        {
            env.set(variable)
        }
        set(EnvironmentVariable("PATH", EnvironmentRules.defaultPath), "default PATH (the host's names host directories)")
        for variable in try metadata.environment() { set(variable, "image metadata") }
        for variable in policy.environment.set { set(EnvironmentVariable(variable.name, variable.value), "policy \(variable.origin)") }
        set(EnvironmentVariable("HOME", identity.home), "the caller's home")
        set(EnvironmentVariable("GOURD_CONTAINER", location.path), "the image gourd runs")
        for variable in ApptainerRuntimeVariables.inside(image: location.path) { set(variable, "the image gourd runs (Apptainer's name)") }
        if case .shell = request.mode { set(EnvironmentVariable("PS1", "gourd> "), "gourd shell prompt") }
        for (variable, reason) in gpu.environment { set(variable, reason) }
        let (overrides, pathEdits) = try userOverrides()
        for override in overrides {
            set(override.variable, override.origin + (override.shellWord == nil ? "" : " (evaluated by the image's shell)"))
        }
        var appends: [EnvironmentVariable] = []
        var prepends: [EnvironmentVariable] = []
        if let prepend = pathEdits.prepend {
            let current = env.variables.last(where: { $0.name == "PATH" })?.value ?? ""
            set(EnvironmentVariable("PATH", current.isEmpty ? prepend.0 : prepend.0 + ":" + current), "\(prepend.1) prepended")
            prepends.append(EnvironmentVariable("PATH", prepend.0))
        }
        if let append = pathEdits.append {
            let current = env.variables.last(where: { $0.name == "PATH" })?.value ?? ""
            set(EnvironmentVariable("PATH", current.isEmpty ? append.0 : current + ":" + append.0), "\(append.1) appended")
            appends.append(EnvironmentVariable("PATH", append.0))
        }
        for (name, directory) in [("LD_LIBRARY_PATH", gpu.libraryDirectory), ("PATH", gpu.binaryDirectory)] {
            guard let directory else { continue }
            let current = env.variables.last(where: { $0.name == name })?.value ?? ""
            set(
                EnvironmentVariable(name, current.isEmpty ? directory : current + ":" + directory),
                "\(reasons[name].map { $0 + ", " } ?? "")host GPU driver files appended")
            appends.append(EnvironmentVariable(name, directory))
        }
        return EnvironmentResult(
            variables: env.variables, changes: changes(env.variables, reasons: reasons),
            overrides: overrides, appends: appends, prepends: prepends)
    }

    /// One variable the user set (host family, --env-file, --env), in the order Apptainer
    /// applies them. `shellWord`: how the container's shell evaluates it, when its value
    /// expands there (`$HOME/x`, `\$PATH:/opt`, `$(hostname)`); nil: taken as it is.
    struct Override {
        var variable: EnvironmentVariable
        var origin: String
        var shellWord: String?
    }

    /// The user's path edits: (directories, origin) for PREPEND_PATH and APPEND_PATH.
    struct PathEdits {
        var prepend: (String, String)?
        var append: (String, String)?
    }

    /// From the host, the injection families (GOURDENV_NAME, APPTAINERENV_NAME,
    /// SINGULARITYENV_NAME, lowest precedence first), then --env-file lines, then --env, as
    /// Apptainer orders them; a name the policy forbids is an error. PREPEND_PATH and
    /// APPEND_PATH (from any of them) edit PATH instead.
    func userOverrides() throws(PlanError) -> ([Override], PathEdits) {
        let injected = try ControlVariables(environment: host.environment, personality: request.personality).injected()
        var candidates = try injected.variables.map { (found) throws(PlanError) in
            try injectedOverride(found.variable, origin: "host \(found.origin)")
        }
        var edits = PathEdits(
            prepend: injected.prependPath.map { ($0.variable.value, "host \($0.origin)") },
            append: injected.appendPath.map { ($0.variable.value, "host \($0.origin)") })
        for file in request.envFiles {
            candidates += try environmentFile(file).map {
                Override(variable: $0.variable, origin: "--env-file \(file)", shellWord: request.noEval ? nil : $0.shellText)
            }
        }
        for variable in try EnvironmentRules.flagOverrides(request.environment) {
            candidates.append(try injectedOverride(variable, origin: "--env"))
        }
        var result: [Override] = []
        for candidate in candidates {
            let (variable, origin) = (candidate.variable, candidate.origin)
            if let rule = policy.environment.forbidding(variable.name) {
                throw .environmentForbidden(variable.name, origin: origin, rule: rule.origin)
            }
            switch variable.name {
            case "PREPEND_PATH" where !origin.hasPrefix("host"): edits.prepend = (variable.value, origin)
            case "APPEND_PATH" where !origin.hasPrefix("host"): edits.append = (variable.value, origin)
            default: result.append(candidate)
            }
        }
        if edits.prepend != nil || edits.append != nil, let rule = policy.environment.forbidding("PATH") {
            throw .environmentForbidden("PATH", origin: (edits.prepend ?? edits.append)!.1, rule: rule.origin)
        }
        return (result, edits)
    }

    /// An APPTAINERENV_ (or GOURDENV_, SINGULARITYENV_) or --env value: Apptainer injects it as
    /// `export NAME="value"`, so `$NAME`, `${...}` and `$(...)` expand in the container and
    /// `\$` keeps a literal `$` (its "Evaluating container variables"); --no-eval keeps
    /// every value as it is.
    func injectedOverride(_ variable: EnvironmentVariable, origin: String) throws(PlanError) -> Override {
        guard !request.noEval, ShellWord.needsEvaluation(variable.value) else {
            return Override(variable: variable, origin: origin, shellWord: nil)
        }
        switch ShellWord.doubleQuoted(variable.value) {
        case .success(let word): return Override(variable: variable, origin: origin, shellWord: word)
        case .failure(let error): throw .badEnvironmentValue(variable.name, origin: origin, reason: error.reason)
        }
    }

    /// --env-file: NAME=VALUE lines (`export ` allowed, `#` comments, shell quoting); the
    /// values that expand are evaluated in the container (`EnvironmentFile`).
    func environmentFile(_ path: String) throws(PlanError) -> [EnvironmentFile.Line] {
        let absolute = path.hasPrefix("/") ? path : host.cwd + "/" + path
        guard hostFS.kind(absolute) == .file, let bytes = hostFS.readFile(absolute, limit: 1 << 20) else {
            throw .badEnvironmentFile(path, reason: "cannot be read")
        }
        return try EnvironmentFile.lines(String(decoding: bytes, as: UTF8.self), path: path)
    }

    func changes(_ final: [EnvironmentVariable], reasons: [String: String]) -> [EnvironmentChange] {
        var result: [EnvironmentChange] = []
        for variable in final where host.variable(variable.name) != variable.value {
            result.append(EnvironmentChange(name: variable.name, value: variable.value, reason: reasons[variable.name] ?? "set"))
        }
        for variable in host.environment where !final.contains(where: { $0.name == variable.name }) {
            guard !result.contains(where: { $0.name == variable.name }) else { continue }
            result.append(EnvironmentChange(name: variable.name, value: nil, reason: removalReason(variable.name)))
        }
        return result
    }

    func removalReason(_ name: String) -> String {
        if let rule = policy.environment.forbidding(name) { return "forbidden by policy \(rule.origin)" }
        if request.cleanEnvironment { return "--cleanenv" }
        if EnvironmentRules.blockedPrefixes.contains(where: { name.hasPrefix($0) }) { return "gourd's own control variable" }
        return "the host's value would break the image's programs"
    }
}
