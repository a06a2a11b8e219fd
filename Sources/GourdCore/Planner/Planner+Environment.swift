/// The workload's environment, layer by layer (see `EnvironmentRules`), with the reason each
/// variable differs from the caller's.
extension Planner {
    struct EnvironmentResult {
        var variables: [EnvironmentVariable]
        var changes: [EnvironmentChange]
        /// The user's overrides, re-applied after Apptainer's env scripts.
        var overrides: [EnvironmentVariable]
        /// Path-list appends (LD_LIBRARY_PATH, PATH), also re-applied after those scripts.
        var appends: [EnvironmentVariable]
    }

    /// The one composition of the workload's environment, in the README's order (later wins):
    /// 1. the host's variables that `EnvironmentRules.passesThrough` (and the policy allows);
    /// 2. the default PATH, then the image metadata's environment;
    /// 3. the site policy's `[environment] set`;
    /// 4. HOME, GOURD_CONTAINER (PS1 for shell), the GPU variables;
    /// 5. GOURDENV_NAME from the host, then --env;
    /// 6. the GPU driver directories appended to LD_LIBRARY_PATH and PATH.
    func composeEnvironment(identity: Identity, location: ImageLocation, metadata: ImageMetadata,
                            gpu: GPUPlan) throws(PlanError) -> EnvironmentResult {
        var env = OrderedEnvironment()
        var reasons: [String: String] = [:]
        func set(_ variable: EnvironmentVariable, _ reason: String) {
            env.set(variable)
            reasons[variable.name] = reason
        }
        let forbidden = policy.environment
        for variable in host.environment where EnvironmentRules.passesThrough(variable.name, clean: request.cleanEnvironment)
            && forbidden.forbidding(variable.name) == nil {
            env.set(variable)
        }
        set(EnvironmentVariable("PATH", EnvironmentRules.defaultPath), "default PATH (the host's names host directories)")
        for variable in try metadata.environment() { set(variable, "image metadata") }
        for variable in policy.environment.set { set(EnvironmentVariable(variable.name, variable.value), "policy \(variable.origin)") }
        set(EnvironmentVariable("HOME", identity.home), "the caller's home")
        set(EnvironmentVariable("GOURD_CONTAINER", location.path), "the image gourd runs")
        if case .shell = request.mode { set(EnvironmentVariable("PS1", "gourd> "), "gourd shell prompt") }
        for (variable, reason) in gpu.environment { set(variable, reason) }
        let overrides = try userOverrides()
        for (variable, origin) in overrides { set(variable, origin) }
        var appends: [EnvironmentVariable] = []
        for (name, directory) in [("LD_LIBRARY_PATH", gpu.libraryDirectory), ("PATH", gpu.binaryDirectory)] {
            guard let directory else { continue }
            let current = env.variables.last(where: { $0.name == name })?.value ?? ""
            set(EnvironmentVariable(name, current.isEmpty ? directory : current + ":" + directory),
                "\(reasons[name].map { $0 + ", " } ?? "")host GPU driver files appended")
            appends.append(EnvironmentVariable(name, directory))
        }
        return EnvironmentResult(variables: env.variables, changes: changes(env.variables, reasons: reasons),
                                 overrides: overrides.map(\.0), appends: appends)
    }

    /// GOURDENV_NAME from the host, then --env; a name the policy forbids is an error.
    func userOverrides() throws(PlanError) -> [(EnvironmentVariable, String)] {
        let variables = try EnvironmentRules.userOverrides(host: host.environment, flags: request.environment)
        let fromHost = host.environment.filter { $0.name.hasPrefix("GOURDENV_") }.count
        var result: [(EnvironmentVariable, String)] = []
        for (index, variable) in variables.enumerated() {
            let origin = index < fromHost ? "host GOURDENV_\(variable.name)" : "--env"
            if let rule = policy.environment.forbidding(variable.name) {
                throw .environmentForbidden(variable.name, origin: origin, rule: rule.origin)
            }
            result.append((variable, origin))
        }
        return result
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
