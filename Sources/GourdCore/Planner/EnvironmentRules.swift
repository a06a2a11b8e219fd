/// The rules the environment composition (`Planner.composeEnvironment`, which documents the
/// order of the layers) applies: which host variables pass, the default PATH, and how user
/// overrides are spelled and checked.
public enum EnvironmentRules {
    /// Host variables that would break the image: the host's PATH names host directories, and
    /// the loader variables make the image's programs load host libraries built for another
    /// libc. The user may still set them with --env or GOURDENV_.
    public static let blockedNames: Set<String> = [
        "PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "PS1", "PROMPT_COMMAND",
    ]
    /// gourd's own control variables are for the launcher, not the workload.
    /// Apptainer's families too: Apptainer does not forward APPTAINER_* and transposes *ENV_*.
    public static let blockedPrefixes = ["GOURD_", "GOURDENV_"] + ControlVariables.blockedPrefixes
    /// What --cleanenv keeps from the host (plus LC_* locale variables).
    public static let cleanNames: Set<String> = ["HOME", "USER", "LOGNAME", "TERM", "LANG", "TZ", "COLUMNS", "LINES"]
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !(("0"..."9").contains(first)) else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
    }

    /// Splits "NAME=VALUE"; nil when there is no "=" or the name is not a valid identifier.
    public static func split(_ assignment: String) -> EnvironmentVariable? {
        guard let eq = assignment.firstIndex(of: "=") else { return nil }
        let name = String(assignment[..<eq])
        guard isValidName(name) else { return nil }
        return EnvironmentVariable(name, String(assignment[assignment.index(after: eq)...]))
    }

    /// Splits any "NAME=VALUE" the host has, even with unusual names (they pass through).
    public static func splitHost(_ assignment: String) -> EnvironmentVariable? {
        guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else { return nil }
        return EnvironmentVariable(String(assignment[..<eq]), String(assignment[assignment.index(after: eq)...]))
    }

    static func passesThrough(_ name: String, clean: Bool) -> Bool {
        if clean { return cleanNames.contains(name) || name.hasPrefix("LC_") }
        if blockedNames.contains(name) { return false }
        return !blockedPrefixes.contains(where: { name.hasPrefix($0) })
    }

    /// The user's overrides: the host's injection families (GOURDENV_NAME, APPTAINERENV_NAME,
    /// SINGULARITYENV_NAME; the personality's first family wins), then --env flags (in that
    /// order). PREPEND_PATH and APPEND_PATH are left to the planner.
    public static func userOverrides(
        host: [EnvironmentVariable], flags: [String],
        personality: CommandPersonality = .gourd
    ) throws(PlanError) -> [EnvironmentVariable] {
        let injected = try ControlVariables(environment: host, personality: personality).injected()
        return injected.variables.map(\.variable) + (try flagOverrides(flags))
    }

    /// --env values: each an Apptainer list (`--env A=1,B=2` sets two; `--env 'A="1,2"'` one).
    public static func flagOverrides(_ flags: [String], origin: String = "--env") throws(PlanError) -> [EnvironmentVariable] {
        var result: [EnvironmentVariable] = []
        for flag in flags {
            let items = ApptainerList.split(flag)
            guard !items.isEmpty else { throw .badEnvironment(flag, origin: origin) }
            for item in items {
                guard let variable = split(item) else { throw .badEnvironment(flag, origin: origin) }
                result.append(variable)
            }
        }
        return result
    }
}
