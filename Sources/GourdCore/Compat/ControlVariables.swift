/// gourd's and Apptainer's host variables that steer a launch: `GOURD_BIND`,
/// `APPTAINER_BIND`, `SINGULARITY_BIND`, the environment forms of flags (`APPTAINER_CLEANENV`...),
/// and the families that set variables inside (`GOURDENV_`, `APPTAINERENV_`, `SINGULARITYENV_`).
/// Which family wins is the personality's (`CommandPersonality.controlPrefixes`).
public struct ControlVariables: Sendable {
    public let environment: [EnvironmentVariable]
    public let personality: CommandPersonality

    /// The host's control variables (a name under one of `personality.controlPrefixes`) by
    /// name, the last assignment winning. Built once: a launch looks up ~60 keys, and comparing
    /// each against every host variable was a third of a warm launch's planning time. (One
    /// dictionary of a type the launch uses anyway: a new generic type's first use costs the
    /// Swift runtime ~0.1 ms of metadata work.)
    private let controls: [String: String]

    public init(environment: [EnvironmentVariable], personality: CommandPersonality) {
        self.environment = environment
        self.personality = personality
        let prefixes = personality.controlPrefixes
        var controls: [String: String] = [:]
        for variable in environment where prefixes.contains(where: { variable.name.hasPrefix($0) }) {
            controls[variable.name] = variable.value
        }
        self.controls = controls
    }

    /// A control variable found under one prefix: its full name (for messages) and value.
    public struct Found: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    /// The first family (in precedence order) that sets one of `keys` ("BIND", "BINDPATH").
    public func lookup(_ keys: String...) -> Found? {
        for prefix in personality.controlPrefixes {
            for key in keys {
                let name = prefix + key
                if let value = controls[name] { return Found(name: name, value: value) }
            }
        }
        return nil
    }

    /// Bind lists from the environment, lowest precedence first (a later bind of the same
    /// destination is the one seen): gourd's `GOURD_BIND` and Apptainer's list (APPTAINER_BIND,
    /// else APPTAINER_BINDPATH, else the SINGULARITY_ names, as Apptainer reads them) both apply.
    public func bindLists() -> [Found] {
        let gourd = environment.last(where: { $0.name == "GOURD_BIND" }).map { Found(name: $0.name, value: $0.value) }
        var apptainer: Found?
        for name in ["APPTAINER_BIND", "APPTAINER_BINDPATH", "SINGULARITY_BIND", "SINGULARITY_BINDPATH"] {
            if let value = environment.last(where: { $0.name == name })?.value {
                apptainer = Found(name: name, value: value)
                break
            }
        }
        let ordered = personality.isApptainer ? [gourd, apptainer] : [apptainer, gourd]
        return ordered.compactMap { $0 }
    }

    /// A variable set inside through `PREFIX` + NAME on the host.
    public struct Injected: Sendable, Equatable {
        public let variable: EnvironmentVariable
        /// The host variable's full name ("APPTAINERENV_FOO").
        public let origin: String
    }

    /// Variables to set inside, lowest precedence first (so the winning family's value is set
    /// last). `PREPEND_PATH` and `APPEND_PATH` are not variables: Apptainer adds them to PATH.
    public func injected() throws(PlanError) -> (variables: [Injected], prependPath: Injected?, appendPath: Injected?) {
        var variables: [Injected] = []
        var prepend: Injected?
        var append: Injected?
        for prefix in personality.injectionPrefixes.reversed() {
            for variable in environment where variable.name.hasPrefix(prefix) {
                let name = String(variable.name.dropFirst(prefix.count))
                guard EnvironmentRules.isValidName(name) else {
                    throw .badEnvironment(variable.assignment, origin: "host variable")
                }
                let item = Injected(variable: EnvironmentVariable(name, variable.value), origin: variable.name)
                switch name {
                case "PREPEND_PATH": prepend = item
                case "APPEND_PATH": append = item
                default: variables.append(item)
                }
            }
        }
        return (variables, prepend, append)
    }

    /// Apptainer's control and injection families are for the launcher, not the workload
    /// (Apptainer does not forward APPTAINER_* either).
    public static let blockedPrefixes = ["APPTAINER_", "APPTAINERENV_", "SINGULARITY_", "SINGULARITYENV_"]
}
